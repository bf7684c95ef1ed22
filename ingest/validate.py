"""Contract checks (docs/dataset-contract.md and docs/dataset-contract.md#what-gets-rejected):
required files and columns, casts, not-null, keys, arms.

Enters: a dataset's discovered tables, each file's column names and batches as read. Leaves:
batches cast to the contract types of `core/contracts.py` (with nulls for absent optional
columns), or a `DataRejected` naming the dataset, file, column, first rows (1-based data rows),
the rule and the fix. Duplicate keys are checked in DuckDB on the staged table, which holds only
this dataset's rows.

Casting rules (the contract leaves the details to us; docs/loading-a-dataset.md repeats them):
- text is trimmed, and blank text is null (SAS writes blanks, not nulls);
- in number and date columns, empty, `NA`, `NULL` and `.` (R and SAS exports) are null;
- whole numbers may be written `30` or `30.0`; NaN in a stored float column is null (pandas'
  missing value), but `NaN`/`Inf` written as text or infinite values are uncastable;
- dates are ISO `YYYY-MM-DD`; a time after the date (`2014-04-22 00:00:00`, `...T10:00:00Z`) is
  dropped, keeping the date as written; in XPT/SAS7BDAT files numbers in date columns are SAS
  dates (days since 1960-01-01).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import duckdb
import polars as pl

from core.contracts import EVENT_TABLES_ONE_REQUIRED, Column, Source, Table, tables_for
from core.errors import DataRejected, one_or_many
from ingest.deid import ANY_IDENTIFIER, identifier_rejection, value_identifier_kind

POLARS_TYPES: Mapping[str, pl.DataType] = {
    "VARCHAR": pl.String(),
    "INTEGER": pl.Int32(),
    "BIGINT": pl.Int64(),
    "DOUBLE": pl.Float64(),
    "DATE": pl.Date(),
}
TYPE_WORDS = {
    "VARCHAR": "text",
    "INTEGER": "a whole number",
    "BIGINT": "a whole number",
    "DOUBLE": "a finite number",
    "DATE": "a date (YYYY-MM-DD)",
}
TYPE_FIXES = {
    "INTEGER": "write whole numbers without units or decimals, or leave the cell empty",
    "BIGINT": "write whole numbers without units or decimals, or leave the cell empty",
    "DOUBLE": "write numbers with '.' as the decimal point, without units, or leave the cell empty",
    "DATE": "write dates as YYYY-MM-DD (a time after the date is ignored), or leave it empty",
}
NULL_TOKENS = ("", "NA", "NULL", ".")
"""Null in number and date columns (empty, R's NA, SQL NULL, SAS '.'); text keeps them."""
SAS_EPOCH = date(1960, 1, 1)
TIME_SUFFIX = r"^(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
ROWS_SHOWN = 5
FAILED = "\x00failed"


def staged_columns(table: Table) -> tuple[Column, ...]:
    """Loaded columns, then key columns that are checked but not loaded into raw."""
    return table.loaded_columns + unloaded_keys(table)


def unloaded_keys(table: Table) -> tuple[Column, ...]:
    """Key columns that are staged for the duplicate-key check but not loaded into raw."""
    return tuple(c for c in table.columns if not c.load and c.name in table.key)


def check_required_files(
    source: Source, tables: Iterable[str], unsupported: Sequence[str], dataset: str
) -> None:
    """Every required table of the source has a file; a registry has measurement/observation."""
    present = set(tables)
    missing = [t.name for t in tables_for(source) if t.required and t.name not in present]
    if source == "registry" and not present & set(EVENT_TABLES_ONE_REQUIRED):
        missing.append(" or ".join(EVENT_TABLES_ONE_REQUIRED))
    if not missing:
        return
    near = [f for f in unsupported if f.rsplit(".", 1)[0].lower() in {m for m in missing}]
    hint = f" ({', '.join(near)} has an unsupported format)" if near else ""
    raise DataRejected(
        f"missing required file(s) for a {source} dataset: {', '.join(missing)}{hint}",
        f"add {missing[0].split(' or ')[0]}.csv (or .parquet, .xpt, .sas7bdat) to the dataset "
        "folder; file names are case-insensitive",
        dataset=dataset,
    )


def check_columns(table: Table, columns: Iterable[str], *, dataset: str, file: str) -> None:
    """Required contract columns are present (ADSL: TRT01A, or else TRT01P)."""
    present = set(columns)
    missing = [c.name for c in table.columns if c.required and c.name not in present]
    if table.name == "adsl" and not present & {"trt01a", "trt01p"}:
        missing.append("trt01a")
    if missing:
        what = "trt01a (or trt01p)" if missing == ["trt01a"] and table.name == "adsl" else ""
        raise DataRejected(
            f"required column(s) missing: {what or ', '.join(missing)} (contract of {table.name})",
            "add the column(s) to the export (names are case-insensitive); see the contract in "
            f"docs/dataset-contract.md#{table.name}",
            dataset=dataset,
            file=file,
            column=missing[0],
        )


def cast_batch(
    table: Table,
    frame: pl.DataFrame,
    *,
    first_row: int,
    exact_count: bool,
    sas_dates: bool,
    dataset: str,
    file: str,
) -> pl.DataFrame:
    """The batch's staged columns cast to contract types; uncastable values reject the file.

    The fast path casts directly; only columns where that leaves values unread are cast again
    with the lenient rules (trimming, null tokens, `30.0`, date-times), so clean files pay once.
    The query is lazy so that Polars computes each cast once for both its value and its flag.
    """
    columns = staged_columns(table)
    exprs = [
        e for c in columns for e in _cast_and_flag(c, frame.schema.get(c.name), sas_dates, True)
    ]
    cast = frame.lazy().select(exprs).collect()  # lazy: each cast is computed once for its flag
    for column in _failing(cast, columns):
        slow = frame.select(_cast_and_flag(column, frame.schema[column.name], sas_dates, False))
        cast = cast.with_columns(slow)
    failing = _failing(cast, columns)
    if failing:
        raise one_or_many(
            [
                _cast_rejection(frame, cast, c, first_row, exact_count, dataset, file)
                for c in failing
            ],
            dataset,
        )
    return cast.select(c.name for c in columns)


def check_not_null(
    table: Table,
    frame: pl.DataFrame,
    *,
    first_row: int,
    exact_count: bool,
    dataset: str,
    file: str,
) -> None:
    """Columns the contract marks not-null (OMOP CDM NOT NULL, docs/dataset-contract.md) have a
    value in every row;
    every column that lacks one is reported."""
    problems = []
    for column in (c for c in table.columns if c.not_null and c.load):
        rows = frame[column.name].is_null().arg_true().to_list()
        if rows:
            problems.append(
                DataRejected(
                    "a required value is missing (this column may not be empty: "
                    "docs/dataset-contract.md#input-tables, OMOP CDM v5.4 NOT NULL)",
                    "fill in the value, or drop the incomplete row(s) from the export",
                    dataset=dataset,
                    file=file,
                    column=column.name,
                    rows=[first_row + r for r in rows[:ROWS_SHOWN]],
                    n_rows=len(rows) if exact_count else None,
                )
            )
    if problems:
        raise one_or_many(problems, dataset)


def check_arms(
    frame: pl.DataFrame,
    arms: Iterable[str],
    columns_in_file: Iterable[str],
    *,
    first_row: int,
    exact_count: bool,
    dataset: str,
    file: str,
) -> None:
    """Every non-blank arm (TRT01A, else TRT01P) of ADSL is mapped in dataset.yml `arms`."""
    arm = pl.coalesce("trt01a", "trt01p")
    unmapped = frame.select(
        arm.alias("arm"), (arm.is_not_null() & ~arm.is_in(list(arms))).alias("bad")
    )
    rows = unmapped["bad"].arg_true().to_list()
    if not rows:
        return
    values = unmapped["arm"].gather(rows).unique(maintain_order=True).to_list()
    others = f" (also unmapped: {', '.join(repr(v) for v in values[1:6])})" if values[1:] else ""
    raise DataRejected(
        f"arm {values[0]!r} (TRT01A, else TRT01P) is not mapped in dataset.yml arms{others}",
        f'add it under arms in dataset.yml, e.g. "{values[0]}": {{treatment_class: placebo}} '
        "(classes: ketamine, esketamine, standard_ad, augmentation, ect, placebo, other)",
        dataset=dataset,
        file=file,
        column="trt01a" if "trt01a" in set(columns_in_file) else "trt01p",
        rows=[first_row + r for r in rows[:ROWS_SHOWN]],
        n_rows=len(rows) if exact_count else None,
    )


def check_duplicate_keys(
    con: duckdb.DuckDBPyConnection, relation: str, table: Table, *, dataset: str, file: str
) -> None:
    """A table's key is unique within the dataset (USUBJID in ADSL, ids in OMOP tables).

    `relation`: the table's staged rows (ingest's staging table of `table`).
    """
    if not table.key:
        return
    keys = ", ".join(table.key)
    if len(table.key) == 1 and _all_distinct(con, relation, keys):
        return
    not_null = " and ".join(f"{k} is not null" for k in table.key)
    counted = (
        f"select {keys}, count(*) as n from {relation} where {not_null} "
        "group by all having count(*) > 1"
    )
    [(n_keys, n_rows)] = con.sql(
        f"select count(*), coalesce(sum(n), 0) from ({counted})"
    ).fetchall()
    if not n_keys:
        return
    first = con.sql(
        f"select {keys}, list(_row_number order by _row_number) as rows "
        f"from {relation} join ({counted}) using ({keys}) "
        f"group by all order by rows[1] limit {ROWS_SHOWN}"
    ).fetchall()
    key_text = ", ".join(
        f"{k}={v}" for k, v in zip(table.key, first[0][: len(table.key)], strict=True)
    )
    rows = sorted(r for record in first for r in record[-1])[:ROWS_SHOWN]
    raise DataRejected(
        f"duplicate key: {n_keys} value(s) of {keys} appear more than once "
        f"(first: {key_text}); {keys} must be unique within a dataset",
        "remove the duplicate rows (or correct the ids) and load again",
        dataset=dataset,
        file=file,
        column=keys,
        rows=rows,
        n_rows=int(n_rows),
    )


def _all_distinct(con: duckdb.DuckDBPyConnection, relation: str, key: str) -> bool:
    """No value of `key` repeats: the fast path of a clean file (a distinct count is about
    twice as fast as grouping every key with its count, which only a failure needs)."""
    [(repeats,)] = con.execute(
        f"select count({key}) - count(distinct {key}) from {relation}"
    ).fetchall()
    return repeats == 0


def _failing(cast: pl.DataFrame, columns: Sequence[Column]) -> list[Column]:
    flags = cast.select(pl.col(f"{c.name}{FAILED}").any() for c in columns).row(0)
    return [c for c, failed in zip(columns, flags, strict=True) if failed]


def _cast_and_flag(
    column: Column, dtype: pl.DataType | None, sas_dates: bool, fast: bool
) -> tuple[pl.Expr, pl.Expr]:
    """(value cast to the contract type, flag: a value was present but could not be cast)."""
    target = POLARS_TYPES[column.type]
    if dtype is None:
        value, present = pl.lit(None, dtype=target), pl.lit(False)
    elif dtype == pl.String:
        value, present = _from_text(pl.col(column.name), column.type, fast)
    else:
        value, present = _from_typed(pl.col(column.name), dtype, column.type, sas_dates)
    flag = (present & value.is_null()).fill_null(False)
    return value.alias(column.name), flag.alias(f"{column.name}{FAILED}")


def _from_text(text: pl.Expr, type_: str, fast: bool) -> tuple[pl.Expr, pl.Expr]:
    if type_ == "VARCHAR":
        trimmed = text.str.strip_chars()
        return pl.when(trimmed != "").then(trimmed), pl.lit(False)
    if fast:
        return _parse(text, type_), text.is_not_null()
    trimmed = text.str.strip_chars()
    normalised = pl.when(~trimmed.is_in(NULL_TOKENS)).then(trimmed)
    if type_ == "DATE":
        tail_ok = normalised.str.slice(10).str.contains(TIME_SUFFIX)
        value = pl.when(tail_ok).then(
            normalised.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        )
    elif type_ == "DOUBLE":
        value = _parse(normalised, type_)
    else:
        number = normalised.cast(pl.Float64, strict=False)
        value = pl.coalesce(
            normalised.cast(POLARS_TYPES[type_], strict=False), _whole(number, type_)
        )
    return value, normalised.is_not_null()


def _parse(text: pl.Expr, type_: str) -> pl.Expr:
    if type_ == "DATE":
        return text.str.to_date("%Y-%m-%d", strict=False)
    value = text.cast(POLARS_TYPES[type_], strict=False)
    return pl.when(value.is_finite()).then(value) if type_ == "DOUBLE" else value


def _from_typed(
    value: pl.Expr, dtype: pl.DataType, type_: str, sas_dates: bool
) -> tuple[pl.Expr, pl.Expr]:
    """Parquet/XPT/SAS7BDAT columns keep their stored type: convert where it is safe."""
    if isinstance(dtype, pl.Decimal):
        value, dtype = value.cast(pl.Float64), pl.Float64()
    is_float = dtype.is_float()
    present = value.is_not_null() & ~value.is_nan() if is_float else value.is_not_null()
    number = pl.when(present).then(value) if is_float else value
    if type_ == "VARCHAR":
        if is_float:
            text = pl.when(number == number.floor()).then(
                number.cast(pl.Int64, strict=False).cast(pl.String)
            )
            return pl.coalesce(text, number.cast(pl.String)), present
        return value.cast(pl.String, strict=False), present
    if type_ == "DATE":
        if dtype == pl.Date:
            return value, present
        if isinstance(dtype, pl.Datetime):
            return value.dt.date(), present
        if sas_dates and dtype.is_numeric():
            days = _whole(number.cast(pl.Float64), "INTEGER")
            return pl.lit(SAS_EPOCH) + pl.duration(days=days), present
        return pl.lit(None, dtype=pl.Date), present
    if not dtype.is_numeric():
        return pl.lit(None, dtype=POLARS_TYPES[type_]), present
    if type_ == "DOUBLE":
        as_float = number.cast(pl.Float64)
        return pl.when(as_float.is_finite()).then(as_float), present
    if is_float:
        return _whole(number, type_), present
    return number.cast(POLARS_TYPES[type_], strict=False), present


def _whole(number: pl.Expr, type_: str) -> pl.Expr:
    """A float that is a whole number within the integer type's range, else null."""
    limit = 2**31 - 1 if type_ == "INTEGER" else 2**53
    ok = number.is_finite() & (number == number.floor()) & (number.abs() <= limit)
    return pl.when(ok).then(number.cast(POLARS_TYPES[type_], strict=False))


def _cast_rejection(
    frame: pl.DataFrame,
    cast: pl.DataFrame,
    column: Column,
    first_row: int,
    exact_count: bool,
    dataset: str,
    file: str,
) -> DataRejected:
    """Name the first bad value, unless a bad value is an identifier (never shown)."""
    rows = cast[f"{column.name}{FAILED}"].arg_true().to_list()
    bad = frame[column.name].gather(rows)
    shown = [first_row + r for r in rows[:ROWS_SHOWN]]
    n_rows = len(rows) if exact_count else None
    if bad.dtype == pl.String:
        identifying = bad.str.contains(ANY_IDENTIFIER).fill_null(False)
        if identifying.any():
            first = bad.filter(identifying)[0]
            kind = value_identifier_kind(first) or "identifier"
            id_rows = [first_row + rows[i] for i in identifying.arg_true().to_list()[:ROWS_SHOWN]]
            return identifier_rejection(
                kind, id_rows, None, dataset=dataset, file=file, column=column.name
            )
    value = str(bad[0])
    value = value if len(value) <= 40 else value[:37] + "..."
    return DataRejected(
        f"value {value!r} cannot be read as {TYPE_WORDS[column.type]} (contract type "
        f"{column.type})",
        TYPE_FIXES[column.type],
        dataset=dataset,
        file=file,
        column=column.name,
        rows=shown,
        n_rows=n_rows,
    )
