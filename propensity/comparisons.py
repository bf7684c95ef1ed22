"""Every comparison of a table of comparison populations at once: the three steps the dbt
Python models call (weights, balance, estimates), one pandas frame in and one out each.

A comparison is one dataset, scale, timepoint and analysis, and a class against the dataset's
reference class (`KEYS`); its population is the episodes that analysis counts (the same
denominators as marts.response_rates), one row per episode with `is_treated` (the compared
class), the outcome flags and the covariates. Rows are sorted by comparison and person before
anything is computed, so the same data give the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from propensity import balance, estimates, model

KEYS = ("dataset_id", "scale", "timepoint", "analysis", "treatment_class", "reference_class")
EPISODE = "person_key"
OUTCOMES = {"response": "is_responder", "remission": "is_remitter"}


class PopulationError(ValueError):
    """The comparison populations cannot be adjusted as given (a missing or null covariate)."""


@dataclass(frozen=True)
class Covariate:
    """A covariate of the propensity model and the balance table (seed adjustment_covariates)."""

    name: str
    binary: bool


def covariates_from_seed(seed: pd.DataFrame) -> list[Covariate]:
    """The seed's rows in its sort order; `kind` is binary or continuous."""
    rows = seed.sort_values(["sort_order", "covariate"])
    return [Covariate(str(r.covariate), r.kind == "binary") for r in rows.itertuples()]


def weigh(
    population: pd.DataFrame,
    covariates: Sequence[Covariate],
    truncation_percentiles: tuple[float, float],
) -> pd.DataFrame:
    """The population with each comparison's propensity score, stabilised ATE weight, that
    weight truncated at the percentiles, and the common-support (overlap) flag."""
    _check(population, covariates)
    frame = (
        population.astype(dict.fromkeys((*KEYS, EPISODE), "string"))
        .sort_values([*KEYS, EPISODE], kind="stable")
        .reset_index(drop=True)
    )
    n = len(frame)
    columns = {
        "propensity_score": np.full(n, np.nan),
        "stabilised_weight": np.full(n, np.nan),
        "weight": np.full(n, np.nan),
        "overlap_low": np.full(n, np.nan),
        "overlap_high": np.full(n, np.nan),
        "weight_truncation_low": np.full(n, np.nan),
        "weight_truncation_high": np.full(n, np.nan),
    }
    status = np.full(n, "", dtype=object)
    binary = frozenset(c.name for c in covariates if c.binary)
    is_treated = frame["is_treated"].to_numpy(bool)
    matrix = {c.name: frame[c.name].to_numpy(float) for c in covariates}
    for rows in _comparisons(frame):
        treated = is_treated[rows]
        values = {name: x[rows] for name, x in matrix.items()}
        fit = model.fit_propensity(values, treated, binary)
        status[rows] = fit.status.value
        if fit.status is not model.FitStatus.FITTED:
            continue
        stabilised = model.stabilised_ate_weights(fit.scores, treated)
        low, high = model.truncation_bounds(stabilised, *truncation_percentiles)
        overlap = model.overlap_bounds(fit.scores, treated)
        columns["propensity_score"][rows] = fit.scores
        columns["stabilised_weight"][rows] = stabilised
        columns["weight"][rows] = np.clip(stabilised, low, high)
        columns["overlap_low"][rows], columns["overlap_high"][rows] = overlap
        columns["weight_truncation_low"][rows] = low
        columns["weight_truncation_high"][rows] = high
    out = frame.assign(ps_status=pd.Series(status, dtype="string"), **columns)
    fitted = out["ps_status"] == model.FitStatus.FITTED.value
    score = out["propensity_score"]
    out["in_overlap"] = pd.Series(
        np.where(fitted, (score >= out["overlap_low"]) & (score <= out["overlap_high"]), pd.NA),
        dtype="boolean",
    )
    out["is_weight_truncated"] = pd.Series(
        np.where(fitted, out["weight"] != out["stabilised_weight"], pd.NA), dtype="boolean"
    )
    return out


def balance_table(weighted: pd.DataFrame, covariates: Sequence[Covariate]) -> pd.DataFrame:
    """One row per comparison and covariate: group means and SMD before weighting, and after
    weighting with the truncated weights (null after when the comparison has no weights)."""
    rows: list[dict[str, object]] = []
    for index in _comparisons(weighted):
        part = weighted.iloc[index]
        treated = part["is_treated"].to_numpy(bool)
        fitted = part["ps_status"].iloc[0] == model.FitStatus.FITTED.value
        weights = part["weight"].to_numpy(float)
        for position, covariate in enumerate(covariates, start=1):
            x = part[covariate.name].to_numpy(float)
            before = balance.standardised_difference(x, treated, np.ones(x.size), covariate.binary)
            after = (
                balance.standardised_difference(x, treated, weights, covariate.binary)
                if fitted
                else balance.Difference(math.nan, math.nan, math.nan)
            )
            rows.append(
                {
                    **_key_values(part),
                    "covariate": covariate.name,
                    "covariate_order": position,
                    "n_treated": int(treated.sum()),
                    "n_reference": int((~treated).sum()),
                    "mean_treated_before": before.mean_treated,
                    "mean_reference_before": before.mean_reference,
                    "smd_before": before.smd,
                    "mean_treated_after": after.mean_treated,
                    "mean_reference_after": after.mean_reference,
                    "smd_after": after.smd,
                }
            )
    return _frame(rows, BALANCE_COLUMNS)


def adjusted_estimates(
    weighted: pd.DataFrame, balance_rows: pd.DataFrame, smd_threshold: float
) -> pd.DataFrame:
    """One row per comparison and outcome: weighted proportions, risk difference and risk
    ratio with robust intervals, E-values, and the flags a reader needs beside them."""
    flags = _balance_flags(balance_rows, smd_threshold)
    rows: list[dict[str, object]] = []
    for index in _comparisons(weighted):
        part = weighted.iloc[index]
        keys = _key_values(part)
        treated = part["is_treated"].to_numpy(bool)
        status = str(part["ps_status"].iloc[0])
        weights = part["weight"].to_numpy(float)
        imbalanced, max_before, max_after = flags.get(tuple(keys.values()), _NO_FLAGS)
        common = {
            "n_treated": int(treated.sum()),
            "n_reference": int((~treated).sum()),
            "ps_status": status,
            "is_imbalanced": imbalanced,
            "max_abs_smd_before": max_before,
            "max_abs_smd_after": max_after,
            "n_outside_overlap": (
                int((~part["in_overlap"].astype(bool)).sum())
                if status == model.FitStatus.FITTED.value
                else None
            ),
        }
        for outcome, column in OUTCOMES.items():
            y = part[column].to_numpy(float)
            row = {**keys, "outcome": outcome, **common, **_NO_ESTIMATE}
            if status == model.FitStatus.FITTED.value:
                p1 = estimates.weighted_proportion(y[treated], weights[treated])
                p0 = estimates.weighted_proportion(y[~treated], weights[~treated])
                rd = estimates.risk_difference(p1, p0)
                rr = estimates.risk_ratio(p1, p0)
                row |= {
                    "weighted_rate_treated": p1.estimate,
                    "weighted_rate_reference": p0.estimate,
                    "risk_difference": rd.estimate,
                    "risk_difference_ci_low": rd.ci_low,
                    "risk_difference_ci_high": rd.ci_high,
                    "risk_ratio": rr.estimate,
                    "risk_ratio_ci_low": rr.ci_low,
                    "risk_ratio_ci_high": rr.ci_high,
                    "e_value": estimates.e_value(rr.estimate),
                    "e_value_ci": estimates.e_value_of_interval(rr),
                }
            rows.append(row)
    return _frame(rows, ESTIMATE_COLUMNS)


_NO_ESTIMATE = dict.fromkeys(
    (
        "weighted_rate_treated",
        "weighted_rate_reference",
        "risk_difference",
        "risk_difference_ci_low",
        "risk_difference_ci_high",
        "risk_ratio",
        "risk_ratio_ci_low",
        "risk_ratio_ci_high",
        "e_value",
        "e_value_ci",
    ),
    math.nan,
)

_NO_FLAGS: tuple[bool | None, float, float] = (None, math.nan, math.nan)
_KEY_TYPES = dict.fromkeys(KEYS, "string")
BALANCE_COLUMNS: dict[str, str] = {
    **_KEY_TYPES,
    "covariate": "string",
    "covariate_order": "int64",
    "n_treated": "int64",
    "n_reference": "int64",
    "mean_treated_before": "float64",
    "mean_reference_before": "float64",
    "smd_before": "float64",
    "mean_treated_after": "float64",
    "mean_reference_after": "float64",
    "smd_after": "float64",
}
ESTIMATE_COLUMNS: dict[str, str] = {
    **_KEY_TYPES,
    "outcome": "string",
    "n_treated": "int64",
    "n_reference": "int64",
    "ps_status": "string",
    "is_imbalanced": "boolean",
    "max_abs_smd_before": "float64",
    "max_abs_smd_after": "float64",
    "n_outside_overlap": "Int64",
    **dict.fromkeys(_NO_ESTIMATE, "float64"),
}


def _balance_flags(
    balance_rows: pd.DataFrame, smd_threshold: float
) -> dict[tuple, tuple[bool | None, float, float]]:
    """Per comparison: imbalanced (any |SMD| after weighting above the threshold, or
    undefined), and the largest |SMD| before and after. Unknown (None) without weights."""
    flags: dict[tuple, tuple[bool | None, float, float]] = {}
    for key, part in balance_rows.groupby(list(KEYS), sort=False):
        before = part["smd_before"].abs()
        after = part["smd_after"].abs()
        if after.isna().all():
            imbalanced = None
        else:
            imbalanced = bool(after.isna().any() or (after > smd_threshold).any())
        flags[tuple(key)] = (imbalanced, float(before.max()), float(after.max()))
    return flags


def _comparisons(frame: pd.DataFrame) -> Iterator[np.ndarray]:
    """Row positions of each comparison, in key order (the frame is sorted by key)."""
    if frame.empty:
        return
    for _, rows in sorted(frame.groupby(list(KEYS), sort=False).indices.items()):
        yield rows


def _key_values(part: pd.DataFrame) -> dict[str, str]:
    first = part.iloc[0]
    return {key: str(first[key]) for key in KEYS}


def _frame(rows: list[dict[str, object]], columns: dict[str, str]) -> pd.DataFrame:
    """Typed columns even when empty, so the warehouse table has the same types every build."""
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.astype(columns)


def _check(population: pd.DataFrame, covariates: Sequence[Covariate]) -> None:
    """Fail with the covariate and dataset named rather than fit a model on a gap."""
    needed = [*KEYS, EPISODE, "is_treated", *OUTCOMES.values()]
    missing = [c for c in (*needed, *(c.name for c in covariates)) if c not in population]
    if missing:
        raise PopulationError(
            f"the comparison populations have no column(s) {', '.join(missing)}: every "
            "covariate of the seed adjustment_covariates needs a column of that name in "
            "int_adjustment__populations"
        )
    for covariate in covariates:
        nulls = population[population[covariate.name].isna()]
        if len(nulls):
            datasets = ", ".join(sorted(nulls["dataset_id"].astype(str).unique()))
            raise PopulationError(
                f"covariate {covariate.name} is null for {len(nulls)} row(s) of dataset(s) "
                f"{datasets}; the propensity model needs a value for every episode: give the "
                "covariate a value in int_registry__covariates"
            )
