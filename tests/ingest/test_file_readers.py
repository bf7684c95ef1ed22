"""Reading files (docs/dataset-contract.md): names, formats, the lenient casts we document, batches
and progress."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pyreadstat
import pytest
from ingest_fixtures import query, registry_dataset, trial_dataset

import ingest.readers


def test_file_names_are_case_insensitive_and_other_files_are_ignored_with_a_notice(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    # given upper/mixed-case names, a table outside the trial contract, a README and a subfolder
    dataset = trial_dataset("TRIAL-C")
    dataset.file_names = {"adsl": "ADSL", "adqs": "AdQs"}
    folder = dataset.write(tmp_path / "trial")
    (folder / "adae.csv").write_text("USUBJID,AETERM\nX,headache\n")
    (folder / "README.md").write_text("notes")
    (folder / "old").mkdir()
    (folder / "old" / "adsl.csv").write_text("not, read\n")

    # when ingested
    run = run_ingest(warehouse, folder)

    # then the contract tables load from their files and the others are named in a notice
    assert run.code == 0, run.err
    assert "TRIAL-C: ignoring 1 file(s) of tables outside the trial contract: adae.csv" in run.out
    assert "not in a supported format (.csv, .parquet, .xpt, .sas7bdat): README.md" in run.out
    assert query(
        warehouse,
        "select _source_file, count(*) from raw.adsl where _dataset_id = 'TRIAL-C' group by 1",
    ) == [("ADSL.csv", 6)]


def test_header_only_file_loads_as_an_empty_table(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    # given a trial whose optional ADLB has a header and no rows (as OMOP exports often do)
    folder = trial_dataset("TRIAL-H").write(tmp_path / "trial")
    (folder / "adlb.csv").write_text("STUDYID,USUBJID,PARAMCD,AVAL,AVALU,ADY\n")

    run = run_ingest(warehouse, folder)

    assert run.code == 0, run.err
    assert query(warehouse, "select rows, status from raw.load_audit where file = 'adlb.csv'") == [
        (0, "loaded")
    ]


def test_lenient_casts_trim_read_nulls_whole_floats_and_datetimes(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    # given an OMOP drug_exposure written by hand with CRLF, a BOM and loose values
    dataset = registry_dataset("REG-L")
    folder = dataset.write(tmp_path / "registry")
    (folder / "drug_exposure.csv").write_bytes(
        b"\xef\xbb\xbfDRUG_EXPOSURE_ID,Person_Id,drug_concept_id,drug_exposure_start_date,"
        b"drug_exposure_end_date,days_supply,quantity,route_concept_id,drug_source_value\r\n"
        b"7,1,739138, 2020-01-01 ,2020-01-30 00:00:00,30.0,NA,.,  sertraline  \r\n"
        b"8,2,739138,2020-02-01,2020-02-29T10:15:00Z,,30,4132161,\r\n"
    )

    run = run_ingest(warehouse, folder)

    assert run.code == 0, run.err
    assert query(
        warehouse,
        "select drug_exposure_id, person_id, drug_exposure_start_date, drug_exposure_end_date, "
        "days_supply, quantity, route_concept_id, drug_source_value, _row_number "
        "from raw.drug_exposure where _dataset_id = 'REG-L' order by 1",
    ) == [
        (7, 1, date(2020, 1, 1), date(2020, 1, 30), 30, None, None, "sertraline", 1),
        (8, 2, date(2020, 2, 1), date(2020, 2, 29), None, 30.0, 4132161, None, 2),
    ]


def test_a_fractional_number_in_an_integer_column_is_uncastable(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    dataset = registry_dataset()
    dataset.tables["drug_exposure"][2]["days_supply"] = "30.5"

    run = run_ingest(warehouse, dataset.write(tmp_path / "registry"))

    assert run.code == 1
    assert "column days_supply, rows 3: value '30.5' cannot be read as a whole number" in run.err


def test_many_bad_rows_show_the_first_five_and_the_count(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    dataset = trial_dataset()
    for subject in dataset.tables["adsl"]:
        subject["AGE"] = "unknown"

    run = run_ingest(warehouse, dataset.write(tmp_path / "trial"))

    assert "column age, rows 1, 2, 3, 4, 5 (6 rows in all): value 'unknown'" in run.err


def test_parquet_keeps_stored_types_and_casts_whole_floats(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    # given ADSL and ADQS as Parquet, AGE and ADY stored as floats, ADT as a date (as pandas writes)
    dataset = trial_dataset("TRIAL-P")
    for subject in dataset.tables["adsl"]:
        subject["AGE"] = float(subject["AGE"])
    for record in dataset.tables["adqs"]:
        record["ADY"] = float(record["ADY"])
        record["ADT"] = date.fromisoformat(record["ADT"])
    dataset.formats = {"adsl": "parquet", "adqs": "parquet"}

    run = run_ingest(warehouse, dataset.write(tmp_path / "trial"))

    assert run.code == 0, run.err
    assert query(
        warehouse,
        "select usubjid, age, _source_file from raw.adsl where _dataset_id = 'TRIAL-P' "
        "order by 1 limit 1",
    ) == [("TRIAL-P-001", 31, "adsl.parquet")]
    assert query(
        warehouse,
        "select ady, adt from raw.adqs where _dataset_id = 'TRIAL-P' and _row_number = 3",
    ) == [(29, date(2024, 1, 29))]


def test_xpt_numbers_in_date_columns_are_sas_dates(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    # given an ADQS transport file whose ADT is a plain number (days since 1960-01-01)
    dataset = trial_dataset("TRIAL-X")
    folder = dataset.write(tmp_path / "trial")
    adqs = pl.read_csv(folder / "adqs.csv").with_columns(
        (pl.col("ADT").str.to_date() - pl.date(1960, 1, 1)).dt.total_days().cast(pl.Float64)
    )
    (folder / "adqs.csv").unlink()
    pyreadstat.write_xport(adqs.to_pandas(), str(folder / "adqs.xpt"), table_name="ADQS")

    run = run_ingest(warehouse, folder)

    assert run.code == 0, run.err
    assert query(
        warehouse, "select adt, ady from raw.adqs where _dataset_id = 'TRIAL-X' and _row_number = 2"
    ) == [(date(2024, 1, 2), 2)]


def test_large_files_are_read_in_batches_with_progress_and_continuous_row_numbers(
    warehouse: Path,
    run_ingest: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    verbose: None,
) -> None:
    # given batches of 5 rows and progress every 10 rows (instead of 500k and 1M)
    monkeypatch.setattr(ingest.readers, "BATCH_ROWS", 5)
    monkeypatch.setattr(ingest.readers, "PROGRESS_EVERY", 10)
    folder = trial_dataset("TRIAL-B5").write(tmp_path / "trial")

    run = run_ingest(warehouse, folder)

    # then the 18 ADQS rows are numbered 1..18 across 4 batches and progress was shown
    assert run.code == 0, run.err
    numbers = query(
        warehouse,
        "select list(_row_number order by _row_number) from raw.adqs "
        "where _dataset_id = 'TRIAL-B5'",
    )
    assert numbers == [(list(range(1, 19)),)]
    assert "TRIAL-B5: adqs.csv: 10 rows read (" in run.err
    assert "TRIAL-B5: adqs.csv: done, 18 rows (" in run.err


def test_a_bad_value_in_a_later_batch_is_located_by_its_file_row(
    warehouse: Path,
    run_ingest: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest.readers, "BATCH_ROWS", 5)
    dataset = trial_dataset()
    dataset.tables["adqs"][13]["AVAL"] = "n/a"

    run = run_ingest(warehouse, dataset.write(tmp_path / "trial"))

    assert run.code == 1
    assert "file adqs.csv, column aval, rows 14: value 'n/a' cannot be read as a finite number" in (
        run.err
    )
