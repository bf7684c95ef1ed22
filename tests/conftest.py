"""Session fixtures every folder shares: dbt's scratch folders and the one bare build.

dbt's target/ and logs/ go to one session tmp folder (DBT_TARGET_PATH, DBT_LOG_PATH), set
before any test runs: no test disturbs, or is disturbed by, a `dbt build` someone runs in the
checkout, and every build of the session goes through the same runner (`support.dbt`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.dbt import BareBuild, node_types
from support.warehouse import new_warehouse

from trd.build import build


@pytest.fixture(scope="session", autouse=True)
def dbt_scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One dbt target/ and logs/ for the whole session (so partial parsing is reused)."""
    scratch = tmp_path_factory.mktemp("dbt")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(scratch / "target"))
        patch.setenv("DBT_LOG_PATH", str(scratch / "logs"))
        patch.setenv("DO_NOT_TRACK", "1")
        yield scratch


@pytest.fixture(scope="session")
def bare_build(tmp_path_factory: pytest.TempPathFactory, dbt_scratch: Path) -> BareBuild:
    """`trd build` of a warehouse without data, built once: every mart, reporting view and data
    test exists and runs on empty tables; what ran is read from run_results.json before any
    other dbt command replaces it. Tests copy the file before writing to it."""
    path = new_warehouse(tmp_path_factory.mktemp("bare") / "warehouse.duckdb")
    assert build(path) == 0
    return BareBuild(path, node_types(dbt_scratch / "target" / "run_results.json"))
