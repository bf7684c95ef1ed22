"""The public sample files under tests/data (origin and licence: tests/data/README.md).

They are read-only inputs: tests copy or extract what they need into a temporary folder.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

from core.settings import SAMPLE_DATA

SYNTHEA_ARCHIVE = SAMPLE_DATA / "omop-synthea27nj" / "Synthea27Nj_5.4.tar.xz"
CDISC_PILOT = SAMPLE_DATA / "cdisc-pilot01"
RBMI_ANTIDEPRESSANT = SAMPLE_DATA / "rbmi-antidepressant" / "antidepressant_data.csv"


def extract_synthea(folder: Path) -> Path:
    """The unmodified OHDSI Synthea27Nj CDM 5.4 export (39 CSV files), extracted into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(SYNTHEA_ARCHIVE) as archive:
        archive.extractall(folder, filter="data")
    return folder
