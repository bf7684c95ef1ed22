"""The three steps the dbt Python models call: propensity scores and weights per propensity
model, then covariate balance and adjusted estimates per comparison. Pandas frames of numbers in
and out (a registry of a million persons has some fourteen million comparison rows: text keys
would cost gigabytes); the SQL models attach the keys.

A propensity model (`model_id`: one per registry dataset, scale and class against the reference
class) is fitted on its population, one row per episode numbered by `model_row`
(int_adjustment__propensity_populations: `is_treated`, the covariates). A comparison
(`comparison_id`: that pair at one timepoint and analysis) is a subset of its model's
population, one row per counted episode pointing to its `model_row`
(int_adjustment__populations: `is_treated` and the outcome flags); it reuses the model's
weights, and its balance and estimates are computed on its own episodes. Rows are read in
model_row order, which the SQL fixes by model, person and class: the same data give the same
numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from propensity import balance, estimates, model

MODEL = "model_id"
MODEL_ROW = "model_row"
COMPARISON = "comparison_id"
OUTCOMES = {"response": "is_responder", "remission": "is_remitter"}
STATUSES = pd.CategoricalDtype([s.value for s in model.FitStatus])
"""ps_status as a categorical: one byte per row in pandas, an ENUM in DuckDB."""


Populations = pd.DataFrame | Iterable[pd.DataFrame]
"""Comparison members: one frame, or several holding whole comparisons each, in comparison
order (propensity/members.py reads them so, to bound memory)."""


class PopulationError(ValueError):
    """The populations cannot be adjusted as given (a missing or null covariate, bad order)."""


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
    model_rows: pd.DataFrame,
    covariates: Sequence[Covariate],
    truncation_percentiles: tuple[float, float],
) -> pd.DataFrame:
    """Per model row: the model's fit status, the propensity score, the stabilised ATE weight,
    that weight truncated at the percentiles of the model's weights, and the two bounds (all
    null without a fit)."""
    _check(model_rows, [MODEL, MODEL_ROW, "is_treated"], covariates)
    frame = _in_order(model_rows, MODEL_ROW)
    n = len(frame)
    columns = {
        name: np.full(n, np.nan)
        for name in (
            "propensity_score",
            "stabilised_weight",
            "weight",
            "weight_truncation_low",
            "weight_truncation_high",
        )
    }
    status = np.full(n, model.FitStatus.FITTED.value, dtype=object)
    binary = frozenset(c.name for c in covariates if c.binary)
    is_treated = frame["is_treated"].to_numpy(bool)
    matrix = {c.name: frame[c.name].to_numpy(float) for c in covariates}
    for rows in _blocks(frame[MODEL].to_numpy(np.int64), MODEL):
        treated = is_treated[rows]
        fit = model.fit_propensity({k: x[rows] for k, x in matrix.items()}, treated, binary)
        status[rows] = fit.status.value
        if fit.status is model.FitStatus.FITTED:
            weights = model.stabilised_ate_weights(fit.scores, treated)
            low, high = model.truncation_bounds(weights, *truncation_percentiles)
            columns["propensity_score"][rows] = fit.scores
            columns["stabilised_weight"][rows] = weights
            columns["weight"][rows] = np.clip(weights, low, high)
            columns["weight_truncation_low"][rows] = low
            columns["weight_truncation_high"][rows] = high
    return pd.DataFrame(
        {
            MODEL_ROW: frame[MODEL_ROW].to_numpy(np.int64),
            MODEL: frame[MODEL].to_numpy(np.int64),
            "ps_status": pd.Categorical(status, dtype=STATUSES),
            **columns,
        }
    )


@dataclass(frozen=True)
class _Episodes:
    """The model rows as arrays, looked up by model_row."""

    rows: np.ndarray
    status: np.ndarray
    """Index into STATUSES.categories."""
    weight: np.ndarray
    values: dict[str, np.ndarray]

    @classmethod
    def of(cls, frame: pd.DataFrame, names: Sequence[str]) -> _Episodes:
        ordered = _in_order(frame, MODEL_ROW)
        return cls(
            rows=ordered[MODEL_ROW].to_numpy(np.int64),
            status=ordered["ps_status"].astype(str).astype(STATUSES).cat.codes.to_numpy(),
            weight=ordered["weight"].to_numpy(float),
            values={name: ordered[name].to_numpy(float) for name in names},
        )

    def status_at(self, position: int) -> str:
        return str(STATUSES.categories[self.status[position]])

    def positions(self, model_rows: np.ndarray) -> np.ndarray:
        found = np.searchsorted(self.rows, model_rows)
        if found.size and (found.max() >= self.rows.size or np.any(self.rows[found] != model_rows)):
            raise PopulationError(
                "a comparison row points to a model_row the propensity scores do not have: "
                "rebuild int_adjustment__propensity_scores with its populations"
            )
        return found


def balance_table(
    populations: Populations, episodes: pd.DataFrame, covariates: Sequence[Covariate]
) -> pd.DataFrame:
    """One row per comparison and covariate: group means and SMD of the comparison's episodes
    before weighting, and after weighting with its model's truncated weights (null after when
    the model has no weights)."""
    _check(episodes, [MODEL_ROW, "ps_status", "weight"], covariates)
    lookup = _Episodes.of(episodes, [c.name for c in covariates])
    out: list[dict[str, object]] = []
    for ids, at, is_treated, _ in _members(populations, lookup, []):
        _balance_rows(ids, at, is_treated, lookup, covariates, out)
    return _frame(out, BALANCE_COLUMNS)


def _balance_rows(
    ids: np.ndarray,
    at: np.ndarray,
    is_treated: np.ndarray,
    lookup: _Episodes,
    covariates: Sequence[Covariate],
    out: list[dict[str, object]],
) -> None:
    for rows in _blocks(ids, COMPARISON):
        treated, where = is_treated[rows], at[rows]
        weights = lookup.weight[where]
        fitted = lookup.status_at(where[0]) == model.FitStatus.FITTED.value
        for position, covariate in enumerate(covariates, start=1):
            x = lookup.values[covariate.name][where]
            before = balance.standardised_difference(x, treated, np.ones(x.size), covariate.binary)
            after = (
                balance.standardised_difference(x, treated, weights, covariate.binary)
                if fitted
                else balance.Difference(math.nan, math.nan, math.nan)
            )
            out.append(
                {
                    COMPARISON: ids[rows[0]],
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


def adjusted_estimates(
    populations: Populations,
    episodes: pd.DataFrame,
    balance_rows: pd.DataFrame,
    smd_threshold: float,
) -> pd.DataFrame:
    """One row per comparison and outcome: weighted proportions, risk difference and risk
    ratio with robust intervals, E-values, and the balance flags a reader needs beside them."""
    _check(episodes, [MODEL_ROW, "ps_status", "weight"])
    lookup = _Episodes.of(episodes, [])
    flags = _balance_flags(balance_rows, smd_threshold)
    out: list[dict[str, object]] = []
    for ids, at, is_treated, outcomes in _members(populations, lookup, list(OUTCOMES)):
        _estimate_rows(ids, at, is_treated, outcomes, lookup, flags, out)
    return _frame(out, ESTIMATE_COLUMNS)


def _estimate_rows(
    ids: np.ndarray,
    at: np.ndarray,
    is_treated: np.ndarray,
    outcomes: dict[str, np.ndarray],
    lookup: _Episodes,
    flags: dict[int, tuple[bool | None, float, float]],
    out: list[dict[str, object]],
) -> None:
    for rows in _blocks(ids, COMPARISON):
        treated, where = is_treated[rows], at[rows]
        weights = lookup.weight[where]
        status = lookup.status_at(where[0])
        imbalanced, max_before, max_after = flags.get(int(ids[rows[0]]), _NO_FLAGS)
        common = {
            COMPARISON: ids[rows[0]],
            "n_treated": int(treated.sum()),
            "n_reference": int((~treated).sum()),
            "ps_status": status,
            "is_imbalanced": imbalanced,
            "max_abs_smd_before": max_before,
            "max_abs_smd_after": max_after,
        }
        for outcome, values in outcomes.items():
            y = values[rows]
            row = {**common, "outcome": outcome, **_NO_ESTIMATE}
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
            out.append(row)


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

BALANCE_COLUMNS: dict[str, str] = {
    COMPARISON: "int64",
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
    COMPARISON: "int64",
    "outcome": "string",
    "n_treated": "int64",
    "n_reference": "int64",
    "ps_status": "string",
    "is_imbalanced": "boolean",
    "max_abs_smd_before": "float64",
    "max_abs_smd_after": "float64",
    **dict.fromkeys(_NO_ESTIMATE, "float64"),
}


def with_keys(result: pd.DataFrame, comparisons: pd.DataFrame) -> pd.DataFrame:
    """`result` with the comparison's keys (dataset, scale, timepoint, analysis, classes; the
    table int_adjustment__comparisons) in front of its columns, in comparison order."""
    keys = [c for c in comparisons.columns if c != COMPARISON]
    merged = result.merge(comparisons, on=COMPARISON, how="left", validate="many_to_one")
    return merged[[COMPARISON, *keys, *(c for c in result.columns if c != COMPARISON)]]


def _balance_flags(
    balance_rows: pd.DataFrame, smd_threshold: float
) -> dict[int, tuple[bool | None, float, float]]:
    """Per comparison: imbalanced (any |SMD| after weighting above the threshold, or
    undefined), and the largest |SMD| before and after. Unknown (None) without weights."""
    flags: dict[int, tuple[bool | None, float, float]] = {}
    for comparison, part in balance_rows.groupby(COMPARISON, sort=True):
        before, after = part["smd_before"].abs(), part["smd_after"].abs()
        if after.isna().all():
            imbalanced = None
        else:
            imbalanced = bool(after.isna().any() or (after > smd_threshold).any())
        flags[int(comparison)] = (imbalanced, float(before.max()), float(after.max()))
    return flags


def _in_order(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """The frame sorted by `columns`; a frame already in that order (as the SQL delivers it)
    is only checked, not sorted again."""
    keys = [frame[c].to_numpy() for c in columns]
    ordered = np.ones(max(len(frame) - 1, 0), dtype=bool)
    tied = np.ones_like(ordered)
    for key in keys:
        step = np.diff(key)
        ordered &= ~tied | (step >= 0)
        tied &= step == 0
    if ordered.all():
        return frame.reset_index(drop=True)
    return frame.sort_values(list(columns), kind="stable").reset_index(drop=True)


def _members(
    populations: Populations, lookup: _Episodes, outcomes: Sequence[str]
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]]:
    """Per frame of members (one, or the chunks of propensity/members.py): comparison ids,
    positions in `lookup`, the class and the `outcomes`' flags, in comparison order."""
    frames = [populations] if isinstance(populations, pd.DataFrame) else populations
    needed = [COMPARISON, MODEL_ROW, "is_treated", *(OUTCOMES[o] for o in outcomes)]
    for frame in frames:
        _check(frame, needed)
        members = _in_order(frame, COMPARISON, MODEL_ROW)
        yield (
            members[COMPARISON].to_numpy(np.int64),
            lookup.positions(members[MODEL_ROW].to_numpy(np.int64)),
            members["is_treated"].to_numpy(bool),
            {o: members[OUTCOMES[o]].to_numpy(float) for o in outcomes},
        )


def _blocks(ids: np.ndarray, name: str) -> Iterator[np.ndarray]:
    """Row positions of each model or comparison: one contiguous block each (sorted ids)."""
    if ids.size == 0:
        return
    if np.any(np.diff(ids) < 0):
        raise PopulationError(f"rows are not ordered by {name}")
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    for start, end in zip(starts, [*starts[1:], ids.size], strict=True):
        yield np.arange(start, end)


def _frame(rows: list[dict[str, object]], columns: dict[str, str]) -> pd.DataFrame:
    """Typed columns even when empty, so the warehouse table has the same types every build."""
    return pd.DataFrame(rows, columns=list(columns)).astype(columns)


def _check(
    frame: pd.DataFrame, needed: Sequence[str], covariates: Sequence[Covariate] = ()
) -> None:
    """Fail with the covariate and model named rather than fit a model on a gap."""
    missing = [c for c in (*needed, *(c.name for c in covariates)) if c not in frame]
    if missing:
        raise PopulationError(
            f"the comparison populations have no column(s) {', '.join(missing)}: every "
            "covariate of the seed adjustment_covariates needs a column of that name in "
            "int_adjustment__propensity_populations"
        )
    for covariate in covariates:
        nulls = frame[frame[covariate.name].isna()]
        if len(nulls):
            raise PopulationError(
                f"covariate {covariate.name} is null for {len(nulls)} row(s) of the propensity "
                "populations (int_adjustment__propensity_populations); the model needs a value "
                "for every episode: give the covariate a value in int_registry__covariates"
            )
