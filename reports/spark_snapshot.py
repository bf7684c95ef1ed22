"""`trd report` on Spark: what the report reads, copied from Spark once, into a DuckDB file.

The pages run in kernels of their own, and Spark's catalogue (embedded Derby) lets one process
in at a time, so the pages cannot query Spark. Instead the `trd report` process copies, once,
every table and view the publish gate and the pages read: the schemas `reporting` (the views,
computed by Spark), `reference` (the code lists the methods page prints) and `dq` (check runs,
results, builds), and `raw.datasets` (the gate's freshness rule). They land as tables in
`report-snapshot.duckdb` inside the Spark warehouse folder, which is then rendered exactly as a
DuckDB warehouse is: same gate, same pages, same SQL.

`--suppression cms`: DuckDB's reporting views read a session variable (macros/suppression.sql);
Spark's persistent views cannot. The reporting models are compiled with the dbt var
`suppression_override: cms`, evaluated as temporary views of this session over the same marts,
and those are copied instead. Nothing in the Spark warehouse is written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from core.errors import ConfigError
from expectations.spark_sql import SparkSQL

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SNAPSHOT = "report-snapshot.duckdb"
SCHEMAS = ("reporting", "reference", "dq")
"""Copied whole: every table and view in them."""
RAW_TABLES = ("datasets",)
"""Copied from `raw`: what the publish gate reads (expectations/freshness.py)."""
CMS_PREFIX = "trd_cms__"
"""Temporary views of the reporting models compiled with `suppression_override: cms`."""


def snapshot(spark: SparkSession, warehouse: Path, suppression: str | None = None) -> Path:
    """Copy what the report reads from the Spark warehouse `warehouse` (a folder) into
    `<warehouse>/report-snapshot.duckdb` (replaced whole); return its path."""
    catalogue = SparkSQL(spark)
    raw = catalogue.tables("raw")
    relations = {
        (schema, name): f"{schema}.{name}"
        for schema in SCHEMAS
        for name in sorted(catalogue.tables(schema))
    } | {("raw", name): f"raw.{name}" for name in RAW_TABLES if name in raw}
    if ("reporting", "response_rates") not in relations:
        raise ConfigError(
            rule=f"Spark warehouse {warehouse} has no reporting views (reporting.response_rates)",
            fix="run `trd build --engine spark` first",
        )
    if suppression == "cms":
        relations |= {("reporting", alias): view for alias, view in cms_views(warehouse).items()}
    target = warehouse / SNAPSHOT
    partial = target.with_name(SNAPSHOT + ".partial")
    partial.unlink(missing_ok=True)
    con = duckdb.connect(str(partial))
    try:
        for (schema, name), source in sorted(relations.items()):
            con.execute(f'create schema if not exists "{schema}"')
            frame = naive_timestamps(spark.table(source))
            con.register("spark_frame", frame.toArrow())
            con.execute(f'create table "{schema}"."{name}" as select * from spark_frame')
            con.unregister("spark_frame")
    finally:
        con.close()
    os.replace(partial, target)
    return target


def naive_timestamps(frame: DataFrame) -> DataFrame:
    """Timestamps as DuckDB stores them: naive UTC (Spark's `timestamp` carries a zone in
    Arrow; the session's zone is UTC, profiles.yml)."""
    columns = [
        f"cast(`{f.name}` as timestamp_ntz) as `{f.name}`"
        if f.dataType.typeName() == "timestamp"
        else f"`{f.name}`"
        for f in frame.schema.fields
    ]
    return frame.selectExpr(*columns)


def cms_views(warehouse: Path) -> dict[str, str]:
    """The reporting models compiled with `suppression_override: cms`, created as temporary
    views of this process's session (in dependency order, each reading the others' cms
    version); returns reporting alias -> temporary view."""
    from core.spark import session
    from trd.build import run_dbt

    result = run_dbt(
        ["compile", "--select", "path:models/reporting", "--vars", "{suppression_override: cms}"],
        warehouse,
        engine="spark",
    )
    if not result.success or result.result is None:
        raise ConfigError(
            rule=f"the reporting models could not be compiled with cms suppression on {warehouse}",
            fix="run `trd build --engine spark` and try again (dbt's message is above)",
        )
    models = {
        r.node.unique_id: r.node for r in result.result.results if r.node.resource_type == "model"
    }
    spark = session(warehouse)
    built = SparkSQL(spark).tables("reporting")
    views: dict[str, str] = {}
    renames: dict[str, str] = {}
    for node in _dependency_order(models):
        if node.alias not in built:  # the cms version of the views the warehouse has
            continue
        view = CMS_PREFIX + node.alias
        sql = node.compiled_code
        for relation, temporary in renames.items():
            sql = re.sub(re.escape(relation) + r"(?![\w`])", temporary, sql)
        spark.sql(f"create or replace temporary view {view} as {sql}")
        renames[node.relation_name] = view
        views[node.alias] = view
    return views


def _dependency_order(models: dict[str, Any]) -> Iterator[Any]:
    """Each model after the models it reads."""
    done: set[str] = set()

    def visit(unique_id: str) -> Iterator[Any]:
        if unique_id in done:
            return
        done.add(unique_id)
        for parent in models[unique_id].depends_on.nodes:
            if parent in models:
                yield from visit(parent)
        yield models[unique_id]

    for unique_id in sorted(models):
        yield from visit(unique_id)
