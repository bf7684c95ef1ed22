"""Write demo datasets to disk: same bytes for the same seed, and no half-written folder.

Each dataset is assembled in a hidden sibling folder and swapped in at the end, so a crash or a
Ctrl-C never leaves a folder that looks complete but is not, and a re-run replaces the previous
output cleanly. SAS transport files carry their creation time in the header; it is pinned so that
two runs produce identical bytes (the determinism test compares files byte for byte).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl
import pyreadstat
import yaml

XPT_TIMESTAMP = b"01JAN26:00:00:00"
"""Creation/modification stamp written into every XPT header (SAS datetime16. format)."""
_XPT_STAMP = re.compile(rb"\d\d[A-Z]{3}\d\d:\d\d:\d\d:\d\d")
_XPT_DATA_HEADER = b"HEADER RECORD*******OBS     HEADER RECORD"


def write_table(frame: pl.DataFrame, folder: Path, name: str, fmt: str) -> Path:
    """Write one table as `<name>.<fmt>` (csv, parquet or xpt) and return its path."""
    path = folder / f"{name}.{fmt}"
    if fmt == "csv":
        frame.write_csv(path)
    elif fmt == "parquet":
        frame.write_parquet(path, compression="zstd", statistics=True)
    elif fmt == "xpt":
        write_xpt(frame, path, table_name=name.upper())
    else:
        raise ValueError(f"unknown demo file format {fmt!r}")
    return path


def write_xpt(frame: pl.DataFrame, path: Path, table_name: str) -> None:
    """SAS transport v5 (the FDA submission format), with the header timestamps pinned."""
    pyreadstat.write_xport(frame, path, table_name=table_name, file_format_version=5)
    data = path.read_bytes()
    end = data.find(_XPT_DATA_HEADER)
    head, rest = (data, b"") if end < 0 else (data[:end], data[end:])
    path.write_bytes(_XPT_STAMP.sub(XPT_TIMESTAMP, head) + rest)


def append_csv(frame: pl.DataFrame, handle: BinaryIO, header: bool) -> None:
    """Append a chunk to an open CSV file (the registry is written chunk by chunk)."""
    frame.write_csv(handle, include_header=header)


def write_dataset_yml(folder: Path, config: Mapping[str, Any], comment: str) -> Path:
    """`dataset.yml` as docs/dataset-contract.md#datasetyml lays it out: keys in its order, arms as
    inline mappings,
    and `synthetic: true` last on every demo dataset, so that reports can say it is demo data."""
    lines = [f"# {line}" for line in comment.splitlines()]
    for key, value in {**config, "synthetic": True}.items():
        if isinstance(value, Mapping):
            lines.append(f"{key}:")
            lines.extend(f"  {_scalar(k)}: {_flow(v)}" for k, v in value.items())
        else:
            lines.append(f"{key}: {_scalar(value)}")
    path = folder / "dataset.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _flow(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_scalar(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    return _scalar(value)


def _scalar(value: Any) -> str:
    """A YAML scalar, quoted only when plain style would change its meaning."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def replace_folder(target: Path, build: Callable[[Path], None]) -> Path:
    """Build a dataset in a hidden staging folder, then swap it in for `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.partial"
    retired = target.parent / f".{target.name}.old"
    for leftover in (staging, retired):
        if leftover.exists():
            shutil.rmtree(leftover)
    staging.mkdir()
    try:
        build(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)
    return target
