"""Weighted proportions, risk difference and risk ratio with robust (sandwich) intervals, and
E-values.

The estimates are those of a weighted generalised linear model of the outcome on the class
alone (identity link for the risk difference, log link for the risk ratio) with the robust HC0
sandwich variance, the weights treated as known. That model is saturated, so it has closed
forms, written out here (and checked against statsmodels' GLM with var_weights and
cov_type='HC0' in the tests): in group g with weights w and outcomes y,

    p_g = sum(w y) / sum(w),    Var(p_g) = sum(w^2 (y - p_g)^2) / sum(w)^2,
    RD = p_1 - p_0,             Var(RD) = Var(p_1) + Var(p_0),
    ln RR = ln p_1 - ln p_0,    Var(ln RR) = Var(p_1) / p_1^2 + Var(p_0) / p_0^2,

with 95% intervals RD +- 1.96 SE and exp(ln RR +- 1.96 SE). The risk ratio and its interval are
not estimable when either weighted proportion is 0 (the project's rule for the crude ratio too).
Ignoring the estimation of the propensity score makes the interval conservative for the average
treatment effect (Lunceford and Davidian 2004; Austin 2016).

E-values (VanderWeele and Ding, Ann Intern Med 2017;167:268): the minimum strength of
association, on the risk-ratio scale, that an unmeasured confounder would need with both the
class and the outcome to explain the estimate away: RR + sqrt(RR (RR - 1)) for RR >= 1, and the
same of 1/RR for RR < 1; for the interval, the E-value of the bound nearer to 1, or 1 when the
interval includes 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Z_95 = 1.96
"""z of the 95% intervals: 1.96 exactly, as every other interval of the project."""


@dataclass(frozen=True)
class WeightedProportion:
    estimate: float
    variance: float
    """Robust (HC0 sandwich) variance of the estimate."""


@dataclass(frozen=True)
class Interval:
    estimate: float
    ci_low: float
    ci_high: float


NOT_ESTIMABLE = Interval(float("nan"), float("nan"), float("nan"))


def weighted_proportion(outcome: np.ndarray, weights: np.ndarray) -> WeightedProportion:
    total = np.sum(weights)
    p = float(np.sum(weights * outcome) / total)
    return WeightedProportion(p, float(np.sum(weights**2 * (outcome - p) ** 2) / total**2))


def risk_difference(treated: WeightedProportion, reference: WeightedProportion) -> Interval:
    rd = treated.estimate - reference.estimate
    se = math.sqrt(treated.variance + reference.variance)
    return Interval(rd, rd - Z_95 * se, rd + Z_95 * se)


def risk_ratio(treated: WeightedProportion, reference: WeightedProportion) -> Interval:
    p1, p0 = treated.estimate, reference.estimate
    if p1 == 0.0 or p0 == 0.0:
        return NOT_ESTIMABLE
    log_rr = math.log(p1) - math.log(p0)
    se = math.sqrt(treated.variance / p1**2 + reference.variance / p0**2)
    return Interval(math.exp(log_rr), math.exp(log_rr - Z_95 * se), math.exp(log_rr + Z_95 * se))


def e_value(rr: float) -> float:
    """E-value of a risk ratio (NaN for a ratio that is not estimable)."""
    if math.isnan(rr):
        return float("nan")
    r = rr if rr >= 1.0 else 1.0 / rr
    return r + math.sqrt(r * (r - 1.0))


def e_value_of_interval(ratio: Interval) -> float:
    """E-value of the interval bound nearer to 1; 1 when the interval includes 1."""
    if math.isnan(ratio.estimate):
        return float("nan")
    bound = ratio.ci_low if ratio.estimate >= 1.0 else ratio.ci_high
    if ratio.ci_low <= 1.0 <= ratio.ci_high:
        return 1.0
    return e_value(bound)
