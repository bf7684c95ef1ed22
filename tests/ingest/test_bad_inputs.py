"""The catalogue of bad inputs (docs/dataset-contract.md#what-gets-rejected and docs/privacy.md):
each is rejected with a message a user can act
on, and the warehouse is left exactly as it was (the previous version of the same dataset_id
included), with a `rejected` row in raw.load_audit.

Given the baseline warehouse (valid TEST-TRIAL and TEST-REG loaded), when a new version of one
of them with one thing broken is ingested, then the exit code, the message parts and the
unchanged warehouse are asserted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from ingest_fixtures import Dataset, query, registry_dataset, snapshot, trial_dataset


@dataclass(frozen=True)
class BadInput:
    id: str
    build: Callable[[], Dataset]
    parts: tuple[str, ...]
    """Substrings the printed message must contain (dataset, file, column, rows, rule, fix)."""
    code: int = 1
    hidden: tuple[str, ...] = field(default=())
    """Substrings the message must NOT contain (identifying values)."""


def _trial(change: Callable[[Dataset], Any]) -> Callable[[], Dataset]:
    def build() -> Dataset:
        ds = trial_dataset()
        change(ds)
        return ds

    return build


def _registry(change: Callable[[Dataset], Any]) -> Callable[[], Dataset]:
    def build() -> Dataset:
        ds = registry_dataset()
        change(ds)
        return ds

    return build


def _set(table: str, row: int, column: str, value: Any) -> Callable[[Dataset], None]:
    """Set one cell; `row` is 0-based here, so the message names data row `row + 1`."""

    def change(ds: Dataset) -> None:
        ds.tables[table][row][column] = value

    return change


def _drop_column(table: str, column: str) -> Callable[[Dataset], None]:
    def change(ds: Dataset) -> None:
        for row in ds.tables[table]:
            row.pop(column)

    return change


def _add_column(table: str, column: str, value: Any = "x") -> Callable[[Dataset], None]:
    def change(ds: Dataset) -> None:
        for row in ds.tables[table]:
            row[column] = value

    return change


def _duplicate(
    table: str, source_row: int, column: str, target_row: int
) -> Callable[[Dataset], None]:
    def change(ds: Dataset) -> None:
        rows = ds.tables[table]
        rows[target_row][column] = rows[source_row][column]

    return change


def _damage(table: str, damage: Callable[[Path], None]) -> Callable[[Dataset], None]:
    def change(ds: Dataset) -> None:
        ds.after_write.append(lambda folder: damage(ds.path(folder, table)))

    return change


def _as_parquet(table: str) -> Callable[[Dataset], None]:
    def change(ds: Dataset) -> None:
        ds.formats[table] = "parquet"

    return change


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _semicolons(path: Path) -> None:
    path.write_text(path.read_text().replace(",", ";"))


def _latin1_in_row_2(path: Path) -> None:
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"sertraline", "Sjögren".encode("latin-1"))
    path.write_bytes(b"\n".join(lines))


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _cut_mid_row(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-15])


def _ragged_row_3(path: Path) -> None:
    lines = path.read_text().split("\n")
    lines[3] += ",extra,fields"
    path.write_text("\n".join(lines))


def _csv_named_xpt(ds: Dataset) -> None:
    def rename(folder: Path) -> None:
        (folder / "adsl.csv").rename(folder / "adsl.xpt")

    ds.after_write.append(rename)


def _csv_named_sas7bdat(ds: Dataset) -> None:
    def rename(folder: Path) -> None:
        (folder / "adqs.csv").rename(folder / "ADQS.sas7bdat")

    ds.after_write.append(rename)


def _parquet_named_csv(ds: Dataset) -> None:
    def swap(folder: Path) -> None:
        pl.read_csv(folder / "adsl.csv").write_parquet(folder / "adsl.csv")

    ds.after_write.append(swap)


def _second_adsl_file(ds: Dataset) -> None:
    ds.after_write.append(
        lambda folder: pl.read_csv(folder / "adsl.csv").write_parquet(folder / "ADSL.parquet")
    )


def _config(**changes: Any) -> Callable[[Dataset], None]:
    def change(ds: Dataset) -> None:
        ds.config.update(changes)

    return change


def _config_text(text: str) -> Callable[[Dataset], None]:
    def change(ds: Dataset) -> None:
        ds.after_write.append(lambda folder: (folder / "dataset.yml").write_text(text))

    return change


def _no_config(ds: Dataset) -> None:
    ds.after_write.append(lambda folder: (folder / "dataset.yml").unlink())


def _drop_tables(*tables: str) -> Callable[[Dataset], None]:
    def change(ds: Dataset) -> None:
        for table in tables:
            ds.tables.pop(table)

    return change


def _unmapped_planned_arm(ds: Dataset) -> None:
    ds.tables["adsl"][4]["TRT01A"] = None
    ds.tables["adsl"][4]["TRT01P"] = "Ketamine 0.5 mg/kg IV"


T, R = "dataset TEST-TRIAL", "dataset TEST-REG"
CASES: list[BadInput] = [
    # -- files and formats -------------------------------------------------------------------
    BadInput(
        "missing_required_trial_file",
        _trial(_drop_tables("adqs")),
        (T, "missing required file(s) for a trial dataset: adqs", "add adqs.csv"),
    ),
    BadInput(
        "missing_required_registry_file",
        _registry(_drop_tables("drug_exposure")),
        (R, "missing required file(s) for a registry dataset: drug_exposure"),
    ),
    BadInput(
        "registry_without_measurement_and_observation",
        _registry(_drop_tables("measurement", "observation")),
        (R, "missing required file(s)", "measurement or observation"),
    ),
    BadInput(
        "two_files_for_one_table",
        _trial(_second_adsl_file),
        (T, "two files hold table adsl: adsl.csv and ADSL.parquet", "keep one file per table"),
    ),
    BadInput(
        "empty_file",
        _registry(_damage("concept", _empty)),
        (R, "file concept.csv", "the file is empty", "header line"),
    ),
    BadInput(
        "truncated_parquet",
        _trial(lambda ds: (_as_parquet("adsl")(ds), _damage("adsl", _truncate)(ds))),
        (T, "file adsl.parquet", "truncated or corrupt", "export the file again"),
    ),
    BadInput(
        "csv_with_semicolon_delimiter",
        _trial(_damage("adsl", _semicolons)),
        (T, "file adsl.csv", "looks like the delimiter is ';'", "',' as the separator"),
    ),
    BadInput(
        "csv_in_latin1_encoding",
        _registry(_damage("drug_exposure", _latin1_in_row_2)),
        (R, "file drug_exposure.csv", "not UTF-8", "byte offset", "line 3", "rows 2", "re-save"),
    ),
    BadInput(
        "xpt_that_is_really_a_csv",
        _trial(_csv_named_xpt),
        (T, "file adsl.xpt", "not SAS transport (XPT)", "looks like a CSV text", "adsl.csv"),
    ),
    BadInput(
        "sas7bdat_that_is_really_a_csv",
        _trial(_csv_named_sas7bdat),
        (T, "file ADQS.sas7bdat", "not SAS7BDAT as its extension claims", "ADQS.csv"),
    ),
    BadInput(
        "csv_that_is_really_parquet",
        _trial(_parquet_named_csv),
        (T, "file adsl.csv", "not CSV text", "looks like a Parquet", "adsl.parquet"),
    ),
    BadInput(
        "csv_row_with_more_fields_than_the_header",
        _registry(_damage("person", _ragged_row_3)),
        (R, "file person.csv", "rows 3", "data row 3 (line 4) has 11 fields but the header has 9"),
    ),
    BadInput(
        "csv_cut_off_mid_row",
        _trial(_damage("adqs", _cut_mid_row)),
        (T, "file adqs.csv", "rows 18:", "the file looks truncated", "copy or export the file"),
    ),
    # -- columns and values ------------------------------------------------------------------
    BadInput(
        "two_columns_with_one_name_in_different_case",
        _trial(_add_column("adsl", "age", 40)),
        (T, "file adsl.csv", "column age", "two columns have the same name"),
    ),
    BadInput(
        "missing_required_column",
        _trial(_drop_column("adsl", "SEX")),
        (T, "file adsl.csv", "column sex", "required column(s) missing: sex", "add the column"),
    ),
    BadInput(
        "missing_trt01a_and_trt01p",
        _trial(lambda ds: (_drop_column("adsl", "TRT01A")(ds), _drop_column("adsl", "TRT01P")(ds))),
        (T, "column trt01a", "required column(s) missing: trt01a (or trt01p)"),
    ),
    BadInput(
        "missing_registry_column",
        _registry(_drop_column("drug_exposure", "drug_exposure_start_date")),
        (R, "file drug_exposure.csv", "column drug_exposure_start_date", "required column"),
    ),
    BadInput(
        "uncastable_integer",
        _trial(_set("adsl", 2, "AGE", "forty")),
        (T, "file adsl.csv", "column age", "rows 3:", "value 'forty'", "whole number"),
    ),
    BadInput(
        "uncastable_date",
        _registry(_set("drug_exposure", 1, "drug_exposure_start_date", "2020-13-45")),
        (R, "column drug_exposure_start_date", "rows 2:", "'2020-13-45'", "YYYY-MM-DD"),
    ),
    BadInput(
        "uncastable_number_with_decimal_comma",
        _trial(_set("adqs", 7, "AVAL", "12,5")),
        (T, "file adqs.csv", "column aval", "rows 8:", "'12,5'", "finite number", "'.'"),
    ),
    BadInput(
        "uncastable_id",
        _registry(_set("person", 0, "person_id", "P-1")),
        (R, "file person.csv", "column person_id", "rows 1:", "'P-1'", "whole number"),
    ),
    BadInput(
        "missing_not_null_value",
        _registry(_set("person", 1, "year_of_birth", None)),
        (R, "file person.csv", "column year_of_birth", "rows 2:", "required value is missing"),
    ),
    BadInput(
        "duplicate_usubjid",
        _trial(_duplicate("adsl", 0, "USUBJID", 3)),
        (T, "file adsl.csv", "column usubjid", "rows 1, 4", "duplicate key", "TEST-TRIAL-001"),
    ),
    BadInput(
        "duplicate_person_id",
        _registry(_duplicate("person", 0, "person_id", 2)),
        (R, "file person.csv", "column person_id", "rows 1, 3", "duplicate key", "person_id=1"),
    ),
    BadInput(
        "duplicate_drug_exposure_id",
        _registry(_duplicate("drug_exposure", 1, "drug_exposure_id", 3)),
        (R, "file drug_exposure.csv", "rows 2, 4", "drug_exposure_id=101"),
    ),
    BadInput(
        "duplicate_measurement_id",
        _registry(_duplicate("measurement", 0, "measurement_id", 1)),
        (R, "file measurement.csv", "column measurement_id", "rows 1, 2", "duplicate key"),
    ),
    BadInput(
        "duplicate_observation_period_id_which_is_not_loaded",
        _registry(_duplicate("observation_period", 1, "observation_period_id", 2)),
        (R, "file observation_period.csv", "column observation_period_id", "rows 2, 3"),
    ),
    BadInput(
        "duplicate_condition_occurrence_id_which_is_not_loaded",
        _registry(_duplicate("condition_occurrence", 0, "condition_occurrence_id", 1)),
        (R, "file condition_occurrence.csv", "column condition_occurrence_id", "rows 1, 2"),
    ),
    BadInput(
        "unmapped_actual_arm",
        _trial(_set("adsl", 3, "TRT01A", "Ketamine 0.5 mg/kg IV")),
        (
            T,
            "file adsl.csv",
            "column trt01a",
            "rows 4:",
            "arm 'Ketamine 0.5 mg/kg IV'",
            "not mapped in dataset.yml arms",
            "treatment_class",
        ),
    ),
    BadInput(
        "unmapped_planned_arm_where_actual_is_blank",
        _trial(_unmapped_planned_arm),
        (T, "rows 5:", "arm 'Ketamine 0.5 mg/kg IV' (TRT01A, else TRT01P)"),
    ),
    # -- dataset.yml -------------------------------------------------------------------------
    BadInput(
        "unknown_source",
        _trial(_config(source="omop")),
        (T, "file dataset.yml", "source 'omop' is not a known source (allowed: trial, registry)"),
    ),
    BadInput(
        "missing_dataset_yml",
        _trial(_no_config),
        ("dataset.yml is missing", "add ", "source: trial|registry"),
        code=2,
    ),
    BadInput(
        "dataset_yml_with_bad_yaml",
        _trial(_config_text("dataset_id: TEST-TRIAL\nsource: trial\narms: {Placebo: [\n")),
        ("file dataset.yml", "not valid YAML at line", "fix the YAML syntax"),
        code=2,
    ),
    BadInput(
        "dataset_yml_with_unknown_key",
        _trial(_config(arm="x")),
        (T, "unknown key 'arm' (did you mean 'arms'?)"),
        code=2,
    ),
    BadInput(
        "dataset_yml_with_unknown_treatment_class",
        _trial(_config(arms={"Placebo + oral AD": {"treatment_class": "sugar_pill"}})),
        (T, "treatment_class 'sugar_pill'", "use one of ketamine, esketamine"),
        code=2,
    ),
    BadInput(
        "registry_dataset_yml_with_arms",
        _registry(_config(arms={"x": {"treatment_class": "placebo"}})),
        (R, "arms is a trial-only setting"),
        code=2,
    ),
    # -- de-identification: ages and identifiers in values (docs/privacy.md#de-identification-gate)
    # ---------------------------
    BadInput(
        "adsl_age_above_90",
        _trial(_set("adsl", 4, "AGE", 95)),
        (T, "file adsl.csv", "column age", "rows 5:", "AGE above 90", "top-code AGE at 90"),
        hidden=("95",),
    ),
]

IDENTIFIER_VALUES = [
    # (id, source, table, row, column, value, kind)
    ("email", "registry", "drug_exposure", 2, "sig", "mail jane.doe@example.org", "email address"),
    (
        "ssn",
        "registry",
        "person",
        1,
        "person_source_value",
        "123-45-6789",
        "social security number",
    ),
    ("phone", "registry", "drug_exposure", 0, "sig", "call (555) 867-5309", "phone number"),
    (
        "fax",
        "registry",
        "condition_occurrence",
        2,
        "condition_source_value",
        "Fax: 555-867-5309",
        "fax number",
    ),
    ("url", "trial", "adqs", 4, "PARAM", "see https://example.org/p/17", "URL"),
    ("ip_address", "registry", "observation", 1, "value_as_string", "10.20.30.40", "IP address"),
    ("mrn", "trial", "adsl", 5, "RACE", "MRN: 00123456", "medical record number"),
    ("full_zip", "registry", "person", 2, "location_id", "08540-1234", "full ZIP code"),
    (
        "street_address",
        "registry",
        "person",
        0,
        "location_id",
        "742 Evergreen Terrace",
        "street address",
    ),
    (
        "health_plan_number",
        "trial",
        "adsl",
        1,
        "SITEID",
        "Member ID: W123456789",
        "health plan beneficiary number",
    ),
    (
        "account_number",
        "registry",
        "drug_exposure",
        3,
        "sig",
        "Account: 0012345678",
        "account number",
    ),
    (
        "licence_number",
        "registry",
        "measurement",
        1,
        "value_source_value",
        "License: D1234567",
        "licence number",
    ),
    (
        "vehicle_identifier",
        "registry",
        "measurement",
        2,
        "unit_source_value",
        "VIN: 1HGCM82633A004352",
        "vehicle identifier",
    ),
    (
        "device_identifier",
        "registry",
        "observation",
        0,
        "observation_source_value",
        "Device ID: SN-0004567",
        "device identifier",
    ),
    ("person_name", "trial", "adqs", 0, "AVISIT", "Patient name: John Smith", "person name"),
    (
        "ssn_in_a_number_column",
        "registry",
        "person",
        1,
        "person_id",
        "123-45-6789",
        "social security number",
    ),
]
for case_id, source, table, row, column, value, kind in IDENTIFIER_VALUES:
    build = (_trial if source == "trial" else _registry)(_set(table, row, column, value))
    label = T if source == "trial" else R
    CASES.append(
        BadInput(
            f"identifier_value_{case_id}",
            build,
            (
                label,
                f"file {table}.csv",
                f"column {column.lower()}",
                f"rows {row + 1}:",
                f"direct identifier ({kind})",
                "not shown",
            ),
            hidden=(value.split(": ")[-1].split(" ")[-1],),
        )
    )

IDENTIFIER_COLUMNS = [
    # (source, table, column name, kind)
    ("trial", "adsl", "PATNAME", "person name"),
    ("registry", "person", "first_name", "person name"),
    ("registry", "person", "LastName", "person name"),
    ("registry", "person", "street_address", "street address"),
    ("registry", "person", "zip", "full ZIP code"),
    ("trial", "adsl", "PHONE", "phone number"),
    ("registry", "person", "fax_number", "fax number"),
    ("registry", "person", "email", "email address"),
    ("trial", "adsl", "SSN", "social security number"),
    ("registry", "condition_occurrence", "mrn", "medical record number"),
    ("registry", "person", "health_plan_id", "health plan beneficiary number"),
    ("registry", "drug_exposure", "account_number", "account number"),
    ("registry", "person", "drivers_license", "licence number"),
    ("registry", "person", "vin", "vehicle identifier"),
    ("registry", "drug_exposure", "device_id", "device identifier"),
    ("trial", "adqs", "URL", "URL"),
    ("registry", "observation", "ip_address", "IP address"),
]
for source, table, column, kind in IDENTIFIER_COLUMNS:
    build = (_trial if source == "trial" else _registry)(_add_column(table, column))
    CASES.append(
        BadInput(
            f"identifier_column_{column.lower()}",
            build,
            (
                T if source == "trial" else R,
                f"file {table}.csv",
                f"column {column.lower()}",
                f"named like a direct identifier ({kind})",
                "drop the column",
            ),
        )
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rejects_bad_input_and_leaves_the_warehouse_unchanged(
    case: BadInput,
    warehouse: Path,
    baseline_snapshot: dict[str, list[tuple[Any, ...]]],
    run_ingest: Callable[..., Any],
    tmp_path: Path,
) -> None:
    # given a new version of a loaded dataset with one thing broken
    folder = case.build().write(tmp_path / "dataset")

    # when it is ingested
    run = run_ingest(warehouse, folder)

    # then it is refused with a message that says where, what and how to fix it
    assert run.code == case.code, run.err
    message = run.err.replace("\n", " ")
    for part in case.parts:
        assert part in message, f"{part!r} not in {message!r}"
    assert "Fix:" in message
    for secret in case.hidden:
        assert secret not in message
    assert "REJECTED" in run.out
    # and the warehouse holds exactly what it held before, plus the rejected audit row
    assert snapshot(warehouse) == baseline_snapshot
    audit = query(
        warehouse, "select dataset_id, file, message from raw.load_audit where status = 'rejected'"
    )
    assert audit, "a rejected load leaves an audit row"
    assert any(case.parts[-1] in (m or "") for _, _, m in audit)


def test_catalogue_covers_at_least_30_bad_inputs() -> None:
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)
