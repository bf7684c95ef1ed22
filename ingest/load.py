"""`trd ingest DIR...` (docs/architecture.md, docs/dataset-contract.md#what-gets-rejected and
docs/privacy.md): load dataset folders into `raw`, atomically.

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

import hashlib
import secrets
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import duckdb

from core import console, interrupts
from core.contracts import TABLES
from core.errors import ConfigError, TrdError, one_or_many
from core.settings import duckdb_config
from core.warehouse import open_warehouse
from ingest.commit import audit_rejection, commit, now
from ingest.config import CONFIG_FILE, DatasetConfig, read_config
from ingest.readers import (
    DataFile,
    Discovery,
    discover,
    is_utf8,
)
from ingest.schema import create_raw_schema
from ingest.staging import (
    STAGING_PREFIX,
    Load,
    collect,
    create_staging,
    discard_staging,
    reconcile,
    stage_file,
    staging_tables,
)
from ingest.validate import (
    check_duplicate_keys,
    check_required_files,
)

Status = Literal["loaded", "unchanged"]
PHASES_LABEL = "time spent:"
"""Starts the line under a load's summary (`-v`) with the seconds of each step; the same seconds
are recorded in raw.load_audit.phase_seconds, which the benchmarks read."""


class RawGate(Protocol):
    """The raw data-quality gate a staged dataset must pass before it is committed
    (docs/data-quality.md).

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


def ingest_datasets(
    dirs: Sequence[Path], warehouse: Path, gate: RawGate, engine: str = "duckdb"
) -> int:
    """Load each folder as its own atomic unit; 0 if all loaded or were unchanged.

    Returns 1 if any dataset was rejected, 2 if any had a configuration error (the highest
    code wins). Before anything loads, the command itself is checked (`plan`): a path that is
    not a folder, a parent folder of datasets, or one dataset_id in two folders is a
    `ConfigError` and nothing is loaded. A warehouse locked by another process raises
    `WarehouseBusy`. `gate`: the raw data-quality gate every staged dataset must pass.
    `engine` spark: `warehouse` is a Spark warehouse folder (`_ingest_spark`).
    """
    planned = plan(dirs)
    if engine == "spark":
        return _ingest_spark(planned, warehouse, gate)
    return _ingest_all(planned, warehouse, gate)


def _ingest_spark(planned: Sequence[Planned], warehouse: Path, gate: RawGate) -> int:
    """The same protocol into the folder's load store, then the committed raw schema published
    to Spark as Parquet tables (ingest/publish.py). The catalogue is opened first, so that a
    folder busy in another process is refused before anything loads."""
    from core.spark import catalogue_errors, session
    from ingest.publish import ensure_published, store_path

    with catalogue_errors(warehouse, "ingest"):
        spark = session(warehouse)
        spark.sql("show databases").collect()  # the catalogue is free (else: exit 75)
        if store_path(warehouse).exists():  # finish an interrupted publication first
            ensure_published(spark, warehouse, "ingest")
        code = _ingest_all(planned, store_path(warehouse), gate)
        ensure_published(spark, warehouse, "ingest")
    return code


def _ingest_all(planned: Sequence[Planned], warehouse: Path, gate: RawGate) -> int:
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
    """Open the warehouse for writing; another writer's lock becomes `WarehouseBusy`.
    DuckDB's memory cap is `TRD_MEMORY_LIMIT` (beyond it, it spills to `<warehouse>.tmp/`);
    its own progress bar is off: ingest prints its own progress, per file, on stderr."""
    con = open_warehouse(warehouse, "ingest", create=True, config=duckdb_config())
    con.execute("set enable_progress_bar = false")
    # rows carry their own _row_number, so DuckDB may write them in any order (faster inserts)
    con.execute("set preserve_insertion_order = false")
    return con


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Create `raw` if needed and drop staging tables left by a killed load."""
    con.execute("begin transaction")
    create_raw_schema(con)
    con.execute("commit")
    for table in staging_tables(con, STAGING_PREFIX):
        con.execute(f'drop table raw."{table}"')
        console.warn(f"trd ingest: dropped raw.{table}, left by an interrupted load")


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
    load = Load(planned.folder, _new_load_id(), now(), config=planned.config)
    try:
        if planned.error is not None:
            raise planned.error
        with tempfile.TemporaryDirectory(prefix=".trd-ingest-", dir=scratch) as workdir:
            status = _load(con, load, gate, Path(workdir))
    except TrdError as err:
        discard_staging(con, load)
        interrupts.check()  # a check that failed because Ctrl-C stopped its query
        audit_rejection(con, load, err)
        console.warn(f"trd ingest: {err}")
        console.say(
            f"{load.label}: REJECTED after {load.seconds:.1f} s; the warehouse is unchanged"
        )
        return err.exit_code
    except BaseException:
        discard_staging(con, load)
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


def _load(
    con: duckdb.DuckDBPyConnection,
    load: Load,
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
    with collect(problems):
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
        create_staging(con, load, config)
        staged = []
        for data_file in found.files:
            with collect(problems):
                load.rows[data_file.name] = stage_file(con, load, config, data_file, workdir)
                staged.append(data_file)
    with load.phase("duplicate keys"):
        for data_file in staged:
            table = TABLES[data_file.table]
            with collect(problems):
                check_duplicate_keys(
                    con, load.staged(table.name), table, dataset=dataset, file=data_file.name
                )
                reconcile(con, load, data_file)
    if problems:
        raise one_or_many(problems, dataset)
    with load.phase("waiting for the GX import"):
        _join(gate_import)
    with load.phase("raw data-quality gate"):
        results = gate.check(con, load.prefix, config.dataset_id, config.source)
    interrupts.check()  # never commit after Ctrl-C, even one a library swallowed
    with load.phase("commit"):
        commit(con, load, config)
    gate.committed(dataset, results)
    return "loaded"


def _join(thread: threading.Thread) -> None:
    """Wait for `thread` in short slices: a plain join is not interrupted by Ctrl-C when the
    signal reaches another thread, and the GX import runs for seconds."""
    while thread.is_alive():
        thread.join(0.05)
        interrupts.check()


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


def _new_load_id() -> str:
    """Sortable and unique: UTC time to the second plus random hex."""
    return f"{datetime.now(UTC):%Y%m%d%H%M%S}_{secrets.token_hex(3)}"
