"""Small datasets, built in code, for the data-quality suites (helpers of tests/expectations).

`valid_trial()` and `valid_registry()` pass every check. Tests copy them, append or change the
rows a check is about, stage them like ingest does (a schema with the raw layout, audit columns
filled, `_row_number` = 1-based position in the table's list) and run the suites.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import duckdb

from core.contracts import TABLES, raw_table_ddl
from expectations.results import CheckResult
from ingest.schema import create_raw_schema

Rows = list[dict[str, Any]]
Dataset = dict[str, Rows]

STAGE = "_load_test"


def stage(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, dataset_id: str, schema: str = STAGE
) -> None:
    """Write `dataset` into `schema` with the raw layout (every contract table, maybe empty)."""
    con.execute(f"create schema if not exists {schema}")
    for table in TABLES.values():
        con.execute(raw_table_ddl(table, schema))
    for name, rows in dataset.items():
        insert(con, f"{schema}.{name}", rows, dataset_id, f"{name}.csv")


def load_raw(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, dataset_id: str, source: str
) -> None:
    """Write `dataset` into `raw` as a loaded dataset (what `trd check` reads)."""
    create_raw_schema(con)
    con.execute(
        "insert into raw.datasets values "
        "(?, ?, null, null, 'nri', null, 'sha', 'L1', now(), null, null)",
        [dataset_id, source],
    )
    for name, rows in dataset.items():
        insert(con, f"raw.{name}", rows, dataset_id, f"{name}.csv")


def insert(
    con: duckdb.DuckDBPyConnection, table: str, rows: Rows, dataset_id: str, file: str
) -> None:
    for number, row in enumerate(rows, start=1):
        values = {**row, "_dataset_id": dataset_id, "_load_id": "L1", "_source_file": file}
        values["_row_number"] = number
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        con.execute(f"insert into {table} ({columns}) values ({marks})", list(values.values()))


def by_id(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.check_id: r for r in results}


def blocking(results: list[CheckResult]) -> set[str]:
    return {r.check_id for r in results if r.blocks}


def failed(results: list[CheckResult]) -> set[str]:
    return {r.check_id for r in results if not r.success}


def _adqs(usubjid: str, aval: float | None, ady: int | None, **kw: Any) -> dict[str, Any]:
    row = {"studyid": "TRD-1", "usubjid": usubjid, "paramcd": "MADRSTOT", "aval": aval}
    return {**row, "ady": ady, **kw}


def _adlb(usubjid: str, paramcd: str, aval: float, unit: str | None, **kw: Any) -> dict[str, Any]:
    row = {"studyid": "TRD-1", "usubjid": usubjid, "paramcd": paramcd, "aval": aval}
    return {**row, "avalu": unit, "ady": kw.pop("ady", 1), **kw}


def _adsl(usubjid: str | None, age: int, sex: str, **kw: Any) -> dict[str, Any]:
    row = {"studyid": "TRD-1", "usubjid": usubjid, "trt01a": "Esketamine + oral AD"}
    return {**row, "saffl": "Y", "age": age, "sex": sex, **kw}


VALID_TRIAL: Dataset = {
    "adsl": [
        _adsl("S-001", 35, "F", ittfl="Y", fasfl="Y", trdfl="Y", nprfail=2),
        _adsl("S-002", 50, "M", ittfl="Y", fasfl="", trdfl="N", nprfail=0),
        _adsl("S-003", 90, "UNDIFFERENTIATED", trt01a="Placebo + oral AD"),
    ],
    "adqs": [
        _adqs("S-001", 34, 1, ablfl="Y", base=34, chg=0),  # 1
        _adqs("S-001", 15, 29, anl01fl="Y", base=34, chg=-19),  # 2
        _adqs("S-001", 4, 1, paramcd="MADRS01", ablfl="Y"),  # 3: item score, not a scale
        _adqs("S-002", 30, -2, base=30, chg=0),  # 4: baseline by ADY <= 1, no ABLFL
        _adqs("S-002", 0, 29, base=30, chg=-30),  # 5: score 0 after baseline is fine
        _adqs("S-002", 0, 57, dtype="LOCF", base=30, chg=-30),  # 6: sponsor imputation
        _adqs("S-003", 60, 1, ablfl="Y", base=60, chg=0),  # 7: top of the MADRS range
        _adqs("S-003", None, 29, base=60),  # 8: missed assessment
    ],
    "adlb": [
        _adlb("S-001", "CRP", 3.2, "mg/L", ablfl="Y"),
        _adlb("S-001", "IL6", 2.1, "pg/mL"),
        _adlb("S-002", "C3", 1.1, "g/L"),
        _adlb("S-002", "ALT", 30, "U/L"),  # not a biomarker of ours: unit not checked
    ],
}

PHQ9, CRP, IL6, MDD, SERTRALINE = 3042932, 3020460, 3023091, 4152280, 739138
ECT = 4030840
LOCAL_CRP, PHQ9_CHILD = 900001, 900002


def _period(person_id: int, start: str = "2015-01-01", end: str = "2022-12-31") -> dict:
    return {
        "person_id": person_id,
        "observation_period_start_date": date.fromisoformat(start),
        "observation_period_end_date": date.fromisoformat(end),
    }


def _exposure(id_: int, person_id: int, start: str, end: str | None, **kw: Any) -> dict:
    return {
        "drug_exposure_id": id_,
        "person_id": person_id,
        "drug_concept_id": kw.pop("drug_concept_id", SERTRALINE),
        "drug_exposure_start_date": date.fromisoformat(start),
        "drug_exposure_end_date": date.fromisoformat(end) if end else None,
        **kw,
    }


def _event(table: str, id_: int, person_id: int, concept: int | None, value: float | None, **kw):
    return {
        f"{table}_id": id_,
        "person_id": person_id,
        f"{table}_concept_id": concept,
        f"{table}_date": date.fromisoformat(kw.pop("day", "2016-03-01")),
        "value_as_number": value,
        **kw,
    }


def _measurement(id_: int, person_id: int, concept: int | None, value: float | None, **kw):
    return _event("measurement", id_, person_id, concept, value, **kw)


def _observation(id_: int, person_id: int, concept: int | None, value: float | None, **kw):
    return _event("observation", id_, person_id, concept, value, **kw)


def _procedure(id_: int, person_id: int, day: str, concept: int | None = ECT) -> dict:
    return {
        "procedure_occurrence_id": id_,
        "person_id": person_id,
        "procedure_concept_id": concept,
        "procedure_date": date.fromisoformat(day),
    }


def _concept(concept_id: int, name: str, vocabulary: str, code: str, domain: str) -> dict:
    return {
        "concept_id": concept_id,
        "concept_name": name,
        "vocabulary_id": vocabulary,
        "concept_code": code,
        "domain_id": domain,
    }


def _person(person_id: int, year_of_birth: int | None, gender: int = 8532) -> dict:
    return {
        "person_id": person_id,
        "gender_concept_id": gender,
        "year_of_birth": year_of_birth,
        "race_concept_id": 0,
        "ethnicity_concept_id": 0,
    }


VALID_REGISTRY: Dataset = {
    "person": [_person(1001, 1970), _person(1002, 1985, 8507), _person(1003, 1932)],
    "observation_period": [_period(1001), _period(1002), _period(1003, end="2022-06-30")],
    "condition_occurrence": [
        {"person_id": 1001, "condition_concept_id": MDD, "condition_start_date": date(2016, 3, 1)},
        {"person_id": 1002, "condition_concept_id": MDD, "condition_start_date": date(2017, 1, 5)},
    ],
    "drug_exposure": [
        _exposure(1, 1001, "2016-03-10", "2016-05-10", days_supply=60),
        _exposure(2, 1001, "2016-06-01", None, days_supply=30),
        _exposure(3, 1002, "2017-01-10", "2017-01-10"),  # one-day exposure
    ],
    "measurement": [
        _measurement(1, 1001, PHQ9, 27),  # top of the PHQ-9 range
        _measurement(2, 1001, CRP, 4.2, unit_source_value="mg/L", unit_concept_id=8751),
        _measurement(
            3, 1002, 0, 2.5, measurement_source_value="26881-3", unit_source_value="PG/ML"
        ),
        _measurement(4, 1002, LOCAL_CRP, 0.3, unit_concept_id=8840),  # unknown here: not checked
        _measurement(5, 1002, 3000000, 120, unit_source_value="mmHg"),  # not ours: not checked
    ],
    "observation": [
        _observation(1, 1001, 0, 12, observation_source_value="44261-6"),  # Synthea style
        _observation(2, 1002, PHQ9_CHILD, 0),  # PHQ-9 through concept_ancestor
        _observation(3, 1003, PHQ9, None),  # empty value (Synthea PHQ-2/9 rows)
    ],
    "procedure_occurrence": [_procedure(1, 1001, "2016-04-01"), _procedure(2, 1001, "2016-04-03")],
    "concept": [
        # the code lists' own concepts, named as in the vocabulary (case aside)
        _concept(
            CRP,
            "C REACTIVE PROTEIN [Mass/volume] in Serum or Plasma",
            "LOINC",
            "1988-5",
            "Measurement",
        ),
        _concept(MDD, "Major depressive disorder", "SNOMED", "370143000", "Condition"),
        _concept(PHQ9_CHILD, "PHQ-9 total (local child)", "Local", "PHQ9C", "Observation"),
    ],
    "concept_ancestor": [{"ancestor_concept_id": PHQ9, "descendant_concept_id": PHQ9_CHILD}],
}


def valid_trial() -> Dataset:
    return copy.deepcopy(VALID_TRIAL)


def valid_registry() -> Dataset:
    return copy.deepcopy(VALID_REGISTRY)


# Marts with the docs/outputs.md#marts columns (the dbt marts are tested elsewhere); one valid row
# each.
MARTS_DDL = (
    "create schema if not exists marts",
    """create table marts.cohort_episodes (source varchar, dataset_id varchar,
        person_key varchar, treatment_class varchar, treatment varchar, index_day integer,
        index_date date, age integer, sex varchar, prior_failures integer, is_trd boolean)""",
    """create table marts.episode_outcomes (source varchar, dataset_id varchar,
        person_key varchar, treatment_class varchar, is_trd boolean, scale varchar,
        timepoint varchar, baseline double, value double, pct_change double,
        responder boolean, remitter boolean, evaluable_oc boolean, evaluable_nri boolean,
        evaluable_locf boolean)""",
    """create table marts.response_rates (source varchar, dataset_id varchar,
        treatment_class varchar, scale varchar, timepoint varchar, analysis varchar,
        is_primary boolean, n integer, n_responders integer, response_rate double,
        response_ci_low double, response_ci_high double, n_remitters integer,
        remission_rate double, remission_ci_low double, remission_ci_high double)""",
)

GOOD_MARTS = (
    "insert into marts.cohort_episodes values "
    "('trial', 'T1', 'S-001', 'esketamine', null, 1, null, 35, 'F', 2, true), "
    "('trial', 'T1', 'S-002', 'standard_ad', null, 1, null, 50, 'M', 0, true)",
    "insert into marts.episode_outcomes values "
    "('trial', 'T1', 'S-001', 'esketamine', true, 'MADRS', 'D28', 34, 15, -55.9, true, false, "
    "true, true, true)",
    # Wilson 95% CIs; 0 of 10 has a lower bound a rounding error below 0 (tolerated)
    "insert into marts.response_rates values "
    "('trial', 'T1', 'esketamine', 'MADRS', 'D28', 'nri', true, 10, 4, 0.4, 0.1682, 0.6873, "
    "0, 0.0, -1e-17, 0.2775)",
)
