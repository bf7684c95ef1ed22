"""Great Expectations on an open DuckDB connection, with the fix for GX issue 11579.

GX's SQL execution engine runs a query inside `with engine.connect()` and reads the rows only
after that block has handed the connection back. duckdb-engine does not buffer results, so by
then the result set is gone: every metric comes back empty ("list index out of range") and every
expectation fails, on good data as on bad. `BufferedExecutionEngine` fetches the rows while the
connection is still held; that is the whole fix. The tests in `tests/expectations/test_gx_duckdb.py`
run every expectation type the suites use on a good and a bad table, so that "everything failed"
or "everything passed" cannot happen silently.

The SQLAlchemy engine does not open the warehouse file a second time: DuckDB refuses a second
`duckdb.connect(path)` in the same process with another configuration, and a second process
cannot read while ingest writes. It hands GX cursors of the caller's connection instead
(`con.cursor()`: same database, committed data, own transaction).

The GX context is ephemeral: nothing is written into the repo; Data Docs go where asked.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import duckdb
import duckdb_engine
import great_expectations as gx
import sqlalchemy as sa
from duckdb_engine import ConnectionWrapper
from great_expectations.data_context import AbstractDataContext
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.datasource.fluent import SQLDatasource
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from sqlalchemy.dialects import registry
from sqlalchemy.pool import NullPool

from expectations import data_docs

DOCS_SITE = "trd_local"


class FastReflectionDialect(duckdb_engine.Dialect):
    """duckdb-engine, reading column types from information_schema.

    GX reflects every table it validates; duckdb-engine inherits PostgreSQL's reflection through
    DuckDB's pg_catalog emulation, which takes about 0.15 s a table (most of a small check run).
    """

    supports_statement_cache = False  # as duckdb-engine; SQLAlchemy wants each dialect to say

    def get_columns(  # type: ignore[override]
        self, connection: sa.Connection, table_name: str, schema: str | None = None, **kw: object
    ) -> list[dict[str, object]]:
        rows = connection.execute(
            sa.text(
                "select column_name, data_type, is_nullable from information_schema.columns "
                "where table_schema = :schema and table_name = :table order by ordinal_position"
            ),
            {"schema": schema or "main", "table": table_name},
        )
        return [
            {"name": name, "type": self._column_type(data_type), "nullable": nullable == "YES"}
            for name, data_type, nullable in rows
        ]

    def _column_type(self, data_type: str) -> sa.types.TypeEngine:
        name = data_type.split("(")[0].lower()
        return (EXTRA_TYPES.get(name) or self.ischema_names.get(name) or sa.types.NullType)()


EXTRA_TYPES: dict[str, type[sa.types.TypeEngine]] = {"double": sa.DOUBLE, "float": sa.FLOAT}
"""DuckDB type names duckdb-engine's name table lacks."""
registry.register("trd_duckdb", __name__, "FastReflectionDialect")


class BufferedExecutionEngine(SqlAlchemyExecutionEngine):
    """Reads each result completely before the connection goes back (GX issue 11579)."""

    def execute_query(self, query: sa.Selectable | sa.TextClause) -> sa.Result:  # type: ignore[override]
        with self.get_connection() as connection:
            result = connection.execute(query)  # type: ignore[arg-type]
            return result.freeze()() if result.returns_rows else result


class DuckDBConnectionDatasource(SQLDatasource):
    """GX's SQL data source with the buffered engine (registered by GX as `add_trd_duckdb`)."""

    type: Literal["trd_duckdb"] = "trd_duckdb"  # type: ignore[assignment]

    @property
    def execution_engine_type(self) -> type[SqlAlchemyExecutionEngine]:
        return BufferedExecutionEngine


def ephemeral_context(docs_dir: Path | None = None) -> AbstractDataContext:
    """An in-memory GX context, quiet, with a local Data Docs site in `docs_dir` if given
    (offline, warning-aware: expectations/data_docs.py)."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    sites = {DOCS_SITE: data_docs.site_config(docs_dir)} if docs_dir is not None else {}
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites=sites,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def connection_engine_kwargs(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """`create_engine` arguments that give SQLAlchemy cursors of `con` instead of new files."""
    return {"creator": lambda: ConnectionWrapper(con.cursor()), "poolclass": NullPool}


def add_connection_datasource(
    context: AbstractDataContext, con: duckdb.DuckDBPyConnection, name: str = "warehouse"
) -> DuckDBConnectionDatasource:
    """Register `con` with `context` as a buffered GX SQL data source."""
    return context.data_sources.add_trd_duckdb(  # type: ignore[attr-defined]
        name=name,
        connection_string="trd_duckdb:///:memory:",  # dialect only: `creator` connects
        kwargs=connection_engine_kwargs(con),
    )
