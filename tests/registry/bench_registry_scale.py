"""Scale benchmark of the registry models (not collected by pytest: it takes minutes).

Generates a synthetic OMOP registry in `raw` with DuckDB (default 1,000,000 persons, 20 drug
exposures, 20 observations, 5 measurements and 5 conditions each), then times `dbt run` and
`dbt build` (run + every data and unit test) of the registry models on it.

    .venv/bin/python tests/registry/bench_registry_scale.py [--persons N] [--dir DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
from registry_omop import REGISTRY_MODELS, create_warehouse, query, register_dataset, run_dbt

DATASET = "BENCH"
DRUGS = [739138, 755695, 797617, 715939, 743670, 715259, 750982, 725131, 785523, 766814, 739207]
"""Nine antidepressants (one as a clinical drug), ketamine, quetiapine."""
AUDIT = f"'{DATASET}' as _dataset_id, 'bench' as _load_id, 'bench.csv' as _source_file"


def generate(con: duckdb.DuckDBPyConnection, persons: int) -> None:
    """Fill raw with a registry whose persons each have a few years of AD history."""
    con.execute(f"""
        insert into raw.person by name
        select i as person_id, case when i % 2 = 0 then 8532 else 8507 end as gender_concept_id,
               1940 + i % 60 as year_of_birth, 0 as race_concept_id, 0 as ethnicity_concept_id,
               {AUDIT}, i + 1 as _row_number
        from range({persons}) t(i)""")
    con.execute(f"""
        insert into raw.observation_period by name
        select i as person_id, date '2012-01-01' + (i % 1500)::int as observation_period_start_date,
               date '2024-12-31' as observation_period_end_date, {AUDIT}, i + 1 as _row_number
        from range({persons}) t(i)""")
    con.execute(f"""
        insert into raw.condition_occurrence by name
        select i // 5 as person_id,
               case when i % 5 = 0 and i % 3 <> 0 then 4152280 else 201826 end
                   as condition_concept_id,
               date '2013-01-01' + (hash(i) % 3000)::int as condition_start_date,
               {AUDIT}, i + 1 as _row_number
        from range({persons * 5}) t(i)""")
    con.execute(f"""
        insert into raw.drug_exposure by name
        select i as drug_exposure_id, i // 20 as person_id,
               {DRUGS}[(hash(i // 4) % {len(DRUGS)})::int + 1] as drug_concept_id,
               date '2015-01-01' + ((i % 20) * 35 + hash(i) % 10)::int
                   as drug_exposure_start_date,
               case when i % 3 = 0 then null
                    else date '2015-01-01' + ((i % 20) * 35 + hash(i) % 10 + 29)::int
               end as drug_exposure_end_date,
               30 as days_supply, {AUDIT}, i + 1 as _row_number
        from range({persons * 20}) t(i)""")
    for table, per_person in (("observation", 20), ("measurement", 5)):
        con.execute(f"""
            insert into raw.{table} by name
            select i as {table}_id, i // {per_person} as person_id,
                   case when i % 2 = 0 then 3042932 else 3020460 end as {table}_concept_id,
                   date '2015-01-01' + (hash(i) % 3600)::int as {table}_date,
                   (hash(i * 7) % 28)::double as value_as_number, {AUDIT}, i + 1 as _row_number
            from range({persons * per_person}) t(i)""")
    con.execute(f"""
        insert into raw.concept_ancestor by name
        select 739138 as ancestor_concept_id, 739207 as descendant_concept_id, {AUDIT},
               1 as _row_number""")
    register_dataset(con, DATASET)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.mkdtemp(prefix="regbench")))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    warehouse = create_warehouse(args.dir / "warehouse.duckdb")
    started = time.perf_counter()
    con = duckdb.connect(str(warehouse))
    try:
        generate(con, args.persons)
    finally:
        con.close()
    print(f"generated {args.persons:,} persons in {time.perf_counter() - started:.0f} s")
    for command in ("seed", "run", "build"):
        started = time.perf_counter()
        run_dbt(warehouse, args.dir, REGISTRY_MODELS, command=command)
        print(f"dbt {command} of the registry models: {time.perf_counter() - started:.0f} s")
    for table in ("drug_exposures", "drug_eras", "index_candidates", "episodes", "assessments"):
        n = query(warehouse, f"select count(*) from intermediate.int_registry__{table}")[0][0]
        print(f"int_registry__{table}: {n:,} rows")


if __name__ == "__main__":
    main()
