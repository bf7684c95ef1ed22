"""Every `trd` subcommand with bad paths and options: a message with the fix and the documented
exit code (2 usage, 75 busy), never a traceback, and nothing done before the refusal.

Report paths on a publishable warehouse are tested in tests/reports/test_report_paths.py;
Ctrl-C in tests/test_interrupt.py.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from trd.cli import main


@dataclass(frozen=True)
class Case:
    id: str
    argv: Callable[[Path], list[str]]
    """The arguments after `trd`, given a scratch folder holding `a_file.txt`, `a_folder/`,
    `not_duckdb.duckdb` (text) and `empty.duckdb` (a DuckDB file without tables)."""
    code: int
    says: str


def _w(tmp: Path, name: str = "w.duckdb") -> list[str]:
    return ["--warehouse", str(tmp / name)]


CASES = [
    Case("no_command", lambda t: [], 2, "the following arguments are required: COMMAND"),
    Case("unknown_command", lambda t: ["frobnicate"], 2, "invalid choice: 'frobnicate'"),
    Case("ingest_no_dir", lambda t: ["ingest"], 2, "the following arguments are required: DIR"),
    Case(
        "ingest_missing_dir",
        lambda t: [*_w(t), "ingest", str(t / "nowhere")],
        2,
        "nowhere does not exist; nothing was loaded",
    ),
    Case(
        "ingest_a_file",
        lambda t: [*_w(t), "ingest", str(t / "a_file.txt")],
        2,
        "a_file.txt is a file, not a dataset folder",
    ),
    Case(
        "ingest_folder_without_dataset_yml",
        lambda t: [*_w(t), "ingest", str(t / "a_folder")],
        2,
        "dataset.yml is missing in",
    ),
    Case(
        "warehouse_is_a_folder",
        lambda t: ["--warehouse", str(t / "a_folder"), "ingest", str(t / "a_folder")],
        2,
        "is a folder, not a file. Fix: give a file path, e.g. --warehouse",
    ),
    Case(
        "warehouse_under_a_file",
        lambda t: ["--warehouse", str(t / "a_file.txt" / "w.duckdb"), "build"],
        2,
        "no warehouse at",
    ),
    Case(
        "ingest_warehouse_under_a_file",
        lambda t: [
            "ingest",
            str(t / "a_folder"),
            "--warehouse",
            str(t / "a_file.txt" / "w.duckdb"),
        ],
        2,
        "a_file.txt is a file, not a folder",
    ),
    Case(
        "warehouse_not_duckdb",
        lambda t: [*_w(t, "not_duckdb.duckdb"), "check"],
        2,
        "Fix: point --warehouse or TRD_WAREHOUSE at a DuckDB file",
    ),
    Case("build_missing_warehouse", lambda t: [*_w(t), "build"], 2, "no warehouse at"),
    Case(
        "warehouse_named_main",  # DuckDB opens main.duckdb as main_db: dbt would find no table
        lambda t: [*_w(t, "main.duckdb"), "ingest", str(t / "a_folder")],
        2,
        "is named 'main', a name DuckDB keeps for itself",
    ),
    Case(
        "build_selects_nothing",
        lambda t: [*_w(t, "empty.duckdb"), "build", "--select", "no_such_model"],
        2,
        "--select 'no_such_model' matches no model, seed or test",
    ),
    Case("check_missing_warehouse", lambda t: [*_w(t), "check"], 2, "no warehouse at"),
    Case(
        "check_without_marts",
        lambda t: [*_w(t, "empty.duckdb"), "check"],
        2,
        "has no marts to check",
    ),
    Case(
        "check_junit_under_a_file",
        lambda t: [*_w(t, "empty.duckdb"), "check", "--junit", str(t / "a_file.txt" / "j.xml")],
        2,
        "has no marts to check",
    ),
    Case("report_missing_warehouse", lambda t: [*_w(t), "report"], 2, "no warehouse at"),
    Case(
        "report_without_views",
        lambda t: [*_w(t, "empty.duckdb"), "report"],
        2,
        "has no reporting views",
    ),
    Case(
        "run_out_is_a_file",
        lambda t: [*_w(t), "run", str(t / "a_folder"), "--out", str(t / "a_file.txt")],
        2,
        "--out",
    ),
    Case(
        "run_junit_is_a_folder",
        lambda t: [*_w(t), "run", str(t / "a_folder"), "--junit", str(t / "a_folder")],
        2,
        "is a folder, but a file name is needed here",
    ),
    Case(
        "demo_data_is_a_file",
        lambda t: [*_w(t), "demo", "--data", str(t / "a_file.txt"), "--data-only"],
        2,
        "--data",
    ),
    Case(
        "demo_out_is_a_file",
        lambda t: [*_w(t), "demo", "--data", str(t / "d"), "--out", str(t / "a_file.txt")],
        2,
        "is a file, but a folder is needed here",
    ),
    Case(
        "demo_zero_persons",
        lambda t: [*_w(t), "demo", "--data", str(t / "d"), "--persons", "0"],
        2,
        "--persons must be at least 1",
    ),
    Case(
        "demo_persons_not_a_number",
        lambda t: ["demo", "--persons", "many"],
        2,
        "invalid int value: 'many'",
    ),
]


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    (tmp_path / "a_file.txt").write_text("not a folder\n")
    (tmp_path / "a_folder").mkdir()
    (tmp_path / "not_duckdb.duckdb").write_text("just text\n")
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    return tmp_path


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_paths_and_options_get_a_message_and_an_exit_code(
    case: Case, scratch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.name for p in scratch.iterdir())
    code = _run(case.argv(scratch))
    captured = capsys.readouterr()
    err = captured.err.replace("\n", " ")
    assert code == case.code, err
    assert case.says in err, err
    assert "Traceback" not in captured.err + captured.out
    if not err.startswith("usage:"):  # argparse's own messages carry the usage instead
        assert "Fix: " in err
    # nothing was created where the command was refused (no warehouse, no demo data), but
    # for a dataset's own problem, which ingest records in the warehouse's load audit
    created = sorted(set(p.name for p in scratch.iterdir()) - set(before))
    assert created == (["w.duckdb"] if case.id == "ingest_folder_without_dataset_yml" else [])


def _run(argv: list[str]) -> int:
    """main(argv), with argparse's exit (usage errors) turned into its code."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


def test_warehouse_and_verbose_are_accepted_after_the_subcommand(
    scratch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--warehouse", str(scratch / "empty.duckdb"), "-v"])
    assert code == 2
    assert f"the warehouse {scratch / 'empty.duckdb'} has no marts" in capsys.readouterr().err


def test_help_documents_the_exit_codes() -> None:
    for argv in (["--help"], ["ingest", "--help"], ["report", "--help"]):
        proc = subprocess.run(
            [sys.executable, "-m", "trd.cli", *argv], capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0
        for line in (
            "0    success",
            "1    data rejected",
            "2    usage or configuration error",
            "75   the warehouse is busy",
            "130  interrupted",
        ):
            assert line in proc.stdout, (argv, line)


@pytest.fixture
def locked(scratch: Path) -> Iterator[Path]:
    """Another process holding a warehouse open, as a running `trd ingest` or a notebook would."""
    path = scratch / "empty.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('locked', "
            "flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    yield path
    holder.kill()
    holder.wait()


@pytest.mark.parametrize("command", ["check", "report", "build"])
def test_a_busy_warehouse_exits_75_so_ci_can_retry(
    locked: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--warehouse", str(locked), command])
    err = capsys.readouterr().err
    assert code == 75
    assert f"is using the warehouse {locked}" in err
    assert f"then run `trd {command}` again" in err
