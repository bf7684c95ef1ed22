"""`trd ingest DIR...` (SPEC 2, 4 and 8): load dataset folders into `raw`, atomically.

Enters: dataset folders (data files and a dataset.yml). Leaves: the datasets' rows in the `raw`
contract tables, their settings in `raw.dataset_*`, and one `raw.load_audit` row per file per
load; or, for a rejected dataset, the warehouse exactly as it was plus `rejected` audit rows.

The load protocol of docs/architecture.md, step by step:
1. parse dataset.yml; 2. discover the files; 3. hash them: identical files and dataset.yml as
the dataset's last load print "unchanged" and write nothing; 4. read each file in batches,
screening names and text values with the de-identification gate and casting to the contract,
straight into staging tables `raw._load_<load_id>__<table>` (each row written once: no TEMP
copy); 5. check keys and run the raw data-quality gate there; 6. in one transaction swap the
staged tables in: each takes the other datasets' rows of its raw table (usually none) and then
that table's name, so the dataset's own rows are never copied a second time; settings and audit
rows are replaced alongside; 7. on failure drop the staging tables and write `rejected` audit
rows in their own transaction. Staging tables are not the warehouse: they are dropped (or
renamed into place) before ingest returns, so a rejected file's rows never stay. A stale
`raw._load_*` table left by a killed run is dropped when the next ingest starts. Great
Expectations (seconds to import) is imported in a background thread while the files are read,
and only when a dataset is really loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import duckdb
import polars as pl

from core import console, interrupts
from core.contracts import AUDIT_COLUMNS, TABLES, Column, Table, tables_for
from core.errors import ConfigError, DataRejected, Problems, TrdError, one_or_many
from core.warehouse import open_warehouse
from ingest.config import CONFIG_FILE, DatasetConfig, read_config
from ingest.deid import check_ages, check_column_names, screen_values
from ingest.readers import (
    Batch,
    DataFile,
    Discovery,
    OpenedFile,
    discover,
    is_utf8,
    open_data_file,
)
from ingest.schema import create_raw_schema
from ingest.validate import (
    cast_batch,
    check_arms,
    check_columns,
    check_duplicate_keys,
    check_not_null,
    check_required_files,
    unloaded_keys,
)

MEMORY_LIMIT = "4GB"
"""DuckDB's memory cap during ingest; data beyond it spills to `<warehouse>.tmp/`.
(DuckDB's own progress bar is off: ingest prints its own progress, per file, on stderr.)"""
STAGING_PREFIX = "_load_"
BATCH_VIEW = "_incoming_batch"
SETTINGS_TABLES = (
    "datasets",
    "dataset_arms",
    "dataset_parameters",
    "dataset_visits",
    "dataset_remission",
)
Status = Literal["loaded", "unchanged"]
PHASES_LABEL = "time spent:"
"""Starts the line under a load's summary (`-v`) with the seconds of each step; the same seconds
are recorded in raw.load_audit.phase_seconds, which the benchmarks read."""


class RawGate(Protocol):
    """The raw data-quality gate a staged dataset must pass before it is committed (SPEC 7).

    Ingest receives it from its caller (`trd` passes `expectations.gate.RawChecks`) instead of
    importing the checks stage, so the flow of imports follows the flow of data."""

    def prepare(self) -> None:
        """Slow set-up (imports); run in a thread while the files are read."""

    def check(
        self, con: duckdb.DuckDBPyConnection, table_prefix: str, dataset_id: str, source: str
    ) -> list[Any]:
        """Validate the dataset staged as `raw.<table_prefix><table>`: its results, or a
        `TrdError` when an error-level check fails (the load is then rejected)."""
        ...

    def committed(self, dataset_id: str, results: list[Any]) -> None:
        """The dataset's load was committed with these gate results."""


@dataclass
class _Load:
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


def ingest_datasets(dirs: Sequence[Path], warehouse: Path, gate: RawGate) -> int:
    """Load each folder as its own atomic unit; 0 if all loaded or were unchanged.

    Returns 1 if any dataset was rejected, 2 if any had a configuration error (the highest
    code wins). Before anything loads, the command itself is checked (`plan`): a path that is
    not a folder, a parent folder of datasets, or one dataset_id in two folders is a
    `ConfigError` and nothing is loaded. A warehouse locked by another process raises
    `WarehouseBusy`. `gate`: the raw data-quality gate every staged dataset must pass.
    """
    planned = plan(dirs)
    con = connect(warehouse)
    try:
        _prepare(con)
        scratch = warehouse.parent if is_utf8(warehouse.parent) else None  # None: $TMPDIR
        codes = [_ingest_one(con, p, gate, scratch) for p in planned]
    finally:
        con.close()
    return max(codes, default=0)


@dataclass(frozen=True)
class Planned:
    """One folder of the command: its dataset.yml, or the error reading it (reported, with
    exit 2, when its turn comes; the other datasets still load)."""

    folder: Path
    config: DatasetConfig | None = None
    error: TrdError | None = None


def plan(dirs: Sequence[Path]) -> list[Planned]:
    """Read every dataset.yml first; refuse the whole command when it names no dataset folder,
    a parent of dataset folders, or one dataset_id twice (every such problem at once)."""
    problems: list[TrdError] = []
    planned: list[Planned] = []
    for folder in map(Path, dirs):
        problem = _not_a_dataset_folder(folder)
        if problem is not None:
            problems.append(problem)
            continue
        try:
            planned.append(Planned(folder, config=read_config(folder)))
        except TrdError as err:
            planned.append(Planned(folder, error=err))
    folders: dict[str, list[Path]] = {}
    for p in planned:
        if p.config is not None:
            folders.setdefault(p.config.dataset_id, []).append(p.folder)
    for dataset, where in folders.items():
        if len(where) > 1:
            problems.append(
                ConfigError(
                    f"dataset_id {dataset} is the id of {len(where)} folders in this command "
                    f"({', '.join(map(str, where))}); nothing was loaded",
                    "give each dataset folder its own dataset_id (loading an id again replaces "
                    "that dataset), or pass the folder once",
                    dataset=dataset,
                    file=CONFIG_FILE,
                )
            )
    if problems:
        raise one_or_many(problems)
    return planned


def _not_a_dataset_folder(folder: Path) -> ConfigError | None:
    """Why `folder` cannot be a dataset folder: missing, a file, or a folder of datasets."""
    if not folder.exists():
        return ConfigError(
            f"{folder} does not exist; nothing was loaded",
            "check the path: pass dataset folders (each holding data files and a dataset.yml)",
        )
    if not folder.is_dir():
        return ConfigError(
            f"{folder} is a file, not a dataset folder; nothing was loaded",
            "pass the folder that holds the data files and the dataset.yml",
        )
    if (folder / CONFIG_FILE).exists():
        return None
    inside = sorted(d.name for d in folder.iterdir() if d.is_dir() and (d / CONFIG_FILE).is_file())
    if not inside:
        return None  # read_config says what a dataset.yml needs
    shown = ", ".join(inside[:10]) + (f" and {len(inside) - 10} more" if len(inside) > 10 else "")
    return ConfigError(
        f"{folder} is not a dataset but a folder of {len(inside)} dataset folder(s): {shown}; "
        "nothing was loaded",
        f"pass the dataset folders themselves, e.g. trd ingest {folder}/*/",
    )


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing; another writer's lock becomes `WarehouseBusy`."""
    con = open_warehouse(warehouse, "ingest", create=True, config={"memory_limit": MEMORY_LIMIT})
    con.execute("set enable_progress_bar = false")
    # rows carry their own _row_number, so DuckDB may write them in any order (faster inserts)
    con.execute("set preserve_insertion_order = false")
    return con


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Create `raw` if needed and drop staging tables left by a killed load."""
    con.execute("begin transaction")
    create_raw_schema(con)
    con.execute("commit")
    for table in _staging_tables(con, STAGING_PREFIX):
        con.execute(f'drop table raw."{table}"')
        console.warn(f"trd ingest: dropped raw.{table}, left by an interrupted load")


def _staging_tables(con: duckdb.DuckDBPyConnection, prefix: str) -> list[str]:
    """Tables of `raw` whose names start with `prefix` (one load's, or every load's)."""
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = "
        "current_database() and table_schema = 'raw' and starts_with(table_name, ?) order by 1",
        [prefix],
    ).fetchall()
    return [r[0] for r in rows]


def _ingest_one(
    con: duckdb.DuckDBPyConnection,
    planned: Planned,
    gate: RawGate,
    scratch: Path | None,
) -> int:
    """Load one dataset folder; print its one-line summary; return its exit code.

    `scratch`: the folder under which a temporary working folder is made (normalised CSV
    copies, links to files whose paths are not UTF-8): the warehouse's, since it must hold as
    much as the warehouse itself, unless its own path is not UTF-8 (then the system's)."""
    load = _Load(planned.folder, _new_load_id(), _now(), config=planned.config)
    try:
        if planned.error is not None:
            raise planned.error
        with tempfile.TemporaryDirectory(prefix=".trd-ingest-", dir=scratch) as workdir:
            status = _load(con, load, gate, Path(workdir))
    except TrdError as err:
        _discard_staging(con, load)
        interrupts.check()  # a check that failed because Ctrl-C stopped its query
        _audit_rejection(con, load, err)
        console.warn(f"trd ingest: {err}")
        console.say(
            f"{load.label}: REJECTED after {load.seconds:.1f} s; the warehouse is unchanged"
        )
        return err.exit_code
    except BaseException:
        _discard_staging(con, load)
        raise
    n_files = len(load.files)
    if status == "unchanged":
        console.say(
            f"{load.label}: unchanged ({n_files} files identical to its last load); nothing written"
        )
    else:
        rows = sum(load.rows.values())
        console.say(
            f"{load.label}: loaded {rows:,} rows from {n_files} files in {load.seconds:.1f} s "
            f"(load {load.load_id})"
        )
        console.detail(
            f"  {PHASES_LABEL} " + "; ".join(f"{k} {v:.1f} s" for k, v in load.phases.items())
        )
    return 0


@contextlib.contextmanager
def _collect(problems: list[TrdError]) -> Iterator[None]:
    """Keep a rejection and go on, so that one round lists every problem of the dataset."""
    try:
        yield
    except DataRejected as err:
        problems.append(err)


def _load(
    con: duckdb.DuckDBPyConnection,
    load: _Load,
    gate: RawGate,
    workdir: Path,
) -> Status:
    config = load.config
    assert config is not None, "planned with its dataset.yml"
    dataset = config.dataset_id
    found = discover(load.folder, config.source, dataset)
    load.files = found.files
    _print_notices(dataset, config.source, found)
    problems: list[TrdError] = list(found.problems)
    with _collect(problems):
        check_required_files(
            config.source, (f.table for f in found.files), found.unsupported, dataset
        )
    with load.phase("hashing"):
        load.hashes = _hash_files(found.files)
    if not problems and _unchanged(con, config, load.hashes):
        return "unchanged"
    gate_import = threading.Thread(target=gate.prepare, daemon=True)
    gate_import.start()  # GIL-bound import overlaps reading, which runs in Polars and DuckDB
    with load.phase("staging (read, screen, cast, insert)"):
        _create_staging(con, load, config)
        staged = []
        for data_file in found.files:
            with _collect(problems):
                load.rows[data_file.name] = _stage_file(con, load, config, data_file, workdir)
                staged.append(data_file)
    with load.phase("duplicate keys"):
        for data_file in staged:
            table = TABLES[data_file.table]
            with _collect(problems):
                check_duplicate_keys(
                    con, load.staged(table.name), table, dataset=dataset, file=data_file.name
                )
                _reconcile(con, load, data_file)
    if problems:
        raise one_or_many(problems, dataset)
    with load.phase("waiting for the GX import"):
        _join(gate_import)
    with load.phase("raw data-quality gate"):
        results = gate.check(con, load.prefix, config.dataset_id, config.source)
    interrupts.check()  # never commit after Ctrl-C, even one a library swallowed
    with load.phase("commit"):
        _commit(con, load, config)
    gate.committed(dataset, results)
    return "loaded"


def _join(thread: threading.Thread) -> None:
    """Wait for `thread` in short slices: a plain join is not interrupted by Ctrl-C when the
    signal reaches another thread, and the GX import runs for seconds."""
    while thread.is_alive():
        thread.join(0.05)
        interrupts.check()


def _reconcile(con: duckdb.DuckDBPyConnection, load: _Load, data_file: DataFile) -> None:
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


def _print_notices(dataset: str, source: str, found: Discovery) -> None:
    if found.ignored:
        console.say(
            f"{dataset}: ignoring {len(found.ignored)} file(s) of tables outside the {source} "
            f"contract: {', '.join(found.ignored)}"
        )
    if found.unsupported:
        console.say(
            f"{dataset}: ignoring {len(found.unsupported)} file(s) not in a supported format "
            f"(.csv, .parquet, .xpt, .sas7bdat): {', '.join(found.unsupported)}"
        )


def _hash_files(files: Sequence[DataFile]) -> dict[str, str]:
    """sha256 per file name, two files at a time (hashlib releases the GIL)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        digests = pool.map(lambda f: _sha256(f.path), files)
        return {f.name: digest for f, digest in zip(files, digests, strict=True)}


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _unchanged(
    con: duckdb.DuckDBPyConnection, config: DatasetConfig, hashes: dict[str, str]
) -> bool:
    """Same dataset.yml and the same file names and hashes as the dataset's last load."""
    previous = con.execute(
        "select config_sha256, _load_id from raw.datasets where dataset_id = ?",
        [config.dataset_id],
    ).fetchall()
    if not previous or previous[0][0] != config.sha256:
        return False
    files = con.execute(
        "select file, sha256 from raw.load_audit "
        "where load_id = ? and status = 'loaded' and file is not null",
        [previous[0][1]],
    ).fetchall()
    return dict(files) == hashes


def _create_staging(con: duckdb.DuckDBPyConnection, load: _Load, config: DatasetConfig) -> None:
    """The staging tables: raw's layout for every table of the source (plus key columns that
    are checked but not loaded) and for the settings tables, which hold dataset.yml already, so
    that the raw gate checks scores with the dataset's own PARAMCD map."""
    statements = [
        f"create table {load.staged(t.name)} "
        f"({', '.join(f'{c.name} {c.type}' for c in _staging_layout(t))})"
        for t in tables_for(config.source)
    ] + [f"create table {load.staged(t)} as from raw.{t} limit 0" for t in SETTINGS_TABLES]
    con.execute(";\n".join(statements))  # one round trip (a small load pays for each)
    _stage_settings(con, load, config)


def _staging_layout(table: Table) -> tuple[Column, ...]:
    """raw's columns (contract, then audit), then key columns checked but not loaded."""
    return table.loaded_columns + AUDIT_COLUMNS + unloaded_keys(table)


def _stage_file(
    con: duckdb.DuckDBPyConnection,
    load: _Load,
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
    with _collect(problems):
        check_column_names(
            table, opened.columns, source_value_exempt=config.source == "registry", **where
        )
    with _collect(problems):
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
    load: _Load,
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
    with _collect(problems):
        screen_values(frame, [c for c in frame.columns if c not in typed], **where)
    try:
        cast = cast_batch(table, frame, sas_dates=opened.sas_dates, **where)
    except DataRejected as err:  # the checks below need the cast values
        raise one_or_many([*problems, err], config.dataset_id) from None
    with _collect(problems):
        check_not_null(table, cast, **where)
    if table.name == "adsl":
        with _collect(problems):
            check_ages(cast["age"], **where)
        with _collect(problems):
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


def _commit(con: duckdb.DuckDBPyConnection, load: _Load, config: DatasetConfig) -> None:
    """One transaction: swap the staged tables in, replace settings and audit rows.

    A staged table takes the other datasets' rows of its raw table, loses the key columns that
    were only checked, and takes the raw table's name (DuckDB renames only within a schema,
    hence staging in `raw`): the dataset's rows, often millions, are not copied again.
    """
    finished = _now()
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


def _swap_in(con: duckdb.DuckDBPyConnection, load: _Load, table: Table, dataset: str) -> None:
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


def _stage_settings(con: duckdb.DuckDBPyConnection, load: _Load, config: DatasetConfig) -> None:
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


def _audit_rejection(con: duckdb.DuckDBPyConnection, load: _Load, err: TrdError) -> None:
    """`rejected` rows in their own small transaction: one per file (with that file's own
    problems, else a pointer to the dataset's), plus one per other place a problem concerns
    (no single file, dataset.yml, a file that could not be read as one). Before dataset.yml
    is read, the dataset is named by the error (its dataset_id if known, else the folder)."""
    finished = _now()
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


def _discard_staging(con: duckdb.DuckDBPyConnection, load: _Load) -> None:
    """Drop this load's staging tables, if any (after a rejection or an interruption)."""
    with contextlib.suppress(duckdb.Error):  # usually no transaction is open
        con.execute("rollback")
    tables = _staging_tables(con, load.prefix)
    if tables:
        con.execute(";\n".join(f'drop table raw."{table}"' for table in tables))


def _new_load_id() -> str:
    """Sortable and unique: UTC time to the second plus random hex."""
    return f"{datetime.now(UTC):%Y%m%d%H%M%S}_{secrets.token_hex(3)}"


def _now() -> datetime:
    """Audit and load times are UTC (naive timestamps in DuckDB)."""
    return datetime.now(UTC).replace(tzinfo=None)
