"""Fixtures for the registry (OMOP) side of the dbt project (SPEC 3.2, 3.3, 5 "Registry").

Builds are real dbt runs on real DuckDB files and take seconds, so the built warehouses are
module-scoped and shared by every assertion on the same data; helpers live in registry_omop.py.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from registry_omop import SYNTHEA_ZIP


@pytest.fixture(scope="module")
def synthea_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The unmodified OHDSI Synthea27Nj CDM 5.4 export, extracted to a temporary folder."""
    if not SYNTHEA_ZIP.is_file():
        # CI always has ../shared beside the clone: there a missing file is a failure.
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            f"sample data not found at {SYNTHEA_ZIP} (set TRD_SHARED_DATA)"
        )
    folder = tmp_path_factory.mktemp("synthea27nj")
    with zipfile.ZipFile(SYNTHEA_ZIP) as archive:
        archive.extractall(folder)
    csv_dirs = {p.parent for p in folder.rglob("PERSON.csv") if "__MACOSX" not in p.parts}
    assert len(csv_dirs) == 1, f"expected one CDM folder in the archive, found {csv_dirs}"
    yield csv_dirs.pop()
