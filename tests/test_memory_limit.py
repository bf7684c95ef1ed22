"""`TRD_MEMORY_LIMIT` (core/settings.py): DuckDB's memory cap for ingest, build and check.

Given the demo registry; when it is ingested and built under a small cap; then the raw tables,
the load audit and every mart and reporting table are those of the default run (DuckDB spills
to `<warehouse>.tmp/` what does not fit), the connections of ingest and dbt carry the cap, and a
value that is not a memory size is a usage error before anything is written.
Timings at 10M persons live in benchmarks/ (docs/performance.md), not here.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from support.dbt import RegistryBuild

from benchmarks.fingerprint import fingerprint
from core.errors import ConfigError
from core.settings import DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_ENV, REPO_ROOT, memory_limit
from expectations.gate import RawChecks
from ingest.load import connect, ingest_datasets
from trd.build import build, run_dbt
from trd.cli import main

pytestmark = pytest.mark.slow

SMALL = "1GB"
"""A tenth of the default on the 24 GiB machines: the cap of the 1M-person fingerprint run
(docs/performance.md). Not much less: under 48MB, some of dbt's queries fail with DuckDB's
'Out of Memory Error' instead of spilling (measured)."""
RAW_TABLES = ("person", "drug_exposure", "observation", "measurement", "condition_occurrence")


@pytest.fixture(scope="module")
def registry(registry_build: RegistryBuild) -> Path:
    return registry_build.folder


@pytest.fixture(scope="module")
def default_run(registry_build: RegistryBuild) -> Path:
    """The demo registry loaded and built under the default cap (shared with other modules:
    read only)."""
    return registry_build.warehouse


@pytest.fixture(scope="module")
def capped_run(registry: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = tmp_path_factory.mktemp("capped") / "w.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(MEMORY_LIMIT_ENV, SMALL)
        assert ingest_datasets([registry], warehouse, RawChecks()) == 0
        assert build(warehouse) == 0
    return warehouse


def _rows(warehouse: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_default_is_a_share_of_the_machine_and_plain_dbt_uses_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)
    assert memory_limit() == DEFAULT_MEMORY_LIMIT == "30%"
    profile = (REPO_ROOT / "profiles.yml").read_text()
    assert f"env_var('{MEMORY_LIMIT_ENV}', '{DEFAULT_MEMORY_LIMIT}')" in profile


def test_ingest_connection_carries_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "6GB")
    con = connect(tmp_path / "w.duckdb")
    try:
        shown = con.execute("select current_setting('memory_limit')").fetchall()
    finally:
        con.close()
    assert shown == [("5.5 GiB",)]  # DuckDB shows 6 GB (10^9 bytes) in GiB


def test_dbt_connection_carries_the_cap(default_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, SMALL)
    query = "select current_setting('memory_limit') as cap"
    result = run_dbt(["show", "--inline", query], default_run)
    assert result.success, result.exception
    assert result.result.results[0].agate_table.rows[0][0] == "953.6 MiB"


def test_ingest_under_a_small_cap_loads_the_same_rows_and_audit(
    registry_build: RegistryBuild, default_run: Path, capped_run: Path
) -> None:
    for table in RAW_TABLES:
        sql = f"select * exclude (_load_id) from raw.{table} order by all"
        capped, default = _rows(capped_run, sql), _rows(default_run, sql)
        assert capped == default, table
        assert len(default) >= registry_build.persons, table
    audit = "select file, status, rows_read, rows from raw.load_audit order by file"
    assert _rows(capped_run, audit) == _rows(default_run, audit)


def test_build_under_a_small_cap_gives_the_same_marts(default_run: Path, capped_run: Path) -> None:
    # the fingerprint leaves out each load's id and time, which two loads never share
    capped, default = fingerprint(capped_run), fingerprint(default_run)
    assert capped == default
    assert default["marts.response_rates"]["rows"] > 0


@pytest.mark.parametrize("command", ["ingest", "build", "check"])
def test_a_cap_that_is_not_a_memory_size_is_refused_before_anything_is_written(
    command: str,
    registry: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "lots")
    warehouse = tmp_path / "w.duckdb"
    args = [str(registry)] if command == "ingest" else []
    if command != "ingest":
        duckdb.connect(str(warehouse)).close()
    before = warehouse.stat().st_mtime_ns if warehouse.exists() else None
    assert main(["--warehouse", str(warehouse), command, *args]) == 2
    message = capsys.readouterr().err
    assert re.search(r"TRD_MEMORY_LIMIT='lots' is not a memory size.*8GB", message), message
    assert (warehouse.stat().st_mtime_ns if warehouse.exists() else None) == before


def test_memory_limit_accepts_amounts_and_shares(monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("8GB", "6 GiB", "512MB", "50%", "1.5TB"):
        monkeypatch.setenv(MEMORY_LIMIT_ENV, value)
        assert memory_limit() == value
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "8 gigs")
    with pytest.raises(ConfigError, match="not a memory size"):
        memory_limit()
