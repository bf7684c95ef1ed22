"""What the Spark tests share (tests/spark/conftest.py builds it once per session)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Parity:
    """The same datasets built on both engines: a DuckDB file and a Spark warehouse folder,
    and the demo dataset folders that were ingested into both."""

    duckdb: Path
    spark: Path
    demo: list[Path]
