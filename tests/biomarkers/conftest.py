"""Fixtures of the biomarker tests: one hand-made warehouse built once by the real dbt project.

Raw rows are written the way ingest writes them (`support.warehouse.RawWriter`), so the module
that asserts on the marts shows exactly the data its expected values come from.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from biomarker_data import DATASETS
from support.warehouse import RawWriter, new_warehouse

from trd.build import build


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made datasets of `biomarker_data`, built by `trd build` (every model and test).

    Session-scoped and never written to by tests (they copy it): the dbt build is the slow part.
    Both trials are TRD populations under the `cms` policy (BIO-SMALL is for the suppression
    tests).
    """
    path = new_warehouse(tmp_path_factory.mktemp("biomarkers") / "warehouse.duckdb")
    con = duckdb.connect(str(path))
    try:
        raw = RawWriter(con)
        for ds in DATASETS:
            raw.dataset(ds.dataset_id, "trial", population="trd", arms=ds.arms, suppression="cms")
            for table, rows in (("adsl", ds.adsl), ("adqs", ds.adqs), ("adlb", ds.adlb)):
                raw.table(table, ds.dataset_id, rows)
    finally:
        con.close()
    assert build(path) == 0
    return path
