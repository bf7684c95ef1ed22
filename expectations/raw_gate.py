"""Raw-table suites, run inside `trd ingest` before a dataset is committed (docs/data-quality.md).

Ingest stages a dataset in its own tables (`raw._load_<id>__<table>`, raw's layout) and calls
`run_raw_checks`; any result that `blocks` rejects the load, and `CheckResult.message()` tells
the user where and what to do. `trd check` runs the same suites on `raw`, one dataset at a time
(`run_raw_suites`).

The dataset's own PARAMCD map is read from the staged `dataset_parameters` when ingest staged
it; otherwise the range check uses the default map (seed `scale_parameters`).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
from great_expectations.data_context import AbstractDataContext

from core.contracts import AUDIT_COLUMNS, Table, tables_for
from expectations import dialect
from expectations.gx_duckdb import ephemeral_context
from expectations.results import CheckResult
from expectations.runner import Scope, existing_tables, run_suites
from expectations.spark_sql import SparkSQL
from expectations.suites import registry, trial


def run_raw_checks(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    dataset_id: str,
    source: str,
    context: AbstractDataContext | None = None,
    table_prefix: str = "",
) -> list[CheckResult]:
    """Validate the staged tables of one dataset in `schema` (same layout as `raw`).

    `con` is the ingest process's open connection; the staged tables are committed and hold only
    this dataset's rows. Returns every check's result; the caller rejects the load
    when any result `blocks`. `context`: the GX context to validate in (default: a new one
    without Data Docs). `table_prefix`: the staged tables' names start with it (ingest stages
    `raw._load_<id>__<table>`).
    """
    scope = Scope(schema, dataset_id, table_prefix=table_prefix)
    return run_raw_suites(con, context or ephemeral_context(), scope, source)


def run_raw_suites(
    con: duckdb.DuckDBPyConnection | SparkSQL,
    context: AbstractDataContext,
    scope: Scope,
    source: str,
    progress: Callable[[str, list[CheckResult]], None] | None = None,
) -> list[CheckResult]:
    """Run the trial or registry suites on one dataset's tables in `scope`."""
    if source not in ("trial", "registry"):
        raise ValueError(f"unknown source {source!r} (expected trial or registry)")
    existing = existing_tables(con, scope)
    relations = {
        t.name: scope.relation(t.name) if t.name in existing else _empty_relation(t)
        for t in tables_for(source)  # type: ignore[arg-type]
    }
    if source == "trial":
        parameters = _dataset_parameters(con, scope, existing)
        names = relations | trial.references(parameters)
        suites = trial.suites()
    else:
        names = relations | registry.references(relations.__getitem__)
        suites = registry.suites()
    return run_suites(con, context, scope, suites, names, progress)


def _empty_relation(table: Table) -> str:
    """A relation with the table's columns and no rows, for a table the schema lacks."""
    columns = ", ".join(
        f"cast(null as {dialect.sql_type(c.type)}) as {c.name}"
        for c in table.loaded_columns + AUDIT_COLUMNS
    )
    return f"(select {columns} where false)"


def _dataset_parameters(
    con: duckdb.DuckDBPyConnection | SparkSQL, scope: Scope, existing: set[str]
) -> dict[str, str]:
    """The dataset's own PARAMCD -> scale map, if the schema holds `dataset_parameters`."""
    if "dataset_parameters" not in existing:
        return {}
    rows = con.execute(
        f"select paramcd, scale from {scope.table('dataset_parameters')} where dataset_id = ?",
        [scope.dataset_id],
    ).fetchall()
    return {str(p): str(s) for p, s in rows}
