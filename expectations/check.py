"""`trd check`: every data-quality suite on the warehouse (SPEC 7), results for people and CI.

In: a warehouse built by `trd ingest` and `trd build`. Runs the raw suites of every loaded
dataset (on `raw`, one dataset at a time) and the mart suites of every dataset in the marts,
through GX inside DuckDB. Out: `dq.runs` and `dq.check_results` (one row per check, dataset and
run), GX Data Docs (local HTML; default `gx/data_docs/` beside the warehouse, or
`TRD_DATA_DOCS`), JUnit XML when asked, and a summary. Exit 0 when no error-level check failed,
1 when one did (the report will not be published), ConfigError (exit 2) without warehouse or
marts.

The run also copies what each registry code list found into `dq.concept_set_diagnostics` and
prints a line per code list (`expectations.concept_diagnostics`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from great_expectations.data_context import AbstractDataContext

from expectations import concept_diagnostics
from expectations.gx_duckdb import DOCS_SITE, ephemeral_context
from expectations.junit import write_junit
from expectations.raw_gate import run_raw_suites
from expectations.results import CheckResult, RawGateRun
from expectations.runner import Scope, run_suites
from expectations.store import record_run
from expectations.suites import marts
from trd.errors import ConfigError, WarehouseBusy
from trd.settings import data_docs_dir


def check(
    warehouse: Path,
    junit: Path | None = None,
    data_docs: Path | None = None,
    gate_run: RawGateRun | None = None,
) -> int:
    """Run all suites on `warehouse`; 0 when no error-level check failed, else 1.

    `gate_run`: the raw-gate results of the datasets this process has just loaded (`trd run`);
    their raw suites are not run again, and GX validates in the gate's context, so that Data
    Docs show the gate's validations too.
    """
    warehouse = Path(warehouse)
    docs_dir = gate_run.docs_dir if gate_run else data_docs_dir(warehouse, data_docs)
    started = _now()
    con = _connect(warehouse)
    try:
        _require_marts(con, warehouse)
        context = gate_run.context() if gate_run else ephemeral_context(docs_dir)
        validated = gate_run.by_dataset if gate_run else {}
        results = _raw_results(con, context, validated) + _mart_results(con, context)
        con.execute("begin transaction")
        run_id = record_run(con, "check", results, started, _now())
        diagnostics = concept_diagnostics.record(con, run_id)
        con.execute("commit")
    finally:
        con.close()
    context.build_data_docs(site_names=[DOCS_SITE])
    if junit is not None:
        write_junit(results, junit)
    for line in diagnostics:
        print(line)
    _print_summary(results, run_id, docs_dir, junit)
    return 1 if any(r.blocks for r in results) else 0


def _now() -> datetime:
    """Run times are UTC, stored as naive timestamps (as ingest stores load times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    if not warehouse.is_file():
        raise ConfigError(
            f"no warehouse at {warehouse}",
            "load and build first (`trd ingest DIR...` then `trd build`), or point --warehouse "
            "/ TRD_WAREHOUSE at an existing warehouse file",
        )
    try:
        return duckdb.connect(str(warehouse))
    except duckdb.IOException as err:
        if "lock" in str(err).lower():
            raise WarehouseBusy(
                f"another process is writing to {warehouse}",
                "wait for it to finish (DuckDB allows one writer), then rerun `trd check`",
            ) from err
        raise ConfigError(
            f"cannot open {warehouse} as a DuckDB warehouse ({err})",
            "point --warehouse / TRD_WAREHOUSE at a warehouse file written by `trd ingest`",
        ) from err


def _require_marts(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    needed = [s.table for s in marts.suites()] + ["datasets"]
    found = con.execute(
        "select table_name from information_schema.tables "
        "where (table_schema = 'marts' or (table_schema = 'raw' and table_name = 'datasets')) "
        "and table_name in (select unnest(?))",
        [needed],
    ).fetchall()
    missing = sorted(set(needed) - {r[0] for r in found})
    if missing:
        raise ConfigError(
            f"the warehouse {warehouse} has no marts to check (missing {', '.join(missing)})",
            "run `trd build` first (after `trd ingest DIR...`), then `trd check`",
        )


def _raw_results(
    con: duckdb.DuckDBPyConnection,
    context: AbstractDataContext,
    validated: Mapping[str, Sequence[CheckResult]],
) -> list[CheckResult]:
    """Raw suites of every loaded dataset; `validated` datasets' results are reused as given."""
    datasets = con.execute(
        "select dataset_id, source from raw.datasets order by dataset_id"
    ).fetchall()
    results: list[CheckResult] = []
    for dataset_id, source in datasets:
        if dataset_id in validated:
            print(
                f"trd check: raw suites of {dataset_id} ({source}): {len(validated[dataset_id])} "
                "checks already run by this run's ingest gate on the same rows",
                flush=True,
            )
            results += validated[dataset_id]
            continue
        print(f"trd check: raw suites of {dataset_id} ({source})", flush=True)
        scope = Scope("raw", dataset_id, partition_column="_dataset_id")
        results += run_raw_suites(con, context, scope, source, _progress(dataset_id))
    return results


def _mart_results(
    con: duckdb.DuckDBPyConnection, context: AbstractDataContext
) -> list[CheckResult]:
    union = " union ".join(f"select dataset_id from marts.{s.table}" for s in marts.suites())
    datasets = [r[0] for r in con.execute(f"{union} order by 1").fetchall() if r[0] is not None]
    results: list[CheckResult] = []
    for dataset_id in datasets:
        print(f"trd check: mart suites of {dataset_id}", flush=True)
        scope = Scope("marts", dataset_id, partition_column="dataset_id", row_numbers=False)
        results += run_suites(con, context, scope, marts.suites(), {}, _progress(dataset_id))
    return results


def _progress(dataset_id: str) -> Callable[[str, list[CheckResult]], None]:
    def report(table: str, results: list[CheckResult]) -> None:
        failed = [r for r in results if not r.success]
        errors = sum(r.severity == "error" for r in failed)
        status = "ok" if not failed else f"{errors} error(s), {len(failed) - errors} warning(s)"
        print(f"  {dataset_id} {table}: {len(results)} checks, {status}", flush=True)

    return report


def _print_summary(
    results: Sequence[CheckResult], run_id: str, docs_dir: Path, junit: Path | None
) -> None:
    failed = [r for r in results if not r.success]
    errors = [r for r in failed if r.severity == "error"]
    warnings = [r for r in failed if r.severity == "warn"]
    datasets = {r.dataset_id for r in results}
    print(
        f"trd check: {len(results)} checks on {len(datasets)} dataset(s): "
        f"{len(results) - len(failed)} passed, {len(errors)} error(s), "
        f"{len(warnings)} warning(s) (run {run_id})"
    )
    for r in errors:
        print(f"ERROR {r.message()}")
    for r in warnings:
        print(f"WARN  {r.message()}")
    print(f"Data Docs: {docs_dir / 'index.html'}")
    if junit is not None:
        print(f"JUnit XML: {junit}")
    if errors:
        print("Error-level checks failed: reports will not be published until they pass.")
