"""`trd demo` end to end, as `make demo` runs it: generate, ingest, build, check, report.

One real process, small registry, everything in tmp_path: proves that the stages hand over to
each other (file lock released, schemas in place), that the user is told where the reports are
in a few lines, and that a dataset loaded afterwards stops the report until it is built and
checked (the publish gate's freshness rule).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest


@pytest.mark.slow
def test_demo_runs_every_stage_and_prints_where_the_reports_are(tmp_path: Path) -> None:
    # given an empty folder and a small registry size
    warehouse, out = tmp_path / "w.duckdb", tmp_path / "site"
    env = {**os.environ, "TRD_DATA_DOCS": str(tmp_path / "docs"), "DO_NOT_TRACK": "1"}
    # when the demo runs as a process
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "trd.cli",
            "--warehouse",
            str(warehouse),
            "demo",
            "--data",
            str(tmp_path / "data"),
            "--persons",
            "400",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    # then it succeeds in a few lines without colour codes (one per stage and dataset), names
    # the report, and the warehouse holds every stage's output
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    printed = (proc.stdout + proc.stderr).splitlines()
    assert len(printed) <= 20 and "\x1b[" not in proc.stdout + proc.stderr, printed
    for page in ("index.html", "data-quality.html", "methods.html"):
        assert (out / page).is_file()
    assert f"{out / 'index.html'} (data-quality.html, methods.html beside it)" in proc.stdout
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        datasets = con.execute("select count(*) from raw.datasets").fetchone()[0]
        rates = con.execute(
            "select count(distinct dataset_id) from marts.response_rates"
        ).fetchone()
        failed = con.execute(
            "select n_failed_error from dq.runs where kind = 'check' "
            "order by finished_at desc limit 1"
        ).fetchone()
        synthetic = con.execute("select bool_and(synthetic) from raw.datasets").fetchone()
        pooled = con.execute(
            "select treatment_class, reference_class, k from marts.pooled_comparisons "
            "where outcome = 'response' and measure = 'risk_ratio' and timepoint in ('H24', 'D28') "
            "order by all"
        ).fetchall()
    finally:
        con.close()
    assert datasets == 8
    assert rates[0] == 8
    assert failed == (0,)
    # and every demo dataset is marked synthetic, and the trials pool
    # (docs/derivations.md#pooled-comparisons)
    assert synthetic == (True,)
    assert pooled == [
        ("esketamine", "standard_ad", 3),
        ("esketamine", "standard_ad", 3),
        ("ketamine", "placebo", 2),
    ]
    _assert_gate_results_reused(warehouse, tmp_path / "docs")
    _assert_a_later_load_stops_the_report(warehouse, tmp_path)


RAW_RESULTS = """
    select dataset_id, check_id, success, unexpected_count, failing_keys
    from dq.check_results
    where run_id = ? and table_name not like 'marts.%'
    order by all
"""


def _assert_gate_results_reused(warehouse: Path, docs: Path) -> None:
    """The check stage of a run takes the raw results of the datasets the run has just loaded
    from the ingest gate (not validated twice), and they equal a separate `trd check`'s."""
    suites = {p.name for p in (docs / "validations").iterdir()}
    assert any(s.startswith("raw:_load_") for s in suites), "gate validations not in Data Docs"
    assert not any(s.startswith("raw:TRANSFORM-2:") for s in suites), "raw suites run twice"
    env = {**os.environ, "TRD_DATA_DOCS": str(docs.parent / "docs_check"), "DO_NOT_TRACK": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "trd.cli", "--warehouse", str(warehouse), "check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "already run" not in proc.stdout
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        run_in_demo, separate = (
            r[0]
            for r in con.execute(
                "select run_id from dq.runs where kind = 'check' order by finished_at"
            ).fetchall()
        )
        reused = con.execute(RAW_RESULTS, [run_in_demo]).fetchall()
        rerun = con.execute(RAW_RESULTS, [separate]).fetchall()
    finally:
        con.close()
    assert len(reused) > 100
    assert reused == rerun


def _assert_a_later_load_stops_the_report(warehouse: Path, tmp: Path) -> None:
    """The issue's case: load another trial after the check run; the report is refused and
    the message names `trd build` and `trd check`."""
    late = tmp / "ELEKT-D-LATE"
    shutil.copytree(tmp / "data" / "ELEKT-D", late)
    config = late / "dataset.yml"
    config.write_text(config.read_text().replace("dataset_id: ELEKT-D", "dataset_id: ELEKT-D-LATE"))
    trd = [sys.executable, "-m", "trd.cli", "--warehouse", str(warehouse)]
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    ingest = subprocess.run([*trd, "ingest", str(late)], capture_output=True, text=True, env=env)
    assert ingest.returncode == 0, ingest.stderr
    report = subprocess.run(
        [*trd, "report", "--out", str(tmp / "site-late")], capture_output=True, text=True, env=env
    )
    assert report.returncode == 1
    assert "dataset ELEKT-D-LATE was loaded after the latest build" in report.stderr
    assert "Fix: run `trd build`, then `trd check`, then `trd report` again" in report.stderr
    assert not (tmp / "site-late").exists()
