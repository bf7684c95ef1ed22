"""Checks of the marts (docs/outputs.md#marts), docs/data-quality.md#checks-on-the-marts: what the
reports would publish.

Each check is a row (see `expectations.checks`). Wilson intervals contain their rate exactly in
theory; a tolerance of 1e-9 absorbs floating-point rounding at rates of 0 and 1.
"""

from __future__ import annotations

from core.reference import treatment_classes
from expectations.checks import Between, Check, InSet, NotNull, Ordered, Rows, TableSuite

CI_TOLERANCE = 1e-9


def _rate_in_unit_interval(outcome: str) -> Check:
    return Check(
        f"response_rates.{outcome}_rate_in_unit_interval",
        "marts.response_rates",
        f"{outcome}_rate",
        "plausibility",
        "error",
        Between(0, 1),
        f"{outcome}_rate must lie in [0, 1]",
        f"Fix the {outcome} rate derivation in models/marts/response_rates.sql "
        "(a rate is a count over its denominator); run `trd build` again.",
    )


def _ci_contains_rate(outcome: str) -> Check:
    rate, low, high = f"{outcome}_rate", f"{outcome}_ci_low", f"{outcome}_ci_high"
    return Check(
        f"response_rates.{outcome}_ci_contains_rate",
        "marts.response_rates",
        rate,
        "plausibility",
        "error",
        Rows(
            "select concat_ws('/', treatment_class, scale, timepoint, analysis) as failing_key, "
            f"{low} || ' <= ' || {rate} || ' <= ' || {high} as detail from {{batch}} "
            f"where {rate} is not null and not (coalesce({low} <= {rate} + {{threshold}}, false) "
            f"and coalesce({rate} <= {high} + {{threshold}}, false))"
        ),
        f"the 95% CI of the {outcome} rate must contain the rate ({low} <= rate <= {high})",
        "Fix the Wilson interval (macros) or the columns passed to it; run `trd build` again.",
        threshold=CI_TOLERANCE,
    )


def _count_at_most_n(count: str) -> Check:
    return Check(
        f"response_rates.{count}_at_most_n",
        "marts.response_rates",
        count,
        "plausibility",
        "error",
        Ordered(low=count, high="n"),
        f"{count} must be <= n (a subset of the denominator)",
        f"Fix the {count} derivation so it counts only episodes of the denominator; run "
        "`trd build` again.",
    )


RESPONSE_RATES_CHECKS: tuple[Check, ...] = (
    _rate_in_unit_interval("response"),
    _rate_in_unit_interval("remission"),
    _ci_contains_rate("response"),
    _ci_contains_rate("remission"),
    _count_at_most_n("n_responders"),
    _count_at_most_n("n_remitters"),
    Check(
        "response_rates.n_positive",
        "marts.response_rates",
        "n",
        "plausibility",
        "error",
        Between(1, None),
        "n must be at least 1 (rows whose denominator would be 0 are left out, "
        "docs/outputs.md#response_rates)",
        "Filter rows with n = 0 out of models/marts/response_rates.sql; run `trd build` again.",
    ),
)


def cohort_episodes_checks() -> tuple[Check, ...]:
    return (
        Check(
            "cohort_episodes.treatment_class_not_null",
            "marts.cohort_episodes",
            "treatment_class",
            "completeness",
            "error",
            NotNull(),
            "every episode must have a treatment class",
            "Map the arm in dataset.yml `arms` (trial) or the drug in seeds/concept_sets.csv "
            "(registry); run `trd ingest` and `trd build` again.",
        ),
        Check(
            "cohort_episodes.treatment_class_value",
            "marts.cohort_episodes",
            "treatment_class",
            "conformance",
            "error",
            InSet(treatment_classes()),
            "treatment_class must be one of " + ", ".join(treatment_classes()),
            "Use a treatment class of docs/derivations.md#treatment-classes in dataset.yml `arms`; "
            "run `trd ingest` and `trd build` "
            "again.",
        ),
    )


EPISODE_OUTCOMES_CHECKS: tuple[Check, ...] = (
    Check(
        "episode_outcomes.baseline_not_zero",
        "marts.episode_outcomes",
        "baseline",
        "plausibility",
        "warn",
        Rows(
            "select distinct concat_ws('/', person_key, treatment_class, scale) as failing_key "
            "from {batch} where baseline = 0",
            per_row=False,
        ),
        "episode baselines should not be 0 (such episodes enter no rate, "
        "docs/derivations.md#trial-baselines)",
        "Check the baseline records of the episodes shown in the source data.",
    ),
)


def suites() -> tuple[TableSuite, ...]:
    """The mart suites, one per mart table."""
    return (
        TableSuite("cohort_episodes", ("person_key",), cohort_episodes_checks()),
        TableSuite(
            "response_rates",
            ("treatment_class", "scale", "timepoint", "analysis"),
            RESPONSE_RATES_CHECKS,
        ),
        TableSuite(
            "episode_outcomes",
            ("person_key", "treatment_class", "scale", "timepoint"),
            EPISODE_OUTCOMES_CHECKS,
        ),
    )
