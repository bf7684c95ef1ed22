"""`run_raw_checks`: the raw suites ingest runs on a staged dataset (docs/data-quality.md).

Each error-level check gets a violating row appended to an otherwise valid dataset; all of them
go into one staged dataset per source (one GX run), and each test asserts its own check: it
blocks, names the column, and points at exactly the appended rows. Warn-level checks the same
way, in a dataset that must not block.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import pytest
from dq_datasets import (
    CRP,
    IL6,
    LOCAL_CRP,
    MDD,
    PHQ9,
    PHQ9_CHILD,
    STAGE,
    Dataset,
    _adlb,
    _adqs,
    _adsl,
    _concept,
    _exposure,
    _measurement,
    _observation,
    _period,
    _person,
    _procedure,
    blocking,
    by_id,
    failed,
    stage,
    valid_registry,
    valid_trial,
)

from expectations.raw_gate import run_raw_checks
from expectations.results import CheckResult


@dataclass(frozen=True)
class Violation:
    check_id: str
    column: str | None
    table: str
    rows: list[dict[str, Any]]
    keys: tuple[str, ...]
    """Subjects / persons the result must name."""
    also: tuple[int, ...] = ()
    """Rows of the valid dataset the check also flags (e.g. the first of two baselines)."""
    numbers: list[int] = field(default_factory=list)
    """Row numbers the appended rows get (filled when the dataset is built)."""

    @property
    def expected_rows(self) -> set[int]:
        return set(self.numbers) | set(self.also)


TRIAL_ERRORS = (
    Violation("adsl.usubjid_not_null", "usubjid", "adsl", [_adsl(None, 40, "F")], ("None",)),
    Violation("adsl.sex_value", "sex", "adsl", [_adsl("S-010", 40, "X")], ("S-010",)),
    Violation(
        "adsl.saffl_value", "saffl", "adsl", [_adsl("S-011", 40, "F", saffl="YES")], ("S-011",)
    ),
    Violation("adsl.age_at_most_90", "age", "adsl", [_adsl("S-012", 91, "M")], ("S-012",)),
    Violation(
        "adsl.nprfail_not_negative",
        "nprfail",
        "adsl",
        [_adsl("S-013", 40, "M", nprfail=-1)],
        ("S-013",),
    ),
    Violation(
        "adqs.ady_not_null_or_zero",
        "ady",
        "adqs",
        [_adqs("S-001", 20, 0), _adqs("S-001", 20, None)],
        ("S-001",),
    ),
    Violation(
        "adqs.ablfl_value", "ablfl", "adqs", [_adqs("S-002", 25, 15, ablfl="YES")], ("S-002",)
    ),
    Violation(
        "adqs.anl01fl_value", "anl01fl", "adqs", [_adqs("S-002", 25, 22, anl01fl="X")], ("S-002",)
    ),
    Violation("adqs.usubjid_in_adsl", "usubjid", "adqs", [_adqs("S-999", 20, 5)], ("S-999",)),
    Violation(
        "adqs.score_in_scale_range",
        "aval",
        "adqs",
        [_adqs("S-001", 61, 15)],
        ("S-001: MADRSTOT = 61.0 outside MADRS 0-60",),
    ),
    Violation(
        "adqs.one_baseline_per_subject_scale",
        "ablfl",
        "adqs",
        [_adqs("S-003", 58, -7, ablfl="Y")],
        ("S-003: MADRS",),
        also=(7,),
    ),
    Violation(
        "adqs.paramcd_not_null",
        "paramcd",
        "adqs",
        [_adqs("S-001", 3, 15, paramcd=None)],
        ("S-001",),
    ),
    Violation(
        "adlb.unit_known",
        "avalu",
        "adlb",
        [_adlb("S-001", "CRP", 2, "mmol/L"), _adlb("S-001", "CRP", 2.5, None)],
        ("S-001: CRP in mmol/L", "S-001: CRP in no unit"),
    ),
    Violation(
        "adlb.value_not_negative",
        "aval",
        "adlb",
        [_adlb("S-002", "IL6", -1, "pg/mL")],
        ("S-002: IL6 = -1.0",),
    ),
    Violation(
        "adlb.usubjid_in_adsl", "usubjid", "adlb", [_adlb("S-998", "CRP", 1, "mg/L")], ("S-998",)
    ),
    Violation(
        "adlb.ady_not_null_or_zero",
        "ady",
        "adlb",
        [_adlb("S-001", "C4", 0.2, "g/L", ady=0)],
        ("S-001",),
    ),
    Violation(
        "adlb.ablfl_value",
        "ablfl",
        "adlb",
        [_adlb("S-002", "C4", 0.3, "g/L", ablfl="X")],
        ("S-002",),
    ),
)

REGISTRY_ERRORS = (
    Violation(
        "person.year_of_birth_not_null", "year_of_birth", "person", [_person(1004, None)], ("1004",)
    ),
    Violation(
        "observation_period.end_not_before_start",
        "observation_period_end_date",
        "observation_period",
        [_period(1001, "2023-06-01", "2023-01-01")],
        ("1001",),
    ),
    Violation(
        "observation_period.person_id_in_person",
        "person_id",
        "observation_period",
        [_period(2001)],
        ("2001",),
    ),
    Violation(
        "condition_occurrence.person_id_in_person",
        "person_id",
        "condition_occurrence",
        [
            {
                "person_id": 2002,
                "condition_concept_id": MDD,
                "condition_start_date": date(2016, 1, 1),
            }
        ],
        ("2002",),
    ),
    Violation(
        "drug_exposure.end_not_before_start",
        "drug_exposure_end_date",
        "drug_exposure",
        [_exposure(10, 1001, "2016-06-01", "2016-05-01")],
        ("1001",),
    ),
    Violation(
        "drug_exposure.drug_concept_id_not_null",
        "drug_concept_id",
        "drug_exposure",
        [_exposure(11, 1002, "2017-02-01", "2017-02-10", drug_concept_id=None)],
        ("1002",),
    ),
    Violation(
        "measurement.score_in_scale_range",
        "value_as_number",
        "measurement",
        [_measurement(10, 1001, PHQ9, 28)],
        ("1001: PHQ9 = 28.0",),
    ),
    Violation(
        "measurement.biomarker_unit_known",
        "unit_source_value",
        "measurement",
        [
            _measurement(11, 1001, CRP, 2, unit_source_value="mmol/L"),
            _measurement(12, 1002, 0, 3, measurement_source_value="26881-3"),
        ],
        ("1001: crp in mmol/L", "1002: il6 in no unit"),
    ),
    Violation(
        "measurement.biomarker_not_negative",
        "value_as_number",
        "measurement",
        [_measurement(13, 1002, IL6, -2, unit_source_value="pg/mL")],
        ("1002: il6 = -2.0",),
    ),
    Violation(
        "measurement.person_id_in_person",
        "person_id",
        "measurement",
        [_measurement(14, 2003, PHQ9, 10)],
        ("2003",),
    ),
    Violation(
        "observation.score_in_scale_range",
        "value_as_number",
        "observation",
        [
            _observation(10, 1002, PHQ9_CHILD, 30),
            _observation(11, 1001, 0, 27.5, observation_source_value="44261-6"),
        ],
        ("1002: PHQ9 = 30.0", "1001: PHQ9 = 27.5"),
    ),
    Violation(
        "procedure_occurrence.person_id_in_person",
        "person_id",
        "procedure_occurrence",
        [_procedure(10, 2003, "2016-05-01")],
        ("2003",),
    ),
    Violation(
        "procedure_occurrence.procedure_concept_id_not_null",
        "procedure_concept_id",
        "procedure_occurrence",
        [_procedure(11, 1002, "2017-02-01", concept=None)],
        ("1002",),
    ),
)

TRIAL_WARNINGS = (
    Violation(
        "adqs.baseline_completeness",
        "ablfl",
        "adsl",
        [_adsl("S-004", 40, "F"), _adsl("S-005", 41, "M")],
        ("MADRS: 4 of 5 subjects (80.0%)",),
    ),
    Violation(
        "adqs.baseline_not_zero",
        "aval",
        "adqs",
        [_adqs("S-005", 0, 1, ablfl="Y"), _adqs("S-004", 20, 29)],
        ("S-005: MADRS",),
    ),
    Violation(
        "adqs.base_matches_derived",
        "base",
        "adqs",
        [_adqs("S-001", 20, 15, base=33, chg=-13)],
        ("S-001: BASE 33.0, ours 34.0",),
    ),
    Violation(
        "adqs.chg_matches_aval_minus_base",
        "chg",
        "adqs",
        [_adqs("S-002", 20, 15, base=30, chg=-5)],
        ("S-002: CHG -5.0, AVAL - BASE -10.0",),
    ),
)

REGISTRY_WARNINGS = (
    Violation(
        "person.implied_age_at_most_90",
        "year_of_birth",
        "person",
        [_person(1005, 1925)],
        ("1005: born 1925, observed until 2020-12-31",),
    ),
    Violation(
        "condition_occurrence.within_observation_period",
        "condition_start_date",
        "condition_occurrence",
        [
            {
                "person_id": 1001,
                "condition_concept_id": MDD,
                "condition_start_date": date(2014, 12, 31),
            }
        ],
        ("1001: 2014-12-31",),
    ),
    Violation(
        "drug_exposure.within_observation_period",
        "drug_exposure_start_date",
        "drug_exposure",
        [_exposure(20, 1002, "2010-01-01", "2010-02-01")],
        ("1002: 2010-01-01",),
    ),
    Violation(
        "measurement.within_observation_period",
        "measurement_date",
        "measurement",
        [_measurement(20, 1001, PHQ9, 10, day="2023-01-01")],
        ("1001: 2023-01-01",),
    ),
    Violation(
        "procedure_occurrence.within_observation_period",
        "procedure_date",
        "procedure_occurrence",
        [_procedure(20, 1002, "2014-06-01")],
        ("1002: 2014-06-01",),
    ),
    Violation(
        "concept.code_list_matches_vocabulary",
        "concept_id",
        "concept",
        [
            # the code list's LOINC code under another id (a local or older vocabulary)
            _concept(LOCAL_CRP, "CRP (local)", "LOINC", "1988-5", "Measurement"),
            # the code list's id under another name and code
            _concept(785649, "ketamine hydrochloride", "RxNorm", "6131", "Drug"),
        ],
        (
            'crp 3020460: code list: 3020460 "C reactive protein [Mass/volume] in Serum or '
            'Plasma" (LOINC 1988-5); dataset: 900001 "CRP (local)" (LOINC 1988-5)',
            'ketamine 785649: code list: 785649 "ketamine" (RxNorm 6130); dataset: 785649 '
            '"ketamine hydrochloride" (RxNorm 6131)',
        ),
    ),
)
WARNING_SUPPORT: Dataset = {"observation_period": [_period(1005, end="2020-12-31")]}
"""Rows the registry warnings need that are no violation themselves."""


def _with(dataset: Dataset, violations: tuple[Violation, ...], extra: Dataset | None = None):
    """Append each violation's rows and record the row numbers they get."""
    for name, rows in (extra or {}).items():
        dataset[name] += rows
    for v in violations:
        v.numbers.clear()
        for row in v.rows:
            dataset[v.table].append(row)
            v.numbers.append(len(dataset[v.table]))
    return dataset


def _run(dataset: Dataset, source: str, dataset_id: str = "T1") -> list[CheckResult]:
    con = duckdb.connect()
    stage(con, dataset, dataset_id)
    try:
        return run_raw_checks(con, STAGE, dataset_id, source)
    finally:
        con.close()


@pytest.fixture(scope="module")
def trial_valid() -> list[CheckResult]:
    return _run(valid_trial(), "trial")


@pytest.fixture(scope="module")
def trial_errors() -> list[CheckResult]:
    return _run(_with(valid_trial(), TRIAL_ERRORS), "trial")


@pytest.fixture(scope="module")
def trial_warnings() -> list[CheckResult]:
    return _run(_with(valid_trial(), TRIAL_WARNINGS), "trial")


@pytest.fixture(scope="module")
def registry_valid() -> list[CheckResult]:
    return _run(valid_registry(), "registry", "R1")


@pytest.fixture(scope="module")
def registry_errors() -> list[CheckResult]:
    return _run(_with(valid_registry(), REGISTRY_ERRORS), "registry", "R1")


@pytest.fixture(scope="module")
def registry_warnings() -> list[CheckResult]:
    return _run(_with(valid_registry(), REGISTRY_WARNINGS, WARNING_SUPPORT), "registry", "R1")


def test_valid_trial_passes_every_check(trial_valid: list[CheckResult]) -> None:
    # given a valid trial dataset / when the raw suites run / then every check passes
    assert failed(trial_valid) == set()
    assert {r.table for r in trial_valid} == {"adsl", "adqs", "adlb"}
    assert len(trial_valid) > 40
    # and a passing check counts no failing rows (dq.check_results stores the count)
    assert {r.check_id: r.unexpected_count for r in trial_valid if r.unexpected_count} == {}


def test_valid_registry_passes_every_check(registry_valid: list[CheckResult]) -> None:
    assert failed(registry_valid) == set()
    assert {r.table for r in registry_valid} >= {"person", "drug_exposure", "measurement"}


def test_trial_violations_block_exactly_their_checks(trial_errors: list[CheckResult]) -> None:
    # given one violation per error-level trial check / then exactly those checks block
    assert blocking(trial_errors) == {v.check_id for v in TRIAL_ERRORS}


def test_registry_violations_block_exactly_their_checks(
    registry_errors: list[CheckResult],
) -> None:
    assert blocking(registry_errors) == {v.check_id for v in REGISTRY_ERRORS}


def _assert_points_at(result: CheckResult, v: Violation, dataset_id: str) -> None:
    assert not result.success
    assert result.column == v.column
    assert result.dataset_id == dataset_id
    assert set(result.failing_rows) == v.expected_rows
    assert result.unexpected_count == len(v.expected_rows)
    assert result.source_file == f"{result.table}.csv"
    assert set(v.keys) <= set(result.failing_keys)


@pytest.mark.parametrize("v", TRIAL_ERRORS, ids=lambda v: v.check_id)
def test_trial_error_check_names_column_and_rows(
    trial_errors: list[CheckResult], v: Violation
) -> None:
    # given the violation's rows appended to a valid trial / when the suites run
    result = by_id(trial_errors)[v.check_id]
    # then the check blocks and points at the appended rows
    assert result.blocks
    _assert_points_at(result, v, "T1")


@pytest.mark.parametrize("v", REGISTRY_ERRORS, ids=lambda v: v.check_id)
def test_registry_error_check_names_column_and_rows(
    registry_errors: list[CheckResult], v: Violation
) -> None:
    result = by_id(registry_errors)[v.check_id]
    assert result.blocks
    _assert_points_at(result, v, "R1")


def test_trial_warnings_never_block(trial_warnings: list[CheckResult]) -> None:
    # given warn-level problems only / then they are reported and nothing blocks
    assert blocking(trial_warnings) == set()
    assert failed(trial_warnings) == {v.check_id for v in TRIAL_WARNINGS}


def test_registry_warnings_never_block(registry_warnings: list[CheckResult]) -> None:
    assert blocking(registry_warnings) == set()
    assert failed(registry_warnings) == {v.check_id for v in REGISTRY_WARNINGS}


@pytest.mark.parametrize("v", TRIAL_WARNINGS[1:], ids=lambda v: v.check_id)
def test_trial_warning_names_column_and_rows(
    trial_warnings: list[CheckResult], v: Violation
) -> None:
    result = by_id(trial_warnings)[v.check_id]
    assert result.severity == "warn"
    assert result.column == v.column
    assert set(v.keys) <= set(result.failing_keys)
    assert set(result.failing_rows) <= set(v.numbers)


def test_baseline_completeness_reports_the_scale_and_share(
    trial_warnings: list[CheckResult],
) -> None:
    # given S-004 (scored, no baseline) and S-005 (baseline 0) added to three complete subjects
    result = by_id(trial_warnings)["adqs.baseline_completeness"]
    # then MADRS is reported at 4 of 5 (S-005's baseline of 0 is still a baseline)
    assert result.failing_keys == ("MADRS: 4 of 5 subjects (80.0%)",)
    assert result.unexpected_count == 1 and result.unexpected_percent is None


@pytest.mark.parametrize("v", REGISTRY_WARNINGS, ids=lambda v: v.check_id)
def test_registry_warning_names_column_and_rows(
    registry_warnings: list[CheckResult], v: Violation
) -> None:
    result = by_id(registry_warnings)[v.check_id]
    assert result.severity == "warn"
    _assert_points_at(result, v, "R1")


def test_records_outside_observation_report_count_and_percent(
    registry_warnings: list[CheckResult],
) -> None:
    # given 1 of 4 drug exposures dated before the person's observation period
    result = by_id(registry_warnings)["drug_exposure.within_observation_period"]
    # then the count and the percent of the table are reported
    assert (result.unexpected_count, result.unexpected_percent) == (1, 25.0)


def test_message_names_dataset_file_column_rows_rule_and_fix(
    trial_errors: list[CheckResult],
) -> None:
    result = by_id(trial_errors)["adqs.ady_not_null_or_zero"]
    assert result.message() == (
        "dataset T1, file adqs.csv, column ady, rows 9, 10: ADY must not be null or 0 (CDISC "
        "study days skip day 0) (S-001; 2 rows, 12.5% of the table). Fix: Derive ADY from ADT "
        "and the first dose date (day 1 = first dose, day -1 = the day before) and load again."
    )


def test_dataset_parameters_map_extra_paramcds_to_scales() -> None:
    # given a PARAMCD the default map does not know, scored 65, and the dataset mapping it
    dataset = valid_trial()
    dataset["adqs"].append(_adqs("S-001", 65, 15, paramcd="MADRSX"))
    con = duckdb.connect()
    stage(con, dataset, "T1")
    unmapped = run_raw_checks(con, STAGE, "T1", "trial")
    con.execute(
        f"create table {STAGE}.dataset_parameters "
        "(dataset_id varchar, paramcd varchar, scale varchar)"
    )
    con.execute(f"insert into {STAGE}.dataset_parameters values ('T1', 'MADRSX', 'MADRS')")
    # when the staged parameters are absent, then present
    mapped = run_raw_checks(con, STAGE, "T1", "trial")
    # then only the mapped run finds the score outside the MADRS range
    assert blocking(unmapped) == set()
    assert blocking(mapped) == {"adqs.score_in_scale_range"}
    assert by_id(mapped)["adqs.score_in_scale_range"].failing_rows == (9,)


def test_wrong_layout_blocks_and_unevaluable_checks_fail(con: duckdb.DuckDBPyConnection) -> None:
    # given a staged ADSL whose AGE is text and whose SEX column is missing
    stage(con, valid_trial(), "T1")
    con.execute(f"alter table {STAGE}.adsl alter column age type varchar")
    con.execute(f"alter table {STAGE}.adsl drop column sex")
    # when the suites run
    results = by_id(run_raw_checks(con, STAGE, "T1", "trial"))
    # then the layout checks block, and a check that cannot run fails instead of passing
    assert results["adsl.age_type"].blocks
    assert results["adsl.age_type"].failing_keys == ("found String",)
    assert results["adsl.required_columns_present"].failing_keys == ("sex",)
    assert results["adsl.sex_value"].blocks and results["adsl.sex_value"].exception


def test_registry_without_vocabulary_tables_reads_them_as_empty(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # given a registry staged without concept and concept_ancestor tables
    dataset = valid_registry()
    del dataset["concept"], dataset["concept_ancestor"]
    stage(con, dataset, "R1")
    con.execute(f"drop table {STAGE}.concept")
    con.execute(f"drop table {STAGE}.concept_ancestor")
    # when the suites run / then nothing fails
    assert failed(run_raw_checks(con, STAGE, "R1", "registry")) == set()


def test_a_dataset_id_that_carries_a_code_list_code_is_checked_as_that_code() -> None:
    # given a CRP record under the dataset's own concept id, in a unit no CRP is measured in
    dataset = valid_registry()
    dataset["measurement"].append(_measurement(6, 1002, LOCAL_CRP, 2, unit_source_value="mmol/L"))
    # when the suites run without, then with the concept row that gives that id CRP's LOINC
    # code (macro concept_set_matches, the `code` route of int_registry__concept_map)
    without = _run(copy.deepcopy(dataset), "registry", "R1")
    dataset["concept"].append(_concept(LOCAL_CRP, "CRP (local)", "LOINC", "1988-5", "Measurement"))
    with_code = _run(dataset, "registry", "R1")
    # then only the second run knows the record is a CRP and blocks on its unit
    assert blocking(without) == set()
    assert blocking(with_code) == {"measurement.biomarker_unit_known"}
    assert by_id(with_code)["measurement.biomarker_unit_known"].failing_keys == (
        "1002: crp in mmol/L",
    )
