"""Opening the warehouse file: one place that turns DuckDB's and the file system's errors into
messages with a fix and the right exit code (docs/architecture.md and
docs/dataset-contract.md#what-gets-rejected).

DuckDB allows one writing process and no reader beside it: a lock held by another process is
`WarehouseBusy` (exit 75, retry later), never "data rejected". A path that is a folder, a file
that is not a DuckDB database, or a folder that cannot be created is a `ConfigError` (exit 2).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

from core.errors import ConfigError, WarehouseBusy

POINT_ELSEWHERE = "point --warehouse or TRD_WAREHOUSE at a DuckDB file written by `trd ingest`"


def open_warehouse(
    path: Path,
    command: str,
    *,
    create: bool = False,
    read_only: bool = False,
    missing_fix: str = "load data first with `trd ingest DIR...`, or " + POINT_ELSEWHERE,
    config: dict[str, Any] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Connect to the warehouse for `trd <command>`; `create`: a new file may be made."""
    if path.is_dir():
        raise ConfigError(
            f"the warehouse path {path} is a folder, not a file",
            f"give a file path, e.g. --warehouse {path / 'warehouse.duckdb'}",
        )
    if not path.exists():
        if not create:
            raise ConfigError(f"no warehouse at {path}", missing_fix)
        _make_parent(path)
    try:
        return duckdb.connect(str(path), read_only=read_only, config=config or {})
    except duckdb.IOException as err:
        text = str(err)
        if "lock" in text.lower():
            pid = re.search(r"PID (\d+)", text)
            holder = f" (process {pid.group(1)})" if pid else ""
            raise WarehouseBusy(
                f"another process{holder} is using the warehouse {path}; DuckDB allows one "
                "writer and no reader beside it, so nothing was done",
                f"wait for the other trd command to finish (or close the DuckDB session, "
                f"notebook or dbt run that holds the file), then run `trd {command}` again",
            ) from err
        raise ConfigError(
            f"cannot open the warehouse {path} ({_first_line(text)})", POINT_ELSEWHERE
        ) from err
    except duckdb.Error as err:
        raise ConfigError(
            f"{path} is not a DuckDB warehouse ({_first_line(str(err))})",
            POINT_ELSEWHERE + ", or at a new file name",
        ) from err


def _make_parent(path: Path) -> None:
    blocking = next((p for p in path.parents if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise ConfigError(
            f"cannot create the warehouse {path}: {blocking} is a file, not a folder",
            "point --warehouse or TRD_WAREHOUSE at a file in a folder (it is created if missing)",
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError(
            f"cannot create the folder {path.parent} for the warehouse ({err.strerror})",
            "point --warehouse or TRD_WAREHOUSE at a file in a folder you can write to",
        ) from err


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0][:300] if lines else text
