"""Fixtures of the biomarker tests: one hand-made warehouse built once by the real dbt project.

Raw rows are written the way ingest writes them (contract columns plus the audit columns), so
the module that asserts on the marts shows exactly the data its expected values come from.
dbt's target/ and logs/ go to a session tmp dir, not into the checkout.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import duckdb
import pytest
from biomarker_data import DATASETS, Dataset

from core.contracts import TABLES
from ingest.schema import create_raw_schema
from trd.build import build


def _insert(con: duckdb.DuckDBPyConnection, table: str, values: Mapping[str, object]) -> None:
    marks = ", ".join("?" for _ in values)
    con.execute(
        f"insert into {table} ({', '.join(values)}) values ({marks})", list(values.values())
    )


def _write_table(
    con: duckdb.DuckDBPyConnection, table: str, dataset_id: str, rows: Sequence[Mapping]
) -> None:
    known = {c.name for c in TABLES[table].loaded_columns}
    for number, row in enumerate(rows, start=1):
        assert set(row) <= known, f"{table} has no columns {set(row) - known}"
        audit = {
            "_dataset_id": dataset_id,
            "_load_id": "test-load",
            "_source_file": f"{table}.csv",
            "_row_number": number,
        }
        _insert(con, f"raw.{table}", {**row, **audit})


def _write_dataset(con: duckdb.DuckDBPyConnection, ds: Dataset) -> None:
    _insert(
        con,
        "raw.datasets",
        {
            "dataset_id": ds.dataset_id,
            "source": "trial",
            "title": None,
            "population": "trd",
            "primary_analysis": "nri",
            "reference": None,
            "config_sha256": "0" * 64,
            "_load_id": "test-load",
            "loaded_at": "2026-01-01 00:00:00",
        },
    )
    for arm, treatment_class in ds.arms.items():
        _insert(
            con,
            "raw.dataset_arms",
            {"dataset_id": ds.dataset_id, "arm": arm, "treatment_class": treatment_class},
        )
    for table, rows in (("adsl", ds.adsl), ("adqs", ds.adqs), ("adlb", ds.adlb)):
        _write_table(con, table, ds.dataset_id, rows)


@pytest.fixture(scope="session")
def dbt_scratch_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dbt")


@pytest.fixture(scope="module", autouse=True)
def dbt_scratch(dbt_scratch_dir: Path) -> Iterator[Path]:
    """dbt's target/ and logs/ in a tmp dir for this folder's modules only, then restored."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(dbt_scratch_dir / "target"))
        patch.setenv("DBT_LOG_PATH", str(dbt_scratch_dir / "logs"))
        patch.setenv("DO_NOT_TRACK", "1")
        yield dbt_scratch_dir


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory, dbt_scratch_dir: Path) -> Path:
    """The hand-made datasets of `biomarker_data`, built by `trd build` (every model and test).

    Session-scoped and never written to by tests (they copy it): the dbt build is the slow part.
    """
    path = tmp_path_factory.mktemp("biomarkers") / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    try:
        create_raw_schema(con)
        for ds in DATASETS:
            _write_dataset(con, ds)
    finally:
        con.close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(dbt_scratch_dir / "target"))
        patch.setenv("DBT_LOG_PATH", str(dbt_scratch_dir / "logs"))
        patch.setenv("DO_NOT_TRACK", "1")
        assert build(path) == 0
    return path
