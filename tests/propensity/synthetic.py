"""Synthetic comparison populations for the propensity tests: covariates, a treatment that
depends on them as the test says, and an outcome whose true effect is planted.

Each population is one comparison in the layout of int_adjustment__populations, so the tests
call the same `propensity.comparisons` functions the dbt Python models call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from propensity.comparisons import Covariate

COVARIATES = [
    Covariate("age", binary=False),
    Covariate("female", binary=True),
    Covariate("baseline", binary=False),
]


@dataclass(frozen=True)
class Planted:
    """A population and the effect planted in it (risk difference and ratio of the whole
    population's potential outcomes: the average treatment effect the weights target)."""

    population: pd.DataFrame
    risk_difference: float
    risk_ratio: float


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def registry(n: int, seed: int, confounding: float, effect: float = 0.9) -> Planted:
    """n episodes; log-odds of the compared class rise by `confounding` per SD of severity
    (which the baseline score measures) and by 0.2 * `confounding` for women (0: random
    assignment); response log-odds fall by 0.9 per SD of severity, rise by 0.01 per year of
    age and by `effect` under the compared class. The planted effect is computed from the potential
    outcome probabilities of every episode, so sampling noise in the outcomes is the only
    noise left between it and an unbiased estimate."""
    rng = np.random.default_rng(seed)
    severity = rng.standard_normal(n)
    age = np.clip(np.rint(rng.normal(48, 13, n) + 4 * severity), 18, 90)
    female = rng.uniform(size=n) < 0.62
    baseline = 18 + 4 * severity
    treated = rng.uniform(size=n) < _expit(-0.3 + confounding * (severity + 0.2 * female))
    logit0 = -0.4 - 0.9 * severity + 0.01 * (age - 48)
    p1, p0 = _expit(logit0 + effect), _expit(logit0)
    response = rng.uniform(size=n) < np.where(treated, p1, p0)
    population = pd.DataFrame(
        {
            "dataset_id": "SYN",
            "scale": "PHQ9",
            "timepoint": "D28",
            "analysis": "oc",
            "treatment_class": "ketamine",
            "reference_class": "standard_ad",
            "person_key": [f"{i:06d}" for i in range(n)],
            "is_treated": treated,
            "is_responder": response,
            "is_remitter": response & (rng.uniform(size=n) < 0.5),
            "age": age,
            "female": female,
            "baseline": baseline,
        }
    )
    return Planted(population, float(p1.mean() - p0.mean()), float(p1.mean() / p0.mean()))
