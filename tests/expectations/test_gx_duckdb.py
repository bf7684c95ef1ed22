"""The GX-on-DuckDB fix (GX issue 11579): every expectation type the suites use must pass on a
good table and fail on a bad one, so that 'everything failed' or 'everything passed' cannot
happen silently."""

from __future__ import annotations

import typing
from pathlib import Path

import duckdb
import great_expectations as gx
import pytest

from expectations.checks import (
    Between,
    Check,
    ExpectNoFailingRows,
    FetchFailingRows,
    HasColumns,
    HasType,
    InSet,
    NotNull,
    Ordered,
    Rows,
    Rule,
    to_expectation,
)
from expectations.gx_duckdb import (
    add_connection_datasource,
    connection_engine_kwargs,
    ephemeral_context,
)


def _check(name: str, column: str | None, rule: Rule) -> Check:
    return Check(f"t.{name}", "t", column, "conformance", "error", rule, name, "fix it")


SEVEN = Rows("select id as failing_key from {batch} as b where b.score = 7")
CHECKS = (
    _check("id_not_null", "id", NotNull()),
    _check("code_in_set", "code", InSet(("A", "B"))),
    _check("score_between", "score", Between(0, 10)),
    _check("dates_ordered", "end_date", Ordered(low="start_date", high="end_date")),
    _check("other_type", "other", HasType("INTEGER")),
    _check("columns_present", None, HasColumns(("id", "code", "note"))),
    _check("no_rows", "score", SEVEN),
    _check("no_rows_sampled", "score", SEVEN),
)
"""One check per rule type (SQL rules both counted and sampled); a bad table breaks each."""
SAMPLED = {"t.no_rows_sampled"}
"""Built as GX's UnexpectedRowsExpectation (the details pass), not the counting subclass."""

pytestmark = pytest.mark.filterwarnings("ignore:`schema_name` is deprecated:DeprecationWarning")

DATA_CHECKS = {
    "t.id_not_null",
    "t.code_in_set",
    "t.score_between",
    "t.dates_ordered",
    "t.no_rows",
    "t.no_rows_sampled",
}
"""The checks GX answers by reading rows (the others read the catalog)."""

GOOD = """insert into s.t (id, code, score, other, start_date, end_date) values
    (1, 'A', 0, 10, date '2020-01-01', date '2020-01-31'),
    (2, 'B', 10, 20, date '2020-01-01', date '2020-01-01'),
    (3, null, null, 30, null, date '2020-01-01')"""


def _table(con: duckdb.DuckDBPyConnection, good: bool = True) -> None:
    """Good: `other` is an integer and `note` exists; bad: `other` is text and no `note`."""
    con.execute("create schema s")
    other, note = ("integer", ", note varchar") if good else ("varchar", "")
    con.execute(
        f"create table s.t (id integer, code varchar, score integer, other {other}, "
        f"start_date date, end_date date{note})"
    )


def _validate(con: duckdb.DuckDBPyConnection, fixed: bool = True) -> dict[str, bool]:
    context = ephemeral_context()
    if fixed:
        datasource = add_connection_datasource(context, con)
    else:  # GX's own SQL data source, same connections: the upstream bug
        datasource = context.data_sources.add_sql(
            name="upstream",
            connection_string="duckdb:///:memory:",
            kwargs=connection_engine_kwargs(con),
        )
    asset = datasource.add_table_asset(name="t", table_name="t", schema_name="s")
    expectations = [to_expectation(c, {}, sample_rows=c.check_id in SAMPLED) for c in CHECKS]
    suite = context.suites.add(gx.ExpectationSuite(name="t", expectations=expectations))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(
            name="t", data=asset.add_batch_definition_whole_table("all"), suite=suite
        )
    )
    result = definition.run()
    return {r.expectation_config.meta["check_id"]: r.success for r in result.results}


def test_the_checks_cover_every_expectation_type() -> None:
    # given the rule types the suites may use / when built / then each GX class is exercised
    assert {type(c.rule) for c in CHECKS} == set(typing.get_args(Rule))
    built = {type(to_expectation(c, {}, sample_rows=c.check_id in SAMPLED)) for c in CHECKS}
    assert {ExpectNoFailingRows, FetchFailingRows} <= built
    assert len(built) == len(CHECKS)


def test_good_table_passes_every_expectation_type(con: duckdb.DuckDBPyConnection) -> None:
    # given a table that satisfies every check
    _table(con)
    con.execute(GOOD)
    # when GX validates it through the buffered data source
    outcome = _validate(con)
    # then every expectation passes
    assert outcome == {c.check_id: True for c in CHECKS}


def test_bad_table_fails_every_expectation_type(con: duckdb.DuckDBPyConnection) -> None:
    # given a table that breaks every check: a null id, code C, score 11 and a score of 7,
    # an end date before its start, `other` stored as text and no `note` column
    _table(con, good=False)
    con.execute(
        "insert into s.t values (null, 'C', 11, '1', date '2020-02-01', date '2020-01-01'), "
        "(2, 'A', 7, '2', null, null)"
    )
    # when GX validates it
    outcome = _validate(con)
    # then every expectation fails
    assert outcome == {c.check_id: False for c in CHECKS}


def test_gx_upstream_sql_source_fails_good_data_without_the_fix(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # given a good table
    _table(con)
    con.execute(GOOD)
    # when GX's plain SQL data source reads it (results read after the connection is released)
    outcome = _validate(con, fixed=False)
    # then every expectation that reads rows fails: the bug the buffered engine fixes
    assert {k for k, ok in outcome.items() if not ok} == DATA_CHECKS


def test_runs_on_the_callers_open_file_connection(tmp_path: Path) -> None:
    # given the warehouse file open in this process with its own settings (as ingest has it)
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path), config={"threads": 1})
    _table(con)
    con.execute(GOOD)
    # and a second connection to the file with other settings is refused by DuckDB
    with pytest.raises(duckdb.ConnectionException):
        duckdb.connect(str(path), config={"threads": 2})
    # when GX validates through cursors of the open connection
    outcome = _validate(con)
    con.close()
    # then it works
    assert all(outcome.values()) and len(outcome) == len(CHECKS)
