"""The GX suites read the biomarker units and plausible maxima from the seeds the models use:
an unknown unit is an error (the load is rejected), a value above the plausible maximum in the
marker's standard unit is a warning, in ADLB and in OMOP measurement alike."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from expectations.raw_gate import run_raw_checks
from expectations.results import CheckResult
from ingest.schema import create_raw_schema

pytestmark = pytest.mark.slow

CRP = 3020460  # LOINC 1988-5, seed concept_sets
MG_DL = 8840


def by_id(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.check_id: r for r in results}


def test_adlb_unknown_unit_blocks_and_implausible_value_warns(
    built_warehouse: Path, tmp_path: Path
) -> None:
    # given BIO-T: K6's TNF-alpha in mmol/L, P1's TNF-alpha 600 pg/mL (plausible up to 500)
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(built_warehouse, copy)
    con = duckdb.connect(str(copy))
    try:
        # when the trial suites run on the dataset
        results = by_id(run_raw_checks(con, "raw", "BIO-T", "trial"))
    finally:
        con.close()
    # then the unit check fails at error level on K6's 12 rows and blocks
    unit = results["adlb.unit_known"]
    assert (unit.severity, unit.success, unit.unexpected_count) == ("error", False, 12)
    assert unit.blocks
    assert all(k.startswith("K6-") for k in unit.failing_keys)
    assert "crp mg/l or mg/dl" in unit.description
    # and the plausibility check warns on P1's 12 rows without blocking
    plausible = results["adlb.value_plausible"]
    assert (plausible.severity, plausible.success, plausible.unexpected_count) == (
        "warn",
        False,
        12,
    )
    assert not plausible.blocks
    assert "tnfa 500 pg/mL" in plausible.description


def _registry_warehouse(path: Path, measurements: list[tuple]) -> Path:
    con = duckdb.connect(str(path))
    try:
        create_raw_schema(con)
        audit = "'REG', 'load', 'f.csv'"
        con.execute(
            f"insert into raw.person (person_id, gender_concept_id, year_of_birth, "
            f"race_concept_id, ethnicity_concept_id, _dataset_id, _load_id, _source_file, "
            f"_row_number) values (1, 8532, 1980, 0, 0, {audit}, 1)"
        )
        for row_number, (mid, value, unit_concept, unit_text) in enumerate(measurements, 1):
            con.execute(
                "insert into raw.measurement (measurement_id, person_id, measurement_concept_id, "
                "measurement_date, value_as_number, unit_concept_id, unit_source_value, "
                f"_dataset_id, _load_id, _source_file, _row_number) values "
                f"(?, 1, {CRP}, date '2022-01-01', ?, ?, ?, {audit}, ?)",
                [mid, value, unit_concept, unit_text, row_number],
            )
    finally:
        con.close()
    return path


def test_measurement_plausibility_converts_to_the_standard_unit_first(tmp_path: Path) -> None:
    # given CRP 25 mg/dL (= 250 mg/L, plausible), CRP 40 with only the mg/dL unit concept
    # (= 400 mg/L, above the plausible 300) and CRP 40 mg/L (plausible)
    path = _registry_warehouse(
        tmp_path / "w.duckdb",
        [(1, 25.0, 0, "mg/dL"), (2, 40.0, MG_DL, None), (3, 40.0, 0, "mg/L")],
    )
    con = duckdb.connect(str(path))
    try:
        # when the registry suites run
        results = by_id(run_raw_checks(con, "raw", "REG", "registry"))
    finally:
        con.close()
    # then only the second row warns, and every unit is known
    plausible = results["measurement.biomarker_plausible"]
    assert (plausible.severity, plausible.success, plausible.failing_rows) == ("warn", False, (2,))
    assert results["measurement.biomarker_unit_known"].success


def test_measurement_in_an_unknown_unit_is_an_error(tmp_path: Path) -> None:
    # given CRP in mmol/L with no known unit concept
    path = _registry_warehouse(tmp_path / "w.duckdb", [(1, 2.0, 0, "mmol/L")])
    con = duckdb.connect(str(path))
    try:
        results = by_id(run_raw_checks(con, "raw", "REG", "registry"))
    finally:
        con.close()
    # then the unit check fails at error level and names the unit
    unit = results["measurement.biomarker_unit_known"]
    assert (unit.severity, unit.success, unit.failing_rows) == ("error", False, (1,))
    assert unit.blocks
