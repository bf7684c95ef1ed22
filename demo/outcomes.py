"""The clinical processes shared by every demo dataset: symptom trajectories and inflammation.

Symptom model. Each treated person has a latent *improvement* u = mu + sigma * z (z standard
normal): the fraction of the baseline score gone at the key visit of their treatment (day 28 of
an esketamine course, 24 h after a ketamine infusion, ...). At any other visit the improvement is
`shape[visit] * u` plus a little visit-to-visit noise, and the score is
`round(baseline * (1 - improvement))` within the scale's range. A response
(docs/derivations.md#response-and-remission: at least 50%
reduction) is then about u >= 0.5 and a remission u >= 1 - threshold / baseline, so mu and
sigma can be solved from the published response and remission rates (`calibrate`). The `shape`
of a treatment carries its time course: near-full effect at 24 h for ketamine, weeks for ADs.

Inflammation. Baseline CRP, IL-6, TNF-alpha, C3 and C4 are log-normal/normal with CRP and IL-6
correlated; a person is *inflamed* when CRP >= 3 mg/L (the AHA high-risk cut-off, about a
quarter to a third of people with depression; Osimo 2019) or IL-6 >= 3 pg/mL. Ketamine responds
better in inflamed patients (Yang 2015; Chen 2018), which the generators build in by calibrating
ketamine's latent improvement separately for inflamed and non-inflamed persons.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

VISIT_NOISE = 0.07
"""SD of visit-to-visit noise on the improvement fraction (rater and day-to-day variation)."""
DEFAULT_SPREAD = 0.30
"""SD of the latent improvement when only a response rate is known (typical of TRD trials)."""

CRP_HIGH_MG_L = 3.0
IL6_HIGH_PG_ML = 3.0
_CRP_LOG_MEDIAN, _CRP_LOG_SD = np.log(1.8), 1.0  # mg/L; ~30% >= 3 mg/L (Osimo 2019)
_IL6_LOG_MEDIAN, _IL6_LOG_SD = np.log(1.6), 0.6  # pg/mL; depressed cohorts (Haapakoski 2015)
_CRP_IL6_CORRELATION = 0.5
_NORMAL = NormalDist()


@dataclass(frozen=True)
class Latent:
    """Mean and SD of the latent improvement at the key visit."""

    mu: float
    sigma: float


def calibrate(
    response: float,
    mean_baseline: float,
    remission: float | None = None,
    remission_threshold: float | None = None,
) -> Latent:
    """Solve mu and sigma so that the response rate (and the remission rate) hit the targets.

    Scores are whole numbers, so a response needs an improvement of 0.5 minus half a point
    (on average 0.25 / baseline) and a remission 1 - (threshold + 0.5) / baseline. Visit noise
    is part of the total spread, so the observed rates, not only the latent ones, land on target.
    """
    response_at = 0.5 - 0.25 / mean_baseline
    q_response = _NORMAL.inv_cdf(1.0 - response)
    if remission is None or remission_threshold is None:
        spread = DEFAULT_SPREAD
    else:
        if not remission < response:
            raise ValueError("remission rate must be below the response rate")
        remission_at = 1.0 - (remission_threshold + 0.5) / mean_baseline
        spread = (remission_at - response_at) / (_NORMAL.inv_cdf(1.0 - remission) - q_response)
    mu = response_at - spread * q_response
    sigma = float(np.sqrt(max(spread**2 - VISIT_NOISE**2, 0.01)))
    return Latent(mu=mu, sigma=sigma)


def stratified_normal(rng: np.random.Generator, n: int) -> np.ndarray:
    """n standard normal draws spread evenly over the quantiles, in random order.

    Small trial arms (25 subjects) would otherwise miss a target rate by chance; stratified
    draws keep each arm's realised rate within a few points of the design for every seed.
    """
    u = (rng.permutation(n) + rng.uniform(size=n)) / n
    return np.array([_NORMAL.inv_cdf(float(p)) for p in u])


def scores(
    baseline: np.ndarray,
    improvement: np.ndarray,
    rng: np.random.Generator,
    score_max: int,
) -> np.ndarray:
    """Integer scale scores from a baseline and an improvement fraction (plus visit noise)."""
    noisy = improvement + rng.normal(0.0, VISIT_NOISE, size=np.shape(improvement))
    return np.clip(np.rint(baseline * (1.0 - noisy)), 0, score_max).astype(np.int64)


@dataclass(frozen=True)
class Panel:
    """Baseline immune biomarkers (CRP mg/L, IL-6 and TNF-alpha pg/mL, C3 and C4 g/L)."""

    crp: np.ndarray
    il6: np.ndarray
    tnfa: np.ndarray
    c3: np.ndarray
    c4: np.ndarray

    @property
    def inflamed(self) -> np.ndarray:
        return (self.crp >= CRP_HIGH_MG_L) | (self.il6 >= IL6_HIGH_PG_ML)

    def drift(self, rng: np.random.Generator) -> Panel:
        """A later draw of the same person's panel: same level, biological variation."""

        def vary(x: np.ndarray, sd: float) -> np.ndarray:
            return x * np.exp(rng.normal(0.0, sd, size=x.shape))

        return Panel(
            crp=_round(vary(self.crp, 0.35), 1, 0.1),
            il6=_round(vary(self.il6, 0.25), 1, 0.2),
            tnfa=_round(vary(self.tnfa, 0.2), 1, 0.3),
            c3=_round(vary(self.c3, 0.06), 2, 0.3),
            c4=_round(vary(self.c4, 0.08), 2, 0.05),
        )


def inflammation_panel(rng: np.random.Generator, n: int) -> Panel:
    """Draw n baseline panels; about 35% of persons come out inflamed."""
    z = rng.standard_normal((n, 2))
    r = _CRP_IL6_CORRELATION
    z_il6 = r * z[:, 0] + np.sqrt(1 - r * r) * z[:, 1]
    crp = np.exp(_CRP_LOG_MEDIAN + _CRP_LOG_SD * z[:, 0])
    il6 = np.exp(_IL6_LOG_MEDIAN + _IL6_LOG_SD * z_il6)
    tnfa = np.exp(np.log(2.4) + 0.35 * rng.standard_normal(n) + 0.15 * z[:, 0])
    c3 = 1.15 + 0.18 * rng.standard_normal(n) + 0.05 * z[:, 0]
    c4 = 0.27 + 0.06 * rng.standard_normal(n)
    return Panel(
        crp=_round(crp, 1, 0.1),
        il6=_round(il6, 1, 0.2),
        tnfa=_round(tnfa, 1, 0.3),
        c3=_round(c3, 2, 0.3),
        c4=_round(c4, 2, 0.05),
    )


def _round(x: np.ndarray, decimals: int, floor: float) -> np.ndarray:
    """Lab values as reported: rounded, never below the assay's reporting limit."""
    return np.round(np.maximum(x, floor), decimals)
