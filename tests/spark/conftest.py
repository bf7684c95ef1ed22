"""One SparkSession for the whole pytest session, on one Spark warehouse folder.

Spark fixes a session's warehouse folder and catalogue when the session starts (and dbt-spark's
`method: session` takes the process's session), so every Spark test of the session shares this
folder; a test that needs other data uses other dataset ids. The folder is filled once
(`spark_parity`): the small demo datasets, ingested by `trd ingest`'s code, and the hand-made
datasets of tests/models, written into its load store as tests write a DuckDB warehouse; the
same data goes into a DuckDB warehouse, and both are built without data tests. Two edits made
after the load on both engines give `trd check` a failure and `--suppression cms` counts to hide
(support/engines.py: EXACT_DATASET, UNKNOWN_PERSON).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from models.test_marts_on_handmade_data import write_handmade_datasets
from support.engines import EXACT_DATASET, UNKNOWN_PERSON, Parity
from support.warehouse import new_warehouse

from demo import generate
from expectations.gate import RawChecks
from expectations.store import create_dq_schema
from ingest.load import ingest_datasets
from ingest.publish import CURRENT, PARQUET, store_path
from trd.build import BUILD_ARGS, run_dbt
from trd.spark_build import build_on_spark

DEMO_PERSONS = 300
WITHOUT_TESTS = ("--exclude-resource-type", "test")


@pytest.fixture(scope="session")
def spark_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spark") / "warehouse"


@pytest.fixture(scope="session")
def spark(spark_warehouse: Path, dbt_scratch: Path):
    from core.spark import session

    return session(spark_warehouse)


@pytest.fixture(scope="session")
def spark_parity(tmp_path_factory: pytest.TempPathFactory, spark, spark_warehouse: Path) -> Parity:
    folder = tmp_path_factory.mktemp("parity")
    demo = generate(folder / "demo", persons=DEMO_PERSONS, seed=20261127)
    duck = new_warehouse(folder / "warehouse.duckdb")
    spark_store = new_warehouse(store_path(spark_warehouse))
    for path in (duck, spark_store):
        con = duckdb.connect(str(path))
        try:
            write_handmade_datasets(con)
        finally:
            con.close()
    assert ingest_datasets(demo, duck, RawChecks()) == 0
    assert ingest_datasets(demo, spark_warehouse, RawChecks(), "spark") == 0
    for path in (duck, spark_store):
        edit_after_load(path)
    with duckdb.connect(str(duck)) as con:  # as `trd build` does (Spark's build makes its own)
        create_dq_schema(con)
    # the store changed behind the load protocol's back (its load_audit did not): without the
    # commit marker, the build publishes the store to Spark again
    (spark_warehouse / PARQUET / CURRENT).unlink()
    result = run_dbt([*BUILD_ARGS, *WITHOUT_TESTS], duck)
    assert result.success, result.exception
    results = build_on_spark(spark_warehouse, None, None, tests=False)
    assert all(r.success for r in results), [r.exception for r in results]
    return Parity(duck, spark_warehouse, demo)


def edit_after_load(warehouse: Path) -> None:
    """`suppression: none` for EXACT_DATASET and one condition of UNKNOWN_PERSON."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            "update raw.datasets set suppression = 'none' where dataset_id = ?", [EXACT_DATASET]
        )
        con.execute(
            "insert into raw.condition_occurrence select * replace (? as person_id) "
            "from raw.condition_occurrence where _dataset_id = 'REGISTRY-OMOP' limit 1",
            [UNKNOWN_PERSON],
        )
    finally:
        con.close()
