"""`trd check` on a warehouse file: dq tables, Data Docs, JUnit XML, summary and exit codes.

The marts are created here by SQL with the docs/outputs.md#marts columns (the dbt marts are tested
elsewhere),
so each test shows the mart rows it depends on.
"""

from __future__ import annotations

import contextlib
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dq_datasets import GOOD_MARTS, MARTS_DDL, _adqs, load_raw, valid_registry, valid_trial

from core import console
from core.settings import data_docs_dir
from expectations.check import check
from expectations.junit import write_junit
from expectations.results import CheckResult
from trd.cli import main


@dataclass
class Run:
    code: int
    warehouse: Path
    junit: Path
    out: str

    def sql(self, query: str) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(query).fetchall()
        finally:
            con.close()


def _warehouse(path: Path, datasets: dict[str, tuple[str, dict]], marts: tuple[str, ...]) -> Path:
    con = duckdb.connect(str(path))
    for dataset_id, (source, rows) in datasets.items():
        load_raw(con, rows, dataset_id, source)
    for statement in MARTS_DDL + marts:
        con.execute(statement)
    con.close()
    return path


def _run(tmp: Path, datasets: dict, marts: tuple, verbose: bool = True) -> Run:
    """`trd check` (with -v unless told otherwise) on a warehouse with these rows."""
    warehouse = _warehouse(tmp / "warehouse.duckdb", datasets, marts)
    junit = tmp / "reports" / "junit.xml"
    out = io.StringIO()
    console.set_verbose(verbose)
    try:
        with contextlib.redirect_stdout(out):
            code = check(warehouse, junit=junit)
    finally:
        console.set_verbose(False)
    return Run(code, warehouse, junit, out.getvalue())


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Run:
    # a valid trial and a valid registry dataset, and marts that satisfy every mart check
    datasets = {"T1": ("trial", valid_trial()), "R1": ("registry", valid_registry())}
    return _run(tmp_path_factory.mktemp("clean"), datasets, GOOD_MARTS)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Run:
    # T1 valid; T2 the same trial plus an ADQS row on day 0 (row 9); a remission rate of 1.5
    # whose CI does not contain it; an episode with a baseline of 0 (warn)
    t2 = valid_trial()
    t2["adqs"].append(_adqs("S-001", 20, 0))
    marts = GOOD_MARTS + (
        "insert into marts.response_rates values ('trial', 'T1', 'standard_ad', 'MADRS', "
        "'D28', 'nri', true, 10, 5, 0.5, 0.2366, 0.7634, 15, 1.5, 0.2, 0.4)",
        "insert into marts.episode_outcomes values ('trial', 'T1', 'S-002', 'standard_ad', "
        "true, 'MADRS', 'D28', 0, 10, null, null, false, false, false, false)",
    )
    datasets = {"T1": ("trial", valid_trial()), "T2": ("trial", t2)}
    return _run(tmp_path_factory.mktemp("broken"), datasets, marts)


def test_clean_warehouse_exits_0(clean: Run) -> None:
    assert clean.code == 0
    assert "0 error(s), 0 warning(s)" in clean.out


def test_records_the_load_of_each_dataset_it_checked(clean: Run) -> None:
    # the publish gate compares these with raw.datasets (expectations/freshness.py)
    (run,) = clean.sql("select run_id from dq.runs")
    assert clean.sql(
        f"select dataset_id, load_id from dq.check_inputs where run_id = '{run[0]}' order by 1"
    ) == clean.sql("select dataset_id, _load_id from raw.datasets order by 1")


def test_without_v_the_summary_is_short_and_warnings_are_counted(tmp_path: Path) -> None:
    # given the broken warehouse's one warning and four errors, checked without -v
    t2 = valid_trial()
    t2["adqs"].append(_adqs("S-001", 20, 0))
    marts = GOOD_MARTS + (
        "insert into marts.episode_outcomes values ('trial', 'T1', 'S-002', 'standard_ad', "
        "true, 'MADRS', 'D28', 0, 10, null, null, false, false, false, false)",
    )
    run = _run(tmp_path, {"T1": ("trial", valid_trial()), "T2": ("trial", t2)}, marts, False)
    # then one summary line, each error on its own line, the warning counted, where to look
    lines = run.out.splitlines()
    assert lines[0].startswith("trd check: ") and "1 error(s), 1 warning(s)" in lines[0]
    assert lines[1].startswith("ERROR dataset T2, file adqs.csv, column ady, rows 9")
    assert "1 warning(s) do not block the report: `trd check -v` lists them" in lines[2]
    assert lines[3].startswith("  Data Docs: ")
    assert len(lines) == 5 and "WARN" not in run.out and "raw suites of" not in run.out


def test_a_junit_path_that_is_a_folder_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a warehouse and --junit naming an existing folder
    warehouse = _warehouse(tmp_path / "w.duckdb", {"T1": ("trial", valid_trial())}, GOOD_MARTS)
    (tmp_path / "out").mkdir()
    # when `trd check --junit out` runs
    code = main(["--warehouse", str(warehouse), "check", "--junit", str(tmp_path / "out")])
    # then it is a usage error naming the fix, with no traceback, and no run is recorded
    err = capsys.readouterr().err
    assert code == 2
    assert f"--junit {tmp_path / 'out'} is a folder, but a file name is needed here" in err
    assert "Traceback" not in err
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute(
            "select count(*) from information_schema.tables where table_schema = 'dq'"
        ).fetchone() == (0,)
    finally:
        con.close()


def test_writes_one_run_and_one_row_per_check_and_dataset(clean: Run) -> None:
    # when check runs / then dq.runs has the run and dq.check_results one row per check+dataset
    (run,) = clean.sql("select run_id, kind, n_checks, n_failed_error, gx_version from dq.runs")
    results = clean.sql(
        f"select dataset_id, check_id from dq.check_results where run_id = '{run[0]}'"
    )
    assert run[1:4] == ("check", len(results), 0) and run[4] == "1.24.1"
    assert len(set(results)) == len(results)
    assert {d for d, _ in results} == {"T1", "R1"}
    assert ("T1", "response_rates.remission_ci_contains_rate") in results
    assert ("R1", "person.implied_age_at_most_90") in results


def test_builds_data_docs_beside_the_warehouse(clean: Run) -> None:
    docs = clean.warehouse.parent / "gx" / "data_docs"
    assert (docs / "index.html").is_file()
    assert any((docs / "validations").rglob("*.html"))
    assert f"Data Docs: {docs / 'index.html'}" in clean.out


def test_junit_of_a_clean_run_has_every_check_and_no_failure(clean: Run) -> None:
    root = ET.parse(clean.junit).getroot()
    (n_checks,) = clean.sql("select n_checks from dq.runs")[0]
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == (
        str(n_checks),
        "0",
        "0",
    )
    assert len(root.findall(".//testcase")) == n_checks


def test_prints_progress_per_suite(clean: Run) -> None:
    assert "trd check: raw suites of R1 (registry)" in clean.out
    assert "  T1 adqs: 19 checks, ok" in clean.out
    assert "trd check: mart suites of T1" in clean.out


def test_error_level_failure_exits_1(broken: Run) -> None:
    assert broken.code == 1
    assert "Error-level checks failed: reports will not be published" in broken.out


def test_raw_checks_run_per_dataset(broken: Run) -> None:
    # T2's day-0 row fails T2's check only (the raw tables hold both datasets)
    failing = broken.sql(
        "select dataset_id, check_id, unexpected_count, failing_keys from dq.check_results "
        "where not success and table_name = 'adqs'"
    )
    assert failing == [("T2", "adqs.ady_not_null_or_zero", 1, "S-001")]


def test_mart_failures_are_recorded_with_keys(broken: Run) -> None:
    failing = broken.sql(
        "select check_id, severity, failing_keys from dq.check_results "
        "where not success and table_name like 'marts.%' order by check_id"
    )
    assert failing == [
        ("episode_outcomes.baseline_not_zero", "warn", "S-002/standard_ad/MADRS"),
        ("response_rates.n_remitters_at_most_n", "error", "standard_ad/MADRS/D28/nri"),
        (
            "response_rates.remission_ci_contains_rate",
            "error",
            "standard_ad/MADRS/D28/nri: 0.2 <= 1.5 <= 0.4",
        ),
        ("response_rates.remission_rate_in_unit_interval", "error", "standard_ad/MADRS/D28/nri"),
    ]


def test_summary_lists_each_failure_on_one_line(broken: Run) -> None:
    assert "4 error(s), 1 warning(s)" in broken.out
    assert (
        "ERROR dataset T2, file adqs.csv, column ady, rows 9: ADY must not be null or 0"
        in broken.out
    )
    assert "WARN  dataset T1, column marts.episode_outcomes.baseline: " in broken.out


def test_junit_marks_errors_as_failures_and_warnings_as_skipped(broken: Run) -> None:
    root = ET.parse(broken.junit).getroot()
    assert (root.get("failures"), root.get("skipped")) == ("4", "1")
    case = root.find(".//testcase[@classname='T2.adqs'][@name='adqs.ady_not_null_or_zero']")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None and "rows 9" in failure.get("message", "")
    warn = root.find(".//testcase[@name='episode_outcomes.baseline_not_zero']")
    assert warn is not None and warn.find("skipped") is not None
    assert (warn.findtext("system-out") or "").startswith("WARNING (plausibility): dataset T1")


def test_missing_warehouse_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # given no warehouse file / when `trd check` runs / then usage error, pointing at the steps
    code = main(["--warehouse", str(tmp_path / "none.duckdb"), "check"])
    assert code == 2
    assert "trd build" in capsys.readouterr().err


def test_warehouse_without_marts_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a warehouse with raw data but no dbt build
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    load_raw(con, valid_trial(), "T1", "trial")
    con.close()
    # when `trd check` runs / then it asks for `trd build`
    assert main(["--warehouse", str(warehouse), "check"]) == 2
    err = capsys.readouterr().err
    assert "has no marts to check" in err and "run `trd build` first" in err


def test_data_docs_location_can_be_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse = tmp_path / "w.duckdb"
    monkeypatch.delenv("TRD_DATA_DOCS", raising=False)
    assert data_docs_dir(warehouse) == tmp_path / "gx" / "data_docs"
    monkeypatch.setenv("TRD_DATA_DOCS", str(tmp_path / "docs"))
    assert data_docs_dir(warehouse) == tmp_path / "docs"
    assert data_docs_dir(warehouse, tmp_path / "other") == tmp_path / "other"


def test_junit_warning_is_not_a_failure(tmp_path: Path) -> None:
    # given one passing error check and one failing warn check
    common = {"table": "adqs", "category": "plausibility", "description": "d", "fix": "f"}
    results = [
        CheckResult("a", severity="error", success=True, **common),  # type: ignore[arg-type]
        CheckResult("b", severity="warn", success=False, **common),  # type: ignore[arg-type]
    ]
    # when written as JUnit / then nothing fails and the warning is a skipped testcase
    write_junit(results, tmp_path / "j.xml")
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("2", "0", "1")


DIAGNOSTICS = (
    "create schema if not exists intermediate",
    """create table intermediate.int_registry__concept_set_diagnostics as
       select * from (values
         ('R1', 'ketamine', 'matched', 2100000001, 'ketamine 50 MG/ML Injectable Solution',
          'TRD Demo', 'TRD1', 785649, 'ketamine', 'ancestor', 120, 40),
         ('R1', 'ketamine', 'orphan', 2100000002, 'ketamine 10 MG/ML Injectable Solution',
          'TRD Demo', 'TRD2', 785649, 'ketamine', null, 7, 3),
         ('R1', 'mdd', 'matched', 4152280, 'Major depressive disorder', 'SNOMED', '370143000',
          4152280, 'Major depressive disorder', 'seed', 30, 20),
         ('R1', 'mdd', 'matched', 4282096, 'Major depression, single episode', 'SNOMED',
          '36923009', 4282096, 'Major depression, single episode', 'seed', 5, 5),
         ('R1', 'mdd', 'matched', 4282096, 'Major depression, single episode', 'SNOMED',
          '36923009', 4152280, 'Major depressive disorder', 'ancestor', 5, 5)
       ) as t (dataset_id, concept_set, kind, concept_id, concept_name, vocabulary_id,
               concept_code, via_concept_id, via_concept_name, match_route, n_records,
               n_persons)""",
)


@pytest.fixture(scope="module")
def diagnosed(tmp_path_factory: pytest.TempPathFactory) -> Run:
    # the clean registry, built: dbt's concept-set diagnostics are in the warehouse
    datasets = {"R1": ("registry", valid_registry())}
    return _run(tmp_path_factory.mktemp("diagnosed"), datasets, GOOD_MARTS + DIAGNOSTICS)


def test_concept_set_diagnostics_are_stored_under_the_check_run(diagnosed: Run) -> None:
    (run_id,) = diagnosed.sql("select run_id from dq.runs")[0]
    rows = diagnosed.sql(
        "select run_id, concept_set, kind, concept_id, n_records, n_persons "
        "from dq.concept_set_diagnostics order by concept_set, kind, concept_id, via_concept_id"
    )
    assert rows == [
        (run_id, "ketamine", "matched", 2100000001, 120, 40),
        (run_id, "ketamine", "orphan", 2100000002, 7, 3),
        (run_id, "mdd", "matched", 4152280, 30, 20),
        (run_id, "mdd", "matched", 4282096, 5, 5),
        (run_id, "mdd", "matched", 4282096, 5, 5),
    ]


def test_check_prints_one_line_per_code_list(diagnosed: Run) -> None:
    out = diagnosed.out.splitlines()
    header = out.index("trd check: concept sets in the data (dq.concept_set_diagnostics):")
    lines = [line for line in out[header + 1 :] if line.startswith("  R1 ")]
    # then every code list of the seed has its line, found or not; a concept found by two
    # entries (an MDD subtype that is an entry and a descendant) counts once
    assert len(lines) == 17
    assert (
        "  R1 ketamine: 1 concept, 120 records (1 descendant); orphans: 1 concept, 7 records "
        "named like an entry but missed" in lines
    )
    assert "  R1 mdd: 2 concepts, 35 records (2 code-list ids); orphans: none" in lines
    assert "  R1 esketamine: nothing found in the data; orphans: none" in lines
    assert "  R1 mdd_recurrent: nothing found in the data; orphans: none" in lines


def test_a_warehouse_built_before_the_diagnostics_says_how_to_get_them(clean: Run) -> None:
    assert "no concept-set diagnostics in this warehouse; run `trd build`" in clean.out
    assert clean.sql("select count(*) from dq.concept_set_diagnostics") == [(0,)]
