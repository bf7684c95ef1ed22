"""`trd check` and `trd report` on Spark give what they give on DuckDB (docs/scale-out.md).

Given the same small datasets built on both engines, with a registry condition of an unknown
person (conftest `spark_parity`): the same suites give the same results (check,
dataset, status, unexpected count) on both, and that error-level failure blocks on both; the
report's snapshot of Spark's reporting views equals DuckDB's views, and so do the views under
`--suppression cms`. The tests run in file order (the report needs the check run).
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest
from support.engines import EXACT_DATASET, UNKNOWN_PERSON, Parity, compared

from core.errors import DataRejected
from core.settings import force_cms_suppression
from expectations.check import check
from reports.render import publish_gate, render
from reports.spark_snapshot import SNAPSHOT, cms_views, naive_timestamps

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3000)]  # the fixture builds on Spark: minutes

CMS_VIEWS = ("suppression_policy", "response_rates", "attrition", "cohort_summary")
"""Views compared under `--suppression cms` (each reads the policy; the rest read these)."""

Result = tuple[str | None, str, str, bool, int | None]

RESULTS = """
    select dataset_id, table_name, check_id, success, unexpected_count
    from dq.check_results
    where run_id = (select run_id from dq.runs where kind = 'check'
                    order by started_at desc limit 1)"""


def latest_results_duckdb(warehouse: Path) -> set[Result]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return set(con.execute(RESULTS).fetchall())
    finally:
        con.close()


def test_check_on_spark_gives_the_results_of_duckdb_and_blocks_alike(
    spark_parity: Parity, spark, tmp_path
):
    # when the same suites run on both engines: both block (the unknown person)
    assert check(spark_parity.duckdb, data_docs=tmp_path / "duck-docs") == 1
    assert check(spark_parity.spark, data_docs=tmp_path / "spark-docs", engine="spark") == 1
    # then every check has the same status and unexpected count on both
    on_duckdb = latest_results_duckdb(spark_parity.duckdb)
    on_spark = {tuple(row) for row in spark.sql(RESULTS).collect()}
    assert len(on_duckdb) > 200
    assert on_spark == on_duckdb
    failed = {(r[0], r[2], r[4]) for r in on_spark if not r[3]}
    assert ("REGISTRY-OMOP", "condition_occurrence.person_id_in_person", 1) in failed
    assert (tmp_path / "spark-docs" / "index.html").is_file()
    assert spark.sql("select count(*) from dq.concept_set_diagnostics").first()[0] > 0
    assert (
        spark.sql(
            f"select count(*) from raw.condition_occurrence where person_id = {UNKNOWN_PERSON}"
        ).first()[0]
        == 1
    )


def test_report_on_spark_renders_from_a_snapshot_equal_to_duckdb(spark_parity: Parity, tmp_path):
    # when the report renders from Spark (the error-level failure allowed, with its banner)
    site = tmp_path / "site"
    assert render(spark_parity.spark, out=site, allow_failed_checks=True, engine="spark") == 0
    # then the pages are there, the banner names the failure
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "NOT FOR PUBLICATION" in index
    assert "condition_occurrence.person_id_in_person" in index
    assert (site / f"dataset-{EXACT_DATASET}.html").is_file()
    # and the gate refuses the snapshot as it refuses DuckDB
    path = spark_parity.spark / SNAPSHOT
    with duckdb.connect(str(path), read_only=True) as con, pytest.raises(DataRejected):
        publish_gate(con, allow_failed_checks=False)
    # and what the pages read equals DuckDB's views
    snap = duckdb.connect(str(path), read_only=True)
    duck = duckdb.connect(str(spark_parity.duckdb), read_only=True)
    try:
        views = names(snap, "reporting")
        assert names(duck, "reporting") <= views
        assert {"response_rates", "suppression_cells", "dq_runs", "dq_check_results"} <= views
        compare_views(snap, duck, views)
    finally:
        snap.close()
        duck.close()


def test_suppression_cms_on_spark_equals_cms_on_duckdb(spark_parity: Parity, spark):
    # when the reporting views are compiled with cms on Spark
    views = cms_views(spark_parity.spark)
    cms = duckdb.connect()
    duck = duckdb.connect(str(spark_parity.duckdb), read_only=True)
    try:
        cms.execute("create schema reporting")
        for alias in CMS_VIEWS:
            cms.register("frame", naive_timestamps(spark.table(views[alias])).toArrow())
            cms.execute(f"create table reporting.{alias} as select * from frame")
            cms.unregister("frame")
        # then they equal DuckDB's views read with the cms session variable
        force_cms_suppression(duck)
        compare_views(cms, duck, CMS_VIEWS)
        # and the dataset loaded as `none` is suppressed under cms
        [(policy,)] = cms.execute(
            "select policy from reporting.suppression_policy where dataset_id = ?",
            [EXACT_DATASET],
        ).fetchall()
    finally:
        cms.close()
        duck.close()
    assert policy == "cms"
    # while the warehouse's own view still shows it exactly
    [(own,)] = spark.sql(
        "select policy from reporting.suppression_policy where dataset_id = ?",
        args=[EXACT_DATASET],
    ).collect()
    assert own == "none"


# ---- comparing the snapshot with DuckDB's views -----------------------------------------------


def compare_views(got_con, expected_con, views) -> None:
    """The same columns and rows; counts and strings exact, doubles within 1e-12 relative
    (Spark's libm and summation order differ in the last bits)."""
    for view in sorted(views):
        expected = rows(expected_con, view)
        got = rows(got_con, view)
        assert got[0] == expected[0], f"reporting.{view}: columns"
        assert len(got[1]) == len(expected[1]), f"reporting.{view}: row count"
        for a, b in zip(got[1], expected[1], strict=True):
            assert same_row(a, b), f"reporting.{view}: {a} != {b}"


def names(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [schema]
        ).fetchall()
    }


def rows(con: duckdb.DuckDBPyConnection, view: str) -> tuple[list[str], list[tuple]]:
    """Columns and rows in one order: floats rounded for the sort only, each engine's load,
    build and check-run identities and times left out (`compared`)."""
    relation = con.sql(f"select * from reporting.{view}")
    columns = [c for c in relation.columns if compared(c)]
    data = [tuple(r[relation.columns.index(c)] for c in columns) for r in relation.fetchall()]
    return columns, sorted(data, key=sort_key)


def sort_key(row: tuple) -> tuple:
    return tuple(
        (0, "") if v is None else (1, f"{v:.9g}") if isinstance(v, float) else (1, str(v))
        for v in row
    )


def same_row(a: tuple, b: tuple) -> bool:
    return all(same_value(x, y) for x, y in zip(a, b, strict=True))


def same_value(x: object, y: object) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return abs(x - y) <= 1e-12 * max(1.0, abs(x), abs(y))
    return x == y
