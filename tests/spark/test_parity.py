"""The same data built on DuckDB and on Spark gives the same marts and reporting tables
(docs/scale-out.md#running-on-spark): the small demo datasets and the hand-made datasets of
tests/models, ingested and built on each engine (conftest.py).

Exact: the rows, every count, key, string, boolean and date. Doubles: within
|a - b| <= 1e-12 * max(1, |a|): Java's libm and Spark's partial aggregates differ from DuckDB's
in the last bits (a risk ratio bound of 738,122 differed by 1.3e-9, relative 1.7e-15), and two
DuckDB builds differ among themselves by as much. Not compared: each engine's own load and
build identities and times (columns `*load_id`, `*_at`, `build_id`).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb
import pytest
from models.test_marts_on_handmade_data import EXPECTED_RATES
from support.engines import Parity, compared

pytestmark = pytest.mark.timeout(1800)  # the session's Spark build: about 4 min idle, 15 under load
RELATIVE = 1e-12
SCHEMAS = ("marts", "reporting")


def relations(parity: Parity) -> list[str]:
    con = duckdb.connect(str(parity.duckdb), read_only=True)
    try:
        return [
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables "
                f"where table_schema in {SCHEMAS} order by 1, 2"
            ).fetchall()
        ]
    finally:
        con.close()


def normal(value: object) -> object:
    """One Python value for what each engine returns (Decimal literals, aware timestamps)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def duckdb_rows(parity: Parity, relation: str) -> tuple[list[str], list[tuple]]:
    con = duckdb.connect(str(parity.duckdb), read_only=True)
    try:
        cursor = con.execute(f"select * from {relation}")
        columns = [d[0] for d in cursor.description]
        return columns, [tuple(map(normal, row)) for row in cursor.fetchall()]
    finally:
        con.close()


def spark_rows(spark, relation: str) -> tuple[list[str], list[tuple]]:
    table = spark.table(relation).toArrow()
    rows = table.to_pylist()
    return table.column_names, [tuple(normal(r[c]) for c in table.column_names) for r in rows]


def sort_key(floats: set[int]):
    def key(row: tuple) -> tuple:
        return tuple(
            (
                v is None,
                f"{v:.9g}" if i in floats and isinstance(v, float) else str(v),
            )
            for i, v in enumerate(row)
        )

    return key


def differences(columns: list[str], left: list[tuple], right: list[tuple]) -> list[str]:
    """What differs between two row sets of the same columns (empty: equal)."""
    if len(left) != len(right):
        return [f"{len(left)} rows on DuckDB, {len(right)} on Spark"]
    floats = {i for i in range(len(columns)) if any(isinstance(r[i], float) for r in left + right)}
    kept = [i for i, c in enumerate(columns) if compared(c)]
    order = sort_key(floats)
    found: list[str] = []
    pairs = zip(sorted(left, key=order), sorted(right, key=order), strict=True)
    for n, (a, b) in enumerate(pairs):
        for i in kept:
            x, y = a[i], b[i]
            if i in floats and x is not None and y is not None:
                x, y = float(x), float(y)
                same = (math.isnan(x) and math.isnan(y)) or abs(x - y) <= RELATIVE * max(
                    1.0, abs(x)
                )
            else:
                same = x == y and type(x) is type(y) or (isinstance(x, date) and x == y)
            if not same:
                found.append(f"row {n}, {columns[i]}: {x!r} on DuckDB, {y!r} on Spark")
    return found[:5]


def test_every_mart_and_reporting_table_is_the_same_on_both_engines(
    spark_parity: Parity, spark
) -> None:
    names = relations(spark_parity)
    assert len(names) >= 25, names  # marts and reporting views, not an empty schema
    report: dict[str, list[str]] = {}
    rows_compared = 0
    for relation in names:
        columns, left = duckdb_rows(spark_parity, relation)
        spark_columns, right = spark_rows(spark, relation)
        if spark_columns != columns:
            report[relation] = [f"columns {columns} on DuckDB, {spark_columns} on Spark"]
            continue
        rows_compared += len(left)
        found = differences(columns, left, right)
        if found:
            report[relation] = found
    assert report == {}
    assert rows_compared > 1000


def test_the_hand_computed_rates_hold_on_spark(spark_parity: Parity, spark) -> None:
    rows = spark.sql(
        "select dataset_id, treatment_class, scale, timepoint, analysis, n, n_responders, "
        "n_remitters from marts.response_rates where dataset_id in "
        "('TRIAL-A', 'TRIAL-B', 'TRIAL-C', 'REG-1')"
    ).collect()
    got = {tuple(r[:5]): tuple(r[5:]) for r in rows}
    assert got == EXPECTED_RATES


@pytest.mark.parametrize("table", ["adsl", "datasets", "load_audit"])
def test_raw_tables_have_the_duckdb_layout(spark_parity: Parity, spark, table: str) -> None:
    con = duckdb.connect(str(spark_parity.duckdb), read_only=True)
    try:
        names = [d[0] for d in con.execute(f"select * from raw.{table} limit 0").description]
    finally:
        con.close()
    assert spark.table(f"raw.{table}").columns == names
