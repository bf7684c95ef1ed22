"""Concept-set diagnostics in `dq`, and the line per code list that `trd check` prints.

What the code lists found in each registry dataset, and what they missed, as OHDSI
CohortDiagnostics shows it: the dbt model `int_registry__concept_set_diagnostics` derives the
rows (matched concepts with their records, persons and the seed row they rolled up to; orphan
concepts named like a code-list entry but missed); `trd check` copies them into
`dq.concept_set_diagnostics` under its run id, so the data-quality page shows the diagnostics of
the run it reports on, and prints one line per dataset and code list. A code list that finds
nothing in a registry (the ketamine id of a wrong vocabulary) shows up here before any rate does.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from core.reference import concept_sets
from expectations.spark_sql import SparkSQL, spark_ddl, table_names

MODEL = "int_registry__concept_set_diagnostics"
"""The dbt model (schema intermediate) the rows come from."""

DDL = """create table if not exists dq.concept_set_diagnostics (
    run_id varchar not null,            -- dq.runs.run_id of the check run
    dataset_id varchar not null,        -- registry dataset
    concept_set varchar not null,       -- code list (seed concept_sets)
    kind varchar not null,              -- matched | orphan
    concept_id bigint not null,         -- concept of the records (0: found by source value)
    concept_name varchar,
    vocabulary_id varchar,
    concept_code varchar,
    via_concept_id bigint not null,     -- seed row it rolled up to (orphan: entry it is named like)
    via_concept_name varchar,
    match_route varchar,                -- seed | code | ancestor | source_value; null for orphans
    n_records bigint not null,
    n_persons bigint not null
)"""


def record(con: duckdb.DuckDBPyConnection | SparkSQL, run_id: str) -> list[str]:
    """Copy the model's rows into dq under `run_id`; return the summary lines to print.

    The caller owns the transaction (the rows belong to the check run recorded with them; on
    Spark, which has none, the caller writes the run's `dq.runs` row after these).
    A warehouse built before the model existed gets one line saying how to get diagnostics.
    """
    con.execute("create schema if not exists dq")
    con.execute(spark_ddl(DDL) if isinstance(con, SparkSQL) else DDL)
    registries = [
        r[0]
        for r in con.execute(
            "select dataset_id from raw.datasets where source = 'registry' order by dataset_id"
        ).fetchall()
    ]
    if not registries:
        return []
    if not _has_model(con):
        return [
            "trd check: no concept-set diagnostics in this warehouse; run `trd build` to derive "
            "them"
        ]
    con.execute(
        "insert into dq.concept_set_diagnostics select ?, dataset_id, concept_set, kind, "
        "concept_id, concept_name, vocabulary_id, concept_code, via_concept_id, "
        f"via_concept_name, match_route, n_records, n_persons from intermediate.{MODEL}",
        [run_id],
    )
    return summary_lines(con, run_id, registries)


def _has_model(con: duckdb.DuckDBPyConnection | SparkSQL) -> bool:
    return MODEL in table_names(con, "intermediate")


def summary_lines(
    con: duckdb.DuckDBPyConnection | SparkSQL, run_id: str, registries: Sequence[str]
) -> list[str]:
    """One line per registry dataset and code list (every code list, found or not)."""
    # a concept found by several entries of one code list (an MDD subtype that is an entry of
    # its own and a descendant of another) counts once, under its most direct route
    rows = con.execute(
        """with concepts as (
               select dataset_id, concept_set, kind, concept_id, n_records,
                      min(case match_route when 'seed' then 1 when 'code' then 2
                          when 'ancestor' then 3 else 4 end) as route_rank
               from dq.concept_set_diagnostics where run_id = ?
               group by all)
           select dataset_id, concept_set, kind,
                  case route_rank when 1 then 'seed' when 2 then 'code'
                      when 3 then 'ancestor' else 'source_value' end as match_route,
                  count(*) as n_concepts, sum(n_records) as n_records
           from concepts group by all""",
        [run_id],
    ).fetchall()
    found: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}
    for dataset_id, concept_set, kind, route, n_concepts, n_records in rows:
        key = "orphan" if kind == "orphan" else route
        found.setdefault((dataset_id, concept_set), {})[key] = (n_concepts, n_records)
    code_lists = list(dict.fromkeys(r.concept_set for r in concept_sets()))
    lines = ["trd check: concept sets in the data (dq.concept_set_diagnostics):"]
    for dataset_id in registries:
        for concept_set in code_lists:
            lines.append(
                f"  {dataset_id} {concept_set}: "
                + _describe(found.get((dataset_id, concept_set), {}))
            )
    return lines


ROUTE_WORDS = {
    "seed": ("code-list id", "code-list ids"),
    "code": ("by vocabulary code", "by vocabulary code"),
    "ancestor": ("descendant", "descendants"),
    "source_value": ("by source value", "by source value"),
}


def _describe(by_route: dict[str, tuple[int, int]]) -> str:
    """'3 concepts, 20,118 records (1 code-list id, 2 descendants); orphans: none'."""
    matched = {k: v for k, v in by_route.items() if k != "orphan"}
    concepts = sum(n for n, _ in matched.values())
    records = sum(r for _, r in matched.values())
    if not matched:
        text = "nothing found in the data"
    else:
        parts = ", ".join(
            f"{matched[k][0]} {ROUTE_WORDS[k][matched[k][0] != 1]}"
            for k in ROUTE_WORDS
            if k in matched
        )
        text = f"{_plural(concepts, 'concept')}, {_plural(records, 'record')} ({parts})"
    orphans = by_route.get("orphan")
    if orphans is None:
        return f"{text}; orphans: none"
    return (
        f"{text}; orphans: {_plural(orphans[0], 'concept')}, {_plural(orphans[1], 'record')} "
        "named like an entry but missed"
    )


def _plural(k: int, word: str) -> str:
    return f"{k:,} {word}" + ("" if k == 1 else "s")
