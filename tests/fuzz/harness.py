"""Run fuzz cases through `trd ingest` and judge each against the
docs/dataset-contract.md#what-gets-rejected properties.

A case (seed, number) picks a base dataset and one to three mutations from its own random
stream, writes the mutant, copies the pristine warehouse (the three bases loaded) and runs
`trd ingest` in process, as the CLI does. Then:
- exit code 0, loaded: every contract file of the folder has a `loaded` audit row whose rows and
  rows_read equal the rows of that file in raw and the rows an independent reader counts
  (Python's csv module; Parquet's footer; pyreadstat), and no file that reader finds malformed
  (not UTF-8, ragged rows, a blank first line) was loaded;
- exit code 0, unchanged: the warehouse is byte-for-byte the same in content;
- exit code 1 or 2: a message with "Fix:" was printed and the warehouse is unchanged but for
  `rejected` audit rows;
- anything else is a defect: an exception out of `main` (a traceback), exit code 70 (an
  internal error), another code, a hang (more than `CASE_TIMEOUT` seconds).
"""

from __future__ import annotations

import contextlib
import csv
import io
import random
import re
import shutil
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pyreadstat

from core.contracts import tables_for
from expectations.gate import RawChecks
from fuzz.bases import Base, bases
from fuzz.mutators import MUTATIONS, Context
from ingest.load import ingest_datasets
from trd.cli import main

CASE_TIMEOUT = 60
FORMATS = {".csv", ".parquet", ".xpt", ".sas7bdat"}


class Hang(BaseException):
    """Raised by SIGALRM in a case that ran too long (not an Exception: trd must not catch it)."""


@dataclass
class Outcome:
    case: int
    base: str
    mutations: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    code: int | None = None
    result: str = "defect"
    """loaded | unchanged | rejected | config | defect"""
    defects: list[str] = field(default_factory=list)
    rows_lost: int = 0
    message: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class State:
    """What a warehouse holds: row count and an order-free hash of every table but the load
    audit, and the load audit's rows."""

    tables: dict[str, tuple[int, int]]
    audit: frozenset[tuple[Any, ...]]


@dataclass(frozen=True)
class Pristine:
    warehouse: Path
    state: State
    folders: dict[str, Path]
    """Each base written once; a case copies its folder."""


def prepare(work: Path) -> Pristine:
    """The warehouse every case starts from: the three bases loaded."""
    work.mkdir(parents=True, exist_ok=True)
    folders = {b.name: b.write(work / "bases" / b.name) for b in bases()}
    warehouse = work / "pristine.duckdb"
    warehouse.unlink(missing_ok=True)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert ingest_datasets(list(folders.values()), warehouse, RawChecks()) == 0, (
            "a base does not load"
        )
    return Pristine(warehouse, state(warehouse), folders)


def state(warehouse: Path) -> State:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where not (table_schema = 'raw' and table_name = 'load_audit') order by all"
        ).fetchall()
        union = " union all ".join(
            f'select \'{s}.{t}\', count(*), coalesce(sum(hash(x)), 0) from "{s}"."{t}" x'
            for s, t in tables
        )
        counts = {name: (n, h) for name, n, h in con.execute(union).fetchall()}
        audit = frozenset(con.execute("from raw.load_audit").fetchall())
        return State(counts, audit)
    finally:
        con.close()


def run_case(seed: int, case: int, work: Path, pristine: Pristine) -> Outcome:
    """Build, ingest and judge case `case` of stream `seed` in `work` (emptied first)."""
    rng = random.Random(f"{seed}:{case}")
    base = rng.choice(bases())
    outcome = Outcome(case, base.name)
    shutil.rmtree(work, ignore_errors=True)
    folder = work / "dataset"
    shutil.copytree(pristine.folders[base.name], folder)
    scratch = work / "elsewhere"
    scratch.mkdir()
    ctx = Context(folder, rng, scratch)
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        for _attempt in range(20):
            mutation = rng.choice(MUTATIONS)
            done = mutation.apply(ctx)
            if done is not None:
                outcome.mutations.append(f"{mutation.name}: {done}")
                outcome.categories.append(mutation.category)
                break
    folder = ctx.folder  # a mutation may have renamed it
    warehouse = work / "warehouse.duckdb"
    shutil.copyfile(pristine.warehouse, warehouse)
    started = time.perf_counter()
    # as a UTF-8 terminal: stdout refuses what is not UTF-8, stderr escapes it (Python's defaults)
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", errors="strict", write_through=True)
    err = io.TextIOWrapper(err_bytes, "utf-8", errors="backslashreplace", write_through=True)
    previous = signal.signal(signal.SIGALRM, _hang)
    signal.alarm(CASE_TIMEOUT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            outcome.code = main(["--warehouse", str(warehouse), "ingest", str(folder)])
    except Hang:
        outcome.defects.append(f"hang: no answer after {CASE_TIMEOUT} s")
    except BaseException as exc:  # noqa: BLE001 (any exception out of main is the defect)
        outcome.defects.append(f"traceback: {type(exc).__name__}: {str(exc)[:300]}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    outcome.seconds = round(time.perf_counter() - started, 3)
    printed_out, printed_err = out_bytes.getvalue().decode(), err_bytes.getvalue().decode()
    outcome.message = " ".join(printed_err.split())[:400]
    if outcome.code is not None and not outcome.defects:
        _judge(outcome, printed_out, printed_err, folder, warehouse, base, pristine)
    if outcome.defects:
        outcome.result = "defect"
    return outcome


def _hang(signum: int, frame: object) -> None:
    raise Hang


def _judge(
    outcome: Outcome,
    out: str,
    err: str,
    folder: Path,
    warehouse: Path,
    base: Base,
    pristine: Pristine,
) -> None:
    code = outcome.code
    if code == 70:
        outcome.defects.append(f"traceback: internal error (exit 70): {outcome.message[:200]}")
        return
    if "Traceback" in out + err:
        outcome.defects.append("traceback: printed to the user")
    if code in (1, 2):
        outcome.result = "rejected" if code == 1 else "config"
        if "Fix:" not in err:
            outcome.defects.append(f"no message: rejected (exit {code}) without a fix")
        _unchanged_but_audit(outcome, warehouse, pristine)
        return
    if code != 0:
        outcome.defects.append(f"exit code: {code} is not a documented code")
        return
    loads = re.findall(r"\(load (\S+)\)", out)
    if not loads:
        outcome.result = "unchanged"
        if state(warehouse) != pristine.state:
            outcome.defects.append("changed warehouse: reported unchanged, but it changed")
        return
    outcome.result = "loaded"
    _rows_accounted_for(outcome, loads[0], folder, warehouse)


def _unchanged_but_audit(outcome: Outcome, warehouse: Path, pristine: Pristine) -> None:
    now = state(warehouse)
    if now.tables != pristine.state.tables:
        outcome.defects.append("changed warehouse: rejected, but tables changed")
    added = now.audit - pristine.state.audit
    if not pristine.state.audit <= now.audit:
        outcome.defects.append("changed warehouse: rejected, but earlier audit rows changed")
    if any(row[5] != "rejected" for row in added):
        outcome.defects.append("changed warehouse: rejected, but a loaded audit row was added")


def _rows_accounted_for(outcome: Outcome, load_id: str, folder: Path, warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        dataset, source = con.execute(
            "select dataset_id, source from raw.datasets where _load_id = ?", [load_id]
        ).fetchone() or (None, None)
        columns = {r[0] for r in con.execute("describe raw.load_audit").fetchall()}
        read = "rows_read" if "rows_read" in columns else "rows"  # trd before issue 14
        audit = {
            file: (rows, rows_read)
            for file, rows, rows_read in con.execute(
                f"select file, rows, {read} from raw.load_audit "
                "where load_id = ? and status = 'loaded'",
                [load_id],
            ).fetchall()
        }
        if dataset is None:
            outcome.defects.append(f"rows lost: load {load_id} reported but not in raw.datasets")
            return
        contract = {t.name for t in tables_for(source)}
        for path in sorted(folder.iterdir()):
            table = path.stem.lower()
            if (
                path.name.startswith(".")
                or path.suffix.lower() not in FORMATS
                or table not in contract
                or not path.is_file()
            ):
                continue
            expected, problem = expected_rows(path)
            if path.name not in audit:
                outcome.defects.append(f"rows lost: {path.name}, a contract file, was not loaded")
                continue
            rows, rows_read = audit[path.name]
            [(in_raw,)] = con.execute(
                f"select count(*) from raw.{table} where _dataset_id = ? and _source_file = ?",
                [dataset, path.name],
            ).fetchall()
            if problem is not None:
                outcome.defects.append(f"loaded malformed: {path.name} although {problem}")
            elif expected is not None and not expected == rows == rows_read == in_raw:
                outcome.rows_lost += abs(expected - in_raw)
                outcome.defects.append(
                    f"rows lost: {path.name}: {expected} rows in the file, {in_raw} in raw, "
                    f"audit rows {rows} / rows_read {rows_read}"
                )
    finally:
        con.close()


def expected_rows(path: Path) -> tuple[int | None, str | None]:
    """(rows, None) as an independent reader sees the file, or (None, why it must be rejected)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":  # a file object: pyarrow cannot open a path that is not UTF-8
            with path.open("rb") as f:
                return pq.ParquetFile(f).metadata.num_rows, None
        if suffix in (".xpt", ".sas7bdat"):
            read = pyreadstat.read_xport if suffix == ".xpt" else pyreadstat.read_sas7bdat
            frame, _ = read(str(path))
            return len(frame), None
    except Exception as exc:  # noqa: BLE001 (unreadable for the independent reader)
        return None, f"it cannot be read ({type(exc).__name__})"
    return _csv_rows(path.read_bytes())


def _csv_rows(data: bytes) -> tuple[int | None, str | None]:
    if b"\x00" in data:
        return None, "it holds NUL bytes (not text)"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "it is not UTF-8"
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records or not records[0]:
        return None, "its first line is not a header"
    header = records[0]
    body = [r for r in records[1:] if r]  # blank lines are not rows
    ragged = next((i for i, r in enumerate(body, 1) if len(r) != len(header)), None)
    if ragged is not None:
        return None, f"data row {ragged} has {len(body[ragged - 1])} of {len(header)} fields"
    return len(body), None
