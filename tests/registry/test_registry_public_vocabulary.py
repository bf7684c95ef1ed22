"""A registry coded in the public OMOP vocabulary, with every id typed here (not read from the
seeds), must give ketamine, esketamine, standard-AD, augmentation and ECT episodes.

This is what a new user's real CDM holds: ingredient ids such as ketamine 785649 and esketamine
1366610, clinical drugs that roll up to their ingredients through concept_ancestor, ECT as
SNOMED 23835007 in procedure_occurrence, PHQ-9 in observation. If a code list held a wrong id
(the ketamine 785523 of an earlier seed), one of these episodes would vanish and a test fail.
The concept rows are public vocabulary rows (names and codes as in tests/data/omop-vocabulary
and the Synthea export), so the code lists must also agree with them by id, code and name.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from registry_omop import OmopBuilder, built_warehouse
from support.warehouse import query

from expectations.raw_gate import run_raw_checks

DATASET = "PUBLIC-VOCAB"

# (concept_id, name, domain, vocabulary, code): public OMOP vocabulary rows.
CONCEPTS = (
    (4152280, "Major depressive disorder", "Condition", "SNOMED", "370143000"),
    (436665, "Bipolar disorder", "Condition", "SNOMED", "13746004"),
    (
        3042932,
        "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
        "Observation",
        "LOINC",
        "44261-6",
    ),
    (4030840, "Electroconvulsive therapy", "Procedure", "SNOMED", "23835007"),
    (785649, "ketamine", "Drug", "RxNorm", "6130"),
    (1366610, "esketamine", "Drug", "RxNorm", "2119365"),
    (757688, "aripiprazole", "Drug", "RxNorm", "89013"),
    (755695, "fluoxetine", "Drug", "RxNorm", "4493"),
    (715259, "duloxetine", "Drug", "RxNorm", "72625"),
    (739138, "sertraline", "Drug", "RxNorm", "36437"),
    (19077463, "fluoxetine 20 MG Oral Capsule", "Drug", "RxNorm", "310385"),
    (715294, "duloxetine 20 MG Delayed Release Oral Capsule", "Drug", "RxNorm", "596926"),
    (739207, "sertraline 100 MG Oral Tablet", "Drug", "RxNorm", "312938"),
)
ANCESTORS = ((755695, 19077463), (715259, 715294), (739138, 739207))
"""Ingredient -> clinical drug (each concept is also its own ancestor)."""


def build_dataset() -> OmopBuilder:
    omop = OmopBuilder(test_vocabulary=False)
    for concept_id, name, domain, vocabulary, code in CONCEPTS:
        omop.add(
            "concept",
            concept_id=concept_id,
            concept_name=name,
            domain_id=domain,
            vocabulary_id=vocabulary,
            concept_code=code,
        )
        omop.add(
            "concept_ancestor", ancestor_concept_id=concept_id, descendant_concept_id=concept_id
        )
    for ingredient, drug in ANCESTORS:
        omop.add("concept_ancestor", ancestor_concept_id=ingredient, descendant_concept_id=drug)
    for person in range(1, 7):
        omop.person(person)
        omop.add(
            "observation_period",
            person_id=person,
            observation_period_start_date="2015-01-01",
            observation_period_end_date="2024-12-31",
        )
        omop.condition(person, 4152280, "2019-01-01")  # major depressive disorder
        # two failed adequate trials, recorded as clinical drugs (fluoxetine, duloxetine capsules)
        omop.drug(person, 19077463, "2021-01-01", end="2021-03-31")
        omop.drug(person, 715294, "2021-05-01", end="2021-07-31")
        omop.observation(person, 3042932, "2022-06-10", 20)  # PHQ-9 baseline
        omop.observation(person, 3042932, "2022-07-13", 9)
    omop.drug(1, 785649, "2022-06-15")  # ketamine
    omop.drug(1, 785649, "2022-06-18")
    omop.drug(2, 1366610, "2022-06-15")  # esketamine
    omop.drug(3, 739207, "2022-06-15", end="2022-08-15")  # sertraline 100 MG tablet
    omop.drug(4, 757688, "2022-06-15", end="2022-08-15")  # aripiprazole
    omop.procedure(5, 4030840, "2022-06-15", "2022-06-18", "2022-06-22")  # ECT course
    omop.drug(6, 785649, "2022-06-15")  # ketamine, but ...
    omop.condition(6, 436665, "2020-03-01")  # ... bipolar disorder before index
    return omop


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_warehouse(tmp_path_factory.mktemp("public_vocabulary"), {DATASET: build_dataset()})


def test_public_ids_give_an_episode_of_every_registry_class(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select person_key, treatment_class, treatment, index_date "
        "from intermediate.int_registry__episodes order by person_key",
    )
    assert rows == [
        ("1", "ketamine", "ketamine", date(2022, 6, 15)),
        ("2", "esketamine", "esketamine", date(2022, 6, 15)),
        ("3", "standard_ad", "sertraline", date(2022, 6, 15)),
        ("4", "augmentation", "aripiprazole", date(2022, 6, 15)),
        ("5", "ect", "electroconvulsive therapy", date(2022, 6, 15)),
    ]


def test_the_bipolar_person_is_removed_at_the_exclusion_step(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select step, n_remaining, n_excluded from intermediate.int_registry__attrition "
        "order by step",
    )
    assert rows == [
        (1, 6, 0),
        (2, 6, 0),
        (3, 6, 0),
        (4, 6, 0),
        (5, 6, 0),
        (6, 5, 1),
        (7, 5, 0),
        (8, 5, 0),
    ]


def test_clinical_drugs_roll_up_to_the_public_ingredients(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select concept_set, concept_id, via_concept_id, match_route, n_records, n_persons "
        "from intermediate.int_registry__concept_set_diagnostics "
        "where kind = 'matched' and concept_set in ('standard_ad', 'ketamine', 'ect') "
        "order by concept_set, concept_id",
    )
    assert rows == [
        ("ect", 4030840, 4030840, "seed", 3, 1),
        ("ketamine", 785649, 785649, "seed", 3, 2),
        ("standard_ad", 715294, 715259, "ancestor", 6, 6),
        ("standard_ad", 739207, 739138, "ancestor", 1, 1),
        ("standard_ad", 19077463, 755695, "ancestor", 6, 6),
    ]


def test_code_lists_agree_with_the_public_vocabulary_rows(warehouse: Path) -> None:
    # given the dataset's concept table of public rows / when the raw suites run on it
    con = duckdb.connect(str(warehouse))
    try:
        results = run_raw_checks(con, "raw", DATASET, "registry")
    finally:
        con.close()
    check = next(r for r in results if r.check_id == "concept.code_list_matches_vocabulary")
    # then every code-list entry has the dataset's id, code and name
    assert check.success, check.failing_keys
    assert [r.check_id for r in results if not r.success] == []
