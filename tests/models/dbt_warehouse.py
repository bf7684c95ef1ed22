"""Helpers for the dbt model tests: warehouses with raw tables, raw rows, queries.

Raw rows are written with plain SQL inserts, exactly in the layout ingest writes (contract
columns plus the audit columns), so each test module shows the data its expectations are
computed from.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.contracts import TABLES
from ingest.config import DEFAULT_SUPPRESSION
from ingest.schema import create_raw_schema

Row = Mapping[str, object]


def new_warehouse(path: Path) -> Path:
    """A warehouse file with every raw table, empty, exactly as after a first ingest."""
    con = duckdb.connect(str(path))
    try:
        create_raw_schema(con)
    finally:
        con.close()
    return path


class RawWriter:
    """Insert raw rows the way ingest would: contract columns plus the audit columns."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def table(self, table: str, dataset_id: str, rows: Sequence[Row]) -> None:
        """Rows of one contract table of one dataset; `_row_number` is the 1-based position."""
        known = {c.name for c in TABLES[table].loaded_columns}
        for number, row in enumerate(rows, start=1):
            unknown = set(row) - known
            assert not unknown, f"{table} has no columns {unknown}"
            values = {
                **row,
                "_dataset_id": dataset_id,
                "_load_id": "test-load",
                "_source_file": f"{table}.csv",
                "_row_number": number,
            }
            self._insert(f"raw.{table}", values)

    def dataset(
        self,
        dataset_id: str,
        source: str,
        *,
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
                "title": None,
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


def query(warehouse: Path, sql: str) -> list[tuple]:
    """Rows of a query on a built warehouse (read-only, so nothing can change under a test)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@dataclass(frozen=True)
class BareBuild:
    """A warehouse with no data after `trd build`, and what that build ran."""

    warehouse: Path
    ran: Counter[str]
    """How many nodes of each dbt resource type ran (model, test, unit_test, seed...)."""


def node_types(run_results: Path) -> Counter[str]:
    """Nodes per dbt resource type in a run_results.json ('unit_test.trd.<model>.<name>')."""
    results = json.loads(run_results.read_text())["results"]
    return Counter(r["unique_id"].split(".")[0] for r in results)
