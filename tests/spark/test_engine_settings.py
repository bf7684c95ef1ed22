"""Choosing the engine and configuring Spark from profiles.yml (no JVM is started here)."""

from pathlib import Path

import pytest

from core.errors import ConfigError
from core.settings import engine, warehouse_path
from core.spark import spark_conf


def test_the_engine_defaults_to_duckdb_and_reads_trd_engine(monkeypatch):
    monkeypatch.delenv("TRD_ENGINE", raising=False)
    assert engine() == "duckdb"
    monkeypatch.setenv("TRD_ENGINE", "Spark")
    assert engine() == "spark"
    assert engine("duckdb") == "duckdb"  # --engine wins over the variable


def test_an_unknown_engine_names_the_choices(monkeypatch):
    monkeypatch.delenv("TRD_ENGINE", raising=False)
    with pytest.raises(ConfigError, match="unknown engine 'postgres'.*duckdb, spark"):
        engine("postgres")


def test_a_spark_warehouse_is_a_folder_named_by_its_own_variable(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRD_SPARK_WAREHOUSE", raising=False)
    monkeypatch.setenv("TRD_WAREHOUSE", "elsewhere.duckdb")
    assert warehouse_path(None, "spark") == tmp_path / "spark-warehouse"
    assert warehouse_path(None, "duckdb") == tmp_path / "elsewhere.duckdb"


def test_the_session_takes_the_profiles_parameters_for_its_folder(tmp_path):
    conf = spark_conf(tmp_path / "wh")
    assert conf["spark.sql.warehouse.dir"] == f"{tmp_path / 'wh'}/warehouse"
    assert (
        f"databaseName={tmp_path / 'wh'}/metastore_db"
        in conf["spark.hadoop.javax.jdo.option.ConnectionURL"]
    )
    assert conf["spark.sql.catalogImplementation"] == "hive"
    log4j = conf["spark.driver.extraJavaOptions"].split("-Dlog4j2.configurationFile=")[1]
    assert Path(log4j).is_file()


def test_a_spark_build_of_a_folder_without_a_load_store_names_the_fix(tmp_path, capsys):
    from trd.cli import main

    assert main(["--engine", "spark", "build", "--warehouse", str(tmp_path / "typo")]) == 2
    err = capsys.readouterr().err
    assert f"no Spark warehouse at {tmp_path / 'typo'}" in err
    assert "trd ingest --engine spark" in err
