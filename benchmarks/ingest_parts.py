"""What staging one CSV file costs, part by part, against DuckDB's read_csv of the same file.

    .venv/bin/python -m benchmarks.ingest_parts FILE.csv TABLE

`trd ingest` stages each batch of 500,000 rows in four steps on one thread (reading runs ahead
in Polars' threads): screen the text columns for identifiers, cast to the contract types,
convert to Arrow, insert into DuckDB. This times each step over the whole file with ingest's
own functions (`screen_values`, `cast_batch`), then Polars' text read alone and DuckDB's
`read_csv` into a table (baseline (a) for this one file). Wall and process CPU seconds; run it
on an idle machine. docs/performance.md quotes its output for the 1M registry's largest file.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl

from benchmarks.baselines import connect
from core.contracts import TABLES
from ingest.deid import screen_values
from ingest.readers import BATCH_ROWS
from ingest.validate import cast_batch, staged_columns

T = TypeVar("T")


class Clock:
    """Wall and CPU seconds summed per part."""

    def __init__(self) -> None:
        self.parts: dict[str, tuple[float, float]] = {}

    def time(self, part: str, run: Callable[[], T]) -> T:
        wall, cpu = time.perf_counter(), _cpu()
        out = run()
        before = self.parts.get(part, (0.0, 0.0))
        self.parts[part] = (
            before[0] + time.perf_counter() - wall,
            before[1] + _cpu() - cpu,
        )
        return out


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def stage_parts(path: Path, table_name: str, con: duckdb.DuckDBPyConnection, clock: Clock) -> int:
    """Stage `path` as ingest does, timing each step; returns the rows staged."""
    table = TABLES[table_name]
    columns = staged_columns(table)
    con.execute(f"create table staged ({', '.join(f'{c.name} {c.type}' for c in columns)})")
    typed = {c.name for c in table.columns if c.type != "VARCHAR"}
    batches = iter(pl.scan_csv(path, infer_schema=False).collect_batches(chunk_size=BATCH_ROWS))
    first_row = 1
    while (frame := clock.time("wait for the reader", lambda: next(batches, None))) is not None:
        where = {"first_row": first_row, "exact_count": False, "dataset": "-", "file": path.name}
        text = [c for c in frame.columns if c not in typed]
        clock.time("screen", lambda f=frame, c=text, w=where: screen_values(f, c, **w))
        cast = clock.time(
            "cast", lambda f=frame, w=where: cast_batch(table, f, sas_dates=False, **w)
        )
        arrow = clock.time("to Arrow", cast.to_arrow)
        con.register("batch", arrow)
        clock.time("insert", lambda: con.execute("insert into staged select * from batch"))
        con.unregister("batch")
        first_row += frame.height
    return first_row - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("table", choices=sorted(TABLES))
    args = parser.parse_args()
    clock = Clock()
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "parts.duckdb")
        con.execute("set preserve_insertion_order = false")  # as ingest's connection
        rows = stage_parts(args.file, args.table, con, clock)
        clock.time(
            "Polars text read alone",
            lambda: sum(
                f.height
                for f in pl.scan_csv(args.file, infer_schema=False).collect_batches(
                    chunk_size=BATCH_ROWS
                )
            ),
        )
        clock.time(
            "DuckDB read_csv into a table (a)",
            lambda: con.execute("create table native as from read_csv(?)", [str(args.file)]),
        )
        con.close()
    print(f"{args.file.name}: {rows:,} rows")
    for part, (wall, cpu) in clock.parts.items():
        print(f"  {part:<34} {wall:6.2f} s wall {cpu:6.2f} s CPU")


if __name__ == "__main__":
    main()
