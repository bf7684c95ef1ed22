"""Fixtures for the dbt model tests: real DuckDB warehouses in tmp dirs, real dbt runs.

dbt's target/ and logs/ go to a session tmp dir (DBT_TARGET_PATH, DBT_LOG_PATH) so that these
tests neither disturb nor are disturbed by a `dbt build` someone runs in the checkout, while the
dbt project itself is the repo's. Helpers to write raw rows live in `dbt_warehouse.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def dbt_scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep dbt's artifacts of the test runs out of the repo's target/ and logs/."""
    root = tmp_path_factory.mktemp("dbt")
    patch = pytest.MonkeyPatch()
    patch.setenv("DBT_TARGET_PATH", str(root / "target"))
    patch.setenv("DBT_LOG_PATH", str(root / "logs"))
    patch.setenv("DO_NOT_TRACK", "1")
    yield root
    patch.undo()
