"""Shared, expensive fixtures of the demo tests: one default demo per session, read many times."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from demo_spec_rules import DATASETS, registry_episodes

from demo import generate
from demo.concepts import Vocabulary, load_vocabulary


@pytest.fixture(scope="session")
def demo_folders(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The default demo (5,000 persons, default seed), generated once."""
    return generate(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def demo(demo_folders: list[Path]) -> dict[str, Path]:
    assert [f.name for f in demo_folders] == list(DATASETS)
    return {folder.name: folder for folder in demo_folders}


@pytest.fixture(scope="session")
def vocab() -> Vocabulary:
    return load_vocabulary()


@pytest.fixture(scope="session")
def episodes(demo: dict[str, Path], vocab: Vocabulary) -> pl.DataFrame:
    """Qualifying registry episodes re-derived from the files by the
    docs/derivations.md#qualification rules."""
    return registry_episodes(demo["REGISTRY-OMOP"], vocab)
