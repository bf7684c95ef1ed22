"""Synthetic comparison populations for the propensity tests: covariates, a treatment that
depends on them as the test says, and an outcome whose true effect is planted.

Each population is one propensity model whose one comparison analyses all of its episodes: a
frame that serves as both int_adjustment__propensity_populations (model_row, model_id,
covariates) and int_adjustment__populations (comparison_id, model_row, outcomes), so `adjust`
calls the same `propensity.comparisons` functions, in the same order, as the dbt Python models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from propensity import comparisons
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
            "model_row": np.arange(1, n + 1),
            "model_id": 1,
            "comparison_id": 1,
            "is_treated": treated,
            "is_responder": response,
            "is_remitter": response & (rng.uniform(size=n) < 0.5),
            "age": age,
            "female": female,
            "baseline": baseline,
        }
    )
    return Planted(population, float(p1.mean() - p0.mean()), float(p1.mean() / p0.mean()))


@dataclass(frozen=True)
class Adjusted:
    weights: pd.DataFrame
    balance: pd.DataFrame
    estimates: pd.DataFrame


def adjust(population: pd.DataFrame, truncation: tuple[float, float] = (1, 99)) -> Adjusted:
    """Weights, balance and estimates of the population, as the three dbt Python models chain
    them (the balance model joins covariates and weights on model_row as here)."""
    weights = comparisons.weigh(population, COVARIATES, truncation)
    episodes = population.merge(weights, on=["model_row", "model_id"], validate="1:1")
    balance = comparisons.balance_table(population, episodes, COVARIATES)
    estimates = comparisons.adjusted_estimates(population, weights, balance, 0.1)
    return Adjusted(weights, balance, estimates)
