"""What the checks and the publish gate ask of a warehouse, answered by Spark.

`trd check` and the report's gate talk to DuckDB through its connection (`execute(sql,
params).fetchall()`, `information_schema`). `SparkSQL` gives a SparkSession the same face for the
few queries they run outside GX, which are written in SQL both engines read, with `?`
parameters; `table_names` replaces `information_schema` (Spark has none) on either engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    from pyspark.sql import SparkSession


@dataclass(frozen=True)
class Rows:
    rows: list[tuple[Any, ...]]

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None


class SparkSQL:
    """A SparkSession behind DuckDB's `execute(sql, params)`; every result is collected."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Rows:
        # a datetime parameter goes as its text: Spark casts it to the column's timestamp type
        # (session time zone UTC), where a Python datetime would pass through the local zone
        args = [f"{p:%Y-%m-%d %H:%M:%S.%f}" if isinstance(p, datetime) else p for p in params or []]
        frame = self.spark.sql(sql, args=args or None)
        return Rows([tuple(row) for row in frame.collect()])

    def tables(self, schema: str) -> set[str]:
        if not self.spark.catalog.databaseExists(schema):
            return set()
        return {t.name for t in self.spark.catalog.listTables(schema) if not t.isTemporary}


def spark_ddl(ddl: str) -> str:
    """A `create table` of DuckDB's `dq` schema (expectations/store.py) as Spark takes it: a
    Parquet table, `string` for `varchar`, no constraints (Spark does not enforce them on
    Parquet; `record_run_spark` writes the values)."""
    text = re.sub(r"--[^\n]*", "", ddl)
    text = re.sub(r"\s+(primary key|not null)", "", text)
    text = re.sub(r"\bvarchar\b", "string", text)
    return text.strip() + (" using parquet" if text.lstrip().startswith("create table") else "")


def table_names(con: duckdb.DuckDBPyConnection | SparkSQL, schema: str) -> set[str]:
    """The tables and views of `schema` (empty when the schema does not exist)."""
    if isinstance(con, SparkSQL):
        return con.tables(schema)
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [schema]
    ).fetchall()
    return {r[0] for r in rows}
