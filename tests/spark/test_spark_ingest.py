"""`trd ingest --engine spark`: a rejected or interrupted load leaves Spark's raw tables as they
were, and a second process on the same Spark warehouse is told to wait (exit 75).

These tests run after the parity build on the session's warehouse (conftest.py) and touch only
a copy of one demo dataset, TRANSFORM-3, whose rows they compare before and after.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from support.engines import Parity

from core.settings import REPO_ROOT
from expectations.gate import RawChecks
from ingest.load import ingest_datasets
from ingest.publish import CURRENT, PARQUET, store_path

pytestmark = pytest.mark.timeout(1800)  # the session's Spark build: about 4 min idle, 15 under load
DATASET = "TRANSFORM-3"


def spark_state(spark) -> tuple:
    """What Spark's raw schema holds of the dataset: its load and its rows per table."""
    [(load_id,)] = spark.sql(
        f"select _load_id from raw.datasets where dataset_id = '{DATASET}'"
    ).collect()
    counts = {
        table: spark.sql(
            f"select count(*) from raw.{table} where _dataset_id = '{DATASET}'"
        ).collect()[0][0]
        for table in ("adsl", "adqs")
    }
    return load_id, counts


def changed_copy(parity: Parity, folder: Path, age: str) -> Path:
    """The dataset with its first subject's AGE replaced."""
    source = next(d for d in parity.demo if d.name == DATASET)
    copy = Path(shutil.copytree(source, folder / DATASET))
    adsl = copy / "adsl.csv"
    lines = adsl.read_text().splitlines()
    header = lines[0].split(",")
    first = lines[1].split(",")
    first[header.index("AGE")] = age
    lines[1] = ",".join(first)
    adsl.write_text("\n".join(lines) + "\n")
    return copy


def test_a_rejected_load_keeps_the_previous_tables_and_records_the_rejection(
    spark_parity: Parity, spark, tmp_path: Path
) -> None:
    before = spark_state(spark)
    bad = changed_copy(spark_parity, tmp_path, "forty")  # not an integer: the contract refuses
    code = ingest_datasets([bad], spark_parity.spark, RawChecks(), "spark")
    assert code == 1
    assert spark_state(spark) == before
    rejected = spark.sql(
        f"select count(*) from raw.load_audit where dataset_id = '{DATASET}' "
        "and status = 'rejected' and message like '%column age%'"
    ).collect()[0][0]
    assert rejected >= 1  # the audit rows reach Spark as in the store


class Interrupting(RawChecks):
    """Ctrl-C while the raw gate runs on the staged rows (the last step before the commit)."""

    def check(self, *args: object, **kwargs: object) -> list:
        raise KeyboardInterrupt


def test_an_interrupted_load_keeps_the_previous_tables(
    spark_parity: Parity, spark, tmp_path: Path
) -> None:
    before = spark_state(spark)
    current = (spark_parity.spark / PARQUET / CURRENT).read_text()
    changed = changed_copy(spark_parity, tmp_path, "44")
    with pytest.raises(KeyboardInterrupt):
        ingest_datasets([changed], spark_parity.spark, Interrupting(), "spark")
    assert spark_state(spark) == before
    assert (spark_parity.spark / PARQUET / CURRENT).read_text() == current
    con = duckdb.connect(str(store_path(spark_parity.spark)), read_only=True)
    try:
        staged = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'raw' and table_name like '\\_load\\_%' escape '\\'"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert staged == 0  # nothing half-loaded stays in the load store either


def test_a_second_process_on_the_same_spark_warehouse_is_told_to_wait(
    spark_parity: Parity, spark
) -> None:
    """This process holds the warehouse's Derby catalogue; Spark retries for about 20 s."""
    folder = next(d for d in spark_parity.demo if d.name == DATASET)
    result = subprocess.run(
        [sys.executable, "-m", "trd.cli", "ingest", "--engine", "spark", str(folder)],
        cwd=REPO_ROOT,
        env={**os.environ, "TRD_SPARK_WAREHOUSE": str(spark_parity.spark)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 75, result.stderr[-2000:]
    assert f"another process is using the Spark warehouse {spark_parity.spark}" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_scale_benchmark_reads_a_spark_folders_load_steps_and_size(
    spark_parity: Parity,
) -> None:
    # given the session's Spark warehouse folder, into which the demo datasets were ingested
    from benchmarks.run import STAGING, _size_mb, ingest_steps

    folder = spark_parity.spark
    # when the benchmark harness reads what a `trd --engine spark ingest` process committed
    steps = ingest_steps(["trd", "--engine", "spark", "--warehouse", str(folder), "ingest"], set())
    # then it finds the loads' steps in the folder's load store, as it does in a DuckDB file
    assert list(steps)[:2] == ["hashing", STAGING] and steps[STAGING] > 0
    # and the folder's size counts its Parquet tables beside the load store
    assert _size_mb(folder) > _size_mb(store_path(folder)) > 0
