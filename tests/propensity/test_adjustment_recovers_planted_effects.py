"""The adjustment on synthetic registries with a known truth (20,000 episodes each).

Given random assignment, weighting changes nothing that matters: the adjusted risk difference
equals the crude one within noise. Given strong confounding by severity (the sicker more often
get the compared class and respond less), the crude risk difference is far from the planted
average treatment effect and the adjusted one recovers it. Tolerances are stated per test, in
risk-difference points, and are about 2 standard errors of the adjusted estimate.
"""

from __future__ import annotations

import numpy as np
from synthetic import COVARIATES, Planted, adjust, registry

from propensity import comparisons

N = 20_000
TRUNCATION = (1.0, 99.0)


def _adjust(planted: Planted) -> tuple[dict[str, float], float, float]:
    adjusted = adjust(planted.population, TRUNCATION)
    estimates, balance = adjusted.estimates, adjusted.balance
    response = estimates[estimates["outcome"] == "response"].iloc[0].to_dict()
    population = planted.population
    treated = population["is_treated"].to_numpy(bool)
    y = population["is_responder"].to_numpy(float)
    crude = y[treated].mean() - y[~treated].mean()
    return response, crude, float(balance["smd_after"].abs().max())


def test_random_assignment_gives_adjusted_equal_to_crude_within_noise() -> None:
    # given a registry where the class is assigned at random (no confounding)
    planted = registry(N, seed=16, confounding=0.0)
    # when adjusting
    adjusted, crude, max_smd_after = _adjust(planted)
    # then adjusted and crude agree to 0.01 (the SE of either is ~0.007), the covariates stay
    # balanced, and both are near the planted effect
    assert abs(adjusted["risk_difference"] - crude) < 0.01
    assert max_smd_after < 0.03
    assert abs(crude - planted.risk_difference) < 0.02
    assert not adjusted["is_imbalanced"]


def test_strong_confounding_biases_crude_and_adjustment_recovers_the_planted_effect() -> None:
    # given a registry where each SD of severity doubles the odds of the compared class
    # (log-odds 1.0 per SD; baseline SMD ~ 0.9) and lowers the odds of response
    planted = registry(N, seed=20261127, confounding=1.0)
    # when adjusting
    adjusted, crude, max_smd_after = _adjust(planted)
    # then the crude risk difference is biased by more than 0.10 towards the null ...
    assert planted.risk_difference - crude > 0.10
    # ... and the adjusted one recovers the planted effect within 0.02 (2 SE ~ 0.017), with
    # the planted value inside its 95% interval and the covariates balanced (|SMD| < 0.1)
    assert abs(adjusted["risk_difference"] - planted.risk_difference) < 0.02
    assert adjusted["risk_difference_ci_low"] < planted.risk_difference
    assert planted.risk_difference < adjusted["risk_difference_ci_high"]
    assert abs(adjusted["risk_ratio"] / planted.risk_ratio - 1) < 0.05
    assert max_smd_after < 0.1 and not adjusted["is_imbalanced"]


def test_the_same_data_in_another_row_order_give_the_same_numbers() -> None:
    # given one population and the same rows shuffled
    planted = registry(2_000, seed=7, confounding=0.8)
    shuffled = planted.population.sample(frac=1.0, random_state=3)
    # when both are weighted and estimated
    first = comparisons.weigh(planted.population, COVARIATES, TRUNCATION)
    second = comparisons.weigh(shuffled, COVARIATES, TRUNCATION)
    # then every score and weight is bit-for-bit identical
    assert first["model_row"].tolist() == second["model_row"].tolist()
    assert np.array_equal(first["weight"].to_numpy(), second["weight"].to_numpy())
    assert np.array_equal(
        first["propensity_score"].to_numpy(), second["propensity_score"].to_numpy()
    )
