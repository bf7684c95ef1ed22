"""The dbt unit tests (`unit_tests:` in models/**/*.yml) run here, in CI, since `trd build`
skips them (trd/build.py): they prove the SQL logic on fixed fixtures, not the loaded data.

Given the warehouse without data that `trd build` built (unit tests need the models' parents
to exist, to read their column types); when `dbt test --select test_type:unit` runs; then every
unit test the project declares ran, and each passed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from support.dbt import BareBuild

from trd.build import run_dbt

pytestmark = pytest.mark.slow


def test_every_declared_dbt_unit_test_runs_and_passes(bare_build: BareBuild) -> None:
    result = run_dbt(["test", "--select", "test_type:unit"], bare_build.warehouse)

    assert result.exception is None, result.exception
    assert result.result is not None
    statuses = {
        r.node.unique_id: str(r.status)
        for r in result.result.results
        if r.node.resource_type == "unit_test"  # not the project's on-run hooks
    }
    failed = {node: status for node, status in statuses.items() if status != "pass"}
    assert failed == {}
    manifest = json.loads((Path(os.environ["DBT_TARGET_PATH"]) / "manifest.json").read_text())
    declared = set(manifest["unit_tests"])
    assert len(declared) > 40  # 54 in November 2026; none would mean the selector broke
    assert set(statuses) == declared
    assert result.success
