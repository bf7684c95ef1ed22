"""Shared fixtures of the benchmark tests: one small demo registry, ingested and built once.

`benchmarks/` is a folder of scripts run from the repo root (`python -m benchmarks.run`), not
an installed package, so the repo root is put on the import path here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT))

PERSONS = 1500
"""Enough for every treatment class to have D28 observed cases, small enough for seconds."""


@pytest.fixture(scope="session")
def registry_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo registry ingested and built (the whole project: seeds feed relationship tests)."""
    from demo import generate
    from expectations.gate import RawChecks
    from ingest.load import ingest_datasets
    from trd.build import build

    root = tmp_path_factory.mktemp("bench")
    registry = generate(root / "data", persons=PERSONS)[-1]
    warehouse = root / "warehouse.duckdb"
    assert ingest_datasets([registry], warehouse, RawChecks()) == 0
    assert build(warehouse) == 0
    return warehouse
