"""Speed of the raw registry checks: GX (pushdown into DuckDB) against one hand-written query.

Generates a synthetic staged OMOP registry in DuckDB (default 1,000,000 persons: per person one
observation period, 2 conditions, 5 drug exposures, 3 measurements, 2 observations, with a few
planted violations), then times `run_raw_checks` (what ingest runs) and one hand-written DuckDB
query computing the same checks' failure counts, and verifies that both count the same. The
target (docs/architecture.md, data quality): GX within 3x of the hand-written query.

    .venv/bin/python benchmarks/bench_checks.py [--persons N] [--dir DIR] [--threads T]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from core.contracts import TABLES, raw_table_ddl

SCHEMA = "_load_bench"
DATASET = "BENCH"
PHQ9, CRP, MDD = 3042932, 3020460, 4152280
DRUGS = "[739138, 755695, 797617, 715939, 743670, 715259, 750982, 725131]"


def _audit(table: str) -> str:
    return f"'{DATASET}' as _dataset_id, 'bench' as _load_id, '{table}.csv' as _source_file"


def generate(con: duckdb.DuckDBPyConnection, persons: int) -> dict[str, int]:
    """Stage the registry; every 100,000th row of some tables breaks a rule. Row counts back."""
    con.execute(f"create schema {SCHEMA}")
    for table in TABLES.values():
        con.execute(raw_table_ddl(table, SCHEMA))
    n = persons
    statements = {
        "person": f"""
            select i as person_id, 8507 + (i % 2) * 25 as gender_concept_id,
                case when i % 100000 = 7 then 1920 else 1940 + i % 60 end as year_of_birth,
                0 as race_concept_id, 0 as ethnicity_concept_id
            from range({n}) t(i)""",
        "observation_period": f"""
            select i as person_id,
                date '2012-01-01' + (i % 1500)::int as observation_period_start_date,
                date '2024-12-31' as observation_period_end_date
            from range({n}) t(i)""",
        "condition_occurrence": f"""
            select i // 2 as person_id,
                {MDD} as condition_concept_id,
                case when i % 100000 = 3 then date '2005-01-01'
                    else date '2016-01-01' + (i % 2000)::int end as condition_start_date,
                'F32.9' as condition_source_value
            from range({2 * n}) t(i)""",
        "drug_exposure": f"""
            select i as drug_exposure_id, i // 5 as person_id,
                {DRUGS}[1 + i % 8] as drug_concept_id,
                date '2016-06-01' + (i % 2500)::int as drug_exposure_start_date,
                case when i % 100000 = 11 then date '2016-05-01'
                    else date '2016-06-01' + (i % 2500)::int + 29 end as drug_exposure_end_date,
                30 as days_supply, 30.0 as quantity, 4132161 as route_concept_id,
                'sertraline 50 MG' as drug_source_value
            from range({5 * n}) t(i)""",
        "measurement": f"""
            select i as measurement_id, i // 3 as person_id,
                case i % 3 when 0 then {PHQ9} when 1 then {CRP} else 3004249 end
                    as measurement_concept_id,
                date '2017-01-01' + (i % 2000)::int as measurement_date,
                case when i % 100000 = 9 then 31.0
                    when i % 3 = 0 then (i % 28)::double
                    when i % 3 = 1 then (i % 200) / 10.0 else 120.0 end as value_as_number,
                case i % 3 when 1 then 8751 else 0 end as unit_concept_id,
                case i % 3 when 1 then 'mg/L' when 2 then 'mmHg' end as unit_source_value,
                null as measurement_source_value
            from range({3 * n}) t(i)""",
        "observation": f"""
            select i as observation_id, i // 2 as person_id, 0 as observation_concept_id,
                date '2017-01-01' + (i % 2000)::int as observation_date,
                (i % 28)::double as value_as_number, null as unit_concept_id,
                null as unit_source_value, '44261-6' as observation_source_value
            from range({2 * n}) t(i)""",
    }
    for table, select in statements.items():
        con.execute(
            f"insert into {SCHEMA}.{table} by name select *, {_audit(table)}, "
            f"row_number() over () as _row_number from ({select})"
        )
    return {t: con.execute(f"select count(*) from {SCHEMA}.{t}").fetchone()[0] for t in statements}


def _orphans(schema: str, table: str) -> str:
    """Rows of `table` whose person_id is not in person (an anti join: DuckDB plans `not in`
    and `not exists` subqueries several times slower, see expectations/suites/registry.py)."""
    return (
        f"(select count(*) from {schema}.{table} as b anti join {schema}.person as p "
        "on p.person_id = b.person_id where b.person_id is not null)"
    )


def _outside(schema: str, table: str, date: str) -> str:
    """Rows of `table` dated outside every observation period of their person."""
    return (
        f"(select count(*) from {schema}.{table} as b anti join {schema}.observation_period "
        f"as o on o.person_id = b.person_id and b.{date} between "
        f"o.observation_period_start_date and o.observation_period_end_date "
        f"where b.{date} is not null)"
    )


def _event_counts(table: str, schema: str) -> str:
    """Failure counts of one event table (measurement / observation), in one pass."""
    date, p = f"{table}_date", table  # measurement_date, observation_date
    return f"""
    {table}_scored as (
        select b.*, case when b.{p}_concept_id = {PHQ9}
                or (coalesce(b.{p}_concept_id, 0) = 0 and b.{p}_source_value = '44261-6')
                then 'phq9' when b.{p}_concept_id = {CRP} then 'crp' end as kind
        from {schema}.{table} as b
    ),
    {table}_counts as (
        select
            count(*) filter (where {p}_id is null) as {p}_id_null,
            count(*) filter (where person_id is null) as {p}_person_null,
            count(*) filter (where {p}_concept_id is null) as {p}_concept_null,
            count(*) filter (where {date} is null) as {p}_date_null,
            {_orphans(schema, table)} as {p}_orphans,
            {_outside(schema, table, date)} as {p}_outside,
            count(*) filter (where kind = 'phq9' and (value_as_number < 0
                or value_as_number > 27)) as {p}_score_range,
            count(*) filter (where kind = 'crp' and value_as_number is not null
                and not (lower(trim(unit_source_value)) in ('mg/l', 'mg/dl')
                or unit_concept_id in (8751, 8840))) as {p}_unit,
            count(*) filter (where kind = 'crp' and value_as_number < 0) as {p}_negative
        from {table}_scored as b
    )"""


def hand_query(schema: str) -> str:
    """The raw registry checks as one hand-written query over `schema` (staging or raw): the
    physical baseline the GX gate and `trd check` are measured against."""
    return f"""
with person_counts as (
    select
        count(*) filter (where p.person_id is null) as person_id_null,
        count(*) filter (where gender_concept_id is null) as gender_null,
        count(*) filter (where year_of_birth is null) as yob_null,
        count(*) filter (where race_concept_id is null) as race_null,
        count(*) filter (where ethnicity_concept_id is null) as ethnicity_null,
        count(*) filter (where year(coalesce(o.last_date, current_date)) - year_of_birth > 90)
            as implied_age
    from {schema}.person as p left join (select person_id,
        max(observation_period_end_date) as last_date
        from {schema}.observation_period group by person_id) as o using (person_id)
),
period_counts as (
    select
        count(*) filter (where person_id is null) as op_person_null,
        count(*) filter (where observation_period_start_date is null) as op_start_null,
        count(*) filter (where observation_period_end_date is null) as op_end_null,
        {_orphans(schema, "observation_period")} as op_orphans,
        count(*) filter (where observation_period_end_date < observation_period_start_date)
            as op_end_before_start
    from {schema}.observation_period
),
condition_counts as (
    select
        count(*) filter (where person_id is null) as co_person_null,
        count(*) filter (where condition_concept_id is null) as co_concept_null,
        count(*) filter (where condition_start_date is null) as co_date_null,
        {_orphans(schema, "condition_occurrence")} as co_orphans,
        {_outside(schema, "condition_occurrence", "condition_start_date")} as co_outside
    from {schema}.condition_occurrence as b
),
drug_counts as (
    select
        count(*) filter (where drug_exposure_id is null) as de_id_null,
        count(*) filter (where person_id is null) as de_person_null,
        count(*) filter (where drug_concept_id is null) as de_concept_null,
        count(*) filter (where drug_exposure_start_date is null) as de_start_null,
        {_orphans(schema, "drug_exposure")} as de_orphans,
        count(*) filter (where drug_exposure_end_date < drug_exposure_start_date)
            as de_end_before_start,
        {_outside(schema, "drug_exposure", "drug_exposure_start_date")} as de_outside
    from {schema}.drug_exposure as b
),
{_event_counts("measurement", schema)},
{_event_counts("observation", schema)}
select * from person_counts, period_counts, condition_counts, drug_counts,
    measurement_counts, observation_counts
"""


SAME_COUNTS = {
    "person.implied_age_at_most_90": "implied_age",
    "observation_period.end_not_before_start": "op_end_before_start",
    "condition_occurrence.within_observation_period": "co_outside",
    "drug_exposure.end_not_before_start": "de_end_before_start",
    "drug_exposure.within_observation_period": "de_outside",
    "measurement.score_in_scale_range": "measurement_score_range",
    "measurement.biomarker_unit_known": "measurement_unit",
    "observation.score_in_scale_range": "observation_score_range",
    "measurement.person_id_in_person": "measurement_orphans",
}
"""GX check -> hand-written column, compared after both ran (the planted violations)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, help="where to write the DuckDB file (default: temp)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    from expectations.raw_gate import run_raw_checks  # Great Expectations: seconds to import

    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench_checks_"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench.duckdb"
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path), config={"threads": args.threads})

    started = time.perf_counter()
    rows = generate(con, args.persons)
    print(f"generated {sum(rows.values()):,} rows in {time.perf_counter() - started:.1f} s: {rows}")
    con.execute("checkpoint")

    started = time.perf_counter()
    hand = con.execute(hand_query(SCHEMA))
    names = [d[0] for d in hand.description]
    counts = dict(zip(names, hand.fetchone(), strict=True))
    hand_seconds = time.perf_counter() - started

    started = time.perf_counter()
    results = {r.check_id: r for r in run_raw_checks(con, SCHEMA, DATASET, "registry")}
    gx_seconds = time.perf_counter() - started

    mismatches = {
        check_id: (results[check_id].unexpected_count, counts[column])
        for check_id, column in SAME_COUNTS.items()
        if results[check_id].unexpected_count != counts[column]
    }
    print(f"GX ({len(results)} checks, run_raw_checks): {gx_seconds:.1f} s")
    print(f"hand-written query ({len(names)} counts):  {hand_seconds:.1f} s")
    print(f"ratio GX / hand-written: {gx_seconds / hand_seconds:.2f}")
    print("planted violations counted alike:", mismatches or "yes")
    con.close()


if __name__ == "__main__":
    main()
