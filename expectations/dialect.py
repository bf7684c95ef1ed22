"""The few places where the checks' SQL differs between DuckDB and Spark (docs/scale-out.md).

The suites are written once, in SQL both engines read (`anti join`, `group by all`, `is distinct
from`, `cast(... as string)`). What differs is quoting and naming: identifiers (`"raw"."adsl"`
on DuckDB, `` `raw`.`adsl` `` on Spark), string literals (DuckDB doubles a quote; Spark reads
`''` as two literals run together, silently dropping the quote, and escapes with a backslash),
the contract's type names in a cast (`VARCHAR` needs a length on Spark) and the type names GX
compares a column with (SQLAlchemy's on DuckDB, Spark's own on Spark). `trd check` on Spark
runs inside `engine("spark")`; everything else is DuckDB, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from core.contracts import DuckType

_ENGINE: ContextVar[str] = ContextVar("trd_check_engine", default="duckdb")

GX_TYPE: dict[str, dict[DuckType, str]] = {
    "duckdb": {  # how duckdb-engine reflects each contract type (SQLAlchemy type classes)
        "VARCHAR": "String",
        "INTEGER": "Integer",
        "BIGINT": "BigInteger",
        "DOUBLE": "Float",
        "DATE": "Date",
    },
    "spark": {  # Spark's DataType class names, which GX's Spark engine compares
        "VARCHAR": "StringType",
        "INTEGER": "IntegerType",
        "BIGINT": "LongType",
        "DOUBLE": "DoubleType",
        "DATE": "DateType",
    },
}
"""The type name `ExpectColumnValuesToBeOfType` wants for each contract type, per engine."""


@contextmanager
def engine(name: str) -> Iterator[None]:
    """Checks built inside the block are written for engine `name` (duckdb or spark)."""
    token = _ENGINE.set(name)
    try:
        yield
    finally:
        _ENGINE.reset(token)


def current() -> str:
    return _ENGINE.get()


def identifier(name: str) -> str:
    if current() == "spark":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def string_literal(text: str) -> str:
    if current() == "spark":
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + text.replace("'", "''") + "'"


def sql_type(duck_type: str) -> str:
    """A contract type as this engine spells it in a cast."""
    if current() == "spark" and duck_type.upper() == "VARCHAR":
        return "string"
    return duck_type


def gx_type(duck_type: DuckType) -> str:
    return GX_TYPE[current()][duck_type]
