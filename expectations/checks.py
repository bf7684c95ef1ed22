"""A data-quality check as data, and the one function that turns it into a GX expectation.

Like the OHDSI Data Quality Dashboard, every check is a row: id, table, column, Kahn category
(conformance | completeness | plausibility), severity (error blocks, warn reports), an optional
threshold, the rule in words and what to do when it fails. The `rule` says how GX tests it:
column rules become GX's own column expectations; anything that needs a join, a group or a
reference list is a `Rows` rule, an SQL query returning the failing rows (GX's
`UnexpectedRowsExpectation`; GX regex expectations do not run on DuckDB).

`Rows` queries name the checked table `{batch}` and other tables of the same dataset by their
name (`{adsl}`, `{person}`), plus reference lists the suite module provides (`{score_ranges}`).
They return `_row_number`, `_source_file` (raw tables) and `failing_key` (the subject or person,
or a group such as a scale), optionally `detail`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import great_expectations.expectations as gxe
from great_expectations.expectations.metadata_types import FailureSeverity

from core.contracts import DuckType, Table
from expectations import dialect
from expectations.results import Category, Severity


@dataclass(frozen=True)
class NotNull:
    """Every row has a value."""


@dataclass(frozen=True)
class InSet:
    """Non-null values are one of `values` (exact match)."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class Between:
    """Non-null values lie in [min_value, max_value] (either bound may be open)."""

    min_value: float | None = None
    max_value: float | None = None


@dataclass(frozen=True)
class Ordered:
    """`low <= high` wherever both are present (e.g. start date <= end date)."""

    low: str
    high: str


@dataclass(frozen=True)
class HasType:
    """The column has the contract's DuckDB type (what ingest cast it to)."""

    duck_type: DuckType


@dataclass(frozen=True)
class HasColumns:
    """The table has at least these columns."""

    columns: tuple[str, ...]


@dataclass(frozen=True)
class Rows:
    """An SQL query that returns the failing rows; the check passes when it returns none.

    `per_row`: each returned row is one row of the checked table, so the unexpected percent is
    relative to the table's rows; False for queries returning groups (e.g. one row per scale).
    """

    query: str
    per_row: bool = True


Rule = NotNull | InSet | Between | Ordered | HasType | HasColumns | Rows

SAMPLE_ROWS = 200
"""Failing rows fetched per SQL check (GX keeps at most 200 anyway)."""


@dataclass(frozen=True)
class Check:
    check_id: str
    table: str
    column: str | None
    category: Category
    severity: Severity
    rule: Rule
    description: str
    """The rule in words, shown to users next to each failure."""
    fix: str
    """What the data owner should do when the check fails."""
    threshold: float | None = None
    """The check's limit where it has one (`{threshold}` in a `Rows` query)."""


def render_query(check: Check, names: Mapping[str, str]) -> str:
    """The `Rows` query with `names` filled in and `{batch}` left for GX to substitute.

    GX formats the query again with `str.format`, so braces inside the filled-in SQL (a
    dataset id may hold one) are doubled to survive that second pass. GX substitutes `{batch}`
    with an already aliased subquery (`(...) AS subselect`); wrapping it once more lets queries
    alias it like a table (`from {batch} as b`).
    """
    assert isinstance(check.rule, Rows)
    escaped = {k: v.replace("{", "{{").replace("}", "}}") for k, v in names.items()}
    threshold = "" if check.threshold is None else repr(check.threshold)
    return check.rule.query.format(batch="(select * from {batch})", threshold=threshold, **escaped)


class ExpectNoFailingRows(gxe.UnexpectedRowsExpectation):
    """GX's UnexpectedRowsExpectation, counting only.

    GX's own runs the query twice, once to count the rows and once to fetch them, on clean data
    too. This one counts (one evaluation of the query); `FetchFailingRows` fetches a sample of
    the failing rows, and only for a check whose count is not 0.
    """

    metric_dependencies: ClassVar[tuple[str, ...]] = ("unexpected_rows_query.row_count",)

    def _validate(
        self,
        metrics: dict,
        runtime_configuration: dict | None = None,
        execution_engine: object | None = None,
    ) -> dict:
        count = metrics["unexpected_rows_query.row_count"]
        return {"success": count == 0, "result": {"observed_value": count}}


class FetchFailingRows(gxe.UnexpectedRowsExpectation):
    """GX's UnexpectedRowsExpectation, fetching only: the failing rows of an already counted
    check (its query limited to `SAMPLE_ROWS`).

    GX's own also counts the limited query, which costs a second full evaluation of the check
    when few rows fail (14 M drug exposures: 6.5 s, more than counting the check itself).
    """

    metric_dependencies: ClassVar[tuple[str, ...]] = ("unexpected_rows_query.table",)

    def _validate(
        self,
        metrics: dict,
        runtime_configuration: dict | None = None,
        execution_engine: object | None = None,
    ) -> dict:
        rows = metrics["unexpected_rows_query.table"]
        return {
            "success": not rows,
            "result": {"observed_value": len(rows), "details": {"unexpected_rows": rows}},
        }


def to_expectation(
    check: Check, names: Mapping[str, str], sample_rows: bool = False
) -> gxe.Expectation:
    """The GX expectation that tests `check`; its meta carries the check's metadata back.

    `sample_rows`: for a `Rows` rule, `FetchFailingRows` on the first `SAMPLE_ROWS` failing
    rows (it returns them), marked `sample` in its meta, instead of the counting
    `ExpectNoFailingRows`.
    """
    common = {
        "description": check.description,
        "notes": f"Fix: {check.fix}",
        "severity": FailureSeverity.CRITICAL
        if check.severity == "error"
        else FailureSeverity.WARNING,
        "meta": {"check_id": check.check_id},
    }
    rule, column = check.rule, check.column
    match rule:
        case NotNull():
            return gxe.ExpectColumnValuesToNotBeNull(column=column, **common)
        case InSet(values):
            return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(values), **common)
        case Between(lo, hi):
            return gxe.ExpectColumnValuesToBeBetween(
                column=column, min_value=lo, max_value=hi, **common
            )
        case Ordered(low, high):
            return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=high,
                column_B=low,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                **common,
            )
        case HasType(duck_type):
            return gxe.ExpectColumnValuesToBeOfType(
                column=column, type_=dialect.gx_type(duck_type), **common
            )
        case HasColumns(columns):
            return gxe.ExpectTableColumnsToMatchSet(
                column_set=list(columns), exact_match=False, **common
            )
        case Rows() if sample_rows:
            query = f"select * from ({render_query(check, names)}) as failing limit {SAMPLE_ROWS}"
            meta = {**common.pop("meta"), "sample": True}
            return FetchFailingRows(unexpected_rows_query=query, meta=meta, **common)
        case Rows():
            return ExpectNoFailingRows(unexpected_rows_query=render_query(check, names), **common)
    raise TypeError(f"unknown rule {rule!r}")


def contract_checks(table: Table) -> tuple[Check, ...]:
    """docs/data-quality.md 'required columns present and castable, not null where required', from
    the contract.

    Ingest reads only contract columns and casts them to the contract's types, so these guard
    the table layout (a hand-altered raw table, a staging bug) rather than the input file.
    """
    required = tuple(c for c in table.loaded_columns if c.required)
    checks = [
        Check(
            f"{table.name}.required_columns_present",
            table.name,
            None,
            "conformance",
            "error",
            HasColumns(tuple(c.name for c in required)),
            f"{table.name.upper()} must have the required columns "
            + ", ".join(c.name.upper() for c in required),
            "Add the missing columns to the file (names are case-insensitive) and load again.",
        )
    ]
    for col in required:
        checks.append(
            Check(
                f"{table.name}.{col.name}_type",
                table.name,
                col.name,
                "conformance",
                "error",
                HasType(col.type),
                f"{col.name.upper()} must hold {col.type} values",
                f"Make every {col.name.upper()} value readable as {col.type} and load again.",
            )
        )
    for col in table.loaded_columns:
        if col.not_null:
            checks.append(
                Check(
                    f"{table.name}.{col.name}_not_null",
                    table.name,
                    col.name,
                    "completeness",
                    "error",
                    NotNull(),
                    f"{col.name.upper()} must not be empty (required by "
                    + (
                        "OMOP CDM v5.4"
                        if table.source == "registry"
                        else f"docs/dataset-contract.md#{table.name}"
                    )
                    + ")",
                    f"Fill in {col.name.upper()} on the rows shown, or drop those rows.",
                )
            )
    return tuple(checks)


@dataclass(frozen=True)
class TableSuite:
    """The checks of one table, run as one GX suite (one batch, one pass of GX)."""

    table: str
    key_columns: tuple[str, ...]
    """Columns that identify a failing row to a user (USUBJID, person_id, mart keys)."""
    checks: tuple[Check, ...]
