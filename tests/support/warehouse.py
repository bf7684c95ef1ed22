"""Warehouses for tests: a file with the raw layout, raw rows written as ingest writes them, and
read-only queries.

Raw rows are written in the layout ingest writes (contract columns cast to the contract types,
absent nullable columns null, plus the audit columns), so each test module shows the data its
expectations are computed from, and a test never hand-writes DDL: `raw` comes from
`ingest.schema`, everything downstream from the dbt project (`support.dbt`).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import polars as pl

from core.contracts import TABLES
from ingest.config import DEFAULT_SUPPRESSION
from ingest.schema import create_raw_schema

Row = Mapping[str, object]


def new_warehouse(path: Path) -> Path:
    """A warehouse file with every raw table, empty, exactly as after a first ingest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        create_raw_schema(con)
    finally:
        con.close()
    return path


def copy_warehouse(warehouse: Path, folder: Path) -> Path:
    """A private copy of a shared (session-built) warehouse, for a test that writes to it."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(warehouse, folder / warehouse.name))


def query(warehouse: Path, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    """Rows of a query on a built warehouse (read-only, so nothing can change under a test)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


class RawWriter:
    """Insert raw rows and dataset.yml metadata the way ingest would."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def table(
        self,
        table: str,
        dataset_id: str,
        rows: Sequence[Row] | pl.DataFrame,
        source_file: str | None = None,
    ) -> int:
        """Rows of one contract table of one dataset: contract columns cast to the contract
        types (from text, as from a CSV file), absent nullable columns null, `_row_number` the
        1-based position. Returns the number of rows written."""
        frame = rows if isinstance(rows, pl.DataFrame) else _text_frame(rows)
        if frame.height == 0:
            return 0
        known = {c.name for c in TABLES[table].loaded_columns}
        unknown = set(frame.columns) - known
        assert not unknown, f"{table} has no columns {unknown}"
        casts = [
            f"cast({c.name} as {c.type}) as {c.name}"
            if c.name in frame.columns
            else f"null as {c.name}"
            for c in TABLES[table].loaded_columns
        ]
        audit = [
            "? as _dataset_id",
            "'test-load' as _load_id",
            "? as _source_file",
            "_position as _row_number",
        ]
        self.con.register("incoming", frame.with_row_index("_position", offset=1))
        try:
            self.con.execute(
                f"insert into raw.{table} by name select {', '.join(casts + audit)} from incoming",
                [dataset_id, source_file or f"{table}.csv"],
            )
        finally:
            self.con.unregister("incoming")
        return frame.height

    def dataset(
        self,
        dataset_id: str,
        source: str,
        *,
        title: str | None = None,
        population: str | None = None,
        primary_analysis: str = "nri",
        reference: str | None = None,
        arms: Mapping[str, str] | None = None,
        parameters: Mapping[str, str] | None = None,
        visits: Mapping[str, str] | None = None,
        remission: Mapping[str, float] | None = None,
        suppression: str | None = None,
    ) -> None:
        """The dataset.yml metadata rows ingest writes (raw.datasets and raw.dataset_*); the
        suppression policy defaults as ingest's does (trial none, registry cms)."""
        self._insert(
            "raw.datasets",
            {
                "dataset_id": dataset_id,
                "source": source,
                "title": title,
                "population": population,
                "primary_analysis": primary_analysis,
                "reference": reference,
                "config_sha256": "0" * 64,
                "_load_id": "test-load",
                "loaded_at": "2026-01-01 00:00:00",
                "suppression": suppression or DEFAULT_SUPPRESSION[source],
                "synthetic": False,
            },
        )
        for arm, treatment_class in (arms or {}).items():
            self._insert(
                "raw.dataset_arms",
                {"dataset_id": dataset_id, "arm": arm, "treatment_class": treatment_class},
            )
        for paramcd, scale in (parameters or {}).items():
            self._insert(
                "raw.dataset_parameters",
                {"dataset_id": dataset_id, "paramcd": paramcd, "scale": scale},
            )
        for avisit, timepoint in (visits or {}).items():
            self._insert(
                "raw.dataset_visits",
                {"dataset_id": dataset_id, "avisit": avisit, "timepoint": timepoint},
            )
        for scale, threshold in (remission or {}).items():
            self._insert(
                "raw.dataset_remission",
                {"dataset_id": dataset_id, "scale": scale, "threshold": threshold},
            )

    def _insert(self, table: str, values: Mapping[str, object]) -> None:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self.con.execute(f"insert into {table} ({columns}) values ({marks})", list(values.values()))


def _text_frame(rows: Sequence[Row]) -> pl.DataFrame:
    """Rows as all-text columns, so DuckDB applies the same casts as to a CSV file."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    data = {c: [None if r.get(c) is None else str(r.get(c)) for r in rows] for c in columns}
    return pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String))
