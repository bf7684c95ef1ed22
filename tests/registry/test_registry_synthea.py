"""A real, unmodified OMOP CDM 5.4 export (OHDSI Synthea27Nj, tests/data) through the registry
models: it has PHQ-2/PHQ-9 rows with empty values, procedures but no ECT, and no MDD diagnosis or
antidepressant, so a correct pipeline builds without error and finds no TRD episode
(tests/data/README.md). Its vocabulary agrees with the code lists (tests/registry/
test_code_lists_vocabulary.py compares the ids one by one).

The folder goes through the real ingest stage (`ingest.load.ingest_datasets`, with a two-line
dataset.yml) and the whole dbt project is built (not only the registry models), so the registry
models are checked between the real loader and the shared models and marts that consume them."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.dbt import dbt_run
from support.warehouse import query

from expectations.gate import RawChecks
from ingest.load import ingest_datasets

DATASET = "SYNTHEA27NJ"


@pytest.fixture(scope="module")
def warehouse(synthea_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Given the export ingested as a registry dataset, when the whole project is built."""
    work = tmp_path_factory.mktemp("registry_synthea")
    path = work / "warehouse.duckdb"
    (synthea_folder / "dataset.yml").write_text(f"dataset_id: {DATASET}\nsource: registry\n")
    assert ingest_datasets([synthea_folder], path, RawChecks()) == 0
    dbt_run(path)
    return path


def test_synthea_export_ingests_every_contract_table_it_has(warehouse: Path) -> None:
    counts = dict(
        query(
            warehouse,
            """select 'person', count(*) from raw.person union all
               select 'drug_exposure', count(*) from raw.drug_exposure union all
               select 'observation', count(*) from raw.observation union all
               select 'concept', count(*) from raw.concept""",
        )
    )
    assert counts == {"person": 28, "drug_exposure": 883, "observation": 8099, "concept": 2294}


def test_synthea_export_yields_no_registry_episode(warehouse: Path) -> None:
    episodes = query(warehouse, "select count(*) from intermediate.int_registry__episodes")
    assessments = query(warehouse, "select count(*) from intermediate.int_registry__assessments")
    in_mart = query(
        warehouse, f"select count(*) from marts.cohort_episodes where dataset_id = '{DATASET}'"
    )
    assert episodes == [(0,)]
    assert assessments == [(0,)]
    assert in_mart == [(0,)]


def test_synthea_attrition_stops_at_the_mdd_step(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select step, n_remaining, n_excluded from marts.attrition "
        f"where dataset_id = '{DATASET}' order by step",
    )
    assert rows == [
        (1, 28, 0),
        (2, 0, 28),
        (3, 0, 0),
        (4, 0, 0),
        (5, 0, 0),
        (6, 0, 0),
        (7, 0, 0),
        (8, 0, 0),
    ]


def test_synthea_phq9_rows_are_found_but_hold_no_value(warehouse: Path) -> None:
    # The export codes PHQ-9 totals with the standard concept 3042932 (LOINC 44261-6) and leaves
    # value_as_number empty: the concept map finds them, the empty values are not scores.
    rows = query(
        warehouse,
        """select count(*), count(o.value_as_number)
           from staging.stg_registry__observation o
           join intermediate.int_registry__concept_map m
             on o.dataset_id = m.dataset_id and o.observation_concept_id = m.concept_id
           where m.concept_set = 'phq9_total'""",
    )
    assert rows == [(15, 0)]


def test_synthea_diagnostics_find_the_phq9_concept_and_nothing_else(warehouse: Path) -> None:
    # The export's 1,649 procedures hold no ECT, its conditions no MDD or exclusion, its drugs no
    # antidepressant: of all code lists only PHQ-9 finds records, and nothing is an orphan.
    rows = query(
        warehouse,
        "select concept_set, kind, concept_id, via_concept_id, match_route, n_records, n_persons "
        "from intermediate.int_registry__concept_set_diagnostics",
    )
    assert rows == [("phq9_total", "matched", 3042932, 3042932, "seed", 15, 10)]
