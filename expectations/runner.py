"""Run table suites through GX inside DuckDB and turn GX's answers into `CheckResult`s.

One table of one dataset is one GX batch. The first pass validates the column rules of the
table as one suite with result format BOOLEAN_ONLY (one bundled aggregate query) and the SQL
rules as another with result format BASIC (one count per rule, kept), which is all clean data
ever costs. Only failed checks get a second pass that finds their failing rows: column rules in
result format SUMMARY (the first 20 rows' `_row_number` and keys); SQL rules fetch their first
200 failing rows (`FetchFailingRows`, the query limited), never counted again, so a check failing
on millions of rows never pulls them into Python and costs two evaluations, not four. GX
computes everything in SQL (pushdown). A check GX could not evaluate is a failure that says so,
never a pass.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import great_expectations as gx
from great_expectations.core.partitioners import PartitionerColumnValue
from great_expectations.data_context import AbstractDataContext

from expectations import dialect
from expectations.checks import Check, HasColumns, HasType, Rows, TableSuite, to_expectation
from expectations.gx_duckdb import add_connection_datasource
from expectations.relations import literal
from expectations.results import CheckResult
from expectations.spark_sql import SparkSQL, table_names

MAX_ROWS_SHOWN = 20
"""Failing rows and keys kept per check (messages show the first five)."""
SAMPLE = "#sample"


@dataclass(frozen=True)
class Scope:
    """Where the tables of one dataset are.

    `partition_column` tells datasets apart in a shared schema (`_dataset_id` in raw,
    `dataset_id` in marts); None when the tables hold one dataset only (ingest's staging).
    `table_prefix`: the tables' names start with it (ingest's staging tables
    `raw._load_<id>__<table>`). `row_numbers`: the tables carry `_row_number` and
    `_source_file` (raw and staging).
    """

    schema: str
    dataset_id: str
    partition_column: str | None = None
    row_numbers: bool = True
    table_prefix: str = ""

    @property
    def label(self) -> str:
        """Names this scope's GX data source and suites (unique within one GX context)."""
        return f"{self.schema}:{self.table_prefix}{self.dataset_id}"

    def table_name(self, name: str) -> str:
        return f"{self.table_prefix}{name}"

    def table(self, name: str) -> str:
        return f"{dialect.identifier(self.schema)}.{dialect.identifier(self.table_name(name))}"

    def relation(self, name: str) -> str:
        """SQL for this dataset's rows of table `name`."""
        if self.partition_column is None:
            return self.table(name)
        return (
            f"(select * from {self.table(name)} "
            f"where {self.partition_column} = {literal(self.dataset_id)})"
        )


@dataclass(frozen=True)
class TableStats:
    rows: int
    source_file: str | None


def existing_tables(con: duckdb.DuckDBPyConnection | SparkSQL, scope: Scope) -> set[str]:
    """The tables the scope has, by their names without the scope's prefix."""
    return {
        name.removeprefix(scope.table_prefix)
        for name in table_names(con, scope.schema)
        if name.startswith(scope.table_prefix)
    }


def table_stats(
    con: duckdb.DuckDBPyConnection | SparkSQL, scope: Scope, tables: Sequence[str]
) -> dict[str, TableStats]:
    """Row count (and source file) of each existing table that has rows for the dataset."""
    existing = existing_tables(con, scope)
    stats = {}
    for name in tables:
        if name not in existing:
            continue
        file = "min(_source_file)" if scope.row_numbers else "null"
        rows, source_file = con.execute(
            f"select count(*), {file} from {scope.relation(name)}"
        ).fetchone()  # type: ignore[misc]
        if rows:
            stats[name] = TableStats(rows, source_file)
    return stats


def run_suites(
    con: duckdb.DuckDBPyConnection | SparkSQL,
    context: AbstractDataContext,
    scope: Scope,
    suites: Sequence[TableSuite],
    names: Mapping[str, str],
    progress: Callable[[str, list[CheckResult]], None] | None = None,
) -> list[CheckResult]:
    """Validate every suite whose table has rows for the dataset; one result per check.

    `names` fills the placeholders of `Rows` queries (other tables' relations, reference
    lists). `progress` is called after each table with its results.

    On Spark (`con` a `SparkSQL`), GX validates a DataFrame of the dataset's rows of each table
    (GX's Spark data source has no table assets and no partitioners), and the checks' SQL is
    written for Spark (`expectations.dialect`; the caller renders `names` inside the same
    `dialect.engine("spark")`).
    """
    stats = table_stats(con, scope, [s.table for s in suites])
    if isinstance(con, SparkSQL):
        datasource = context.data_sources.add_spark(name=scope.label)
    else:
        datasource = add_connection_datasource(context, con, name=scope.label)
    results: list[CheckResult] = []
    for suite in suites:
        if suite.table not in stats:
            continue
        batch, parameters = _batch(con, datasource, scope, suite.table)
        table_results = _run_table(
            context, batch, parameters, scope, suite, names, stats[suite.table]
        )
        results += table_results
        if progress:
            progress(suite.table, table_results)
    return results


def _batch(
    con: duckdb.DuckDBPyConnection | SparkSQL, datasource: Any, scope: Scope, table: str
) -> tuple[Any, dict[str, Any] | None]:
    """GX's batch of the dataset's rows of `table`, and the parameters that select them."""
    if isinstance(con, SparkSQL):
        asset = datasource.add_dataframe_asset(name=table)
        frame = con.spark.sql(f"select * from {scope.relation(table)}")
        return asset.add_batch_definition_whole_dataframe("dataset"), {"dataframe": frame}
    with warnings.catch_warnings():
        # GX 1.x wants the schema in the connection string; ours comes from `creator`
        warnings.simplefilter("ignore", DeprecationWarning)
        asset = datasource.add_table_asset(
            name=table, table_name=scope.table_name(table), schema_name=scope.schema
        )
    if scope.partition_column:
        batch = asset.add_batch_definition(
            "dataset",
            partitioner=PartitionerColumnValue(column_name=scope.partition_column),
            validate_partitioner=False,  # GX accepts only date columns here, yet runs any
        )
        return batch, {scope.partition_column: scope.dataset_id}
    return asset.add_batch_definition_whole_table("dataset"), None


def _run_table(
    context: AbstractDataContext,
    batch: Any,
    parameters: dict[str, Any] | None,
    scope: Scope,
    suite: TableSuite,
    names: Mapping[str, str],
    stats: TableStats,
) -> list[CheckResult]:
    validate = _Validator(context, batch, parameters, names, scope.label)
    columns = [c for c in suite.checks if not isinstance(c.rule, Rows)]
    queries = [c for c in suite.checks if isinstance(c.rule, Rows)]
    # column rules need no counts on clean data; SQL rules count anyway, so keep the count
    first = validate(f"{suite.table}: checks", columns, {"result_format": "BOOLEAN_ONLY"}) | (
        validate(f"{suite.table}: checks (SQL)", queries, {"result_format": "BASIC"})
    )
    index = (("_row_number",) if scope.row_numbers else ()) + suite.key_columns
    column_format = {
        "result_format": "SUMMARY",
        "unexpected_index_column_names": list(index),
        "partial_unexpected_count": MAX_ROWS_SHOWN,
    }
    details = validate(
        f"{suite.table}: failing rows",
        [c for c in columns if _needs_details(first.get(c.check_id))],
        column_format,
    ) | validate(
        f"{suite.table}: failing rows (SQL)",
        [c for c in queries if _needs_details(first.get(c.check_id))],
        {"result_format": "COMPLETE"},
        samples=True,
    )
    return [
        _to_result(
            c,
            details.get(c.check_id) or first.get(c.check_id),
            details.get(c.check_id + SAMPLE),
            scope,
            suite.key_columns,
            stats,
        )
        for c in suite.checks
    ]


@dataclass(frozen=True)
class _Validator:
    """Runs a list of checks as one GX suite on one batch; results by check_id."""

    context: AbstractDataContext
    batch: Any
    parameters: dict[str, Any] | None
    names: Mapping[str, str]
    prefix: str

    def __call__(
        self,
        name: str,
        checks: Sequence[Check],
        result_format: dict[str, Any],
        samples: bool = False,
    ) -> dict[str, Any]:
        """`samples`: fetch a sample of each (SQL) check's failing rows instead, keyed
        `<check_id>#sample` (the count is the first pass's)."""
        if not checks:
            return {}
        name = f"{self.prefix}:{name}"
        expectations = [to_expectation(c, self.names, sample_rows=samples) for c in checks]
        suite = self.context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=self.batch, suite=suite)
        )
        validation = definition.run(batch_parameters=self.parameters, result_format=result_format)
        return {
            r.expectation_config.meta["check_id"]
            + (SAMPLE if r.expectation_config.meta.get("sample") else ""): r
            for r in validation.results
        }


def _needs_details(gx_result: Any) -> bool:
    """A failure GX could evaluate: worth a second, detailed pass (counts and failing rows)."""
    return (
        gx_result is not None
        and not gx_result.success
        and _exception_message(gx_result.exception_info) is None
    )


def _to_result(
    check: Check,
    gx_result: Any,
    sample: Any,
    scope: Scope,
    key_columns: tuple[str, ...],
    stats: TableStats,
) -> CheckResult:
    """Translate one GX expectation result; a missing or crashed one is a failure."""
    base = {
        "check_id": check.check_id,
        "table": check.table,
        "category": check.category,
        "severity": check.severity,
        "description": check.description,
        "fix": check.fix,
        "dataset_id": scope.dataset_id,
        "column": check.column,
        "source_file": stats.source_file,
    }
    if gx_result is None:
        return CheckResult(**base, success=False, extra={"exception": "GX returned no result"})
    exception = _exception_message(gx_result.exception_info)
    if exception is not None:
        return CheckResult(**base, success=False, extra={"exception": exception})
    result = gx_result.result or {}
    success = bool(gx_result.success)
    match check.rule:
        case Rows(per_row=per_row):
            count = int(result.get("observed_value") or 0)
            rows = ((sample and sample.result) or {}).get("details", {}).get("unexpected_rows", [])
            return CheckResult(
                **base,
                success=success,
                unexpected_count=count,
                unexpected_percent=100.0 * count / stats.rows if per_row else None,
                failing_keys=_first_unique(_row_key(r) for r in rows),
                failing_rows=_first_unique(
                    int(r["_row_number"]) for r in rows if "_row_number" in r
                ),
            )
        case HasColumns(columns):
            # a pass comes from the BOOLEAN_ONLY first pass, which carries no observed columns
            observed = set(result.get("observed_value") or [])
            missing = [] if success else sorted(set(columns) - observed)
            return CheckResult(
                **base, success=success, unexpected_count=len(missing), failing_keys=tuple(missing)
            )
        case HasType():
            observed = f"found {result.get('observed_value')}"
            return CheckResult(
                **base,
                success=success,
                unexpected_count=0 if success else 1,
                failing_keys=() if success else (observed,),
            )
    index = result.get("partial_unexpected_index_list") or []
    return CheckResult(
        **base,
        success=success,
        unexpected_count=int(result.get("unexpected_count") or 0),
        unexpected_percent=result.get("unexpected_percent"),
        failing_keys=_first_unique("/".join(str(r.get(k)) for k in key_columns) for r in index),
        failing_rows=_first_unique(int(r["_row_number"]) for r in index if "_row_number" in r),
    )


def _exception_message(info: Mapping[str, Any] | None) -> str | None:
    """GX's error message if it could not evaluate the expectation, else None.

    GX reports either one flat exception record or one record per metric it failed to compute.
    """
    records = [info] if info and "raised_exception" in info else list((info or {}).values())
    for record in records:
        if isinstance(record, Mapping) and record.get("raised_exception"):
            return str(record.get("exception_message"))
    return None


def _row_key(row: Mapping[str, Any]) -> str:
    key, detail = row.get("failing_key"), row.get("detail")
    return f"{key}: {detail}" if detail is not None else str(key)


def _first_unique(values: Iterable[Any]) -> tuple[Any, ...]:
    seen: dict[Any, None] = {}
    for v in values:
        if v is not None:
            seen.setdefault(v, None)
        if len(seen) >= MAX_ROWS_SHOWN:
            break
    return tuple(seen)
