"""Checks of the trial tables (CDISC ADaM: ADSL, ADQS, ADLB),
docs/data-quality.md#checks-on-trial-files.

Each check is a row (see `expectations.checks`). The baseline that ADQS checks compare with is
chosen by the dbt macros `int_trial__baselines` uses (macros/baselines.sql,
docs/derivations.md#trial-baselines): among scored records (PARAMCD mapped to a scale, no DTYPE,
AVAL and ADY present, ADY not 0), the ABLFL = 'Y' record, else the last record with ADY <= 1
(latest ADY, then latest file row). Flags and codes are compared as dbt staging reads them:
trimmed, PARAMCD and flags upper-cased.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.contracts import TABLES
from core.reference import (
    adlb_biomarkers,
    age_top_code,
    biomarker_maxima_text,
    biomarker_units_text,
    default_parameters,
    scale_ranges,
)
from expectations.checks import Between, Check, InSet, Rows, TableSuite, contract_checks
from expectations.dbt_macros import render
from expectations.relations import biomarker_units_relation, values_relation

FLAG_VALUES = ("Y", "N", "")
"""ADaM Y/N flags; blank is allowed (XPT files store a missing flag as an empty string)."""
SEX_VALUES = ("F", "M", "U", "UNDIFFERENTIATED")
"""CDISC controlled terminology for SEX (codelist C66731)."""
MAX_AGE = age_top_code()
"""HIPAA Safe Harbor: ages above it must be top-coded (docs/privacy.md#ages; dbt var
`age_top_code`)."""
BASELINE_COMPLETENESS = 0.9
SPONSOR_TOLERANCE = 0.001
"""BASE and CHG may differ from ours by rounding only."""


def _flag(table: str, column: str) -> Check:
    return Check(
        f"{table}.{column}_value",
        table,
        column,
        "conformance",
        "error",
        InSet(FLAG_VALUES),
        f"{column.upper()} must be Y, N or blank",
        f"Recode {column.upper()} to Y or N (blank when not applicable) and load again.",
    )


def _ady(table: str) -> Check:
    return Check(
        f"{table}.ady_not_null_or_zero",
        table,
        "ady",
        "conformance",
        "error",
        Rows(
            "select _row_number, _source_file, usubjid as failing_key "
            "from {batch} where ady is null or ady = 0"
        ),
        "ADY must not be null or 0 (CDISC study days skip day 0)",
        "Derive ADY from ADT and the first dose date (day 1 = first dose, day -1 = the day "
        "before) and load again.",
    )


def _in_adsl(table: str) -> Check:
    return Check(
        f"{table}.usubjid_in_adsl",
        table,
        "usubjid",
        "conformance",
        "error",
        Rows(
            "select b._row_number, b._source_file, b.usubjid as failing_key from {batch} as b "
            "anti join {adsl} as s on s.usubjid = b.usubjid where b.usubjid is not null"
        ),
        f"every {table.upper()} subject (USUBJID) must be in ADSL",
        "Add the subjects to ADSL or remove their records, then load again.",
    )


# ADQS records that carry a scale score, ranked as baseline candidates by the models' own rule
# (the dbt macros of macros/baselines.sql, rendered here: docs/derivations.md#trial-baselines).
_SCORED = (
    """
scored as (
    select
        b._row_number, b._source_file, b.usubjid, m.paramcd, m.scale, b.aval, b.ady, b.base,
        coalesce(upper(trim(b.ablfl)) = 'Y', false) as is_ablfl
    from {batch} as b
    inner join {score_map} as m on upper(trim(b.paramcd)) = m.paramcd
    where nullif(trim(b.dtype), '') is null
        and b.aval is not null and b.ady is not null and b.ady <> 0
),
candidates as (
    select
        *,
        """
    + render("trial_baseline_rank", "usubjid, scale", "is_ablfl", "ady", "_row_number")
    + """ as scale_rank,
        """
    + render("trial_baseline_rank", "usubjid, paramcd", "is_ablfl", "ady", "_row_number")
    + """ as paramcd_rank
    from scored
    where """
    + render("is_trial_baseline_candidate", "is_ablfl", "ady")
    + """
)"""
)

ADQS_CHECKS: tuple[Check, ...] = (
    _ady("adqs"),
    _flag("adqs", "ablfl"),
    _flag("adqs", "anl01fl"),
    _in_adsl("adqs"),
    Check(
        "adqs.score_in_scale_range",
        "adqs",
        "aval",
        "plausibility",
        "error",
        Rows(
            "select b._row_number, b._source_file, b.usubjid as failing_key, "
            "m.paramcd || ' = ' || b.aval || ' outside ' || m.scale || ' ' "
            "|| m.score_min || '-' || m.score_max as detail "
            "from {batch} as b inner join {score_map} as m on upper(trim(b.paramcd)) = m.paramcd "
            "where b.aval < m.score_min or b.aval > m.score_max"
        ),
        "AVAL of a scale total must lie within the scale's range (MADRS 0-60, HAMD17 0-52, "
        "QIDS_SR16 0-27, PHQ9 0-27; PARAMCD mapped by the dataset's `parameters`, else the "
        "default map)",
        "Correct the scores, or map the PARAMCD to the right scale in dataset.yml `parameters`.",
    ),
    Check(
        "adqs.one_baseline_per_subject_scale",
        "adqs",
        "ablfl",
        "plausibility",
        "error",
        Rows(
            "with" + _SCORED + ", "
            "duplicated as (select usubjid, scale from scored where is_ablfl "
            "group by usubjid, scale having count(*) > 1) "
            "select s._row_number, s._source_file, s.usubjid as failing_key, s.scale as detail "
            "from scored as s inner join duplicated as d using (usubjid, scale) "
            "where s.is_ablfl"
        ),
        "a subject must have at most one ABLFL = 'Y' record per scale",
        "Keep ABLFL = 'Y' on one baseline record per subject and scale (blank on the others).",
    ),
    Check(
        "adqs.baseline_completeness",
        "adqs",
        "ablfl",
        "completeness",
        "warn",
        Rows(
            "with" + _SCORED + ", "
            "population as (select distinct usubjid from {adsl} "
            "where upper(trim(saffl)) = 'Y'), "
            "scales as (select distinct scale from scored), "
            "completeness as (select s.scale, count(*) as n, count(c.usubjid) as n_baseline "
            "from population as p cross join scales as s "
            "left join candidates as c "
            "on c.usubjid = p.usubjid and c.scale = s.scale and c.scale_rank = 1 "
            "group by s.scale) "
            "select scale as failing_key, n_baseline || ' of ' || n || ' subjects (' "
            "|| round(100.0 * n_baseline / n, 1) || '%)' as detail "
            "from completeness where n_baseline < {threshold} * n",
            per_row=False,
        ),
        f"at least {BASELINE_COMPLETENESS:.0%} of the safety population (SAFFL = 'Y') should "
        "have a baseline for each scale the dataset scores",
        "Check that baseline visits were exported (ABLFL, or a record on or before day 1); "
        "subjects without a baseline are left out of every rate.",
        threshold=BASELINE_COMPLETENESS,
    ),
    Check(
        "adqs.baseline_not_zero",
        "adqs",
        "aval",
        "plausibility",
        "warn",
        Rows(
            "with" + _SCORED + " "
            "select _row_number, _source_file, usubjid as failing_key, scale as detail "
            "from candidates where scale_rank = 1 and aval = 0"
        ),
        "baselines should not be 0 (a baseline of 0 cannot halve: such episodes enter no rate)",
        "Check the baseline records shown; a true 0 means the subject was not depressed.",
    ),
    Check(
        "adqs.base_matches_derived",
        "adqs",
        "base",
        "plausibility",
        "warn",
        Rows(
            "with" + _SCORED + ", "
            "ours as (select usubjid, paramcd, aval as baseline from candidates "
            "where paramcd_rank = 1) "
            "select b._row_number, b._source_file, b.usubjid as failing_key, "
            "'BASE ' || b.base || ', ours ' || o.baseline as detail "
            "from {batch} as b inner join ours as o "
            "on o.usubjid = b.usubjid and o.paramcd = upper(trim(b.paramcd)) "
            "where b.base is not null and abs(b.base - o.baseline) > {threshold}"
        ),
        "the sponsor's BASE should equal our baseline (the ABLFL = 'Y' record, else the last "
        "record on or before day 1)",
        "Compare the sponsor's baseline definition with docs/derivations.md#trial-baselines; set "
        "ABLFL on the record the "
        "sponsor used if that is the intended baseline.",
        threshold=SPONSOR_TOLERANCE,
    ),
    Check(
        "adqs.chg_matches_aval_minus_base",
        "adqs",
        "chg",
        "plausibility",
        "warn",
        Rows(
            "select b._row_number, b._source_file, b.usubjid as failing_key, "
            "'CHG ' || b.chg || ', AVAL - BASE ' || (b.aval - b.base) as detail "
            "from {batch} as b inner join {score_map} as m on upper(trim(b.paramcd)) = m.paramcd "
            "where b.chg is not null and b.aval is not null and b.base is not null "
            "and abs(b.chg - (b.aval - b.base)) > {threshold}"
        ),
        "the sponsor's CHG should equal AVAL - BASE",
        "Check how the sponsor derived CHG; our change is always computed from AVAL and our "
        "baseline.",
        threshold=SPONSOR_TOLERANCE,
    ),
)

# ADLB records of a known biomarker, with their concept set.
_BIOMARKERS = (
    "marked as (select b.*, k.concept_set from {batch} as b "
    "inner join {adlb_biomarkers} as k on upper(trim(b.paramcd)) = k.paramcd "
    "where b.aval is not null) "
)

ADLB_CHECKS: tuple[Check, ...] = (
    _ady("adlb"),
    _flag("adlb", "ablfl"),
    _in_adsl("adlb"),
    Check(
        "adlb.unit_known",
        "adlb",
        "avalu",
        "conformance",
        "error",
        Rows(
            "with " + _BIOMARKERS + "select m._row_number, m._source_file, "
            "m.usubjid as failing_key, m.paramcd || ' in ' || coalesce(m.avalu, 'no unit') "
            "as detail from marked as m anti join {biomarker_units} as u "
            "on u.concept_set = m.concept_set and u.unit = lower(trim(m.avalu))"
        ),
        "biomarker units must be known (seed biomarker_units): " + biomarker_units_text(),
        "Convert the values to a known unit (or correct AVALU) and load again.",
    ),
    Check(
        "adlb.value_not_negative",
        "adlb",
        "aval",
        "plausibility",
        "error",
        Rows(
            "with " + _BIOMARKERS + "select _row_number, _source_file, usubjid as failing_key, "
            "paramcd || ' = ' || aval as detail from marked where aval < 0"
        ),
        "biomarker concentrations must not be negative",
        "Correct the values shown (a concentration below the detection limit is 0 or missing).",
    ),
    Check(
        "adlb.value_plausible",
        "adlb",
        "aval",
        "plausibility",
        "warn",
        Rows(
            "with " + _BIOMARKERS + "select m._row_number, m._source_file, "
            "m.usubjid as failing_key, m.paramcd || ' = ' || m.aval || ' ' || m.avalu "
            "as detail from marked as m "
            "inner join {biomarker_units} as u on u.concept_set = m.concept_set "
            "and u.unit = lower(trim(m.avalu)) "
            "where m.aval * u.factor_to_standard > u.plausible_max"
        ),
        "biomarker values should not exceed the marker's plausible maximum (seed biomarkers, in "
        "the standard unit): " + biomarker_maxima_text(),
        "Check the values shown: a unit mix-up (mg/dL reported as mg/L) is the usual cause.",
    ),
)

ADSL_CHECKS: tuple[Check, ...] = (
    Check(
        "adsl.sex_value",
        "adsl",
        "sex",
        "conformance",
        "error",
        InSet(SEX_VALUES),
        "SEX must be F, M, U or UNDIFFERENTIATED (CDISC controlled terminology)",
        "Recode SEX to the CDISC terms and load again.",
    ),
    *(_flag("adsl", c) for c in ("saffl", "ittfl", "fasfl", "trdfl")),
    Check(
        "adsl.age_at_most_90",
        "adsl",
        "age",
        "plausibility",
        "error",
        Between(0, MAX_AGE),
        f"AGE must lie between 0 and {MAX_AGE} (HIPAA Safe Harbor top-codes older ages at "
        f"{MAX_AGE})",
        f"Top-code AGE at {MAX_AGE} (set every age above {MAX_AGE} to {MAX_AGE}) before "
        "sharing the data.",
    ),
    Check(
        "adsl.nprfail_not_negative",
        "adsl",
        "nprfail",
        "plausibility",
        "error",
        Between(0, None),
        "NPRFAIL (failed adequate antidepressant trials) must not be negative",
        "Correct NPRFAIL on the rows shown.",
    ),
)


def suites() -> tuple[TableSuite, ...]:
    """The trial table suites: contract checks first, then the declared ones."""
    return (
        TableSuite("adsl", ("usubjid",), contract_checks(TABLES["adsl"]) + ADSL_CHECKS),
        TableSuite("adqs", ("usubjid",), contract_checks(TABLES["adqs"]) + ADQS_CHECKS),
        TableSuite("adlb", ("usubjid",), contract_checks(TABLES["adlb"]) + ADLB_CHECKS),
    )


def references(parameters: Mapping[str, str]) -> dict[str, str]:
    """Reference relations of the trial checks, given the dataset's own PARAMCD -> scale map."""
    ranges = scale_ranges()
    score_map = {**default_parameters(), **{k.upper(): v for k, v in parameters.items()}}
    return {
        "score_map": values_relation(
            [(p, s, *ranges[s]) for p, s in sorted(score_map.items()) if s in ranges],
            ("paramcd", "scale", "score_min", "score_max"),
        ),
        "adlb_biomarkers": values_relation(
            sorted(adlb_biomarkers().items()), ("paramcd", "concept_set")
        ),
        "biomarker_units": biomarker_units_relation(),
    }
