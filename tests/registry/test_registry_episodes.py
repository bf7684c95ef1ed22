"""The registry cohort (docs/derivations.md#registry-cohort) end to end on a hand-made OMOP
dataset: raw rows -> dbt -> episodes,
baselines, assessments and attrition.

Every person exercises one rule. The common history ("TRD history"): an observation period from
2015, an MDD diagnosis in 2019, and two failed adequate antidepressant trials in the 730 days
before the usual index 2022-06-15 (fluoxetine 2021-01-01..03-31 and citalopram
2021-05-01..07-31, 90 and 92 days). Drugs are recorded as clinical drugs where the rule is about
the concept_ancestor rollup, and at ingredient level elsewhere. ECT is recorded in
procedure_occurrence, the TRD exclusions in condition_occurrence.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from registry_omop import (
    BIPOLAR,
    CITALOPRAM,
    ECT,
    ESKETAMINE,
    ESKETAMINE_PRODUCT,
    FLUOXETINE,
    KETAMINE,
    MADRS_TOTAL,
    MDD,
    PHQ9_TOTAL,
    PSYCHOTIC_DISORDER,
    QUETIAPINE,
    SERTRALINE,
    SERTRALINE_100MG_TABLET,
    OmopBuilder,
    built_warehouse,
)
from support.warehouse import query

DATASET = "REG-TEST"


def build_dataset() -> OmopBuilder:
    """The persons of the module docstring, one rule each."""
    omop = OmopBuilder()
    # 1: qualifies for a ketamine episode; PHQ-9 and MADRS baselines.
    p = omop.person(1, year_of_birth=1980, female=True)
    omop.trd_history(p)
    omop.drug(p, KETAMINE, "2022-06-15")
    omop.observation(p, PHQ9_TOTAL, "2022-06-01", 20)
    omop.observation(p, PHQ9_TOTAL, "2022-07-13", 8)
    omop.measurement(p, MADRS_TOTAL, "2022-06-14", 30)
    # 2: no MDD diagnosis at all.
    p = omop.person(2)
    omop.trd_history(p, mdd_date=None)
    omop.drug(p, KETAMINE, "2022-06-15")
    # 3: MDD diagnosed the day after the ketamine index (and after every other candidate).
    p = omop.person(3)
    omop.trd_history(p, mdd_date="2022-06-16")
    omop.drug(p, KETAMINE, "2022-06-15")
    # 4: observation period began index - 364 days.
    p = omop.person(4)
    omop.trd_history(p, observation_start="2021-06-16")
    omop.drug(p, KETAMINE, "2022-06-15")
    # 5: the second trial lasted 41 days: one failed adequate trial only.
    p = omop.person(5)
    omop.trd_history(p, citalopram_end="2021-06-10")
    omop.drug(p, KETAMINE, "2022-06-15")
    # 6: ketamine 2021-07-01 (one failure then) blocks the 2022-06-15 ketamine as a new use.
    p = omop.person(6)
    omop.trd_history(p)
    omop.drug(p, KETAMINE, "2021-07-01")
    omop.drug(p, KETAMINE, "2022-06-15")
    # 7: sertraline as a clinical drug (rolls up through concept_ancestor), 30 days' supply and
    #    no end date; then ketamine: two episodes of two classes. The ketamine baseline is a
    #    Synthea-style PHQ-9 row (concept 0, LOINC in the source value).
    p = omop.person(7)
    omop.trd_history(p)
    omop.drug(p, SERTRALINE_100MG_TABLET, "2022-06-15", end=None, days_supply=30)
    omop.drug(p, KETAMINE, "2022-08-01")
    omop.measurement(p, PHQ9_TOTAL, "2022-06-10", 15)
    omop.observation(p, 0, "2022-07-20", 12, source_value="44261-6")
    # 8: new sertraline era; its own earlier sertraline trial does not count: one failure.
    p = omop.person(8)
    omop.trd_history(p, citalopram=False)
    omop.drug(p, SERTRALINE, "2020-07-01", end="2020-09-30")
    omop.drug(p, SERTRALINE, "2022-06-15", end="2022-09-15")
    # 9: esketamine found through the dataset's own vocabulary, which numbers RxNorm 2119365
    #    differently (matched by code); born 1925 (age 97 -> 90); male.
    p = omop.person(9, year_of_birth=1925, female=False)
    omop.trd_history(p)
    omop.drug(p, ESKETAMINE_PRODUCT, "2022-06-15")
    omop.observation(p, PHQ9_TOTAL, "2022-06-15", 17)
    # 10: qualifies, but PHQ-9 only at day -31 and day 1: no baseline.
    p = omop.person(10)
    omop.trd_history(p)
    omop.drug(p, KETAMINE, "2022-06-15")
    omop.observation(p, PHQ9_TOTAL, "2022-05-15", 19)
    omop.observation(p, PHQ9_TOTAL, "2022-06-16", 11)
    # 11: quetiapine augmentation.
    p = omop.person(11)
    omop.trd_history(p)
    omop.drug(p, QUETIAPINE, "2022-06-15", end="2022-09-15")
    omop.observation(p, PHQ9_TOTAL, "2022-06-05", 21)
    # 12: qualifies for ketamine but has a bipolar disorder record years before: excluded.
    p = omop.person(12)
    omop.trd_history(p)
    omop.condition(p, BIPOLAR, "2020-01-01")
    omop.drug(p, KETAMINE, "2022-06-15")
    # 13: an ECT course (three sessions) is an ECT episode; PHQ-9 baseline.
    p = omop.person(13)
    omop.trd_history(p)
    omop.procedure(p, ECT, "2022-06-15", "2022-06-17", "2022-06-20")
    omop.observation(p, PHQ9_TOTAL, "2022-06-13", 23)
    # 14: a psychotic disorder first recorded after the ketamine index does not exclude; no
    #     score, so no baseline.
    p = omop.person(14)
    omop.trd_history(p)
    omop.drug(p, KETAMINE, "2022-06-15")
    omop.condition(p, PSYCHOTIC_DISORDER, "2022-07-01")
    return omop


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Given the hand-made dataset loaded into raw, when the registry models are built."""
    return built_warehouse(tmp_path_factory.mktemp("registry_episodes"), {DATASET: build_dataset()})


def test_only_qualifying_candidates_become_episodes_one_per_person_and_class(
    warehouse: Path,
) -> None:
    rows = query(
        warehouse,
        """select person_key, treatment_class, treatment, index_date, prior_failures, age, sex,
                  source, episode_key, index_day, is_trd
           from intermediate.int_registry__episodes order by person_key::int, index_date""",
    )
    assert [r[:5] for r in rows] == [
        ("1", "ketamine", "ketamine", date(2022, 6, 15), 2),
        ("7", "standard_ad", "sertraline", date(2022, 6, 15), 2),
        ("7", "ketamine", "ketamine", date(2022, 8, 1), 2),
        ("9", "esketamine", "esketamine", date(2022, 6, 15), 2),
        ("10", "ketamine", "ketamine", date(2022, 6, 15), 2),
        ("11", "augmentation", "quetiapine", date(2022, 6, 15), 2),
        ("13", "ect", "electroconvulsive therapy", date(2022, 6, 15), 2),
        ("14", "ketamine", "ketamine", date(2022, 6, 15), 2),
    ]
    assert all(r[7] == "registry" and r[9] is None and r[10] is True for r in rows)
    assert rows[0][8] == f"{DATASET}:1:ketamine"


def test_age_is_top_coded_at_90_and_sex_comes_from_gender_concept(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select person_key, age, sex from intermediate.int_registry__episodes "
        "where person_key in ('1', '9')",
    )
    assert sorted(rows) == [("1", 42, "F"), ("9", 90, "M")]


def test_baseline_is_the_last_score_in_the_30_days_up_to_index(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select episode_key, scale, baseline from intermediate.int_registry__baselines "
        "order by episode_key, scale",
    )
    assert sorted(rows) == sorted(
        [
            (f"{DATASET}:1:ketamine", "MADRS", 30.0),
            (f"{DATASET}:1:ketamine", "PHQ9", 20.0),
            (f"{DATASET}:11:augmentation", "PHQ9", 21.0),
            (f"{DATASET}:13:ect", "PHQ9", 23.0),
            (f"{DATASET}:7:ketamine", "PHQ9", 12.0),
            (f"{DATASET}:7:standard_ad", "PHQ9", 15.0),
            (f"{DATASET}:9:esketamine", "PHQ9", 17.0),
        ]
    )


def test_assessments_carry_day_after_index_for_each_episode_of_a_person(warehouse: Path) -> None:
    rows = query(
        warehouse,
        """select episode_key, scale, study_day, value, is_anl01, visit_timepoint
           from intermediate.int_registry__assessments
           where episode_key like '%:7:%' or episode_key like '%:1:%'
           order by episode_key, study_day, scale""",
    )
    assert rows == [
        (f"{DATASET}:1:ketamine", "PHQ9", -14, 20.0, False, None),
        (f"{DATASET}:1:ketamine", "MADRS", -1, 30.0, False, None),
        (f"{DATASET}:1:ketamine", "PHQ9", 28, 8.0, False, None),
        (f"{DATASET}:7:ketamine", "PHQ9", -52, 15.0, False, None),
        (f"{DATASET}:7:ketamine", "PHQ9", -12, 12.0, False, None),
        (f"{DATASET}:7:standard_ad", "PHQ9", -5, 15.0, False, None),
        (f"{DATASET}:7:standard_ad", "PHQ9", 35, 12.0, False, None),
    ]


def test_attrition_counts_persons_step_by_step(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select step, n_remaining, n_excluded from intermediate.int_registry__attrition "
        f"where dataset_id = '{DATASET}' order by step",
    )
    assert rows == [
        (1, 14, 0),  # persons
        (2, 13, 1),  # person 2: no MDD
        (3, 12, 1),  # person 3: MDD only after every candidate index
        (4, 11, 1),  # person 4: 364 days of prior observation
        (5, 8, 3),  # persons 5, 6, 8: fewer than 2 failed trials at any new-user index
        (6, 7, 1),  # person 12: bipolar disorder before index (14's psychosis came after)
        (7, 7, 0),  # one episode per person and class
        (8, 5, 2),  # persons 10 and 14: no baseline score
    ]


def test_eras_roll_clinical_drugs_up_and_fall_back_to_days_supply(warehouse: Path) -> None:
    rows = query(
        warehouse,
        """select drug_key, ingredient, era_start_date, era_end_date, era_days
           from intermediate.int_registry__drug_eras
           where person_id = 7 and treatment_class = 'standard_ad' order by era_start_date""",
    )
    assert rows == [
        (str(FLUOXETINE), "fluoxetine", date(2021, 1, 1), date(2021, 3, 31), 90),
        (str(CITALOPRAM), "citalopram", date(2021, 5, 1), date(2021, 7, 31), 92),
        (str(SERTRALINE), "sertraline", date(2022, 6, 15), date(2022, 7, 14), 30),
    ]


def test_mdd_descendant_and_ingredient_level_codes_are_in_the_concept_map(warehouse: Path) -> None:
    rows = query(
        warehouse,
        f"""select concept_id, concept_set, seed_concept_id, match_route
            from intermediate.int_registry__concept_map
            where dataset_id = '{DATASET}'
              and concept_id in ({MDD}, {SERTRALINE}, {SERTRALINE_100MG_TABLET},
                                 {ESKETAMINE_PRODUCT})
            order by concept_id""",
    )
    assert rows == sorted(
        [
            (MDD, "mdd", MDD, "seed"),
            (SERTRALINE, "standard_ad", SERTRALINE, "seed"),
            (SERTRALINE_100MG_TABLET, "standard_ad", SERTRALINE, "ancestor"),
            (ESKETAMINE_PRODUCT, "esketamine", ESKETAMINE, "ancestor"),
        ]
    )


def test_ect_sessions_form_one_course_and_exclusions_are_flagged_at_the_index(
    warehouse: Path,
) -> None:
    courses = query(
        warehouse,
        "select person_id, course_start_date, course_end_date, n_sessions "
        "from intermediate.int_registry__ect_courses",
    )
    flags = query(
        warehouse,
        "select person_id, drug_key, has_exclusion "
        "from intermediate.int_registry__candidate_criteria "
        "where person_id in (12, 14) and drug_key = 'ketamine' order by person_id",
    )
    assert courses == [(13, date(2022, 6, 15), date(2022, 6, 20), 3)]
    assert flags == [(12, "ketamine", True), (14, "ketamine", False)]
