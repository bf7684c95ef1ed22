"""Checks of the registry tables (OMOP CDM v5.4), docs/data-quality.md#checks-on-registry-files.

Each check is a row (see `expectations.checks`). Score and biomarker records are recognised as
`int_registry__concept_map` and `int_registry__clinical_records` recognise them, by the same dbt
macros (macros/concepts.sql: `concept_set_matches`, `record_matches_source_code`, rendered here
on the staged tables; seed `concept_sets`): the concept is a seed concept,
or the dataset's concept table gives it the seed's (vocabulary_id, concept_code), or it descends
from one of those in the dataset's concept_ancestor; a record with concept 0 or none matches when
its *_source_value is the seed's LOINC code. When the dataset ships its own `concept` table, every
code-list entry is also looked up there by id and by code: an id naming another concept or code,
or a code held by another id, is a warning that names both (a wrong code-list id, or another
vocabulary version).

"Has no match in another table" is written as DuckDB's `ANTI JOIN`, not `NOT EXISTS`: DuckDB 2.0
plans a correlated subquery as a delim join, 4x slower with an equality (person_id in person)
and 20x slower with a date range (14 M drug exposures against their observation periods: 9.5 s
against 0.5 s), and it cannot stop early under the sample's `limit`.
"""

from __future__ import annotations

from collections.abc import Callable

from core.contracts import TABLES
from core.reference import (
    age_top_code,
    biomarker_maxima_text,
    biomarker_units_text,
    concept_sets,
    scale_ranges,
)
from expectations.checks import Check, Ordered, Rows, TableSuite, contract_checks
from expectations.dbt_macros import render
from expectations.relations import biomarker_units_relation, values_relation

MAX_AGE = age_top_code()
"""Ages implied by year_of_birth above this are a warning (docs/privacy.md#ages: marts top-code
them; dbt var `age_top_code`)."""

EVENT_DATES: dict[str, str] = {
    "condition_occurrence": "condition_start_date",
    "drug_exposure": "drug_exposure_start_date",
    "measurement": "measurement_date",
    "observation": "observation_date",
    "procedure_occurrence": "procedure_date",
}
"""The date that places a record in time, per table (checked against observation periods)."""

KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "concept": ("concept_id",),
    "concept_ancestor": ("ancestor_concept_id", "descendant_concept_id"),
}
"""Row identifiers of the vocabulary tables; every other registry table has person_id."""


def _in_person(table: str) -> Check:
    return Check(
        f"{table}.person_id_in_person",
        table,
        "person_id",
        "conformance",
        "error",
        Rows(
            "select b._row_number, b._source_file, cast(b.person_id as string) as failing_key "
            "from {batch} as b anti join {person} as p on p.person_id = b.person_id "
            "where b.person_id is not null"
        ),
        f"every {table} person_id must be in person",
        "Export the person rows of these persons too (or drop their records) and load again.",
    )


def _within_observation(table: str, date: str) -> Check:
    return Check(
        f"{table}.within_observation_period",
        table,
        date,
        "plausibility",
        "warn",
        Rows(
            "select b._row_number, b._source_file, cast(b.person_id as string) as failing_key, "
            f"cast(b.{date} as string) as detail from {{batch}} as b "
            f"anti join {{observation_period}} as o on o.person_id = b.person_id and b.{date} "
            "between o.observation_period_start_date and o.observation_period_end_date "
            f"where b.{date} is not null"
        ),
        f"{date} should lie inside one of the person's observation periods (a few records outside "
        "are common in real exports)",
        "Usually nothing: records outside observation are not used for baselines or outcomes. "
        "Many of them suggest the observation_period table is incomplete.",
    )


def _end_after_start(table: str, start: str, end: str) -> Check:
    return Check(
        f"{table}.end_not_before_start",
        table,
        end,
        "plausibility",
        "error",
        Ordered(low=start, high=end),
        f"{end} must not be before {start}",
        f"Correct {end} (or {start}) on the rows shown and load again.",
    )


def _matched(prefix: str, sets: str) -> str:
    """CTE `marked`: the rows of `{batch}` whose concept (or source code) is in one of `sets`.

    The two routes cannot both match a row (concept sets hold no concept 0), hence `union all`.
    """
    columns = (
        "b._row_number, b._source_file, b.person_id, b.value_as_number, b.unit_source_value, "
        "b.unit_concept_id, c.concept_set"
    )
    by_source_code = render(
        "record_matches_source_code",
        f"b.{prefix}_concept_id",
        f"b.{prefix}_source_value",
        "c.concept_code",
    )
    return (
        f"marked as (select {columns} from {{batch}} as b "
        f"inner join {{{sets}}} as c on b.{prefix}_concept_id = c.concept_id "
        f"union all select {columns} from {{batch}} as b "
        f"inner join {{source_codes}} as c on {by_source_code}) "
    )


def _event_checks(table: str) -> tuple[Check, ...]:
    prefix = table  # measurement_concept_id, observation_source_value, ...
    return (
        _in_person(table),
        _within_observation(table, EVENT_DATES[table]),
        Check(
            f"{table}.score_in_scale_range",
            table,
            "value_as_number",
            "plausibility",
            "error",
            Rows(
                "with " + _matched(prefix, "registry_concepts") + "select distinct "
                "m._row_number, m._source_file, cast(m.person_id as string) as failing_key, "
                "r.scale || ' = ' || m.value_as_number as detail "
                "from marked as m inner join {score_ranges} as r using (concept_set) "
                "where m.value_as_number < r.score_min or m.value_as_number > r.score_max"
            ),
            "depression scale totals must lie within the scale's range (PHQ9 0-27, MADRS 0-60, "
            "HAMD17 0-52, QIDS_SR16 0-27)",
            "Correct the scores shown, or check that the concept is the scale's total score "
            "(not an item or a sub-score).",
        ),
        Check(
            f"{table}.biomarker_unit_known",
            table,
            "unit_source_value",
            "conformance",
            "error",
            Rows(
                "with " + _matched(prefix, "registry_concepts") + "select distinct "
                "m._row_number, m._source_file, cast(m.person_id as string) as failing_key, "
                "m.concept_set || ' in ' || coalesce(m.unit_source_value, "
                "'unit concept ' || m.unit_concept_id, 'no unit') as detail "
                "from marked as m anti join {biomarker_units} as u "
                "on u.concept_set = m.concept_set and (u.unit = lower(trim(m.unit_source_value)) "
                "or u.unit_concept_id = m.unit_concept_id) "
                "where m.concept_set in (select concept_set from {biomarker_units}) "
                "and m.value_as_number is not null"
            ),
            "biomarker units must be known (unit_source_value or unit_concept_id; seed "
            "biomarker_units): " + biomarker_units_text(),
            "Convert the values to a known unit (or fill in the unit) and load again.",
        ),
        Check(
            f"{table}.biomarker_not_negative",
            table,
            "value_as_number",
            "plausibility",
            "error",
            Rows(
                "with " + _matched(prefix, "registry_concepts") + "select distinct "
                "m._row_number, m._source_file, cast(m.person_id as string) as failing_key, "
                "m.concept_set || ' = ' || m.value_as_number as detail from marked as m "
                "where m.concept_set in (select concept_set from {biomarker_units}) "
                "and m.value_as_number < 0"
            ),
            "biomarker concentrations must not be negative",
            "Correct the values shown (a concentration below the detection limit is 0 or missing).",
        ),
        Check(
            f"{table}.biomarker_plausible",
            table,
            "value_as_number",
            "plausibility",
            "warn",
            Rows(
                "with " + _matched(prefix, "registry_concepts") + ", "
                # the unit's factor by unit_source_value, else by unit_concept_id (joins, not
                # correlated subqueries: see the module docstring)
                "by_concept as (select concept_set, unit_concept_id, "
                "max(factor_to_standard) as factor from {biomarker_units} group by all), "
                "maxima as (select concept_set, max(plausible_max) as plausible_max "
                "from {biomarker_units} group by all), "
                "converted as (select m.*, coalesce(u.factor_to_standard, c.factor) as factor, "
                "x.plausible_max from marked as m "
                "inner join maxima as x on x.concept_set = m.concept_set "
                "left join {biomarker_units} as u on u.concept_set = m.concept_set "
                "and u.unit = lower(trim(m.unit_source_value)) "
                "left join by_concept as c on c.concept_set = m.concept_set "
                "and c.unit_concept_id = m.unit_concept_id) "
                "select distinct _row_number, _source_file, cast(person_id as string) "
                "as failing_key, concept_set || ' = ' || value_as_number || ' ' || "
                "coalesce(unit_source_value, 'unit concept ' || unit_concept_id) as detail "
                "from converted where value_as_number * factor > plausible_max"
            ),
            "biomarker values should not exceed the marker's plausible maximum (seed biomarkers, "
            "in the standard unit): " + biomarker_maxima_text(),
            "Check the values shown: a unit mix-up (mg/dL reported as mg/L) is the usual cause.",
        ),
    )


CONCEPT_CHECKS: tuple[Check, ...] = (
    Check(
        "concept.code_list_matches_vocabulary",
        "concept",
        "concept_id",
        "conformance",
        "warn",
        Rows(
            "with found as ("
            # the entry's id: another name, or another vocabulary code
            "select b._row_number, b._source_file, s.*, b.concept_id as data_id, "
            "b.concept_name as data_name, b.vocabulary_id as data_vocabulary, "
            "b.concept_code as data_code from {batch} as b "
            "inner join {code_lists} as s on b.concept_id = s.concept_id "
            "where lower(trim(b.concept_name)) <> lower(trim(s.concept_name)) "
            "or (s.concept_code <> '' and (b.vocabulary_id is distinct from s.vocabulary_id "
            "or b.concept_code is distinct from s.concept_code)) "
            "union all "
            # the entry's vocabulary code: another id
            "select b._row_number, b._source_file, s.*, b.concept_id, b.concept_name, "
            "b.vocabulary_id, b.concept_code from {batch} as b "
            "inner join {code_lists} as s on b.vocabulary_id = s.vocabulary_id "
            "and b.concept_code = s.concept_code "
            "where s.concept_code <> '' and b.concept_id <> s.concept_id) "
            "select distinct _row_number, _source_file, "
            "concept_set || ' ' || concept_id as failing_key, "
            "'code list: ' || concept_id || ' \"' || concept_name || '\" (' || vocabulary_id "
            "|| ' ' || coalesce(nullif(concept_code, ''), 'no code') || '); dataset: ' "
            "|| data_id || ' \"' || coalesce(data_name, '') || '\" (' "
            "|| coalesce(data_vocabulary, '?') || ' ' || coalesce(data_code, '?') || ')' "
            "as detail from found"
        ),
        "each code-list entry (seed concept_sets) should be the same concept in the dataset's "
        "own concept table: its id with its name (case aside) and vocabulary code, and its code "
        "with its id",
        "Check which side is right: an older or local vocabulary may number the concept "
        "differently (the code still finds it) or name it differently, or the code list holds a "
        "wrong id; correct seeds/concept_sets.csv or the export's concept table.",
    ),
)
"""Checks of the dataset's own vocabulary against the code lists (docs/code-lists.md)."""


PERSON_CHECKS: tuple[Check, ...] = (
    Check(
        "person.implied_age_at_most_90",
        "person",
        "year_of_birth",
        "plausibility",
        "warn",
        Rows(
            "select p._row_number, p._source_file, cast(p.person_id as string) as failing_key, "
            "'born ' || p.year_of_birth || ', observed until ' "
            "|| coalesce(cast(o.last_date as string), 'today') as detail "
            "from {batch} as p left join (select person_id, "
            "max(observation_period_end_date) as last_date from {observation_period} "
            "group by person_id) as o using (person_id) "
            "where year(coalesce(o.last_date, current_date)) - p.year_of_birth > {threshold}"
        ),
        "ages implied by year_of_birth (at the end of the person's last observation period) "
        f"should not be above {MAX_AGE}",
        f"Nothing to do for the warehouse (marts and reports top-code ages at {MAX_AGE}); consider "
        "top-coding year_of_birth in the export (HIPAA Safe Harbor).",
        threshold=MAX_AGE,
    ),
)


def suites() -> tuple[TableSuite, ...]:
    """The registry table suites: contract checks first, then the declared ones."""
    declared: dict[str, tuple[Check, ...]] = {
        "person": PERSON_CHECKS,
        "observation_period": (
            _in_person("observation_period"),
            _end_after_start(
                "observation_period",
                "observation_period_start_date",
                "observation_period_end_date",
            ),
        ),
        "condition_occurrence": (
            _in_person("condition_occurrence"),
            _within_observation("condition_occurrence", EVENT_DATES["condition_occurrence"]),
        ),
        "drug_exposure": (
            _in_person("drug_exposure"),
            _end_after_start("drug_exposure", "drug_exposure_start_date", "drug_exposure_end_date"),
            _within_observation("drug_exposure", EVENT_DATES["drug_exposure"]),
        ),
        "measurement": _event_checks("measurement"),
        "observation": _event_checks("observation"),
        "procedure_occurrence": (
            _in_person("procedure_occurrence"),
            _within_observation("procedure_occurrence", EVENT_DATES["procedure_occurrence"]),
        ),
        "concept": CONCEPT_CHECKS,
        "concept_ancestor": (),
    }
    return tuple(
        TableSuite(
            name,
            KEY_COLUMNS.get(name, ("person_id",)),
            contract_checks(TABLES[name]) + checks,
        )
        for name, checks in declared.items()
    )


def references(relation: Callable[[str], str]) -> dict[str, str]:
    """Reference relations of the registry checks; `relation` names this dataset's tables."""
    rows = concept_sets()
    seed_rows = values_relation(
        [(r.concept_set, r.concept_id, r.vocabulary_id, r.concept_code or None) for r in rows],
        ("concept_set", "seed_concept_id", "vocabulary_id", "concept_code"),
    )
    # the dbt model's macro on this one dataset (its dataset_id is a constant here)
    matches = render(
        "concept_set_matches",
        "(select 'this' as dataset_id)",
        seed_rows,
        "(select 'this' as dataset_id, concept_id, vocabulary_id, concept_code "
        f"from {relation('concept')})",
        "(select 'this' as dataset_id, ancestor_concept_id, descendant_concept_id "
        f"from {relation('concept_ancestor')})",
    )
    registry_concepts = f"(select distinct concept_set, concept_id from ({matches}) as m)"
    ranges = scale_ranges()
    return {
        "registry_concepts": registry_concepts,
        "code_lists": values_relation(
            [
                (r.concept_set, r.concept_id, r.concept_name, r.vocabulary_id, r.concept_code)
                for r in rows
            ],
            ("concept_set", "concept_id", "concept_name", "vocabulary_id", "concept_code"),
        ),
        "source_codes": values_relation(
            sorted(
                {(r.concept_set, r.concept_code) for r in rows if r.vocabulary_id == "LOINC"}
                - {(r.concept_set, "") for r in rows}
            ),
            ("concept_set", "concept_code"),
        ),
        "score_ranges": values_relation(
            [
                (f"{scale.lower()}_total", scale, lo, hi)
                for scale, (lo, hi) in sorted(ranges.items())
            ],
            ("concept_set", "scale", "score_min", "score_max"),
        ),
        "biomarker_units": biomarker_units_relation(),
    }
