"""The edges of the adjustment statistics, one behaviour each: E-values (VanderWeele and Ding
2017, their worked values), ratios that cannot be estimated, SMDs of constant covariates,
separated classes, and populations the propensity model cannot use."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from synthetic import COVARIATES, adjust, registry

from propensity import balance, comparisons, estimates, model


def test_e_value_of_a_risk_ratio_and_of_its_protective_inverse() -> None:
    # RR 3.9 -> 7.26 is the worked example of VanderWeele and Ding (2017)
    assert estimates.e_value(3.9) == pytest.approx(7.26, abs=0.005)
    assert estimates.e_value(2.0) == pytest.approx(2 + math.sqrt(2), abs=1e-12)
    assert estimates.e_value(0.5) == estimates.e_value(2.0)
    assert estimates.e_value(1.0) == 1.0


def test_e_value_of_the_interval_uses_the_bound_nearer_to_1_and_is_1_across_it() -> None:
    assert estimates.e_value_of_interval(estimates.Interval(3.9, 1.8, 8.4)) == pytest.approx(
        1.8 + math.sqrt(1.8 * 0.8), abs=1e-12
    )
    protective = estimates.Interval(0.5, 0.3, 0.8)
    assert estimates.e_value_of_interval(protective) == estimates.e_value(1 / 0.8)
    assert estimates.e_value_of_interval(estimates.Interval(1.4, 0.9, 2.2)) == 1.0
    assert math.isnan(estimates.e_value_of_interval(estimates.NOT_ESTIMABLE))


def test_a_weighted_proportion_of_0_leaves_the_ratio_unestimable_but_not_the_difference() -> None:
    none = estimates.weighted_proportion(np.zeros(4), np.array([1.0, 2.0, 1.0, 0.5]))
    some = estimates.weighted_proportion(np.array([1.0, 0.0, 1.0]), np.array([1.0, 1.0, 2.0]))
    assert (none.estimate, none.variance) == (0.0, 0.0)
    assert math.isnan(estimates.risk_ratio(some, none).estimate)
    rd = estimates.risk_difference(some, none)
    assert rd.estimate == pytest.approx(0.75)
    assert rd.ci_high - rd.estimate == pytest.approx(1.96 * math.sqrt(some.variance))


def test_smd_of_a_constant_covariate_is_0_and_of_two_different_constants_undefined() -> None:
    treated = np.array([True, True, False, False])
    weights = np.array([0.7, 1.9, 1.3, 0.4])
    same = balance.standardised_difference(np.full(4, 2022.0), treated, weights, binary=False)
    assert (same.mean_treated, same.smd) == (2022.0, 0.0)
    split = balance.standardised_difference(
        np.array([3.0, 3.0, 2.0, 2.0]), treated, weights, binary=False
    )
    assert math.isnan(split.smd)
    alone = balance.standardised_difference(
        np.array([5.0, 1.0, 2.0]), np.array([True, False, False]), np.ones(3), binary=False
    )
    assert math.isnan(alone.smd)  # one episode has no variance


def test_smd_of_a_binary_covariate_uses_p_times_1_minus_p() -> None:
    x = np.array([1.0, 1.0, 0.0, 1.0, 0.0, 0.0])
    treated = np.array([True, True, True, False, False, False])
    smd = balance.standardised_difference(x, treated, np.ones(6), binary=True).smd
    p1, p0 = 2 / 3, 1 / 3
    assert smd == pytest.approx((p1 - p0) / math.sqrt((p1 * (1 - p1) + p0 * (1 - p0)) / 2))


def test_classes_separated_by_a_covariate_get_no_weights_and_no_estimates() -> None:
    # given a comparison where every treated episode is older than every reference one
    population = registry(40, seed=1, confounding=0.0).population
    population["age"] = np.where(population["is_treated"], 70.0, 30.0) + np.arange(40) % 5
    # when adjusting
    adjusted = adjust(population)
    rows, result, frame = adjusted.balance, adjusted.estimates, adjusted.weights
    # then the fit reports the separation and nothing is weighted or estimated
    assert set(frame["ps_status"]) == {"separated"}
    assert frame["weight"].isna().all() and frame["propensity_score"].isna().all()
    assert rows["smd_after"].isna().all() and rows["smd_before"].notna().all()
    assert result["risk_difference"].isna().all() and result["is_imbalanced"].isna().all()
    assert list(result["ps_status"]) == ["separated", "separated"]


def test_fit_leaves_out_constant_covariates() -> None:
    rng = np.random.default_rng(2)
    treated = rng.uniform(size=50) < 0.5
    fit = model.fit_propensity(
        {"age": rng.normal(50, 10, 50), "year": np.full(50, 2022.0)}, treated, frozenset()
    )
    assert fit.status is model.FitStatus.FITTED and fit.covariates_used == ("age",)


def test_a_missing_or_null_covariate_is_named_with_its_dataset() -> None:
    population = registry(30, seed=4, confounding=0.5).population
    with pytest.raises(comparisons.PopulationError, match="no column.*baseline"):
        comparisons.weigh(population.drop(columns="baseline"), COVARIATES, (1, 99))
    population.loc[3, "age"] = np.nan
    with pytest.raises(comparisons.PopulationError, match="age is null for 1 row.*populations"):
        comparisons.weigh(population, COVARIATES, (1, 99))


def test_no_comparisons_give_typed_empty_tables() -> None:
    empty = registry(10, seed=5, confounding=0.0).population.iloc[0:0]
    adjusted = adjust(empty)
    frame, rows, result = adjusted.weights, adjusted.balance, adjusted.estimates
    assert len(frame) == len(rows) == len(result) == 0
    assert str(frame["ps_status"].dtype) == "category"
    assert dict(result.dtypes.astype(str)) == comparisons.ESTIMATE_COLUMNS
    assert isinstance(rows, pd.DataFrame)


def test_the_fit_is_the_maximum_likelihood_statsmodels_finds_even_with_collinear_covariates() -> (
    None
):
    # given 2,000 confounded episodes, and the same data with a duplicated covariate
    population = registry(2_000, seed=11, confounding=0.7).population
    treated = population["is_treated"].to_numpy(bool)
    values = {c.name: population[c.name].to_numpy(float) for c in COVARIATES}
    fit = model.fit_propensity(values, treated, frozenset({"female"}))
    twice = model.fit_propensity(
        {**values, "age_again": values["age"]}, treated, frozenset({"female"})
    )
    # when statsmodels fits the raw covariates by Newton's method to a tight tolerance
    x = sm.add_constant(np.column_stack([values[c.name] for c in COVARIATES]))
    reference = sm.Logit(treated.astype(float), x).fit(disp=0, method="newton", tol=1e-14)
    # then the scores agree to 1e-8, and a duplicated covariate changes no score
    assert fit.status is model.FitStatus.FITTED
    assert np.max(np.abs(fit.scores - reference.predict(x))) < 1e-8
    assert np.max(np.abs(twice.scores - fit.scores)) < 1e-8


def test_a_comparison_analyses_its_own_episodes_with_its_models_weights() -> None:
    # given a model of 400 episodes, and a second comparison (as oc at a later timepoint)
    # counting only every other episode of it
    population = registry(400, seed=9, confounding=0.6).population
    subset = population[population["model_row"] % 2 == 0].assign(comparison_id=2)
    members = pd.concat([population, subset], ignore_index=True)
    weights = comparisons.weigh(population, COVARIATES, (1, 99))
    episodes = population.merge(weights, on=["model_row", "model_id"])
    # when balance and estimates are computed for both comparisons
    rows = comparisons.balance_table(members, episodes, COVARIATES)
    result = comparisons.adjusted_estimates(members, weights, rows, 0.1)
    # then the subset's estimate uses the model's weights of its own episodes
    second = result[(result["comparison_id"] == 2) & (result["outcome"] == "response")].iloc[0]
    mine = episodes[episodes["model_row"] % 2 == 0]
    treated = mine["is_treated"].to_numpy(bool)
    w, y = mine["weight"].to_numpy(), mine["is_responder"].to_numpy(float)
    expected = np.sum(w[treated] * y[treated]) / np.sum(w[treated])
    assert second["weighted_rate_treated"] == pytest.approx(expected, rel=1e-12)
    assert (second["n_treated"], second["n_reference"]) == (treated.sum(), (~treated).sum())
    assert set(rows["comparison_id"]) == {1, 2} and len(rows) == 2 * len(COVARIATES)
