"""The `dq` schema: one row per check run and one row per check, dataset and run
(docs/data-quality.md).

Reports read it to show the data-quality status and to refuse publishing while the latest
`check` run has an error-level failure, or is stale: `dq.check_inputs` records which load of
each dataset a check run covered (reports/freshness.py compares it with `raw.datasets` and with
the builds in `dq.builds`, written by dbt's on-run hooks). Ingest may record its raw-gate runs
here too (kind 'ingest') with `record_run`, inside its own load transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from expectations.concept_diagnostics import DDL as CONCEPT_DIAGNOSTICS_DDL
from expectations.results import CheckResult
from expectations.spark_sql import spark_ddl

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

FAILING_KEYS_SHOWN = 10

DQ_DDL: tuple[str, ...] = (
    "create schema if not exists dq",
    """create table if not exists dq.runs (
        run_id varchar primary key,
        kind varchar not null,            -- ingest | check
        started_at timestamp not null,    -- UTC
        finished_at timestamp not null,   -- UTC
        n_checks integer not null,
        n_failed_error integer not null,
        n_failed_warn integer not null,
        gx_version varchar not null
    )""",
    """create table if not exists dq.check_results (
        run_id varchar not null,
        dataset_id varchar,               -- null for checks of no single dataset
        table_name varchar not null,      -- raw table (adqs) or marts.<table>
        check_id varchar not null,
        column_name varchar,
        category varchar not null,        -- conformance | completeness | plausibility
        severity varchar not null,        -- error | warn
        success boolean not null,
        unexpected_count bigint,
        unexpected_percent double,
        failing_keys varchar,             -- a few keys of failing rows, '; '-separated
        description varchar not null,     -- the rule, in words
        fix varchar not null              -- what to do when it fails
    )""",
    """create table if not exists dq.check_inputs (
        run_id varchar not null,
        dataset_id varchar not null,
        load_id varchar not null          -- the load of the dataset the run checked
    )""",
)


def create_dq_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the `dq` tables (idempotent). `trd build` calls it too: the reporting views read
    them (models/reporting/_dq__sources.yml) before any check has run."""
    for ddl in (*DQ_DDL, CONCEPT_DIAGNOSTICS_DDL):
        con.execute(ddl)


def create_dq_schema_spark(spark: SparkSession) -> None:
    """The `dq` tables in a Spark warehouse's catalogue (idempotent): what `create_dq_schema`
    makes in DuckDB, from the same DDL."""
    for ddl in (*DQ_DDL, CONCEPT_DIAGNOSTICS_DDL):
        spark.sql(spark_ddl(ddl))


def record_run_spark(
    spark: SparkSession,
    kind: str,
    results: Sequence[CheckResult],
    started_at: datetime,
    finished_at: datetime,
    covered: Sequence[tuple[str, str]] = (),
    run_id: str | None = None,
) -> str:
    """`record_run` on Spark: the same rows, appended to the Parquet tables of `dq`.

    Spark has no transaction over several tables, so the run's row in `dq.runs` is written
    last: the publish gate and the reports find a run through `dq.runs` (its latest check run),
    so a run cut short before that row is not seen, its partial results notwithstanding.
    `run_id`: when the caller has written rows of the run already (concept diagnostics)."""
    import great_expectations as gx

    run_id = run_id or str(uuid.uuid4())
    create_dq_schema_spark(spark)
    failed = [r for r in results if not r.success]
    _append(spark, "dq.check_results", [_result_row(run_id, r) for r in results])
    _append(spark, "dq.check_inputs", [(run_id, dataset, load) for dataset, load in covered])
    run = (
        run_id,
        kind,
        _utc(started_at),
        _utc(finished_at),
        len(results),
        sum(r.severity == "error" for r in failed),
        sum(r.severity == "warn" for r in failed),
        gx.__version__,
    )
    _append(spark, "dq.runs", [run])
    return run_id


def _utc(moment: datetime) -> datetime:
    """Run times are naive UTC; PySpark reads a naive datetime in the local zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _append(spark: SparkSession, table: str, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        frame = spark.createDataFrame(rows, schema=spark.table(table).schema)
        frame.write.insertInto(table)


def _result_row(run_id: str, r: CheckResult) -> tuple[Any, ...]:
    return (
        run_id,
        r.dataset_id,
        r.table,
        r.check_id,
        r.column,
        r.category,
        r.severity,
        r.success,
        r.unexpected_count,
        r.unexpected_percent,
        "; ".join(r.failing_keys[:FAILING_KEYS_SHOWN]) or None,
        r.description,
        r.fix,
    )


def record_run(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    results: Sequence[CheckResult],
    started_at: datetime,
    finished_at: datetime,
    covered: Sequence[tuple[str, str]] = (),
) -> str:
    """Append one run and its results; returns the new run_id. `covered`: (dataset_id,
    load_id) of each loaded dataset the run checked.

    The caller owns the transaction (ingest records its run with the load it belongs to).
    """
    import great_expectations as gx  # only here: `trd build` imports this module for its DDL

    run_id = str(uuid.uuid4())
    create_dq_schema(con)
    rows = [_result_row(run_id, r) for r in results]
    failed = [r for r in results if not r.success]
    con.execute(
        "insert into dq.runs values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            kind,
            started_at,
            finished_at,
            len(results),
            sum(r.severity == "error" for r in failed),
            sum(r.severity == "warn" for r in failed),
            gx.__version__,
        ],
    )
    if rows:
        con.executemany(
            "insert into dq.check_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )
    if covered:
        con.executemany(
            "insert into dq.check_inputs values (?, ?, ?)",
            [(run_id, dataset, load) for dataset, load in covered],
        )
    return run_id
