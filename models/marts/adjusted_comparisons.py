"""marts.adjusted_comparisons: propensity-score weighted proportions, risk difference and risk
ratio with robust 95% intervals and E-values per registry comparison and outcome, flagged
imbalanced when a weighted |SMD| exceeds var balance_smd_threshold. Formulas in
propensity/estimates.py."""

from propensity import comparisons


def model(dbt, session):
    dbt.config(materialized="table")
    weighted = dbt.ref("int_adjustment__propensity_scores").df()
    balance = dbt.ref("covariate_balance").df()
    threshold = float(dbt.config.get("balance_smd_threshold"))
    return comparisons.adjusted_estimates(weighted, balance, threshold)
