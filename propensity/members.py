"""The comparison members (int_adjustment__populations) handed to the estimators a few whole
comparisons at a time, so that a Python model's memory is bounded by the chunk, not the registry.

The table has one row per comparison and counted episode: 14 million rows at a million persons,
140 million at ten, too many for one pandas frame beside DuckDB's own memory (the 10M build
peaked at 17 GiB when the two Python marts read it whole; docs/performance.md). Balance and
estimates are per comparison, so computing them chunk by chunk gives the same rows; the
estimators take the chunks as they come and prepare the episodes' weights and covariates once.

`members` is the dbt relation of the model (dbt-duckdb's, or the Spark build's stand-in in
trd/spark_build.py): only `query`, `filter`, `project` and `df` are used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from propensity.comparisons import COMPARISON

CHUNK_ROWS = 2_000_000
"""Members per chunk (whole comparisons; a larger comparison is a chunk of its own): some
50 MB as pandas with the outcome flags."""


def comparison_ranges(sizes: pd.DataFrame, max_rows: int = CHUNK_ROWS) -> list[tuple[int, int]]:
    """(first, last) comparison ids of consecutive comparisons whose members add up to at most
    `max_rows`; `sizes` has one row per comparison: its id and its member count `n`."""
    ranges: list[tuple[int, int]] = []
    first, last, rows = None, None, 0
    for comparison, n in sizes.sort_values(COMPARISON)[[COMPARISON, "n"]].itertuples(index=False):
        if first is not None and rows + n > max_rows:
            ranges.append((first, last))
            first, rows = None, 0
        if first is None:
            first = int(comparison)
        last, rows = int(comparison), rows + int(n)
    if first is not None:
        ranges.append((first, last))
    return ranges


def member_chunks(members: Any, columns: str, max_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """`columns` of the members, whole comparisons at a time in comparison order; one empty
    frame when there are none (so the estimators still return their typed empty table)."""
    sizes = members.query(
        "members", f"select {COMPARISON}, count(*) as n from members group by {COMPARISON}"
    ).df()
    ranges = comparison_ranges(sizes, max_rows)
    if not ranges:
        yield members.project(columns).df()
    for first, last in ranges:
        yield members.filter(f"{COMPARISON} between {first} and {last}").project(columns).df()
