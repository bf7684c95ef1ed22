"""The Spark engine's end of a load (docs/scale-out.md#running-on-spark): the committed `raw`
schema, published into the Spark catalogue as Parquet tables.

On Spark, `trd ingest` runs the load protocol of docs/architecture.md unchanged (read, screen,
cast, stage, duplicate keys, raw data-quality gate, swap, audit) against the warehouse folder's
load store, `<folder>/load-store.duckdb`: one place for each rule, and the raw gate's SQL runs
on the staged rows exactly as on the DuckDB engine. What the Spark engine adds is this step:
every raw table of the store is written as Parquet into a new version folder
`<folder>/raw-parquet/<version>/<table>/`, then each Spark table `raw.<table>` is pointed at it,
then `<folder>/raw-parquet/CURRENT` names the version (the commit point), then older versions
are removed. Until CURRENT names the new version, Spark's tables may point at either version;
`ensure_published` runs before every Spark command and finishes an interrupted publication
(the load itself was already committed in the store), so no command reads a half-published
raw schema. Rejected or interrupted loads never reach the store, so they publish nothing new.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from core import console
from core.warehouse import open_warehouse
from ingest.schema import create_raw_schema

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

STORE = "load-store.duckdb"
"""The load store inside a Spark warehouse folder: the raw schema as the load protocol writes
it (the same file layout as a DuckDB warehouse's raw schema)."""
PARQUET = "raw-parquet"
CURRENT = "CURRENT"
FORMAT = "timestamps-as-instants"
"""How the Parquet files are written: a change republishes every warehouse's raw tables."""


def store_path(warehouse: Path) -> Path:
    """The load store of the Spark warehouse folder `warehouse`."""
    return warehouse / STORE


def open_store(warehouse: Path, command: str) -> duckdb.DuckDBPyConnection:
    """The load store, created with an empty raw schema when the folder is new."""
    con = open_warehouse(store_path(warehouse), command, create=True)
    con.execute("begin transaction")
    create_raw_schema(con)
    con.execute("commit")
    return con


def ensure_published(spark: SparkSession, warehouse: Path, command: str) -> None:
    """Make Spark's `raw.*` the store's committed raw schema (publishing only when the store
    changed since the last publication)."""
    con = open_store(warehouse, command)
    try:
        version = _fingerprint(con)
        root = warehouse / PARQUET
        current = root / CURRENT
        if not (current.is_file() and current.read_text().split()[1:] == [version]):
            _publish(spark, con, root, version)
    finally:
        con.close()


def _publish(spark: SparkSession, con: duckdb.DuckDBPyConnection, root: Path, version: str) -> None:
    started = time.perf_counter()
    name = f"{time.strftime('%Y%m%d%H%M%S', time.gmtime())}_{version[:12]}"
    folder = root / name
    names = [t for t in tables(con, "raw") if not t.startswith("_load_")]
    con.execute("set TimeZone = 'UTC'")
    for table in names:  # the slow, failure-prone part: nothing in Spark has changed yet
        (folder / table).mkdir(parents=True, exist_ok=True)
        con.execute(
            f"copy ({_with_instants(con, table)}) to '{folder / table / 'part-0.parquet'}' "
            "(format parquet)"
        )
    spark.sql("create database if not exists raw")
    for table in names:  # Derby lets no other process in: nobody reads in between
        spark.sql(f"drop table if exists raw.{table}")  # external: its files stay
        spark.sql(f"create table raw.{table} using parquet location '{folder / table}'")
    marker = root / f".{CURRENT}.{os.getpid()}"
    marker.write_text(f"{name} {version}\n")
    marker.replace(root / CURRENT)  # the commit point of the publication
    for old in root.iterdir():
        if old.is_dir() and old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    console.detail(
        f"  published {len(names)} raw tables to Spark in {time.perf_counter() - started:.1f} s"
    )


def _with_instants(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """raw.<table> with its naive UTC timestamps as instants, which Spark reads as its
    `timestamp` (the type the models' contracts name), not as `timestamp_ntz`."""
    stamps = [name for name, kind in columns(con, "raw", table) if kind == "TIMESTAMP"]
    if not stamps:
        return f"select * from raw.{table}"
    return (
        f"select * replace ({', '.join(f'{c}::timestamptz as {c}' for c in stamps)}) "
        f"from raw.{table}"
    )


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What the store holds, in a word: its raw layout and every load and rejection recorded
    (each changes `raw.load_audit`); an unchanged dataset writes nothing, so publishes nothing."""
    layout = con.execute(
        "select string_agg(table_name || '.' || column_name || ' ' || data_type, ',' "
        "order by table_name, ordinal_position) from information_schema.columns "
        "where table_schema = 'raw' and not starts_with(table_name, '_load_')"
    ).fetchall()[0][0]
    loads = con.execute(
        "select string_agg(load_id || status || coalesce(file, ''), ',' order by all) "
        "from raw.load_audit"
    ).fetchall()[0][0]
    return hashlib.sha256(f"{FORMAT}|{layout}|{loads}".encode()).hexdigest()


def tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1",
            [schema],
        ).fetchall()
    ]


def columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return [
        (r[0], r[1])
        for r in con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]
