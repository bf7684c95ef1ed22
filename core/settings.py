"""Where things are: the warehouse file, the repo (dbt project, reports), and defaults."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import ConfigError

if TYPE_CHECKING:  # duckdb is not imported here: `trd --help` stays instant
    import duckdb

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The checkout: dbt_project.yml, profiles.yml, models/, seeds/ and reports/ live here."""

DEFAULT_WAREHOUSE = "warehouse.duckdb"
ENGINES = ("duckdb", "spark")
"""Where the dbt project runs: a DuckDB file (default) or Apache Spark (docs/scale-out.md)."""
ENGINE_ENV = "TRD_ENGINE"
DEFAULT_SPARK_WAREHOUSE = "spark-warehouse"
SPARK_WAREHOUSE_ENV = "TRD_SPARK_WAREHOUSE"
SUPPRESSION_ENV = "TRD_SUPPRESSION"
"""`trd report --suppression cms` hands the forced policy to the report pages in this variable."""
SUPPRESSION_VARIABLE = "trd_suppression"
"""The DuckDB session variable the reporting views read (macros/suppression.sql): set to 'cms'
on a connection, every dataset is suppressed as `cms` in what that connection reads."""


def force_cms_suppression(con: duckdb.DuckDBPyConnection) -> None:
    """Make every reporting view read on `con` apply `cms` to every dataset
    (docs/privacy.md#small-cell-suppression)."""
    con.execute(f"set variable {SUPPRESSION_VARIABLE} = 'cms'")


def engine(cli_value: str | None = None) -> str:
    """`--engine`, else `TRD_ENGINE`, else duckdb."""
    value = (cli_value or os.environ.get(ENGINE_ENV) or "duckdb").strip().lower()
    if value not in ENGINES:
        raise ConfigError(
            f"unknown engine {value!r} (from --engine or {ENGINE_ENV})",
            f"use one of: {', '.join(ENGINES)}",
        )
    return value


def warehouse_path(
    cli_value: str | os.PathLike[str] | None = None, engine_name: str = "duckdb"
) -> Path:
    """`--warehouse`, else `TRD_WAREHOUSE` (DuckDB) or `TRD_SPARK_WAREHOUSE` (Spark), else
    `warehouse.duckdb` (a file) or `spark-warehouse` (a folder) in the working directory."""
    if engine_name == "spark":
        value = cli_value or os.environ.get(SPARK_WAREHOUSE_ENV) or DEFAULT_SPARK_WAREHOUSE
        return Path(value).expanduser().resolve()
    value = cli_value or os.environ.get("TRD_WAREHOUSE") or DEFAULT_WAREHOUSE
    path = Path(value).expanduser().resolve()
    if path.stem.lower() in RESERVED_CATALOGS:
        raise ConfigError(
            f"the warehouse file {path} is named {path.stem!r}, a name DuckDB keeps for itself: "
            f"it opens the file as {path.stem}_db, so dbt would not find its tables",
            f"give the file another name, e.g. --warehouse {path.with_name(DEFAULT_WAREHOUSE)}",
        )
    return path


RESERVED_CATALOGS = ("main", "system", "temp")
"""File names (without extension) DuckDB does not use as the database name: it attaches
`main.duckdb` as `main_db`, while dbt-duckdb names the database after the file."""


MEMORY_LIMIT_ENV = "TRD_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "30%"
"""DuckDB's memory cap for ingest, build and check: 30% of the machine's memory (DuckDB reads
the percentage against the memory it sees), 7.2 GiB on a 24 GiB machine, leaving room for the
build's Python models beside it (at 10M persons the build's busiest part peaked at 12.6 GiB
with 40% and at 10.4 GiB with 30%: docs/performance.md#10-million-persons). Beyond it DuckDB
spills to `<warehouse>.tmp/` beside the warehouse file, so the peak stays bounded at any size;
the rest of the process (Python, Polars' batches, GX) comes on top (docs/performance.md).
profiles.yml repeats this default for a plain `dbt build` (a test keeps them equal)."""
_MEMORY_LIMIT = re.compile(r"\d+(\.\d+)?\s*(%|[KMGT]i?B)", re.IGNORECASE)


def memory_limit() -> str:
    """`TRD_MEMORY_LIMIT` (e.g. `8GB`, `6GiB`, `50%`), else 30% of the machine's memory."""
    value = os.environ.get(MEMORY_LIMIT_ENV, "").strip() or DEFAULT_MEMORY_LIMIT
    if not _MEMORY_LIMIT.fullmatch(value):
        raise ConfigError(
            f"{MEMORY_LIMIT_ENV}={value!r} is not a memory size",
            f"set {MEMORY_LIMIT_ENV} to an amount such as 8GB or 6GiB, or a share of the "
            "machine's memory such as 40%, or unset it for the default (30%)",
        )
    return value


def duckdb_config() -> dict[str, str]:
    """The settings of every connection that does heavy work on the warehouse (ingest, check;
    dbt's come from profiles.yml)."""
    return {"memory_limit": memory_limit()}


DATA_DOCS_ENV = "TRD_DATA_DOCS"


def data_docs_dir(warehouse: Path, override: Path | None = None) -> Path:
    """Where Data Docs go: `override`, else $TRD_DATA_DOCS, else gx/data_docs/ beside the file."""
    chosen = override or os.environ.get(DATA_DOCS_ENV)
    return Path(chosen) if chosen else warehouse.resolve().parent / "gx" / "data_docs"


SAMPLE_DATA = REPO_ROOT / "tests" / "data"
"""Real public sample files (OMOP Synthea export, CDISC pilot, rbmi) that tests load; read-only.
Their origin, version and licence: tests/data/README.md."""
