"""The physical baselines `trd` is measured against, each run as its own process.

    .venv/bin/python -m benchmarks.baselines read-csv FOLDER DB    (a) DuckDB's native read_csv
    .venv/bin/python -m benchmarks.baselines checks WAREHOUSE      (b) raw checks, one query
    .venv/bin/python -m benchmarks.baselines mart WAREHOUSE OUT    (c) D28 OC rates, one query
    .venv/bin/python -m benchmarks.baselines gx-checks WAREHOUSE   (b) through GX, for comparison

Each opens DuckDB with the memory limit and threads `trd ingest` uses, so that the ratios
compare the same machine budget. (b) reuses bench_checks.py's query over `raw`; (c) is the registry
rule of docs/derivations.md#registry-cohort
registry derivation written as one SQL statement over `raw` and the reference seeds, and writes
its counts as JSON so that the harness can cross-check them against `marts.response_rates`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import time
from pathlib import Path

import duckdb

from benchmarks.bench_checks import hand_query
from core.contracts import TABLES
from core.settings import duckdb_config

REGISTRY = "REGISTRY-OMOP"
THREADS = 2
"""The machine's cores; DuckDB's default, stated so that baseline and trd agree."""

REGISTRY_PARAMETERS = {
    "gap": 30,
    "adequate": 42,
    "washout": 365,
    "prior_obs": 365,
    "lookback": 730,
    "min_failed": 2,
    "baseline_days": 30,
}
"""dbt_project.yml's registry vars, copied: the baseline is independent of dbt."""

MART_QUERY = """
with
registry as (
    select dataset_id from raw.datasets where source = 'registry'
),
seed as (
    select concept_set, concept_id as seed_id, lower(concept_name) as name,
        vocabulary_id, concept_code
    from reference.concept_sets where concept_id is not null
),
anchor as (
    select r.dataset_id, s.seed_id as concept_id, s.concept_set, s.seed_id, s.name
    from registry as r cross join seed as s
    union
    select c._dataset_id, c.concept_id, s.concept_set, s.seed_id, s.name
    from raw.concept as c join seed as s using (vocabulary_id, concept_code)
),
concept_map as (
    select * from anchor
    union
    select a.dataset_id, ca.descendant_concept_id, a.concept_set, a.seed_id, a.name
    from anchor as a join raw.concept_ancestor as ca
        on ca._dataset_id = a.dataset_id and ca.ancestor_concept_id = a.concept_id
),
drug_map as (
    select dataset_id, concept_id, concept_set as treatment_class,
        case when concept_set = 'standard_ad' then seed_id::varchar else concept_set end
            as drug_key
    from concept_map
    where concept_set in ('ketamine', 'esketamine', 'standard_ad', 'augmentation')
    group by all
),
exposure as (
    select d._dataset_id as dataset_id, d.person_id, d.drug_exposure_id, m.treatment_class,
        m.drug_key, d.drug_exposure_start_date as start_date,
        coalesce(d.drug_exposure_end_date,
            case when d.days_supply >= 1
                then d.drug_exposure_start_date + (d.days_supply - 1) end,
            d.drug_exposure_start_date) as end_date
    from raw.drug_exposure as d join drug_map as m
        on d._dataset_id = m.dataset_id and d.drug_concept_id = m.concept_id
    union all
    select p._dataset_id, p.person_id, p.procedure_occurrence_id, 'ect', 'ect',
        p.procedure_date, p.procedure_date
    from raw.procedure_occurrence as p
    where exists (select 1 from concept_map as m where m.dataset_id = p._dataset_id
        and m.concept_id = p.procedure_concept_id and m.concept_set = 'ect')
),
era_flag as (
    select *,
        coalesce(start_date - max(end_date) over w > $gap, true)::int as starts_era
    from exposure
    window w as (partition by dataset_id, person_id, drug_key
        order by start_date, end_date, drug_exposure_id
        rows between unbounded preceding and 1 preceding)
),
era_numbered as (
    select *, sum(starts_era) over (partition by dataset_id, person_id, drug_key
        order by start_date, end_date, drug_exposure_id) as era_number
    from era_flag
),
era as (
    select dataset_id, person_id, drug_key, any_value(treatment_class) as treatment_class,
        min(start_date) as era_start, max(end_date) as era_end
    from era_numbered group by dataset_id, person_id, drug_key, era_number
),
candidate as (
    select * from era
    qualify coalesce(lag(era_end) over (partition by dataset_id, person_id, drug_key
        order by era_start) < era_start - $washout, true)
),
adequate as (
    select * from era
    where treatment_class = 'standard_ad' and era_end - era_start + 1 >= $adequate
),
first_mdd as (
    select c._dataset_id as dataset_id, c.person_id, min(c.condition_start_date) as mdd_date
    from raw.condition_occurrence as c join concept_map as m
        on c._dataset_id = m.dataset_id and c.condition_concept_id = m.concept_id
    where m.concept_set = 'mdd'
    group by all
),
first_exclusion as (
    select c._dataset_id as dataset_id, c.person_id, min(c.condition_start_date) as excl_date
    from raw.condition_occurrence as c join concept_map as m
        on c._dataset_id = m.dataset_id and c.condition_concept_id = m.concept_id
    where m.concept_set = 'trd_exclusion'
    group by all
),
qualifying as (
    select k.* from candidate as k
    join first_mdd as f using (dataset_id, person_id)
    left join first_exclusion as x using (dataset_id, person_id)
    where f.mdd_date <= k.era_start
        and (x.excl_date is null or x.excl_date > k.era_start)
        and exists (select 1 from raw.observation_period as o
            where o._dataset_id = k.dataset_id and o.person_id = k.person_id
            and k.era_start between o.observation_period_start_date
                and o.observation_period_end_date
            and o.observation_period_start_date <= k.era_start - $prior_obs)
        and (select count(distinct a.drug_key) from adequate as a
            where a.dataset_id = k.dataset_id and a.person_id = k.person_id
            and a.drug_key <> k.drug_key and a.era_start >= k.era_start - $lookback
            and a.era_end <= k.era_start) >= $min_failed
),
episode as (
    select dataset_id, person_id, treatment_class, era_start as index_date from qualifying
    qualify row_number() over (partition by dataset_id, person_id, treatment_class
        order by era_start, drug_key) = 1
),
score_code as (
    select distinct concept_set, concept_code from reference.concept_sets
    where concept_set like '%\\_total' escape '\\' and vocabulary_id = 'LOINC'
),
record as (
    select _dataset_id as dataset_id, 'observation:' || observation_id as record_id,
        person_id, observation_concept_id as concept_id, observation_date as record_date,
        value_as_number as value, observation_source_value as source_value
    from raw.observation where value_as_number is not null
    union all
    select _dataset_id, 'measurement:' || measurement_id, person_id, measurement_concept_id,
        measurement_date, value_as_number, measurement_source_value
    from raw.measurement where value_as_number is not null
),
score as (
    select distinct r.dataset_id, r.record_id, r.person_id, r.record_date, r.value,
        upper(replace(coalesce(m.concept_set, s.concept_set), '_total', '')) as scale
    from record as r
    left join concept_map as m on r.dataset_id = m.dataset_id and r.concept_id = m.concept_id
        and m.concept_set like '%\\_total' escape '\\'
    left join score_code as s
        on coalesce(r.concept_id, 0) = 0 and r.source_value = s.concept_code
    where coalesce(m.concept_set, s.concept_set) is not null
),
episode_score as (
    select e.dataset_id, e.treatment_class, e.person_id, s.scale, s.value, s.record_id,
        (s.record_date - e.index_date)::int as study_day
    from episode as e join score as s using (dataset_id, person_id)
    where s.record_date - e.index_date between -$baseline_days and 35
),
baseline as (
    select dataset_id, person_id, treatment_class, scale, value as baseline
    from episode_score where study_day <= 0
    qualify row_number() over (partition by dataset_id, person_id, treatment_class, scale
        order by study_day desc, record_id desc) = 1
),
d28 as (
    select dataset_id, person_id, treatment_class, scale, value
    from episode_score where study_day between 21 and 35
    qualify row_number() over (partition by dataset_id, person_id, treatment_class, scale
        order by abs(study_day - 28), study_day, record_id) = 1
)
select b.dataset_id, b.treatment_class, b.scale, count(*) as n,
    count(*) filter (where 2 * d.value <= b.baseline) as n_responders,
    count(*) filter (where d.value <= coalesce(r.threshold, sc.remission_threshold))
        as n_remitters
from baseline as b
join d28 as d using (dataset_id, person_id, treatment_class, scale)
join reference.scales as sc using (scale)
left join raw.dataset_remission as r using (dataset_id, scale)
where b.baseline <> 0
group by all
order by all
"""
"""The registry rule (docs/derivations.md#registry-cohort) as one statement: concept map (seed ids,
codes, descendants), drug
eras (30-day persistence) and ECT courses (30-day gap: the same statement), new-user candidates
(365-day washout), TRD qualification, no TRD exclusion on or before index, the earliest episode
per person and class, baseline in [index - 30, index] and the D28 observed
value (window [21, 35], closest to day 28, ties to the earlier day then the lower record id)."""


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """DuckDB with trd's memory limit (`TRD_MEMORY_LIMIT`) and the machine's threads."""
    config = {**duckdb_config(), "threads": THREADS}
    con = duckdb.connect(str(path), read_only=read_only, config=config)
    con.execute("set enable_progress_bar = false")
    return con


def read_csv(folder: Path, db: Path) -> dict[str, int]:
    """(a) Every contract table's CSV of `folder` into its own table, types auto-detected."""
    con = connect(db)
    rows = {}
    for path in sorted(folder.glob("*.csv")):
        table = path.stem.lower()
        if table in TABLES:
            con.execute(f"create table {table} as from read_csv(?)", [str(path)])
            rows[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
    con.close()
    return rows


def checks(warehouse: Path) -> dict[str, int]:
    """(b) bench_checks.py's hand-written raw registry checks over the warehouse's `raw`."""
    con = connect(warehouse, read_only=True)
    result = con.execute(hand_query("raw"))
    names = [d[0] for d in result.description]
    counts = dict(zip(names, result.fetchone(), strict=True))
    con.close()
    return counts


def gx_checks(warehouse: Path) -> dict[str, int]:
    """Not a baseline: the registry's raw suites alone, through GX, as `trd check` runs them.

    The like-for-like of (b): `trd check` also imports GX, runs the trial and mart suites and
    writes Data Docs, which (b) does not do. Failure counts by check id.
    """
    from expectations.gx_duckdb import ephemeral_context
    from expectations.raw_gate import run_raw_suites
    from expectations.runner import Scope

    con = duckdb.connect(str(warehouse), read_only=True)
    scope = Scope("raw", REGISTRY, partition_column="_dataset_id")
    results = run_raw_suites(con, ephemeral_context(), scope, "registry")
    con.close()
    return {r.check_id: r.unexpected_count for r in results}


def mart(warehouse: Path) -> list[dict[str, object]]:
    """(c) Registry D28 observed-case counts per dataset, class and scale, in one query."""
    con = connect(warehouse, read_only=True)
    result = con.execute(MART_QUERY, REGISTRY_PARAMETERS)
    names = [d[0] for d in result.description]
    rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    con.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="kind", required=True)
    s = sub.add_parser("read-csv")
    s.add_argument("folder", type=Path)
    s.add_argument("db", type=Path)
    s = sub.add_parser("checks")
    s.add_argument("warehouse", type=Path)
    s = sub.add_parser("gx-checks")
    s.add_argument("warehouse", type=Path)
    s = sub.add_parser("mart")
    s.add_argument("warehouse", type=Path)
    s.add_argument("out", type=Path, help="JSON file for the counts")
    args = parser.parse_args()
    match args.kind:
        case "read-csv":
            print(json.dumps(read_csv(args.folder, args.db)))
        case "checks":
            started = time.perf_counter()
            counts = checks(args.warehouse)
            print(_with_seconds(counts, checks=time.perf_counter() - started))
        case "gx-checks":
            started = time.perf_counter()
            importlib.import_module("expectations.raw_gate")  # Great Expectations and its stack
            imported = time.perf_counter()
            counts = gx_checks(args.warehouse)
            print(
                _with_seconds(
                    counts, imports=imported - started, checks=time.perf_counter() - imported
                )
            )
        case "mart":
            args.out.write_text(json.dumps(mart(args.warehouse), indent=1))


def _with_seconds(counts: dict[str, int], **seconds: float) -> str:
    """The counts and, under "seconds", the in-process time of each part (the harness splits
    a process's wall time into the fixed cost of imports and the checks themselves)."""
    return json.dumps({"counts": counts, "seconds": {k: round(v, 3) for k, v in seconds.items()}})


if __name__ == "__main__":
    main()
