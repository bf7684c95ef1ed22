"""Covariate balance: standardised mean differences before and after weighting.

Formulas of Austin and Stuart (Stat Med 2015;34:3661), the convention OHDSI CohortMethod and
cobalt report: the difference of the (weighted) group means divided by the square root of the
mean of the two (weighted) group variances. A binary covariate's variance is p(1 - p); a
continuous covariate's weighted variance is the unbiased one for reliability weights,
sum(w) / (sum(w)^2 - sum(w^2)) * sum(w (x - mean)^2), which with all weights 1 is the ordinary
sample variance. |SMD| < 0.1 is read as balanced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Difference:
    """Group means and their standardised difference (NaN when it is undefined)."""

    mean_treated: float
    mean_reference: float
    smd: float


def weighted_mean(x: np.ndarray, weights: np.ndarray) -> float:
    return float(np.sum(weights * x) / np.sum(weights))


def weighted_variance(x: np.ndarray, weights: np.ndarray) -> float:
    """Unbiased variance for reliability weights; NaN for a single episode (no spread known)."""
    v1, v2 = np.sum(weights), np.sum(weights**2)
    if v1 * v1 - v2 <= 0:
        return float("nan")
    mean = np.sum(weights * x) / v1
    return float(v1 / (v1 * v1 - v2) * np.sum(weights * (x - mean) ** 2))


def standardised_difference(
    x: np.ndarray, treated: np.ndarray, weights: np.ndarray, binary: bool
) -> Difference:
    """SMD of covariate `x` between the compared class (treated) and the reference.

    When both groups have no spread the SMD is 0 if their values agree and undefined (NaN)
    otherwise: a difference with no variance to scale it cannot be called small. Values are
    measured from their minimum first, so that a constant covariate (index year 2022 in every
    episode) has weighted means and variances of exactly 0 instead of rounding residues whose
    ratio could be anything.
    """
    origin = float(np.min(x))
    shifted = x.astype(float) - origin
    one, zero = treated, ~treated
    d1 = weighted_mean(shifted[one], weights[one])
    d0 = weighted_mean(shifted[zero], weights[zero])
    m1, m0 = d1 + origin, d0 + origin
    if binary:
        v1, v0 = m1 * (1.0 - m1), m0 * (1.0 - m0)
    else:
        v1 = weighted_variance(shifted[one], weights[one])
        v0 = weighted_variance(shifted[zero], weights[zero])
    denominator = np.sqrt((v1 + v0) / 2.0)
    if np.isnan(denominator):
        return Difference(m1, m0, float("nan"))
    if denominator == 0.0:
        return Difference(m1, m0, 0.0 if d1 == d0 else float("nan"))
    return Difference(m1, m0, float((d1 - d0) / denominator))
