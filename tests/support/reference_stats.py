"""Reference statistics the mart tests compare with, computed independently of the SQL macros
(statsmodels' Wilson interval; Newcombe's method 10 written out)."""

from __future__ import annotations

import math

from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

Z = 1.96
WILSON_ALPHA = 2 * (1 - norm.cdf(Z))
"""statsmodels takes alpha; this one makes its z exactly the 1.96 of the macros."""


def wilson(x: int, n: int) -> tuple[float, float]:
    low, high = proportion_confint(x, n, alpha=WILSON_ALPHA, method="wilson")
    return float(low), float(high)


def newcombe(x1: int, n1: int, x0: int, n0: int) -> tuple[float, float, float]:
    """Newcombe (1998) method 10 from two Wilson intervals: (difference, low, high)."""
    p1, p0 = x1 / n1, x0 / n0
    (l1, u1), (l0, u0) = wilson(x1, n1), wilson(x0, n0)
    d = p1 - p0
    return d, d - math.hypot(p1 - l1, u0 - p0), d + math.hypot(u1 - p1, p0 - l0)
