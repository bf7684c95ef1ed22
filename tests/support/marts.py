"""Mart tables laid out by the dbt project, for tests that state a mart's rows by hand.

A test that needs small cells a report must hide (tests/reports) writes its marts' rows itself
instead of deriving them from raw data; the tables it writes into still come from the project:
each column's name, order and `data_type` as the model's YAML declares them (the contract dbt
enforces on the SQL marts; for the Python marts, the types tests/registry checks they write).
So a column added to or retyped in a mart changes the fixture with it, never a copy of its DDL.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import duckdb

from trd.docs.sources import models


def create_mart_tables(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Create `marts.<name>` for each name, empty, with the columns its YAML declares."""
    documented = {m.relation.split(".")[1]: m for m in models("marts")}
    con.execute("create schema if not exists marts")
    for name in names:
        columns = documented[name].columns
        untyped = [c["name"] for c in columns if "data_type" not in c]
        assert not untyped, f"marts.{name}: no data_type in its YAML for {untyped}"
        ddl = ", ".join(f"{c['name']} {c['data_type']}" for c in columns)
        con.execute(f"create or replace table marts.{name} ({ddl})")


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Mapping[str, object]]
) -> None:
    """Insert rows given as {column: value}; columns a row leaves out stay null."""
    for names, group in itertools.groupby(rows, key=tuple):
        con.executemany(
            f"insert into {table} ({', '.join(names)}) values ({', '.join('?' * len(names))})",
            [list(row.values()) for row in group],
        )
