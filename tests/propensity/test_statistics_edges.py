"""The edges of the adjustment statistics, one behaviour each: E-values (VanderWeele and Ding
2017, their worked values), ratios that cannot be estimated, SMDs of constant covariates,
separated classes, and populations the propensity model cannot use."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from synthetic import COVARIATES, registry

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
    weighted = comparisons.weigh(population, COVARIATES, (1, 99))
    rows = comparisons.balance_table(weighted, COVARIATES)
    result = comparisons.adjusted_estimates(weighted, rows, 0.1)
    # then the fit reports the separation and nothing is weighted or estimated
    assert set(weighted["ps_status"]) == {"separated"}
    assert weighted["weight"].isna().all() and weighted["in_overlap"].isna().all()
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
    with pytest.raises(comparisons.PopulationError, match="age is null for 1 row.*SYN"):
        comparisons.weigh(population, COVARIATES, (1, 99))


def test_no_comparisons_give_typed_empty_tables() -> None:
    empty = registry(10, seed=5, confounding=0.0).population.iloc[0:0]
    weighted = comparisons.weigh(empty, COVARIATES, (1, 99))
    rows = comparisons.balance_table(weighted, COVARIATES)
    result = comparisons.adjusted_estimates(weighted, rows, 0.1)
    assert len(weighted) == len(rows) == len(result) == 0
    assert str(weighted["dataset_id"].dtype) == "string"
    assert dict(result.dtypes.astype(str)) == comparisons.ESTIMATE_COLUMNS
    assert isinstance(rows, pd.DataFrame)
