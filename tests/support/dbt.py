"""dbt for tests: the project's own runner (`trd.build.run_dbt`), one target folder per session.

Every test that builds goes through `dbt_run`, which is `trd build`'s in-process runner with a
selection: one way to invoke dbt, and the project parsed once per test process (the runner
reuses its parse for every warehouse of the same file name; tests/conftest.py sets the
session's DBT_TARGET_PATH once). A failed node fails the test
with dbt's own message.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from trd.build import run_dbt

FAILED = {"error", "fail", "runtime error"}


def dbt_run(
    warehouse: Path, select: str | None = None, command: str = "build", *extra: str
) -> Counter[str]:
    """`dbt <command> [--select ...]` of the repo's project on `warehouse`; what ran, by
    resource type (`extra`: more dbt arguments). Raises AssertionError naming every failed node.

    A build leaves the unit tests out, as `trd build` does: they do not depend on the data, and
    tests/models/test_dbt_unit_tests.py runs every one of them once per session."""
    args = [command, *(["--select", select] if select else []), *extra]
    if command == "build":
        args += ["--exclude-resource-type", "unit_test"]
    result = run_dbt(args, warehouse)
    results = list(result.result or []) if command != "compile" else []
    failures = [
        f"{r.node.name}: {r.status} {r.message or ''}" for r in results if str(r.status) in FAILED
    ]
    assert result.success and not failures, f"dbt {command} failed: {failures or result.exception}"
    return Counter(r.node.unique_id.split(".")[0] for r in results)


@dataclass(frozen=True)
class BareBuild:
    """A warehouse with no data after `trd build`, and what that build ran."""

    warehouse: Path
    ran: Counter[str]
    """How many nodes of each dbt resource type ran (model, test, unit_test, seed...)."""


@dataclass(frozen=True)
class RegistryBuild:
    """The demo registry's files and its warehouse after ingest and `trd build`."""

    folder: Path
    warehouse: Path
    persons: int


def node_types(run_results: Path) -> Counter[str]:
    """Nodes per dbt resource type in a run_results.json ('unit_test.trd.<model>.<name>')."""
    results = json.loads(run_results.read_text())["results"]
    return Counter(r["unique_id"].split(".")[0] for r in results)
