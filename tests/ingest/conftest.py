"""Fixtures of the ingest tests: a loaded baseline warehouse, private copies, in-process runs.

Bad inputs are ingested into a copy of the baseline warehouse (which already holds the valid
TEST-TRIAL and TEST-REG datasets of ingest_fixtures.py), so "the warehouse is unchanged" is a
real assertion: the previous version of the same dataset_id must survive a rejected reload.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ingest_fixtures import registry_dataset, snapshot, trial_dataset

from core import console
from core.errors import TrdError
from expectations.gate import RawChecks
from ingest.load import ingest_datasets


@dataclass
class IngestRun:
    code: int
    out: str
    err: str


@pytest.fixture
def run_ingest(capsys: pytest.CaptureFixture[str]) -> Callable[..., IngestRun]:
    """Ingest folders in-process (as `trd ingest` does) and capture what the user sees."""

    def run(warehouse: Path, *folders: Path) -> IngestRun:
        capsys.readouterr()
        try:
            code = ingest_datasets(list(folders), warehouse, RawChecks())
        except TrdError as err:  # a refused command, as the CLI reports it
            console.warn(f"trd ingest: {err}")
            code = err.exit_code
        captured = capsys.readouterr()
        return IngestRun(code, captured.out, captured.err)

    return run


@pytest.fixture
def verbose(monkeypatch: pytest.MonkeyPatch) -> None:
    """As `trd -v`: per-step timings and progress lines are printed too."""
    monkeypatch.setattr(console, "_verbose", True)


@pytest.fixture(scope="session")
def baseline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding the valid TEST-TRIAL and TEST-REG datasets (built once)."""
    root = tmp_path_factory.mktemp("baseline")
    trial = trial_dataset().write(root / "trial")
    registry = registry_dataset().write(root / "registry")
    warehouse = root / "warehouse.duckdb"
    assert ingest_datasets([trial, registry], warehouse, RawChecks()) == 0
    return root


@pytest.fixture
def warehouse(baseline_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the baseline warehouse."""
    target = tmp_path / "warehouse.duckdb"
    shutil.copy(baseline_dir / "warehouse.duckdb", target)
    return target


@pytest.fixture(scope="session")
def baseline_snapshot(baseline_dir: Path) -> dict[str, list[tuple[Any, ...]]]:
    return snapshot(baseline_dir / "warehouse.duckdb")
