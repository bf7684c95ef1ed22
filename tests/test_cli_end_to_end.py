"""`trd demo` end to end, as `make demo` runs it: generate, ingest, build, check, report.

One real process, small registry, everything in tmp_path: proves that the stages hand over to
each other (file lock released, schemas in place) and that the user is told where the reports are.
"""

from __future__ import annotations

import os
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
    # then it succeeds, names the rendered pages, and the warehouse holds every stage's output
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for page in ("index.html", "data-quality.html", "methods.html"):
        assert (out / page).is_file()
        assert str(out / page) in proc.stdout + proc.stderr
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
    # and every demo dataset is marked synthetic, and the trials pool (SPEC 6)
    assert synthetic == (True,)
    assert pooled == [
        ("esketamine", "standard_ad", 3),
        ("esketamine", "standard_ad", 3),
        ("ketamine", "placebo", 2),
    ]
    _assert_gate_results_reused(proc.stdout, warehouse, tmp_path / "docs")


RAW_RESULTS = """
    select dataset_id, check_id, success, unexpected_count, failing_keys
    from dq.check_results
    where run_id = ? and table_name not like 'marts.%'
    order by all
"""


def _assert_gate_results_reused(stdout: str, warehouse: Path, docs: Path) -> None:
    """The check stage of a run takes the raw results of the datasets the run has just loaded
    from the ingest gate (not validated twice), and they equal a separate `trd check`'s."""
    assert stdout.count("checks already run by this run's ingest gate on the same rows") == 8
    assert any("_load_" in p.name for p in docs.rglob("*")), "gate validations not in Data Docs"
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
