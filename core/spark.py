"""The Spark engine's session: one SparkSession per process, configured from profiles.yml
(docs/scale-out.md).

dbt-spark (`method: session`) calls `SparkSession.builder.getOrCreate()`, so whichever statement
opens the first session fixes its static settings (master, memory, catalogue, warehouse folder).
`session()` opens it with exactly the `server_side_parameters` of profiles.yml's `spark` output,
rendered for the warehouse folder: `trd ingest`, `trd build` (dbt in this process), `trd check`
and `trd report` then all see the same catalogue, and a plain `dbt build --target spark` agrees.

A Spark warehouse is a folder: Parquet tables in `<folder>/warehouse`, the Hive catalogue in an
embedded Derby database `<folder>/metastore_db`. Derby lets one process in at a time, the same
rule as a DuckDB file: a second process is `WarehouseBusy` (exit 75), never a Java stack trace.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import yaml

from core.errors import WarehouseBusy
from core.settings import REPO_ROOT, SPARK_WAREHOUSE_ENV

if TYPE_CHECKING:  # pyspark starts nothing on import, but takes a second: keep `trd --help` fast
    from pyspark.sql import SparkSession

LOG4J_ENV = "TRD_SPARK_LOG4J"
LOG4J = Path(__file__).with_name("spark-log4j2.properties")
"""Spark's log configuration: errors only (the default floods stderr with WARN lines)."""
BUSY_MARKERS = ("XSDB6", "Another instance of Derby", "SessionHiveMetaStoreClient")
"""How Derby and Hive say that another process holds the catalogue."""


def spark_conf(warehouse: Path) -> dict[str, str]:
    """profiles.yml's `spark.server_side_parameters`, rendered for `warehouse` (a folder)."""
    text = (REPO_ROOT / "profiles.yml").read_text()
    env = {**os.environ, SPARK_WAREHOUSE_ENV: str(warehouse), LOG4J_ENV: str(LOG4J)}

    def env_var(name: str, default: str | None = None) -> str:
        value = env.get(name, default)
        if value is None:
            raise KeyError(f"profiles.yml needs the environment variable {name}")
        return value

    rendered = jinja2.Environment().from_string(text).render(env_var=env_var)
    output = yaml.safe_load(rendered)["trd"]["outputs"]["spark"]
    return {key: str(value) for key, value in output["server_side_parameters"].items()}


def session(warehouse: Path) -> SparkSession:
    """The process's SparkSession on the warehouse folder `warehouse` (created if missing).

    A session that already exists is returned as it is (Spark's rule): one process works on
    one Spark warehouse."""
    from pyspark.sql import SparkSession

    warehouse.mkdir(parents=True, exist_ok=True)
    # for dbt's own rendering of profiles.yml in this process
    os.environ.update({SPARK_WAREHOUSE_ENV: str(warehouse), LOG4J_ENV: str(LOG4J)})
    builder = SparkSession.builder.appName("trd").enableHiveSupport()
    for key, value in spark_conf(warehouse).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    _quiet_python_loggers()
    return spark


def _quiet_python_loggers() -> None:
    """PySpark logs every failed statement as a JSON line with the whole Java stack trace; trd
    turns the error itself into a message (dbt's log keeps the details)."""
    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL + 1)


@contextmanager
def catalogue_errors(warehouse: Path, command: str) -> Iterator[None]:
    """Turn "another process holds the Derby catalogue" into `WarehouseBusy` (exit 75)."""
    try:
        yield
    except Exception as err:
        if any(marker in str(err) for marker in BUSY_MARKERS):
            raise WarehouseBusy(
                f"another process is using the Spark warehouse {warehouse} (its Hive catalogue, "
                "an embedded Derby database, lets one process in at a time), so nothing was done",
                f"wait for the other trd, dbt or Spark process on that folder to finish, then "
                f"run `trd {command}` again",
            ) from err
        raise
