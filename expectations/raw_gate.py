"""Raw-table suites run inside `trd ingest`, before a dataset is committed (SPEC 7).

PLACEHOLDER: the GX implementation replaces the body of `run_raw_checks`; the signature is the
contract with `ingest/load.py`.
"""

from __future__ import annotations

import duckdb

from expectations.results import CheckResult


def run_raw_checks(
    con: duckdb.DuckDBPyConnection, schema: str, dataset_id: str, source: str
) -> list[CheckResult]:
    """Validate the staged tables of one dataset in `schema` (same layout as `raw`).

    `con` is the ingest process's open connection; the staged tables are committed in `schema`
    and hold only this dataset's rows. Returns every check's result; the caller rejects the load
    when any result `blocks`.
    """
    return []
