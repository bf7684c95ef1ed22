"""The propensity score of one comparison and the weights built from it.

One comparison is a population of episodes, each either of the compared class (treated) or of
the reference class, with its covariates. Everything here is a plain function of numpy arrays so
that it can be checked against statsmodels and by hand, whatever engine feeds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

MAX_ITERATIONS = 100
"""Newton steps of the logistic fit; a well-posed propensity model converges in under 10, a
quasi-separated one (a covariate value seen in one class only) in about 40."""
TOLERANCE = 1e-12
"""The fit stops when the deviance changes by less than this, relative to |deviance| + 0.1
(R's glm.fit criterion, tighter than its 1e-8): the scores are then accurate far below any
digit reported, and agree with any other exact logistic fit to 1e-8."""
SEPARATION = 1e-8
"""Every episode's class predicted to within this: perfect separation (statsmodels' test)."""


class FitStatus(StrEnum):
    """Why a comparison has (or has no) propensity scores; stored with every result row."""

    FITTED = "fitted"
    SEPARATED = "separated"
    """The covariates predict the class perfectly: the groups do not overlap at all, no weight
    can make them comparable, so no adjusted estimate is given."""
    NOT_CONVERGED = "not_converged"


@dataclass(frozen=True)
class PropensityFit:
    """Fitted P(treated | covariates) per episode (NaN when not fitted) and the fit's status."""

    scores: np.ndarray
    status: FitStatus
    covariates_used: tuple[str, ...]
    """The covariates that vary in the population (a constant one cannot enter the model)."""


def fit_propensity(
    covariates: dict[str, np.ndarray], treated: np.ndarray, binary: frozenset[str]
) -> PropensityFit:
    """Logistic regression of the class (1 = compared class) on the covariates, with intercept,
    by maximum likelihood (Newton-Raphson, i.e. iteratively reweighted least squares).

    Covariates constant in the population are left out (they cannot predict the class and
    would make the design singular). Continuous covariates are centred and scaled by their
    standard deviation first: the fitted probabilities are unchanged (the model has an
    intercept) and the steps stay well conditioned with raw values such as index years near
    2020. Each step solves the k x k normal equations (least squares, so collinear covariates
    do no harm: the fitted scores are unique even when the coefficients are not), which is
    what keeps a 200,000-episode comparison fast. A perfect separation or a fit that does not
    converge is reported, not papered over. A quasi-separation (a covariate value found in one
    class only) converges, with scores near 0 or 1 for those episodes: they fall outside the
    overlap, which the overlap report counts.
    """
    n = treated.size
    used = tuple(name for name, x in covariates.items() if np.ptp(x) > 0)
    columns = [np.ones(n)]
    for name in used:
        x = covariates[name].astype(float)
        columns.append(x if name in binary else (x - x.mean()) / x.std())
    design = np.column_stack(columns)
    y = treated.astype(float)
    share = y.mean()
    if share in (0.0, 1.0):
        return PropensityFit(np.full(n, np.nan), FitStatus.SEPARATED, used)
    beta = np.zeros(design.shape[1])
    beta[0] = np.log(share / (1.0 - share))
    previous = np.inf
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        for _ in range(MAX_ITERATIONS):
            scores = 1.0 / (1.0 + np.exp(-(design @ beta)))
            deviance = _deviance(y, scores)
            if abs(deviance - previous) <= TOLERANCE * (abs(deviance) + 0.1):
                break
            previous = deviance
            weights = scores * (1.0 - scores)
            hessian = (design * weights[:, None]).T @ design
            beta = beta + np.linalg.lstsq(hessian, design.T @ (y - scores), rcond=None)[0]
        else:
            return PropensityFit(np.full(n, np.nan), FitStatus.NOT_CONVERGED, used)
    if np.max(np.abs(scores - y)) <= SEPARATION or np.any((scores <= 0.0) | (scores >= 1.0)):
        return PropensityFit(np.full(n, np.nan), FitStatus.SEPARATED, used)
    return PropensityFit(scores, FitStatus.FITTED, used)


def _deviance(y: np.ndarray, scores: np.ndarray) -> float:
    """-2 log likelihood; a probability of exactly 0 or 1 where it is right adds nothing."""
    own = np.where(y > 0.5, scores, 1.0 - scores)
    return float(-2.0 * np.sum(np.log(np.where(own > 0.0, own, 1e-300))))


def stabilised_ate_weights(scores: np.ndarray, treated: np.ndarray) -> np.ndarray:
    """Inverse-probability-of-treatment weights for the average treatment effect, stabilised
    by the marginal class probability (Robins 2000; Xu 2010): P(T=1)/e for the compared class,
    P(T=0)/(1-e) for the reference. Stabilising keeps the weighted group sizes near the real
    ones; the estimates are those of the unstabilised weights."""
    p_treated = treated.mean()
    return np.where(treated, p_treated / scores, (1.0 - p_treated) / (1.0 - scores))


def truncation_bounds(weights: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """The `low`-th and `high`-th percentiles of all weights of a propensity model (both groups
    together; numpy's linear interpolation, Hyndman-Fan type 7, R's default quantile)."""
    lower, upper = np.percentile(weights, [low, high])
    return float(lower), float(upper)
