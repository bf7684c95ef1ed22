"""The propensity score of one comparison and the weights built from it.

One comparison is a population of episodes, each either of the compared class (treated) or of
the reference class, with its covariates. Everything here is a plain function of numpy arrays so
that it can be checked against statsmodels and by hand, whatever engine feeds it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

MAX_ITERATIONS = 100
"""IRLS iterations of the logistic fit; a well-posed propensity model converges in under 10."""
TOLERANCE = 1e-12
"""IRLS stops when the deviance changes less than this: tight, so that the scores are accurate
to far below any digit reported (and agree with any other exact logistic fit to 1e-8)."""


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
    """Logistic regression of the class (1 = compared class) on the covariates, with intercept.

    Covariates constant in the population are left out (they cannot predict the class and
    would make the design singular). Continuous covariates are centred and scaled by their
    standard deviation first: the fitted probabilities are unchanged (the model has an
    intercept) and IRLS stays well conditioned with raw values such as index years near 2020.
    A perfect separation or a fit that does not converge is reported, not papered over.
    """
    n = treated.size
    used = tuple(name for name, x in covariates.items() if np.ptp(x) > 0) if n else ()
    columns = [np.ones(n)]
    for name in used:
        x = covariates[name].astype(float)
        columns.append(x if name in binary else (x - x.mean()) / x.std())
    design = np.column_stack(columns)
    outcome = treated.astype(float)
    with warnings.catch_warnings(), np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        # separation and non-convergence are reported through the status; the overflows on
        # the way to a separated fit (exp of a huge linear predictor) say the same thing
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            result = sm.GLM(outcome, design, family=sm.families.Binomial()).fit(
                maxiter=MAX_ITERATIONS, tol=TOLERANCE
            )
        except PerfectSeparationWarning:
            return PropensityFit(np.full(n, np.nan), FitStatus.SEPARATED, used)
    scores = np.asarray(result.fittedvalues, dtype=float)
    if not result.converged:
        return PropensityFit(np.full(n, np.nan), FitStatus.NOT_CONVERGED, used)
    if np.any(scores <= 0.0) or np.any(scores >= 1.0):
        return PropensityFit(np.full(n, np.nan), FitStatus.SEPARATED, used)
    return PropensityFit(scores, FitStatus.FITTED, used)


def stabilised_ate_weights(scores: np.ndarray, treated: np.ndarray) -> np.ndarray:
    """Inverse-probability-of-treatment weights for the average treatment effect, stabilised
    by the marginal class probability (Robins 2000; Xu 2010): P(T=1)/e for the compared class,
    P(T=0)/(1-e) for the reference. Stabilising keeps the weighted group sizes near the real
    ones; the estimates are those of the unstabilised weights."""
    p_treated = treated.mean()
    return np.where(treated, p_treated / scores, (1.0 - p_treated) / (1.0 - scores))


def truncation_bounds(weights: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """The `low`-th and `high`-th percentiles of all weights of the comparison (both groups
    together; numpy's linear interpolation, Hyndman-Fan type 7, as R's default quantile)."""
    lower, upper = np.percentile(weights, [low, high])
    return float(lower), float(upper)


def overlap_bounds(scores: np.ndarray, treated: np.ndarray) -> tuple[float, float]:
    """The common support of the two groups' propensity scores: from the larger of the two
    minima to the smaller of the two maxima (low > high when the ranges do not meet)."""
    one, zero = scores[treated], scores[~treated]
    return float(max(one.min(), zero.min())), float(min(one.max(), zero.max()))
