"""`trd build`: run the dbt project in-process (SPEC 2): raw -> staging -> intermediate -> marts
-> reporting, with every dbt data test, but not the dbt unit tests.

Unit tests prove the SQL logic on fixed fixtures, not the loaded data, so their result cannot
change from one production build to the next: they run in CI (`make test`, in
tests/models/test_dbt_unit_tests.py) and in a plain `dbt build` in the repo, and `trd build`
skips them (`--exclude-resource-type unit_test`: 54 unit tests, 10-16 s of dbt node time in a
1M-person build).

In: a warehouse file written by `trd ingest` (or an empty one). Out: the dbt schemas rebuilt, or
a `BuildFailed` naming the models and tests that failed. dbt runs in this process (dbtRunner),
so its progress is printed as it goes and `target/` and `logs/` stay in the repo, exactly as
with a plain `dbt build` in the repo root.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.cli.main import dbtRunner, dbtRunnerResult

from ingest.schema import create_raw_schema
from trd.errors import ConfigError, TrdError, WarehouseBusy
from trd.settings import REPO_ROOT

FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
"""dbt node statuses that fail the build (warnings and skips of downstream nodes do not)."""
MAX_FAILURES_SHOWN = 5


class BuildFailed(TrdError):
    """dbt could not build: a model failed to run or an error-severity test failed."""


def build(warehouse: Path, select: str | None = None) -> int:
    """Build the dbt project into `warehouse`; 0 on success, `BuildFailed` otherwise.

    The raw schema is created first when missing, so a warehouse without data builds empty
    marts instead of failing on unresolved sources. `select` is a dbt selection (`--select`).
    """
    warehouse = Path(warehouse)
    _require_warehouse(warehouse)
    _ensure_raw_schema(warehouse)
    args = ["build", "--exclude-resource-type", "unit_test"]
    if select:
        args += ["--select", select]
    _raise_on_failure(run_dbt(args, warehouse), warehouse)
    return 0


def run_dbt(args: list[str], warehouse: Path) -> dbtRunnerResult:
    """One dbt command of the repo's project on `warehouse`, in this process; the file is
    released afterwards. Shared with the CI test that runs the unit tests `build` skips."""
    project = ["--project-dir", str(REPO_ROOT), "--profiles-dir", str(REPO_ROOT)]
    with _dbt_environment(warehouse):
        try:
            return dbtRunner().invoke([*args, *project])
        finally:
            _release_warehouse()


def _require_warehouse(warehouse: Path) -> None:
    """A missing file is almost always a wrong path; building into it would hide the typo."""
    if not warehouse.is_file():
        raise ConfigError(
            f"no warehouse at {warehouse}",
            "load data first with `trd ingest DIR...`, or point --warehouse / TRD_WAREHOUSE "
            "at an existing warehouse file",
        )


def _ensure_raw_schema(warehouse: Path) -> None:
    """dbt sources need every raw table; create them (idempotent) before dbt opens the file."""
    try:
        con = duckdb.connect(str(warehouse))
    except duckdb.IOException as err:
        if "lock" in str(err).lower():
            raise WarehouseBusy(
                f"another process has {warehouse} open (DuckDB allows one writer and no "
                "reader beside it)",
                "wait for that process to finish or close it, then rerun `trd build`",
            ) from err
        raise ConfigError(
            f"cannot open {warehouse} as a DuckDB warehouse ({err})",
            "point --warehouse / TRD_WAREHOUSE at a warehouse file written by `trd ingest`",
        ) from err
    try:
        create_raw_schema(con)
    finally:
        con.close()


@contextmanager
def _dbt_environment(warehouse: Path) -> Iterator[None]:
    """profiles.yml reads TRD_WAREHOUSE; DO_NOT_TRACK stops dbt's tracking call from hanging."""
    saved = {name: os.environ.get(name) for name in ("TRD_WAREHOUSE", "DO_NOT_TRACK")}
    os.environ["TRD_WAREHOUSE"] = str(warehouse)
    os.environ["DO_NOT_TRACK"] = "1"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _release_warehouse() -> None:
    """dbt-duckdb keeps its DuckDB instance open after dbtRunner returns, which holds the file
    lock: the next stage of `trd run`, or any other process, could not open the warehouse."""
    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


def _raise_on_failure(result: dbtRunnerResult, warehouse: Path) -> None:
    """Name what failed and what to do, in one message (dbt's own output is above it)."""
    if result.success:
        return
    if result.exception is not None:
        raise BuildFailed(
            f"dbt could not run on {warehouse}: {_first_line(str(result.exception))}",
            "fix the model or YAML file named in dbt's message above, then rerun `trd build`",
        )
    failures = [
        f"{r.node.resource_type} {r.node.name}: {_first_line(r.message or str(r.status))}"
        for r in (result.result.results if result.result is not None else [])
        if str(r.status) in FAILED_STATUSES
    ]
    hidden = len(failures) - MAX_FAILURES_SHOWN
    shown = "; ".join(failures[:MAX_FAILURES_SHOWN])
    shown += f" (and {hidden} more)" if hidden > 0 else ""
    raise BuildFailed(
        f"dbt build failed on {warehouse}: {len(failures)} model(s) or test(s) failed: {shown}",
        "a failed test means the loaded data breaks a derivation rule: inspect the rows with "
        "`dbt test --select <test> --store-failures` (or fix the model for a model error), "
        "then rerun `trd build`",
    )


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text
