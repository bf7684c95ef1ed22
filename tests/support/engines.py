"""What the Spark tests share (tests/spark/conftest.py builds it once per session)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks.fingerprint import is_identity


@dataclass(frozen=True)
class Parity:
    """The same datasets built on both engines: a DuckDB file and a Spark warehouse folder,
    and the demo dataset folders that were ingested into both."""

    duckdb: Path
    spark: Path
    demo: list[Path]


EXACT_DATASET = "KETAMINE-MIDAZOLAM"
"""Loaded with `suppression: none` on both engines, so that `--suppression cms` has counts to
hide (tests of `trd report --suppression cms` on Spark)."""
UNKNOWN_PERSON = 999999999
"""One registry condition of this person (not in `person`) is added on both engines after the
load: the error-level check `condition_occurrence.person_id_in_person` fails on both (tests of
`trd check` on Spark). The marts do not see it (episodes start from `person`)."""


def compared(column: str) -> bool:
    """False for each engine's own load, build and check-run identities and times, which two
    runs on the same data never share (`benchmarks.fingerprint.is_identity`)."""
    return not is_identity(column)
