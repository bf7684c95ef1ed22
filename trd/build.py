"""`trd build`: run the dbt project in-process (docs/architecture.md): raw -> staging ->
intermediate -> marts
-> reporting, with every dbt data test, but not the dbt unit tests.

Unit tests prove the SQL logic on fixed fixtures, not the loaded data, so their result cannot
change from one production build to the next: they run in CI (`make test`, in
tests/models/test_dbt_unit_tests.py) and in a plain `dbt build` in the repo, and `trd build`
skips them (`--exclude-resource-type unit_test`: 54 unit tests, 10-16 s of dbt node time in a
1M-person build).

In: a warehouse file written by `trd ingest` (or an empty one). Out: the dbt schemas rebuilt, or
a `BuildFailed` naming the models and tests that failed. dbt runs in this process (dbtRunner),
and `target/` and `logs/` stay in the repo, exactly as with a plain `dbt build` in the repo
root. By default dbt's node lines (one per model and test, about a thousand) go to its log file
only, a progress bar shows on a terminal, and one summary line is printed; `-v` shows dbt's
own output. Each build records itself in `dq.builds` (the project's on-run hooks,
macros/record_build.sql), which the report's publish gate reads.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.cli.main import dbtRunner, dbtRunnerResult
from dbt.contracts.graph.manifest import Manifest

from core import console, interrupts
from core.errors import ConfigError, TrdError
from core.settings import MEMORY_LIMIT_ENV, REPO_ROOT, SPARK_WAREHOUSE_ENV, memory_limit
from core.warehouse import open_warehouse
from expectations.store import create_dq_schema
from ingest.schema import create_raw_schema

FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
"""dbt node statuses that fail the build (warnings and skips of downstream nodes do not)."""
MAX_FAILURES_SHOWN = 5
QUIET_TRACKER = "PYTHONWARNINGS"


class BuildFailed(TrdError):
    """dbt could not build: a model failed to run or an error-severity test failed."""


BUILD_ARGS = ("build", "--full-refresh", "--exclude-resource-type", "unit_test")
"""--full-refresh: seeds are replaced, not appended to, so a code list that gained a column
(after an upgrade) loads instead of failing; every model is a table or view, rebuilt anyway."""


def build(warehouse: Path, select: str | None = None, engine: str = "duckdb") -> int:
    """Build the dbt project into `warehouse`; 0 on success, `BuildFailed` otherwise.

    The raw schema is created first when missing, so a warehouse without data builds empty
    marts instead of failing on unresolved sources. `select` is a dbt selection (`--select`).
    `engine` spark: `warehouse` is a Spark warehouse folder (trd/spark_build.py).
    """
    warehouse = Path(warehouse)
    started = time.perf_counter()
    memory_limit()  # a bad TRD_MEMORY_LIMIT is refused before the warehouse is touched
    if engine == "spark":
        from trd.spark_build import build_on_spark

        with console.progress("trd build", unit="nodes") as bar:
            results = build_on_spark(warehouse, select, _progress_callback(bar))
        for result in results:
            _raise_on_failure(result, warehouse)
        console.say(f"trd build: {_summary(*results)} in {time.perf_counter() - started:.1f} s")
        console.detail(f"  dbt's log: {log_file()}")
        return 0
    _ensure_raw_schema(warehouse)
    args = list(BUILD_ARGS)
    if select:
        args += ["--select", select]
    with console.progress("trd build", unit="nodes") as bar:
        result = run_dbt(args, warehouse, _progress_callback(bar))
    _raise_on_failure(result, warehouse)
    if select and not _built(result):
        raise ConfigError(
            f"--select {select!r} matches no model, seed or test of the project",
            "check the names (dbt selection syntax: model names, +model, path:models/marts, "
            "tag:...); `.venv/bin/dbt ls --select ...` lists what a selection matches",
        )
    console.say(f"trd build: {_summary(result)} in {time.perf_counter() - started:.1f} s")
    console.detail(f"  dbt's log: {log_file()}")
    return 0


def run_dbt(
    args: list[str],
    warehouse: Path,
    callback: Callable[[Any], None] | None = None,
    engine: str = "duckdb",
) -> dbtRunnerResult:
    """One dbt command of the repo's project on `warehouse`, in this process; the file is
    released afterwards. Shared with the CI test that runs the unit tests `build` skips.
    `engine`: the profile's target (spark: the process's SparkSession, core/spark.py).

    dbt prints its node lines only with -v (else `--quiet`: errors only); colour codes only
    on a terminal, never in the log file. Ctrl-C inside dbt, which dbt turns into a failed
    result, is raised again as KeyboardInterrupt."""
    project = [
        *("--project-dir", str(REPO_ROOT), "--profiles-dir", str(REPO_ROOT)),
        *("--target", engine),
    ]
    output = [] if console.verbose() else ["--quiet"]
    colours = ["--use-colors" if console.use_colour() else "--no-use-colors"]
    flags = [*output, *colours, "--no-use-colors-file"]
    with _dbt_environment(warehouse, engine):
        try:
            manifest, failed = _parsed_project(args, warehouse, engine, flags, project)
            runner = dbtRunner(manifest=manifest, callbacks=[callback] if callback else [])
            result = failed or runner.invoke([*flags, *args, *project])
        finally:
            _release_warehouse()
    if isinstance(result.exception, KeyboardInterrupt):
        raise KeyboardInterrupt
    interrupts.check()
    return result


PARSED_PATHS = {
    "model-paths": "models",
    "seed-paths": "seeds",
    "macro-paths": "macros",
    "test-paths": "tests",
    "analysis-paths": "analyses",
    "snapshot-paths": "snapshots",
}
"""The dbt_project.yml options naming folders dbt parses, with dbt's default for each."""
_PARSED: dict[tuple[object, ...], Manifest] = {}
"""The project as dbt parsed it in this process, by what the parse depends on (`_parse_key`)."""


def _parsed_project(
    args: list[str], warehouse: Path, engine: str, flags: list[str], project: list[str]
) -> tuple[Manifest | None, dbtRunnerResult | None]:
    """The parsed project for a DuckDB run (parsed on first use), or the failed parse's result.

    dbt's own partial parsing starts over whenever the profile changes, and the profile holds
    the warehouse path: a process that builds several warehouses (the test suite: dozens)
    parsed the whole project each time, about 5 s. A manifest parsed once is handed to the
    next runs (dbt's programmatic `dbtRunner(manifest=...)`) as long as nothing the parse reads
    has changed. Spark runs parse as dbt does."""
    if engine != "duckdb":
        return None, None
    key = _parse_key(args, warehouse)
    if key not in _PARSED:
        parsed = dbtRunner().invoke([*flags, "parse", *_vars(args), *project])
        if not parsed.success:
            return None, parsed
        _PARSED[key] = parsed.result
    return _PARSED[key], None


def _parse_key(args: list[str], warehouse: Path) -> tuple[object, ...]:
    """What a parse depends on besides the warehouse path: the database name (dbt-duckdb names
    it after the file, and every node carries it), the memory cap (a profile setting), the
    `--vars`, and the project's files (name, size, time) under the folders dbt_project.yml
    names and the two YAML files themselves."""
    config = yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text(encoding="utf-8"))
    folders = [
        REPO_ROOT / folder
        for option, default in PARSED_PATHS.items()
        for folder in config.get(option, [default])
    ]
    files = [REPO_ROOT / "dbt_project.yml", REPO_ROOT / "profiles.yml"]
    files += [path for folder in folders for path in sorted(folder.rglob("*")) if path.is_file()]
    state = tuple((str(p), s.st_size, s.st_mtime_ns) for p in files for s in [p.stat()])
    return (Path(warehouse).stem, memory_limit(), tuple(_vars(args)), state)


def _vars(args: list[str]) -> list[str]:
    """The `--vars` option of a dbt command line, if it has one."""
    if "--vars" not in args:
        return []
    at = args.index("--vars")
    return args[at : at + 2]


def log_file() -> Path:
    """Where dbt writes its full log (every node line): `logs/dbt.log` in the repo, unless
    DBT_LOG_PATH says otherwise."""
    return Path(os.environ.get("DBT_LOG_PATH") or REPO_ROOT / "logs") / "dbt.log"


def _progress_callback(bar: console.Progress) -> Callable[[Any], None]:
    """Advance the bar per finished node; dbt announces the total with each node's start."""

    def on_event(event: Any) -> None:
        name = event.info.name
        if name == "LogStartLine" and event.data.index == 1:
            bar.set_total(event.data.total)
        elif name == "NodeFinished":
            bar.update(1)

    return on_event


def _built(*results: dbtRunnerResult) -> Counter[str]:
    """How many models, seeds, snapshots and tests ran (not the project's on-run hooks)."""
    return Counter(
        r.node.resource_type
        for result in results
        for r in (result.result.results if result.result is not None else [])
        if r.node.resource_type in ("model", "seed", "snapshot", "test")
    )


def _summary(*results: dbtRunnerResult) -> str:
    """'514 nodes built and tested (60 models, 9 seeds, 443 tests)'."""
    ran = _built(*results)
    kinds = ", ".join(
        f"{n} {kind}s" for kind, n in sorted(ran.items(), key=lambda item: -item[1]) if n
    )
    return f"{sum(ran.values())} nodes built and tested ({kinds})"


def _ensure_raw_schema(warehouse: Path) -> None:
    """dbt sources need every raw table, and the reporting views the dq tables; create them
    (idempotent) before dbt opens the file.
    A missing file is almost always a wrong path: building into it would hide the typo."""
    con = open_warehouse(
        warehouse,
        "build",
        missing_fix="load data first with `trd ingest DIR...`, or point --warehouse / "
        "TRD_WAREHOUSE at an existing warehouse file",
    )
    try:
        create_raw_schema(con)
        create_dq_schema(con)
    finally:
        con.close()


@contextmanager
def _dbt_environment(warehouse: Path, engine: str) -> Iterator[None]:
    """profiles.yml reads TRD_WAREHOUSE (or TRD_SPARK_WAREHOUSE) and TRD_MEMORY_LIMIT (checked
    here, so that a bad value is a message, not a dbt error); DO_NOT_TRACK stops dbt's tracking
    call from hanging."""
    variable = SPARK_WAREHOUSE_ENV if engine == "spark" else "TRD_WAREHOUSE"
    names = (variable, MEMORY_LIMIT_ENV, "DO_NOT_TRACK", QUIET_TRACKER)
    saved = {name: os.environ.get(name) for name in names}
    os.environ[MEMORY_LIMIT_ENV] = memory_limit()
    os.environ[variable] = str(warehouse)
    os.environ["DO_NOT_TRACK"] = "1"
    # dbt's multiprocessing resource tracker, a child process, would print a warning about
    # leaked semaphores after Ctrl-C (the CLI exits without waiting for dbt's threads)
    os.environ[QUIET_TRACKER] = "ignore:resource_tracker:UserWarning"
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
    """Name what failed and what to do, in one message (dbt's errors are above it)."""
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
