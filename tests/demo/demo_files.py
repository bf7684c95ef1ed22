"""The demo's generated files as the tests read them: with Polars and pyreadstat, not with the
ingest stage, so a test of the files does not rest on the code it feeds. Derivations are not
here: what the pipeline derives from the files is read from the marts of a real build
(conftest.py `demo_marts`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl
import pyreadstat

DATASETS = (
    "TRANSFORM-2",
    "KETAMINE-MIDAZOLAM",
    "ELEKT-D",
    "ESCAPE-TRD",
    "TRANSFORM-1",
    "TRANSFORM-3",
    "KETAMINE-MIDAZOLAM-2",
    "REGISTRY-OMOP",
)


def read_table(folder: Path, table: str) -> pl.DataFrame:
    """A dataset table by stem, whatever its format (column names as in the file)."""
    (path,) = [p for p in folder.iterdir() if p.stem.lower() == table]
    return _read(path)


@cache
def _read(path: Path) -> pl.DataFrame:
    """Read once per session: many tests look at the same default demo files."""
    if path.suffix == ".csv":
        frame = pl.read_csv(path, infer_schema_length=None)
        dates = [c for c in frame.columns if c.endswith(("_date", "ADT", "TRTSDT"))]
        return frame.with_columns(pl.col(dates).str.to_date("%Y-%m-%d"))
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    frame, _ = pyreadstat.read_xport(path, output_format="polars")
    return frame.with_columns(pl.col(pl.String).replace("", None))
