"""`trd check`: every data-quality suite on the warehouse (docs/data-quality.md), results for
people and CI.

In: a warehouse built by `trd ingest` and `trd build`. Runs the raw suites of every loaded
dataset (on `raw`, one dataset at a time) and the mart suites of every dataset in the marts,
through GX inside DuckDB (or, on a Spark warehouse folder, through GX's Spark data source:
docs/scale-out.md). Out: `dq.runs`, `dq.check_results` (one row per check, dataset and
run) and `dq.check_inputs` (the load of each dataset checked, for the publish gate), GX Data
Docs (local HTML that works offline; default `gx/data_docs/` beside the warehouse, or
`TRD_DATA_DOCS`), JUnit XML when asked, and a summary. Exit 0 when no error-level check failed,
1 when one did (the report will not be published), ConfigError (exit 2) without warehouse or
marts, or with an output path that cannot be written (checked before anything runs).

The run also copies what each registry code list found into `dq.concept_set_diagnostics` and
prints a line about them (with -v a line per code list: `expectations.concept_diagnostics`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from great_expectations.data_context import AbstractDataContext

from core import console, interrupts
from core.errors import ConfigError
from core.outputs import output_file, output_folder
from core.settings import DATA_DOCS_ENV, data_docs_dir, duckdb_config
from core.warehouse import open_warehouse
from expectations import concept_diagnostics, dialect
from expectations import data_docs as docs_site
from expectations.freshness import build_reasons
from expectations.gx_duckdb import DOCS_SITE, ephemeral_context
from expectations.junit import write_junit
from expectations.raw_gate import run_raw_suites
from expectations.results import CheckResult, RawGateRun
from expectations.runner import Scope, run_suites
from expectations.spark_sql import SparkSQL, table_names
from expectations.store import record_run, record_run_spark
from expectations.suites import marts


def check(
    warehouse: Path,
    junit: Path | None = None,
    data_docs: Path | None = None,
    gate_run: RawGateRun | None = None,
    engine: str = "duckdb",
) -> int:
    """Run all suites on `warehouse`; 0 when no error-level check failed, else 1.

    `gate_run`: the raw-gate results of the datasets this process has just loaded (`trd run`);
    their raw suites are not run again, and GX validates in the gate's context, so that Data
    Docs show the gate's validations too. `engine="spark"`: `warehouse` is a Spark warehouse
    folder; the same suites run through GX's Spark data source (docs/scale-out.md).
    """
    warehouse = Path(warehouse)
    started = _now()
    missing_fix = (
        "load and build first (`trd ingest DIR...` then `trd build`), or point "
        "--warehouse / TRD_WAREHOUSE at an existing warehouse file"
    )
    if engine == "spark":
        with _spark_warehouse(warehouse, missing_fix) as con, dialect.engine("spark"):
            outcome = _check(con, warehouse, junit, data_docs, gate_run, started)
    else:
        duck = open_warehouse(warehouse, "check", missing_fix=missing_fix, config=duckdb_config())
        try:
            outcome = _check(duck, warehouse, junit, data_docs, gate_run, started)
        finally:
            duck.close()
    results, run_id, diagnostics, context, docs_dir, junit = outcome
    index = docs_site.build(context, DOCS_SITE, docs_dir)
    if junit is not None:
        write_junit(results, junit)
    _print_diagnostics(diagnostics)
    _print_summary(results, run_id, index, junit, _now() - started)
    return 1 if any(r.blocks for r in results) else 0


@contextmanager
def _spark_warehouse(warehouse: Path, missing_fix: str) -> Iterator[SparkSQL]:
    """The Spark warehouse folder's catalogue; a missing folder is a wrong path, not a new
    warehouse, and a catalogue held by another process is `WarehouseBusy`."""
    if not warehouse.is_dir():
        raise ConfigError(f"the Spark warehouse {warehouse} does not exist", missing_fix)
    from core.spark import catalogue_errors, session

    with catalogue_errors(warehouse, "check"):
        yield SparkSQL(session(warehouse))


def _check(
    con: duckdb.DuckDBPyConnection | SparkSQL,
    warehouse: Path,
    junit: Path | None,
    data_docs: Path | None,
    gate_run: RawGateRun | None,
    started: datetime,
) -> tuple[list[CheckResult], str, list[str], AbstractDataContext, Path, Path | None]:
    """Validate and record; what `check` prints and writes afterwards."""
    _require_marts(con, warehouse)
    docs_dir = output_folder(
        gate_run.docs_dir if gate_run else data_docs_dir(warehouse, data_docs),
        f"the Data Docs folder (${DATA_DOCS_ENV}, default gx/data_docs beside the warehouse)",
    )
    junit = output_file(junit, "--junit") if junit is not None else None
    for reason in build_reasons(con):
        console.warn(f"trd check: WARNING: {reason}: run `trd build` before `trd check`")
    context = gate_run.context() if gate_run else ephemeral_context(docs_dir)
    validated = gate_run.by_dataset if gate_run else {}
    covered = con.execute("select dataset_id, _load_id from raw.datasets").fetchall()
    with console.progress("trd check", total=_n_units(con), unit="suites") as bar:
        results = _raw_results(con, context, validated, bar) + _mart_results(con, context, bar)
    interrupts.check()  # a run cut short is not recorded as a check of everything
    if isinstance(con, SparkSQL):
        # no transaction: the run's dq.runs row, which makes it visible, is written last
        run_id = str(uuid.uuid4())
        diagnostics = concept_diagnostics.record(con, run_id)
        record_run_spark(con.spark, "check", results, started, _now(), covered, run_id=run_id)
    else:
        con.execute("begin transaction")
        run_id = record_run(con, "check", results, started, _now(), covered=covered)
        diagnostics = concept_diagnostics.record(con, run_id)
        con.execute("commit")
    return results, run_id, diagnostics, context, docs_dir, junit


def _now() -> datetime:
    """Run times are UTC, stored as naive timestamps (as ingest stores load times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _n_units(con: duckdb.DuckDBPyConnection | SparkSQL) -> int:
    """Datasets to validate, raw and marts (the progress bar's total)."""
    [(n,)] = con.execute("select 2 * count(*) from raw.datasets").fetchall()
    return int(n)


def _require_marts(con: duckdb.DuckDBPyConnection | SparkSQL, warehouse: Path) -> None:
    needed = {s.table for s in marts.suites()}
    found = table_names(con, "marts") | (table_names(con, "raw") & {"datasets"})
    missing = sorted((needed | {"datasets"}) - found)
    if missing:
        raise ConfigError(
            f"the warehouse {warehouse} has no marts to check (missing {', '.join(missing)})",
            "run `trd build` first (after `trd ingest DIR...`), then `trd check`",
        )


def _raw_results(
    con: duckdb.DuckDBPyConnection | SparkSQL,
    context: AbstractDataContext,
    validated: Mapping[str, Sequence[CheckResult]],
    bar: console.Progress,
) -> list[CheckResult]:
    """Raw suites of every loaded dataset; `validated` datasets' results are reused as given."""
    datasets = con.execute(
        "select dataset_id, source from raw.datasets order by dataset_id"
    ).fetchall()
    results: list[CheckResult] = []
    for dataset_id, source in datasets:
        if dataset_id in validated:
            console.detail(
                f"trd check: raw suites of {dataset_id} ({source}): {len(validated[dataset_id])} "
                "checks already run by this run's ingest gate on the same rows"
            )
            results += validated[dataset_id]
        else:
            console.detail(f"trd check: raw suites of {dataset_id} ({source})")
            scope = Scope("raw", dataset_id, partition_column="_dataset_id")
            results += run_raw_suites(con, context, scope, source, _progress(dataset_id))
        bar.update(1)
    return results


def _mart_results(
    con: duckdb.DuckDBPyConnection | SparkSQL, context: AbstractDataContext, bar: console.Progress
) -> list[CheckResult]:
    union = " union ".join(f"select dataset_id from marts.{s.table}" for s in marts.suites())
    datasets = [r[0] for r in con.execute(f"{union} order by 1").fetchall() if r[0] is not None]
    results: list[CheckResult] = []
    for dataset_id in datasets:
        console.detail(f"trd check: mart suites of {dataset_id}")
        scope = Scope("marts", dataset_id, partition_column="dataset_id", row_numbers=False)
        results += run_suites(con, context, scope, marts.suites(), {}, _progress(dataset_id))
        bar.update(1)
    return results


def _progress(dataset_id: str) -> Callable[[str, list[CheckResult]], None]:
    def report(table: str, results: list[CheckResult]) -> None:
        failed = [r for r in results if not r.success]
        errors = sum(r.severity == "error" for r in failed)
        status = "ok" if not failed else f"{errors} error(s), {len(failed) - errors} warning(s)"
        console.detail(f"  {dataset_id} {table}: {len(results)} checks, {status}")

    return report


def _print_diagnostics(lines: list[str]) -> None:
    """The code lists' heading line; the line per dataset and code list with -v."""
    if console.verbose() or len(lines) < 2:
        for line in lines:
            console.say(line)
        return
    console.say(f"{lines[0].removesuffix(':')}: `trd check -v` lists the {len(lines) - 1} lines")


def _print_summary(
    results: Sequence[CheckResult],
    run_id: str,
    index: Path,
    junit: Path | None,
    took: timedelta,
) -> None:
    """One line, then each error; warnings one per line with -v (else counted); where the
    Data Docs and JUnit XML are."""
    failed = [r for r in results if not r.success]
    errors = [r for r in failed if r.severity == "error"]
    warnings = [r for r in failed if r.severity == "warn"]
    datasets = {r.dataset_id for r in results}
    console.say(
        f"trd check: {len(results)} checks on {len(datasets)} dataset(s) in "
        f"{took.total_seconds():.1f} s: {len(results) - len(failed)} passed, {len(errors)} "
        f"error(s), {len(warnings)} warning(s) (run {run_id})"
    )
    for r in errors:
        console.say(f"ERROR {r.message()}")
    for r in warnings:
        console.detail(f"WARN  {r.message()}")
    if warnings and not console.verbose():
        console.say(
            f"  {len(warnings)} warning(s) do not block the report: `trd check -v` lists them, "
            "as do the Data Docs and the report's data-quality page"
        )
    console.say(f"  Data Docs: {index}" + (f"; JUnit XML: {junit}" if junit else ""))
    if errors:
        console.say("Error-level checks failed: reports will not be published until they pass.")
