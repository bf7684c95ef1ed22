"""Fixtures for the registry (OMOP) side of the dbt project (registry files:
docs/dataset-contract.md#registry-files-omop-cdm-v54; code lists: docs/code-lists.md; rules:
docs/derivations.md#registry-cohort).

Builds are real dbt runs on real DuckDB files and take seconds, so the built warehouses are
module-scoped and shared by every assertion on the same data; helpers live in registry_omop.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sample_data import extract_synthea


@pytest.fixture(scope="module")
def synthea_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The unmodified OHDSI Synthea27Nj CDM 5.4 export, extracted to a temporary folder."""
    yield extract_synthea(tmp_path_factory.mktemp("synthea27nj"))
