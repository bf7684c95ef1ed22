"""A dataset's load in progress and its staging tables: each file read in batches, screened,
cast and written into `raw._load_<load_id>__<table>` (raw's layout plus the key columns that are
checked but not loaded), its rows reconciled with the rows the file holds (steps 4-5 of
docs/architecture.md#load-protocol-atomic)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from core import interrupts
from core.contracts import AUDIT_COLUMNS, TABLES, Column, Table, tables_for
from core.errors import DataRejected, TrdError, one_or_many
from ingest.config import DatasetConfig
from ingest.deid import check_ages, check_column_names, screen_values
from ingest.readers import (
    Batch,
    DataFile,
    OpenedFile,
    open_data_file,
)
from ingest.validate import (
    cast_batch,
    check_arms,
    check_columns,
    check_not_null,
    unloaded_keys,
)

STAGING_PREFIX = "_load_"


BATCH_VIEW = "_incoming_batch"
SETTINGS_TABLES = (
    "datasets",
    "dataset_arms",
    "dataset_parameters",
    "dataset_visits",
    "dataset_remission",
)


@dataclass
class Load:
    """What one dataset's load knows so far (for the audit rows of a rejection, too)."""

    folder: Path
    load_id: str
    started_at: datetime
    clock: float = field(default_factory=time.perf_counter)
    config: DatasetConfig | None = None
    files: tuple[DataFile, ...] = ()
    hashes: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    """Rows staged per file name."""
    rows_read: dict[str, int] = field(default_factory=dict)
    """Rows each file holds, counted apart from the reader where the format allows
    (`raw.load_audit.rows_read`)."""
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds per step of the load protocol, printed after the summary (what a slow load
    spent its time on)."""

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - started

    @property
    def label(self) -> str:
        return self.config.dataset_id if self.config else self.folder.name or str(self.folder)

    @property
    def prefix(self) -> str:
        """Name prefix of this load's staging tables in `raw`."""
        return f"{STAGING_PREFIX}{self.load_id}__"

    def staged(self, table: str) -> str:
        return f"raw.{self.prefix}{table}"

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.clock


def staging_tables(con: duckdb.DuckDBPyConnection, prefix: str) -> list[str]:
    """Tables of `raw` whose names start with `prefix` (one load's, or every load's)."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = "
        "current_database() and table_schema = 'raw' and starts_with(table_name, ?) order by 1",
        [prefix],
    ).fetchall()
    return [r[0] for r in rows]


def reconcile(con: duckdb.DuckDBPyConnection, load: Load, data_file: DataFile) -> None:
    """Rows staged for a file = rows the file holds (counted apart from the reader that
    read them), or the dataset is rejected: a load never loses a row silently."""
    [(staged,)] = con.execute(
        f"select count(*) from {load.staged(data_file.table)} where _source_file = ?",
        [data_file.name],
    ).fetchall()
    read = load.rows_read[data_file.name]
    if staged != read or staged != load.rows[data_file.name]:
        raise DataRejected(
            f"{read:,} rows were read from the file but {staged:,} were staged for loading",
            "this is a trd bug, not a problem with the file: please report it with the file's "
            "layout (nothing was loaded)",
            dataset=load.label,
            file=data_file.name,
        )


def create_staging(con: duckdb.DuckDBPyConnection, load: Load, config: DatasetConfig) -> None:
    """The staging tables: raw's layout for every table of the source (plus key columns that
    are checked but not loaded) and for the settings tables, which hold dataset.yml already, so
    that the raw gate checks scores with the dataset's own PARAMCD map."""
    statements = [
        f"create table {load.staged(t.name)} "
        f"({', '.join(f'{c.name} {c.type}' for c in _staging_layout(t))})"
        for t in tables_for(config.source)
    ] + [f"create table {load.staged(t)} as from raw.{t} limit 0" for t in SETTINGS_TABLES]
    con.execute(";\n".join(statements))  # one round trip (a small load pays for each)
    stage_settings(con, load, config)


def _staging_layout(table: Table) -> tuple[Column, ...]:
    """raw's columns (contract, then audit), then key columns checked but not loaded."""
    return table.loaded_columns + AUDIT_COLUMNS + unloaded_keys(table)


def stage_file(
    con: duckdb.DuckDBPyConnection,
    load: Load,
    config: DatasetConfig,
    data_file: DataFile,
    workdir: Path,
) -> int:
    """Screen, cast and write one file into its staging table, batch by batch; the first batch
    with problems stops the file (with all of that batch's problems)."""
    table = TABLES[data_file.table]
    where = {"dataset": config.dataset_id, "file": data_file.name}
    opened = open_data_file(data_file, config.dataset_id, workdir)
    problems: list[TrdError] = []
    with collect(problems):
        check_column_names(
            table, opened.columns, source_value_exempt=config.source == "registry", **where
        )
    with collect(problems):
        check_columns(table, opened.columns, **where)
    if problems:
        raise one_or_many(problems, config.dataset_id)
    target = load.staged(table.name)
    rows = 0
    for batch in _read_ahead(opened.batches()):
        rows += _stage_batch(con, target, table, load, config, opened, batch)
        interrupts.check()
    load.rows_read[data_file.name] = (
        opened.expected_rows if opened.expected_rows is not None else opened.rows_read
    )
    return rows


def _read_ahead(batches: Iterator[Batch]) -> Iterator[Batch]:
    """Read the next batch while this one is screened, cast and inserted: Polars' reader and
    DuckDB's insert both release the GIL, so the two cores overlap. A reading error is raised
    here, in file order, exactly as without the read-ahead. When staging stops early (a
    rejection, Ctrl-C), the read in flight is abandoned, not waited for."""
    reader = ThreadPoolExecutor(max_workers=1)
    try:
        pending = reader.submit(next, batches, None)
        while (batch := pending.result()) is not None:
            pending = reader.submit(next, batches, None)
            yield batch
    finally:
        reader.shutdown(wait=False, cancel_futures=True)


def _stage_batch(
    con: duckdb.DuckDBPyConnection,
    target: str,
    table: Table,
    load: Load,
    config: DatasetConfig,
    opened: OpenedFile,
    batch: Batch,
) -> int:
    """Gate, cast and check one batch, then append it to the file's staging table."""
    frame = batch.frame
    where = {
        "first_row": batch.first_row,
        "exact_count": batch.is_last,
        "dataset": config.dataset_id,
        "file": opened.data_file.name,
    }
    typed = {c.name for c in table.columns if c.type != "VARCHAR"}
    problems: list[TrdError] = []
    with collect(problems):
        screen_values(frame, [c for c in frame.columns if c not in typed], **where)
    try:
        cast = cast_batch(table, frame, sas_dates=opened.sas_dates, **where)
    except DataRejected as err:  # the checks below need the cast values
        raise one_or_many([*problems, err], config.dataset_id) from None
    with collect(problems):
        check_not_null(table, cast, **where)
    if table.name == "adsl":
        with collect(problems):
            check_ages(cast["age"], **where)
        with collect(problems):
            check_arms(cast, config.arms, opened.columns, **where)
    if problems:
        raise one_or_many(problems, config.dataset_id)
    numbered = cast.with_columns(
        pl.int_range(batch.first_row, batch.first_row + cast.height, dtype=pl.Int64).alias(
            "_row_number"
        )
    )
    loaded = ", ".join(c.name for c in table.loaded_columns)
    extra = "".join(f", {c.name}" for c in unloaded_keys(table))
    con.register(BATCH_VIEW, numbered.to_arrow())
    try:
        con.execute(
            f"insert into {target} select {loaded}, $dataset, $load, $file, _row_number{extra} "
            f"from {BATCH_VIEW}",
            {"dataset": config.dataset_id, "load": load.load_id, "file": opened.data_file.name},
        )
    finally:
        con.unregister(BATCH_VIEW)
    return cast.height


def discard_staging(con: duckdb.DuckDBPyConnection, load: Load) -> None:
    """Drop this load's staging tables, if any (after a rejection or an interruption)."""
    with contextlib.suppress(duckdb.Error):  # usually no transaction is open
        con.execute("rollback")
    tables = staging_tables(con, load.prefix)
    if tables:
        con.execute(";\n".join(f'drop table raw."{table}"' for table in tables))


def stage_settings(con: duckdb.DuckDBPyConnection, load: Load, config: DatasetConfig) -> None:
    """dataset.yml as rows of the settings tables (only the dataset's own overrides)."""
    dataset = config.dataset_id
    rows = {
        "datasets": [
            (
                dataset,
                config.source,
                config.title,
                config.population,
                config.primary_analysis,
                config.reference,
                config.sha256,
                load.load_id,
                load.started_at,
                config.suppression,
                config.synthetic,
            )
        ],
        "dataset_arms": [
            (dataset, arm, m.treatment_class, m.treatment) for arm, m in config.arms.items()
        ],
        "dataset_parameters": [(dataset, code, scale) for code, scale in config.parameters.items()],
        "dataset_visits": [(dataset, visit, tp) for visit, tp in config.visits.items()],
        "dataset_remission": [(dataset, scale, t) for scale, t in config.remission.items()],
    }
    for table, values in rows.items():
        if values:  # one statement per table: DuckDB's executemany runs one insert per row
            row = f"({', '.join('?' * len(values[0]))})"
            con.execute(
                f"insert into {load.staged(table)} values {', '.join([row] * len(values))}",
                [v for value in values for v in value],
            )


@contextlib.contextmanager
def collect(problems: list[TrdError]) -> Iterator[None]:
    """Keep a rejection and go on, so that one round lists every problem of the dataset."""
    try:
        yield
    except DataRejected as err:
        problems.append(err)
