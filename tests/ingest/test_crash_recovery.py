"""A load killed mid-way (SIGKILL: no cleanup code runs) leaves the warehouse as it was; the next
ingest drops the stale staging schema and loads (docs/dataset-contract.md#what-gets-rejected,
docs/architecture.md step 7). Ctrl-C
stops a load within a second, exit code 130, with nothing of it kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from ingest_fixtures import query, registry_dataset, snapshot

from core.settings import REPO_ROOT

EXPOSURES = 1_500_000
"""More than one progress interval (1M rows), so the loader says when it is mid-file."""


def _big_registry(folder: Path) -> Path:
    """The valid TEST-REG with 1.5M drug exposures of 1,000 persons (written by DuckDB)."""
    dataset = registry_dataset()
    dataset.tables["person"] = [
        {**dataset.tables["person"][0], "person_id": p, "person_source_value": None}
        for p in range(1, 1001)
    ]
    dataset.tables["observation_period"] = [
        {**dataset.tables["observation_period"][0], "observation_period_id": p, "person_id": p}
        for p in range(1, 1001)
    ]
    dataset.write(folder)
    con = duckdb.connect()
    con.execute(
        f"""copy (
            select i as drug_exposure_id, 1 + i % 1000 as person_id, 739138 as drug_concept_id,
                date '2016-01-01' + (i % 2000)::int as drug_exposure_start_date,
                date '2016-01-30' + (i % 2000)::int as drug_exposure_end_date,
                30 as days_supply, 30.0 as quantity, 4132161 as route_concept_id,
                'sertraline 50 MG Oral Tablet' as drug_source_value
            from range({EXPOSURES}) t(i)
        ) to '{folder / "drug_exposure.csv"}' (header)"""
    )
    con.close()
    return folder


def _without_staging(tables: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    return {name: rows for name, rows in tables.items() if not name.startswith("raw._load_")}


def test_a_killed_load_leaves_the_warehouse_as_it_was_and_the_next_load_succeeds(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    # given the baseline warehouse and a large new version of TEST-REG
    before = snapshot(warehouse)
    audit_before = query(warehouse, "from raw.load_audit order by all")
    folder = _big_registry(tmp_path / "big")

    # when `trd ingest` is killed with SIGKILL while it is reading drug_exposure.csv
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trd.cli",
            "-v",
            "--warehouse",
            str(warehouse),
            "ingest",
            str(folder),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DO_NOT_TRACK": "1"},
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if "drug_exposure.csv: 1,000,000 rows read" in line:
            process.send_signal(signal.SIGKILL)
            break
    process.wait()
    assert process.returncode == -signal.SIGKILL, "".join(seen)

    # then the warehouse holds what it held before (at most stale staging tables are left)
    after = snapshot(warehouse)
    assert _without_staging(after) == before
    assert any(name.startswith("raw._load_") for name in after), "killed while staging"
    assert query(warehouse, "from raw.load_audit order by all") == audit_before

    # and the next ingest drops the stale tables and loads a new version of the dataset
    smaller = registry_dataset()
    smaller.tables["person"][0]["year_of_birth"] = 1969
    run = run_ingest(warehouse, smaller.write(tmp_path / "small"))
    assert run.code == 0, run.err
    assert "left by an interrupted load" in run.err
    assert "TEST-REG: loaded 22 rows from 8 files" in run.out
    assert query(
        warehouse,
        "select count(*) from information_schema.tables where starts_with(table_name, '_load_')",
    ) == [(0,)]
    assert query(
        warehouse, "select min(year_of_birth) from raw.person where _dataset_id = 'TEST-REG'"
    ) == [(1969,)]


def test_ctrl_c_stops_a_load_within_a_second_and_keeps_nothing_of_it(
    warehouse: Path, tmp_path: Path
) -> None:
    # given a large new version of TEST-REG being loaded, with Great Expectations still
    # importing in the background (it takes seconds)
    before = snapshot(warehouse)
    folder = _big_registry(tmp_path / "big")
    trd = Path(sys.executable).with_name("trd")
    process = subprocess.Popen(
        [str(trd), "-v", "--warehouse", str(warehouse), "ingest", str(folder)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DO_NOT_TRACK": "1"},
    )
    assert process.stderr is not None
    for line in process.stderr:
        if "drug_exposure.csv: 1,000,000 rows read" in line:
            break
    # when the user presses Ctrl-C
    interrupted = time.perf_counter()
    process.send_signal(signal.SIGINT)
    rest = process.stderr.read()
    process.wait(timeout=30)
    took = time.perf_counter() - interrupted
    # then trd exits within a second with 130, says so without a traceback, and the warehouse
    # holds what it held before (no staging table left either)
    assert process.returncode == 130, rest
    # about 0.3 s on an idle machine; the bound leaves room for a loaded CI runner and still
    # fails if trd waits for the Great Expectations import (about 3 s) or finishes the load
    assert took < 2.5, f"took {took:.2f} s"
    assert "trd ingest: interrupted; the dataset being loaded was left as it was" in rest
    assert "Traceback" not in rest
    assert snapshot(warehouse) == before
