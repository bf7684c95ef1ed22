"""The `raw` schema (docs/architecture.md): contract tables, dataset metadata and the load audit.

Every contract table exists from the first load on, even when no dataset has it, so that dbt
sources always resolve. Dataset metadata (the parsed `dataset.yml`) is stored as small tables so
that dbt models, not Python, apply the arm mapping, parameter map, visit map and overrides.
"""

from __future__ import annotations

import duckdb

from core.contracts import TABLES, raw_table_ddl
from ingest.config import DEFAULT_SUPPRESSION

METADATA_DDL: dict[str, str] = {
    "datasets": """
        create table if not exists raw.datasets (
            dataset_id varchar primary key,
            source varchar not null,          -- trial | registry
            title varchar,
            population varchar,               -- 'trd' or null (trial only)
            primary_analysis varchar not null, -- oc | nri | locf (default nri)
            reference varchar,                -- comparator class; null = default rule
            config_sha256 varchar not null,   -- hash of dataset.yml as loaded
            _load_id varchar not null,
            loaded_at timestamp not null,
            suppression varchar,              -- cms | none (docs/privacy.md); unset: source default
            synthetic boolean                 -- dataset.yml `synthetic`: generated demo data
        )""",
    "dataset_arms": """
        create table if not exists raw.dataset_arms (
            dataset_id varchar not null,
            arm varchar not null,             -- ADSL TRT01A (or TRT01P) value
            treatment_class varchar not null, -- docs/derivations.md#treatment-classes
            treatment varchar                 -- optional detail, e.g. quetiapine_xr
        )""",
    "dataset_parameters": """
        create table if not exists raw.dataset_parameters (
            dataset_id varchar not null,
            paramcd varchar not null,
            scale varchar not null            -- MADRS | HAMD17 | QIDS_SR16 | PHQ9
        )""",
    "dataset_visits": """
        create table if not exists raw.dataset_visits (
            dataset_id varchar not null,
            avisit varchar not null,
            timepoint varchar not null        -- H24 | D7 | W2 | D28 | W6 | W8 | W12
        )""",
    "dataset_remission": """
        create table if not exists raw.dataset_remission (
            dataset_id varchar not null,
            scale varchar not null,
            threshold double not null         -- remission when score <= threshold
        )""",
    "load_audit": """
        create table if not exists raw.load_audit (
            load_id varchar not null,
            dataset_id varchar,
            file varchar,                     -- file name; null for dataset-level rows
            sha256 varchar,
            rows bigint,                      -- rows loaded from the file
            status varchar not null,          -- loaded | rejected
            started_at timestamp not null,
            finished_at timestamp,
            message varchar,
            rows_read bigint,                 -- rows the file holds, counted apart from its reader
            phase_seconds varchar             -- loaded rows: JSON {step: seconds} of the load
        )""",
}


ADDED_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    # table, column, type, value for the rows loaded before the column existed
    (
        "datasets",
        "suppression",
        "varchar",
        "case source "
        + " ".join(f"when '{s}' then '{p}'" for s, p in DEFAULT_SUPPRESSION.items())
        + " end",
    ),
    ("datasets", "synthetic", "boolean", "false"),
    ("load_audit", "rows_read", "bigint", "null"),  # rows counted apart from the reader
    ("load_audit", "phase_seconds", "varchar", "null"),  # where a load spent its time
)
"""Metadata columns added after the first release, at the end of their table as in the DDL. A
warehouse written before them gains them on its next ingest or build, and its datasets get the
value their dataset.yml meant then (the source's default policy; not synthetic)."""


def create_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create `raw` with every contract, metadata and audit table (idempotent)."""
    con.execute("create schema if not exists raw")
    for table in TABLES.values():
        con.execute(raw_table_ddl(table))
    for ddl in METADATA_DDL.values():
        con.execute(ddl)
    for table, column, kind, backfill in ADDED_COLUMNS:
        if not _has_column(con, table, column):
            con.execute(f"alter table raw.{table} add column {column} {kind}")
            con.execute(f"update raw.{table} set {column} = {backfill}")


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.columns "
        "where table_schema = 'raw' and table_name = ? and column_name = ?",
        [table, column],
    ).fetchone()
    return bool(found and found[0])
