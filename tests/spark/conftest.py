"""One SparkSession for the whole pytest session, on one Spark warehouse folder.

Spark fixes a session's warehouse folder and catalogue when the session starts (and dbt-spark's
`method: session` takes the process's session), so every Spark test of the session shares this
folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from both_engines import Warehouses, build_both


@pytest.fixture(scope="session")
def spark_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spark") / "warehouse"


@pytest.fixture(scope="session")
def spark(spark_warehouse: Path, dbt_scratch: Path):
    from core.spark import session

    return session(spark_warehouse)


@pytest.fixture(scope="session")
def both_engines(
    tmp_path_factory: pytest.TempPathFactory, spark, spark_warehouse: Path
) -> Warehouses:
    """The same small datasets built on both engines (both_engines.py)."""
    return build_both(tmp_path_factory.mktemp("engines"), spark_warehouse)
