"""The demo registry holds what the registry rules (docs/derivations.md#registry-cohort) need to
find, and what it must not count.

Episodes and rates are those of the demo's real build (marts.cohort_episodes,
marts.response_rates, marts.episode_outcomes: the docs/derivations.md rules in dbt), so these tests
check what the pipeline finds in the data, not the generator's intentions; the rest is read from
the generated files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
from demo_files import read_table

from demo import concepts as cx
from demo.concepts import LOCAL_DRUG_ID_START, Vocabulary

REGISTRY = "REGISTRY-OMOP"
Rates = Callable[..., dict[str, tuple[int, float, float]]]


def _phq9(vocab: Vocabulary) -> int:
    return vocab.first("phq9_total").concept_id


def test_registry_has_trd_qualifying_and_non_qualifying_persons(
    demo: dict[str, Path], episodes: pl.DataFrame
) -> None:
    # given the 5,000 persons, every one of whom starts an index treatment
    persons = read_table(demo["REGISTRY-OMOP"], "person").height
    # when the build applies docs/derivations.md#qualification / then a sizeable share qualifies
    # and many do not
    qualifying = episodes["person_id"].n_unique() / persons
    assert 0.35 <= qualifying <= 0.60
    classes = dict(episodes.group_by("class").len().iter_rows())
    assert set(classes) == {"ketamine", "esketamine", "standard_ad", "augmentation", "ect"}
    assert min(n for c, n in classes.items() if c != "ect") >= 300
    assert classes["ect"] >= 150  # ECT: 10% of index treatments


def test_registry_d28_response_by_class_matches_the_literature(rates: Rates) -> None:
    # when the build computes day-28 PHQ-9 response (observed cases) of qualifying episodes
    d28 = rates(REGISTRY, "PHQ9", "D28", "oc")
    # then ketamine ~45-55%, esketamine ~40-50%, a new standard AD ~25-35%, ECT ~40-60%
    assert 0.45 <= d28["ketamine"][1] <= 0.55
    assert 0.40 <= d28["esketamine"][1] <= 0.50
    assert 0.25 <= d28["standard_ad"][1] <= 0.35
    assert 0.40 <= d28["ect"][1] <= 0.60
    assert min(n for c, (n, _, _) in d28.items() if c != "ect") >= 250
    assert d28["ect"][0] >= 100


def test_ketamine_and_esketamine_act_within_days_standard_ads_over_weeks(rates: Rates) -> None:
    h24, d7, w2 = (rates(REGISTRY, "PHQ9", t, "oc") for t in ("H24", "D7", "W2"))
    # then a large share responds at 24 h/day 7 on ketamine, almost none on a standard AD yet
    assert h24["ketamine"][1] >= 0.30 and d7["ketamine"][1] >= 0.35
    assert d7["esketamine"][1] >= 0.15
    assert "standard_ad" not in h24  # nobody is rated the day after an oral AD start
    assert d7["standard_ad"][1] <= 0.05 and w2["standard_ad"][1] <= 0.15


def test_registry_ketamine_response_is_higher_when_inflamed(
    demo: dict[str, Path], vocab: Vocabulary, outcomes: Callable[..., pl.DataFrame]
) -> None:
    # given baseline CRP (converted to mg/L) and IL-6 of persons with a ketamine episode
    folder = demo["REGISTRY-OMOP"]
    crp_ids = [c.concept_id for c in vocab.sets["crp"]]
    labs = (
        read_table(folder, "measurement")
        .filter(pl.col("measurement_concept_id").is_in([*crp_ids, vocab.first("il6").concept_id]))
        .with_columns(
            value=pl.when(pl.col("unit_source_value") == "mg/dL")
            .then(pl.col("value_as_number") * 10)
            .otherwise("value_as_number"),
            marker=pl.when(pl.col("measurement_concept_id").is_in(crp_ids))
            .then(pl.lit("crp"))
            .otherwise(pl.lit("il6")),
        )
        .pivot(on="marker", index="person_id", values="value", aggregate_function="first")
        .select(
            person_key=pl.col("person_id").cast(pl.String),
            inflamed=(pl.col("crp") >= 3) | (pl.col("il6").fill_null(0) >= 3),
        )
    )
    # when splitting the build's day-28 PHQ-9 responses (observed cases) by inflammation
    rows = outcomes(REGISTRY, "PHQ9", "D28").join(labs, on="person_key")
    split = {
        (r["class"], r["inflamed"]): r["responder"]
        for r in rows.group_by("class", "inflamed")
        .agg(pl.col("responder").mean())
        .iter_rows(named=True)
    }
    # then ketamine responds clearly better when inflamed; a standard AD does not
    assert split["ketamine", True] - split["ketamine", False] >= 0.15
    assert abs(split["standard_ad", True] - split["standard_ad", False]) <= 0.10


def test_drug_exposures_are_clinical_drugs_rolling_up_to_seed_ingredients(
    demo: dict[str, Path], vocab: Vocabulary
) -> None:
    folder = demo["REGISTRY-OMOP"]
    drugs = read_table(folder, "drug_exposure")
    concept = read_table(folder, "concept")
    ancestor = read_table(folder, "concept_ancestor")
    ingredients = {
        c.concept_id
        for s in ("ketamine", "esketamine", "standard_ad", "augmentation")
        for c in vocab.sets[s]
    }
    used = set(drugs["drug_concept_id"])
    # then every drug is a clinical drug: the public ones where their OMOP id could be checked,
    # else a local one of the 'TRD Demo' vocabulary ...
    rows = concept.filter(pl.col("concept_id").is_in(list(used)))
    assert rows.height == len(used)
    assert set(rows["concept_class_id"]) == {"Clinical Drug"}
    assert set(rows["vocabulary_id"]) == {"RxNorm", "TRD Demo"}
    assert {739207, 19077463, 715294} <= used  # sertraline, fluoxetine, duloxetine products
    local = rows.filter(pl.col("vocabulary_id") == "TRD Demo")["concept_id"]
    assert local.min() >= LOCAL_DRUG_ID_START
    # ... with exactly one ingredient ancestor from the seed's drug sets, but for the one
    # ketamine product left out of concept_ancestor on purpose (an orphan)
    parents = ancestor.filter(
        pl.col("descendant_concept_id").is_in(list(used))
        & (pl.col("min_levels_of_separation") == 1)
    )
    assert set(parents["descendant_concept_id"]) == used - {vocab.orphan.concept_id}
    assert parents.height == len(used) - 1
    assert set(parents["ancestor_concept_id"]) <= ingredients
    assert vocab.orphan.concept_id in used and "ketamine" in vocab.orphan.name


def test_some_exposures_have_no_end_date_but_a_days_supply(demo: dict[str, Path]) -> None:
    drugs = read_table(demo["REGISTRY-OMOP"], "drug_exposure")
    no_end = drugs.filter(pl.col("drug_exposure_end_date").is_null())
    assert 0.05 <= no_end.height / drugs.height <= 0.20
    assert no_end["days_supply"].null_count() == 0


def test_refill_gaps_both_merge_and_split_eras(demo: dict[str, Path]) -> None:
    # given oral fills of the same drug per person, in date order
    gaps = (
        read_table(demo["REGISTRY-OMOP"], "drug_exposure")
        .filter(pl.col("days_supply") == 30)
        .sort("person_id", "drug_source_value", "drug_exposure_start_date")
        .with_columns(
            gap=(
                pl.col("drug_exposure_start_date")
                - (pl.col("drug_exposure_start_date") + pl.duration(days=29)).shift(1)
            )
            .dt.total_days()
            .over("person_id", pl.col("drug_source_value").str.split(" ").list.first())
        )["gap"]
        .drop_nulls()
    )
    # then some refills come 6-30 days late (still one era) and some > 30 days late (new era)
    assert ((gaps > 5) & (gaps <= 30)).sum() > 500
    assert (gaps > 30).sum() > 100


def test_a_few_records_fall_outside_observation_periods(demo: dict[str, Path]) -> None:
    folder = demo["REGISTRY-OMOP"]
    periods = read_table(folder, "observation_period")
    conditions = read_table(folder, "condition_occurrence").with_row_index("row")
    inside = conditions.join(periods, on="person_id").filter(
        pl.col("condition_start_date").is_between(
            pl.col("observation_period_start_date"), pl.col("observation_period_end_date")
        )
    )
    outside = conditions.height - inside["row"].n_unique()
    assert 0 < outside / conditions.height < 0.05


def test_a_few_persons_imply_an_age_above_90(demo: dict[str, Path], episodes: pl.DataFrame) -> None:
    person = read_table(demo["REGISTRY-OMOP"], "person")
    ages = episodes.join(person, on="person_id").select(
        age=pl.col("index_date").dt.year() - pl.col("year_of_birth")
    )["age"]
    assert 1 <= (ages > 90).sum() <= 0.01 * ages.len()
    assert ages.min() >= 17


def test_some_persons_have_no_mdd_diagnosis(demo: dict[str, Path], vocab: Vocabulary) -> None:
    folder = demo["REGISTRY-OMOP"]
    mdd = [c.concept_id for c in vocab.sets["mdd"]]
    diagnosed = read_table(folder, "condition_occurrence").filter(
        pl.col("condition_concept_id").is_in(mdd)
    )
    share = 1 - diagnosed["person_id"].n_unique() / read_table(folder, "person").height
    assert 0.02 <= share <= 0.08


def test_most_index_treatments_have_a_phq9_baseline_in_the_30_days_before(
    demo: dict[str, Path], episodes: pl.DataFrame, vocab: Vocabulary
) -> None:
    scores = read_table(demo["REGISTRY-OMOP"], "observation").filter(
        pl.col("observation_concept_id") == _phq9(vocab)
    )
    ketamine = episodes.filter(pl.col("class") == "ketamine")
    with_baseline = (
        ketamine.join(scores, on="person_id")
        .filter(
            (pl.col("observation_date") <= pl.col("index_date"))
            & (pl.col("observation_date") >= pl.col("index_date") - pl.duration(days=30))
        )["person_id"]
        .n_unique()
    )
    assert 0.85 <= with_baseline / ketamine.height <= 0.97


def test_exclusions_before_index_remove_episodes_and_later_ones_do_not(
    demo: dict[str, Path], episodes: pl.DataFrame, vocab: Vocabulary
) -> None:
    # given bipolar, schizophrenia and psychotic-disorder records of the seed's trd_exclusion
    folder = demo["REGISTRY-OMOP"]
    ids = [c.concept_id for c in vocab.sets["trd_exclusion"]]
    records = read_table(folder, "condition_occurrence").filter(
        pl.col("condition_concept_id").is_in(ids)
    )
    first = records.group_by("person_id").agg(first=pl.col("condition_start_date").min())
    assert set(records["condition_concept_id"]) == set(ids)
    # then no episode starts on or after such a record, and some start before one
    joined = episodes.join(first, on="person_id")
    assert joined.filter(pl.col("first") <= pl.col("index_date")).height == 0
    assert joined.filter(pl.col("first") > pl.col("index_date"))["person_id"].n_unique() >= 20
    assert 0.04 <= records["person_id"].n_unique() / read_table(folder, "person").height <= 0.10


def test_ect_sessions_are_procedures_under_the_seed_ect_concept(
    demo: dict[str, Path], episodes: pl.DataFrame, vocab: Vocabulary
) -> None:
    folder = demo["REGISTRY-OMOP"]
    ect = vocab.first("ect").concept_id
    procedures = read_table(folder, "procedure_occurrence")
    ancestor = read_table(folder, "concept_ancestor").filter(pl.col("ancestor_concept_id") == ect)
    # then ECT sessions use the seed concept and the site's own code below it, and other
    # procedures (psychotherapy) are there too
    assert set(ancestor["descendant_concept_id"]) == {ect, cx.ECT_BILATERAL}
    assert set(procedures["procedure_concept_id"]) == {ect, cx.ECT_BILATERAL, cx.PSYCHOTHERAPY}
    # and every ECT episode starts on a session day
    sessions = procedures.filter(pl.col("procedure_concept_id") != cx.PSYCHOTHERAPY).select(
        "person_id", index_date="procedure_date"
    )
    ect_episodes = episodes.filter(pl.col("class") == "ect")
    assert ect_episodes.join(sessions, on=["person_id", "index_date"]).height == ect_episodes.height


def test_the_vocabulary_has_orphans_for_the_diagnostics_to_find(
    demo: dict[str, Path], vocab: Vocabulary
) -> None:
    # given the concepts in the data that are named like a code-list entry but have no ancestor
    folder = demo["REGISTRY-OMOP"]
    concept = read_table(folder, "concept")
    descendants = set(read_table(folder, "concept_ancestor")["descendant_concept_id"])
    orphans = concept.filter(
        pl.col("concept_id").is_in([vocab.orphan.concept_id, cx.BIPOLAR_IN_REMISSION])
    )
    # then both are in the data, named with every word of their entry, and not rolled up
    assert sorted(orphans["concept_name"]) == [
        "Bipolar disorder in remission",
        "ketamine 10 MG/ML Injectable Solution",
    ]
    assert not set(orphans["concept_id"]) & descendants
    drugs = read_table(folder, "drug_exposure")
    conditions = read_table(folder, "condition_occurrence")
    assert drugs.filter(pl.col("drug_concept_id") == vocab.orphan.concept_id).height > 0
    assert conditions.filter(pl.col("condition_concept_id") == cx.BIPOLAR_IN_REMISSION).height > 0
