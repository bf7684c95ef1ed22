"""The end of a load (steps 6-7 of docs/architecture.md#load-protocol-atomic): one
transaction swaps the staged tables into `raw` and replaces the dataset's settings and audit
rows; a rejection writes its own `rejected` audit rows (one per file, with that file's
problems)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from core import console
from core.contracts import AUDIT_COLUMNS, TABLES, Table, tables_for
from core.errors import Problems, TrdError
from ingest.config import DatasetConfig
from ingest.staging import SETTINGS_TABLES, Load
from ingest.validate import (
    unloaded_keys,
)


def commit(con: duckdb.DuckDBPyConnection, load: Load, config: DatasetConfig) -> None:
    """One transaction: swap the staged tables in, replace settings and audit rows.

    A staged table takes the other datasets' rows of its raw table, loses the key columns that
    were only checked, and takes the raw table's name (DuckDB renames only within a schema,
    hence staging in `raw`): the dataset's rows, often millions, are not copied again.
    """
    finished = now()
    dataset = config.dataset_id
    swapped = tables_for(config.source)
    con.execute("begin transaction")
    try:
        for table in TABLES.values():
            if table not in swapped:
                con.execute(f"delete from raw.{table.name} where _dataset_id = ?", [dataset])
        for table in swapped:
            _swap_in(con, load, table, dataset)
        for table in SETTINGS_TABLES:
            con.execute(f"delete from raw.{table} where dataset_id = ?", [dataset])
            replace = " replace (?::timestamp as loaded_at)" if table == "datasets" else ""
            params = [finished] if table == "datasets" else []
            con.execute(
                f"insert into raw.{table} select *{replace} from {load.staged(table)}", params
            )
            con.execute(f"drop table {load.staged(table)}")
        # the steps up to the commit (the commit's own seconds are printed, not recorded)
        phase_seconds = json.dumps({k: round(v, 3) for k, v in load.phases.items()})
        _insert_audit(
            con,
            [
                (
                    load.load_id,
                    dataset,
                    f.name,
                    load.hashes.get(f.name),
                    load.rows.get(f.name),
                    load.rows_read.get(f.name),
                    "loaded",
                    load.started_at,
                    finished,
                    f"{load.rows.get(f.name, 0):,} rows into raw.{f.table} "
                    f"({load.rows_read.get(f.name, 0):,} rows read from the file)",
                    phase_seconds,
                )
                for f in load.files
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _swap_in(con: duckdb.DuckDBPyConnection, load: Load, table: Table, dataset: str) -> None:
    """Replace raw.<table> by its staged table plus the other datasets' rows (in a transaction)."""
    staged = load.staged(table.name)
    columns = ", ".join(c.name for c in table.loaded_columns + AUDIT_COLUMNS)
    con.execute(
        f"insert into {staged} ({columns}) select {columns} from raw.{table.name} "
        "where _dataset_id <> ?",
        [dataset],
    )
    con.execute(f"drop table raw.{table.name}")
    for column in unloaded_keys(table):
        con.execute(f"alter table {staged} drop column {column.name}")
    con.execute(f"alter table {staged} rename to {table.name}")


AUDIT_INSERT = (
    "insert into raw.load_audit (load_id, dataset_id, file, sha256, rows, rows_read, status, "
    "started_at, finished_at, message, phase_seconds) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _insert_audit(con: duckdb.DuckDBPyConnection, rows: list[tuple]) -> None:
    """Text goes in as valid UTF-8: a folder or file name may hold bytes that are not."""
    con.executemany(
        AUDIT_INSERT,
        [tuple(console.printable(v) if isinstance(v, str) else v for v in row) for row in rows],
    )


def audit_rejection(con: duckdb.DuckDBPyConnection, load: Load, err: TrdError) -> None:
    """`rejected` rows in their own small transaction: one per file (with that file's own
    problems, else a pointer to the dataset's), plus one per other place a problem concerns
    (no single file, dataset.yml, a file that could not be read as one). Before dataset.yml
    is read, the dataset is named by the error (its dataset_id if known, else the folder)."""
    finished = now()
    dataset = load.config.dataset_id if load.config else err.dataset
    problems = err.problems if isinstance(err, Problems) else (err,)
    by_file: dict[str | None, list[str]] = {}
    for problem in problems:
        by_file.setdefault(problem.file, []).append(str(problem))
    names = [f.name for f in load.files]
    summary = f"not loaded: the dataset was rejected ({_first_line(str(err))})"
    rows = [
        (
            load.load_id,
            dataset,
            name,
            load.hashes.get(name),
            load.rows.get(name),
            load.rows_read.get(name),
            "rejected",
            load.started_at,
            finished,
            " | ".join(by_file[name]) if name in by_file else summary,
            None,
        )
        for name in names
    ]
    rows += [
        (
            load.load_id,
            dataset,
            name,
            None,
            None,
            None,
            "rejected",
            load.started_at,
            finished,
            msg,
            None,
        )
        for name, messages in by_file.items()
        if name not in names
        for msg in [" | ".join(messages)]
    ]
    con.execute("begin transaction")
    try:
        _insert_audit(con, rows)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else text


def now() -> datetime:
    """Audit and load times are UTC (naive timestamps in DuckDB)."""
    return datetime.now(UTC).replace(tzinfo=None)
