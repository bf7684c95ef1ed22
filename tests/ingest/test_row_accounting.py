"""No silent row loss (docs/dataset-contract.md#what-gets-rejected): every line-end style loads
every row or is rejected with a
message; each file's rows are counted apart from its reader and reconciled with the rows loaded
(`raw.load_audit.rows_read`); a rejected dataset lists every problem of its files at once."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ingest_fixtures import Dataset, query, registry_dataset, snapshot, trial_dataset


def _rewrite_line_ends(path: Path, ends: Callable[[int], bytes]) -> None:
    """Give line i of the file the line end `ends(i)` (b'\\n', b'\\r\\n' or b'\\r')."""
    lines = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"".join(line + ends(i) for i, line in enumerate(lines[:-1])))


def test_concept_ancestor_with_a_bare_cr_header_and_a_crlf_row_loads_its_one_row(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    # given the reported case: the header line ends in a bare CR, the data row in CRLF
    folder = registry_dataset().write(tmp_path / "reg")
    (folder / "concept_ancestor.csv").write_bytes(
        b"ancestor_concept_id,descendant_concept_id\r785649,785649\r\n"
    )

    # when it is ingested
    run = run_ingest(warehouse, folder)

    # then the row is loaded (it used to load 0 rows with exit 0) and the audit reconciles it
    assert run.code == 0, run.err
    rows = query(
        warehouse,
        "select ancestor_concept_id, descendant_concept_id, _row_number from raw.concept_ancestor "
        "where _dataset_id = 'TEST-REG'",
    )
    assert rows == [(785649, 785649, 1)]
    audit = query(
        warehouse,
        "select rows, rows_read from raw.load_audit a join raw.datasets d on a.load_id = "
        "d._load_id where d.dataset_id = 'TEST-REG' and file = 'concept_ancestor.csv'",
    )
    assert audit == [(1, 1)]


LINE_ENDS: dict[str, Callable[[int], bytes]] = {
    "lf": lambda i: b"\n",
    "crlf": lambda i: b"\r\n",
    "cr": lambda i: b"\r",
    "cr_header_lf_rows": lambda i: b"\r" if i == 0 else b"\n",
    "mixed_per_line": lambda i: (b"\n", b"\r\n", b"\r")[i % 3],
}


@pytest.mark.parametrize("style", LINE_ENDS)
def test_every_line_end_style_loads_every_row(
    style: str, warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    # given the trial's ADQS (18 rows) and ADSL (6 rows) with this style of line ends
    dataset = trial_dataset("TRIAL-LE")
    folder = dataset.write(tmp_path / "trial")
    for table in ("adsl", "adqs"):
        _rewrite_line_ends(dataset.path(folder, table), LINE_ENDS[style])

    # when it is ingested
    run = run_ingest(warehouse, folder)

    # then all 24 rows are loaded, numbered 1..n per file, and the audit says so
    assert run.code == 0, run.err
    assert "TRIAL-LE: loaded 24 rows from 2 files" in run.out
    numbers = query(
        warehouse,
        "select list(_row_number order by _row_number) from raw.adqs "
        "where _dataset_id = 'TRIAL-LE'",
    )
    assert numbers == [(list(range(1, 19)),)]
    assert query(
        warehouse,
        "select file, rows, rows_read from raw.load_audit a join raw.datasets d "
        "on a.load_id = d._load_id where d.dataset_id = 'TRIAL-LE' order by file",
    ) == [("adqs.csv", 18, 18), ("adsl.csv", 6, 6)]


def test_blank_lines_are_not_rows(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    # given an ADQS with a blank line in the middle and two at the end (as hand edits leave)
    dataset = trial_dataset("TRIAL-BL")
    folder = dataset.write(tmp_path / "trial")
    adqs = dataset.path(folder, "adqs")
    lines = adqs.read_bytes().split(b"\r\n")
    adqs.write_bytes(b"\r\n".join(lines[:5] + [b""] + lines[5:]) + b"\r\n\r\n")

    run = run_ingest(warehouse, folder)

    # then the 18 data rows load as rows 1..18 and no empty row is added
    assert run.code == 0, run.err
    assert query(
        warehouse,
        "select count(*), max(_row_number), count(*) filter (where usubjid is null) "
        "from raw.adqs where _dataset_id = 'TRIAL-BL'",
    ) == [(18, 18, 0)]


def _broken(damage: Callable[[bytes], bytes]) -> Dataset:
    dataset = trial_dataset()

    def apply(folder: Path) -> None:
        path = dataset.path(folder, "adqs")
        path.write_bytes(damage(path.read_bytes()))

    dataset.after_write.append(apply)
    return dataset


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            # an unquoted line end splits data row 4 into two short rows
            lambda b: b.replace(b"MADRS total score,20", b"MADRS total\nscore,20", 1),
            r"file adqs\.csv, rows 2: data row 2 \(line 3\) has 4 fields but the header has 9 "
            r"\(usually a line end inside an unquoted value splits a row",
        ),
        (
            lambda b: b.replace(b"MADRS total score,20", b'"MADRS total score,20', 1),
            r"file adqs\.csv: a double quote that opens a value on line 3 is never closed",
        ),
        (
            lambda b: b[: b.rindex(b",Day 28")],
            r"file adqs\.csv, rows 18: the last row has 6 of the header's 9 fields and no line "
            r"end: the file looks truncated",
        ),
    ],
    ids=["unquoted_line_end", "unclosed_quote", "truncated_last_row"],
)
def test_a_file_whose_rows_cannot_all_be_read_is_rejected_with_where(
    damage: Callable[[bytes], bytes],
    message: str,
    warehouse: Path,
    baseline_snapshot: dict[str, list[tuple[Any, ...]]],
    run_ingest: Callable[..., Any],
    tmp_path: Path,
) -> None:
    run = run_ingest(warehouse, _broken(damage).write(tmp_path / "trial"))

    assert run.code == 1
    assert re.search(message, run.err), run.err
    assert snapshot(warehouse) == baseline_snapshot


def test_parquet_rows_are_reconciled_with_the_footer(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    dataset = registry_dataset("REG-PQ")
    dataset.formats["person"] = "parquet"

    run = run_ingest(warehouse, dataset.write(tmp_path / "reg"))

    assert run.code == 0, run.err
    assert query(
        warehouse,
        "select rows, rows_read from raw.load_audit where dataset_id = 'REG-PQ' "
        "and file = 'person.parquet'",
    ) == [(3, 3)]


def test_a_rejected_dataset_lists_every_problem_of_its_files_at_once(
    warehouse: Path,
    baseline_snapshot: dict[str, list[tuple[Any, ...]]],
    run_ingest: Callable[..., Any],
    tmp_path: Path,
) -> None:
    # given three problems in three files: an uncastable value, a missing required column and
    # a duplicate key, plus a folder named like a table
    dataset = registry_dataset()
    dataset.tables["person"][2]["year_of_birth"] = "nineteen"
    for row in dataset.tables["drug_exposure"]:
        del row["drug_concept_id"]
    dataset.tables["measurement"][1]["measurement_id"] = 1001
    folder = dataset.write(tmp_path / "reg")
    (folder / "note.csv").mkdir()  # not a contract table: ignored, no problem
    (folder / "observation.parquet").mkdir()

    # when it is ingested
    run = run_ingest(warehouse, folder)

    # then one rejection lists all four, each with its file, and nothing is loaded
    assert run.code == 1
    err = run.err
    assert "trd ingest: dataset TEST-REG: 4 problems:" in err
    assert (
        "file drug_exposure.csv, column drug_concept_id: required column(s) missing: "
        "drug_concept_id" in err
    )
    assert "file measurement.csv, column measurement_id, rows 1, 2: duplicate key" in err
    assert "file observation.parquet: observation.parquet is a folder, not a file" in err
    assert "file person.csv, column year_of_birth, rows 3: value 'nineteen' cannot be read" in err
    assert snapshot(warehouse) == baseline_snapshot
    # and each file's audit row carries its own problem
    audit = dict(
        query(
            warehouse,
            "select file, message from raw.load_audit where dataset_id = 'TEST-REG' and "
            "status = 'rejected'",
        )
    )
    assert "value 'nineteen'" in audit["person.csv"]
    assert "duplicate key" in audit["measurement.csv"]
    assert audit["concept.csv"].startswith("not loaded: the dataset was rejected (")
    assert "is a folder" in audit["observation.parquet"]


def test_names_that_are_not_utf8_are_shown_and_audited_not_a_crash(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    # given a dataset folder and a stray file whose names hold bytes that are not UTF-8 (a
    # Latin-1 file system; found by the fuzz suite: DuckDB refused the audit row, exit 70)
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/donn\xe9es"))
    trial_dataset("TRIAL-NAMES").write(folder)
    (folder / os.fsdecode(b"notes-\xff.txt")).write_text("not a table")
    broken = Path(os.fsdecode(os.fsencode(tmp_path) + b"/vide-\xff"))
    broken.mkdir()
    # when both are ingested
    run = run_ingest(warehouse, folder, broken)
    # then the dataset loads, the other is rejected as a dataset without dataset.yml, and both
    # names are shown (and audited) with a replacement character
    assert run.code == 2, run.err
    assert "TRIAL-NAMES: loaded 24 rows from 2 files" in run.out
    assert "notes-\ufffd.txt" in run.out
    assert "dataset vide-\ufffd, file dataset.yml: dataset.yml is missing" in run.err
    assert query(
        warehouse, "select count(*) from raw.load_audit where dataset_id = 'vide-\ufffd'"
    ) == [(1,)]
