"""The same small datasets built on DuckDB and on Spark, for the tests of `trd check` and
`trd report` on Spark (conftest `both_engines`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
from support.spark_warehouse import spark_warehouse as build_spark_warehouse

from demo import generate
from expectations.gate import RawChecks
from expectations.store import create_dq_schema
from ingest.load import ingest_datasets
from trd.build import run_dbt

DEMO_PERSONS = 300
DATASETS = ("KETAMINE-MIDAZOLAM", "TRANSFORM-3", "REGISTRY-OMOP")
"""Two small trials and the registry of the demo: every suite runs, in little Spark time."""
EXACT_DATASET = "KETAMINE-MIDAZOLAM"
"""Loaded with `suppression: none`, so that `--suppression cms` has counts to hide."""
UNKNOWN_PERSON = 999999999
"""A registry condition of this person (not in `person`): error-level check
`condition_occurrence.person_id_in_person` fails on both engines."""


@dataclass(frozen=True)
class Warehouses:
    """The same data built on both engines (dbt models and seeds; no data tests)."""

    duckdb: Path
    spark: Path


def build_both(folder: Path, spark_warehouse: Path) -> Warehouses:
    """Three datasets of the small demo (300 registry persons), ingested into DuckDB by `trd
    ingest`'s code, one trial set to `suppression: none`, one registry condition of an unknown
    person added, built on DuckDB; its raw tables copied into the Spark warehouse and built
    there (tests/support/spark_warehouse.py)."""
    demo = generate(folder / "demo", persons=DEMO_PERSONS, seed=20261127)
    duck = folder / "warehouse.duckdb"
    assert ingest_datasets([d for d in demo if d.name in DATASETS], duck, RawChecks()) == 0
    con = duckdb.connect(str(duck))
    try:
        con.execute(
            "update raw.datasets set suppression = 'none' where dataset_id = ?", [EXACT_DATASET]
        )
        con.execute(
            "insert into raw.condition_occurrence select * replace (? as person_id) "
            "from raw.condition_occurrence where _dataset_id = 'REGISTRY-OMOP' limit 1",
            [UNKNOWN_PERSON],
        )
        create_dq_schema(con)
    finally:
        con.close()
    args = ["build", "--full-refresh", "--exclude-resource-type", "test", "unit_test"]
    result = run_dbt(args, duck)
    assert result.success, result.exception
    build_spark_warehouse(duck, spark_warehouse)
    return Warehouses(duck, spark_warehouse)
