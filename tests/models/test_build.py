"""`trd build` (trd/build.py) on warehouses without data, busy or broken, and `dbt docs`.

Given a warehouse file without a raw schema, a missing file, a file locked by another process,
or data that breaks a dbt test; when the build runs; then it builds empty marts, or fails with
a message naming the problem and the exit code of docs/architecture.md.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from support.dbt import BareBuild
from support.warehouse import RawWriter, new_warehouse, query

import trd.build
from core.errors import ConfigError, WarehouseBusy
from core.settings import REPO_ROOT
from trd.build import build, run_dbt
from trd.cli import main

pytestmark = pytest.mark.slow

MARTS = (
    "cohort_episodes",
    "episode_outcomes",
    "response_rates",
    "response_comparisons",
    "attrition",
    "agg_pct_change",
)


def test_bare_warehouse_gets_raw_tables_and_builds_empty_marts(bare_build: BareBuild) -> None:
    raw_tables = query(
        bare_build.warehouse,
        "select count(*) from information_schema.tables where table_schema = 'raw'",
    )
    assert raw_tables == [(18,)]  # 12 contract tables, 5 metadata tables, load_audit
    for mart in MARTS:
        assert query(bare_build.warehouse, f"select count(*) from marts.{mart}") == [(0,)], mart


def test_build_runs_data_tests_but_leaves_unit_tests_to_ci(bare_build: BareBuild) -> None:
    assert bare_build.ran["unit_test"] == 0
    assert bare_build.ran["test"] > 400  # every data test (447 in November 2026)
    assert bare_build.ran["model"] > 50


def test_dbt_docs_generate_works_offline(bare_build: BareBuild) -> None:
    result = run_dbt(["docs", "generate"], bare_build.warehouse)
    assert result.success, result.exception
    target = Path(os.environ["DBT_TARGET_PATH"])
    catalog = json.loads((target / "catalog.json").read_text())
    assert "model.trd.response_rates" in catalog["nodes"]
    columns = catalog["nodes"]["model.trd.response_rates"]["columns"]
    assert "remission_ci_high" in columns
    assert (target / "index.html").is_file()


def test_missing_warehouse_is_a_configuration_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.duckdb"
    with pytest.raises(ConfigError, match="no warehouse at .*nowhere.duckdb") as caught:
        build(missing)
    assert caught.value.exit_code == 2
    assert not missing.exists()


@pytest.fixture
def locked_warehouse(tmp_path: Path) -> Iterator[Path]:
    """A warehouse another process holds open for writing, as a running `trd ingest` would."""
    path = new_warehouse(tmp_path / "warehouse.duckdb")
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


def test_locked_warehouse_is_reported_busy(locked_warehouse: Path) -> None:
    with pytest.raises(WarehouseBusy, match=r"another process \(process \d+\) is using") as caught:
        build(locked_warehouse)
    assert caught.value.exit_code == 75  # busy: retry later
    assert "wait for the other trd command to finish" in str(caught.value)


def test_failed_dbt_test_names_the_test_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = new_warehouse(tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(path))
    RawWriter(con).dataset(
        "BAD", "trial", arms={"Arm A": "psilocybin"}
    )  # not a class of docs/derivations.md#treatment-classes
    con.close()

    code = main(
        ["--warehouse", str(path), "build", "--select", "treatment_classes stg_meta__dataset_arms"]
    )

    err = capsys.readouterr().err
    assert code == 1
    assert "trd build: dbt build failed" in err
    assert "relationships_stg_meta__dataset_arms_treatment_class" in err
    assert "Fix:" in err


def test_arm_repeated_after_trimming_fails_the_grain_test_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = new_warehouse(tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(path))
    RawWriter(con).dataset("DUP", "trial")
    for arm, treatment_class in (("Arm A", "ketamine"), (" Arm A ", "ketamine"), ("B", "placebo")):
        con.execute(
            "insert into raw.dataset_arms values ('DUP', ?, ?, null)", [arm, treatment_class]
        )
    con.close()

    code = main(
        ["--warehouse", str(path), "build", "--select", "treatment_classes stg_meta__dataset_arms"]
    )

    err = capsys.readouterr().err
    assert code == 1
    assert "1 model(s) or test(s) failed" in err
    assert (
        "unique_combination_of_columns_stg_meta__dataset_arms_dataset_id__arm: Got 1 result" in err
    )


def test_a_build_records_itself_for_the_publish_gate(bare_build: BareBuild) -> None:
    # the project's on-run hooks (macros/record_build.sql) write dq.builds, for trd build and
    # a plain `dbt build` alike
    (row,) = query(
        bare_build.warehouse,
        "select command, status, n_failed, finished_at > started_at from dq.builds",
    )
    assert row == ("build", "success", 0, True)


def test_quiet_build_prints_one_line_and_keeps_dbts_node_log_in_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a warehouse, and output that is not a terminal (as in CI)
    path = new_warehouse(tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")  # the two seeds' own tests only
    # when a small selection is built without -v
    code = main(["--warehouse", str(path), "build", "--select", "timepoints treatment_classes"])
    # then one line says what was built, without colour codes, and dbt's node lines are in
    # its log file
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.splitlines() == [
        line for line in captured.out.splitlines() if line.startswith("trd build: ")
    ]
    assert len(captured.out.splitlines()) == 1
    assert "2 seeds" in captured.out and "\x1b[" not in captured.out + captured.err
    log = (Path(os.environ["DBT_LOG_PATH"]) / "dbt.log").read_text(encoding="utf-8")
    assert "OK loaded seed file reference.treatment_classes" in log


def test_ctrl_c_stops_a_build_within_a_second_and_marks_it_unfinished(tmp_path: Path) -> None:
    # given a build running in its own process, past dbt's parse
    path = new_warehouse(tmp_path / "warehouse.duckdb")
    trd = Path(sys.executable).with_name("trd")
    process = subprocess.Popen(
        [str(trd), "-v", "--warehouse", str(path), "build"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DO_NOT_TRACK": "1"},
    )
    assert process.stdout is not None and process.stderr is not None
    for line in process.stdout:
        if " START " in line:
            break
    # when the user presses Ctrl-C
    interrupted = time.perf_counter()
    process.send_signal(signal.SIGINT)
    err = process.stderr.read()
    process.wait(timeout=30)
    took = time.perf_counter() - interrupted
    # then trd exits within a second with 130 and says what to do, and the build is recorded as
    # unfinished, so the publish gate will ask for a new one
    assert process.returncode == 130, err
    assert took < 1.0, f"took {took:.2f} s"
    assert "trd build: interrupted; the build did not finish" in err
    assert "Traceback" not in err and "leaked semaphore" not in err
    assert query(path, "select status from dq.builds") == [("running",)]


def test_one_process_parses_the_project_once_and_again_after_an_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a project of one macro (the repo's profile), run from this process
    project = tmp_path / "project"
    (project / "macros").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "profiles.yml", project / "profiles.yml")
    (project / "dbt_project.yml").write_text(
        'name: probe\nversion: "1.0"\nconfig-version: 2\nprofile: trd\nmacro-paths: ["macros"]\n'
    )
    probe = project / "macros" / "probe.sql"
    probe.write_text("{% macro probe() %}1{% endmacro %}\n")
    monkeypatch.setattr(trd.build, "REPO_ROOT", project)
    monkeypatch.setattr(trd.build, "_PARSED", {})

    def compiled(warehouse: Path) -> str:
        result = run_dbt(["compile", "--inline", "select {{ probe() }} as x"], warehouse)
        assert result.success, result.exception
        return result.result.results[0].node.compiled_code

    # when it compiles on two warehouses (same file name, other folders), then after an edit
    first = compiled(new_warehouse(tmp_path / "a" / "warehouse.duckdb"))
    [parsed] = trd.build._PARSED.values()
    second = compiled(new_warehouse(tmp_path / "b" / "warehouse.duckdb"))
    [reused] = trd.build._PARSED.values()
    probe.write_text("{% macro probe() %}22{% endmacro %}\n")
    edited = compiled(tmp_path / "b" / "warehouse.duckdb")
    # then the second run reused the first one's parse, and the edit was parsed and seen
    assert (first, second) == ("select 1 as x", "select 1 as x") and reused is parsed
    assert edited == "select 22 as x"
    assert len(trd.build._PARSED) == 2
