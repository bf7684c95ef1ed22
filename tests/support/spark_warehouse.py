"""A Spark warehouse for tests, made from a DuckDB warehouse that `trd ingest` wrote.

Until ingest writes Spark warehouses itself, tests of `trd check` and `trd report` on Spark copy
the raw tables of a DuckDB warehouse into the Spark catalogue (Parquet tables with the same
names and columns as DuckDB's `raw` schema), then run the dbt project on Spark. The Spark
session is the process's one session (`core.spark.session`): every test of a pytest session
uses the same warehouse folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
from pyspark.sql import SparkSession

from core.settings import ENGINE_ENV
from core.spark import session
from expectations.store import create_dq_schema_spark
from trd.build import run_dbt

PYTHON_MODELS = "int_adjustment__propensity_scores+ covariate_balance+ adjusted_comparisons+"
"""dbt-spark's session method cannot run dbt Python models (`trd build --engine spark` runs them
itself, issue-18-spark): they and everything downstream of them (the adjusted marts and the
`rpt_adjusted_*` views) are left out here."""


def copy_raw(duckdb_warehouse: Path, spark: SparkSession, parquet_dir: Path) -> list[str]:
    """Every table of the DuckDB file's `raw` schema as a Parquet table `raw.<name>` in the
    Spark catalogue (replaced if present); returns the table names."""
    parquet_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(duckdb_warehouse), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw' and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        for name in names:
            con.execute(f"copy raw.\"{name}\" to '{parquet_dir / name}.parquet' (format parquet)")
    finally:
        con.close()
    spark.sql("create schema if not exists raw")
    for name in names:
        path = f"{parquet_dir / name}.parquet"
        spark.sql(f"drop table if exists raw.`{name}`")
        spark.sql(
            f"create table raw.`{name}` using parquet as "
            f"select {_columns(spark, path)} from parquet.`{path}`"
        )
    return names


def _columns(spark: SparkSession, path: str) -> str:
    """DuckDB's naive timestamps arrive as `timestamp_ntz`; Spark ingest writes `timestamp`
    (UTC, the session's zone), which the models' contracts name."""
    return ", ".join(
        f"cast(`{f.name}` as timestamp) as `{f.name}`"
        if f.dataType.typeName() == "timestamp_ntz"
        else f"`{f.name}`"
        for f in spark.read.parquet(path).schema.fields
    )


@contextmanager
def spark_engine() -> Iterator[None]:
    """dbt's profile targets Spark inside the block (TRD_ENGINE=spark)."""
    saved = os.environ.get(ENGINE_ENV)
    os.environ[ENGINE_ENV] = "spark"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(ENGINE_ENV, None)
        else:
            os.environ[ENGINE_ENV] = saved


def build_on_spark(warehouse: Path, args: Sequence[str] = ()) -> None:
    """`dbt seed` then `dbt run` of the project on the Spark warehouse folder (no data tests:
    `trd build` on DuckDB runs them; here they would cost minutes)."""
    with spark_engine():
        for command in (
            ["seed", "--full-refresh"],
            ["run", "--exclude", *PYTHON_MODELS.split(), *args],
        ):
            result = run_dbt(command, warehouse)
            assert result.success, _failures(result)


def spark_warehouse(duckdb_warehouse: Path, folder: Path) -> SparkSession:
    """A Spark warehouse in `folder` with the raw data of `duckdb_warehouse`, built by dbt."""
    spark = session(folder)
    copy_raw(duckdb_warehouse, spark, folder / "raw-parquet")
    create_dq_schema_spark(spark)
    build_on_spark(folder)
    return spark


def _failures(result: object) -> str:
    run = getattr(result, "result", None)
    failed = [
        f"{r.node.name}: {(r.message or '').splitlines()[0] if r.message else r.status}"
        for r in (getattr(run, "results", None) or [])
        if str(r.status) in ("error", "fail", "runtime error")
    ]
    return "; ".join(failed) or str(getattr(result, "exception", "dbt failed"))
