"""Fixtures for the dbt model tests: real DuckDB warehouses in tmp dirs, real dbt runs.

dbt's target/ and logs/ go to a session tmp dir (DBT_TARGET_PATH, DBT_LOG_PATH) so that these
tests neither disturb nor are disturbed by a `dbt build` someone runs in the checkout, while the
dbt project itself is the repo's. Helpers to write raw rows live in `dbt_warehouse.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from dbt_warehouse import BareBuild, node_types

from trd.build import build


@pytest.fixture(scope="session")
def dbt_scratch_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One dir for the whole session, so dbt's partial parsing is reused from module to module."""
    return tmp_path_factory.mktemp("dbt")


@pytest.fixture(scope="module", autouse=True)
def dbt_scratch(dbt_scratch_dir: Path) -> Iterator[Path]:
    """Point dbt's target/ and logs/ there for this folder's modules only, then restore."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(dbt_scratch_dir / "target"))
        patch.setenv("DBT_LOG_PATH", str(dbt_scratch_dir / "logs"))
        patch.setenv("DO_NOT_TRACK", "1")
        yield dbt_scratch_dir


@pytest.fixture(scope="session")
def bare_build(tmp_path_factory: pytest.TempPathFactory, dbt_scratch_dir: Path) -> BareBuild:
    """Built once per session: a full build costs ~30 s, and several modules need its tables.

    Session fixtures start before the module-scoped `dbt_scratch`, so the dbt paths are set
    here too; what ran is read from run_results.json before any other dbt command replaces it.
    """
    path = tmp_path_factory.mktemp("bare") / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    target = dbt_scratch_dir / "target"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(target))
        patch.setenv("DBT_LOG_PATH", str(dbt_scratch_dir / "logs"))
        assert build(path) == 0
    return BareBuild(path, node_types(target / "run_results.json"))
