"""marts.covariate_balance: standardised mean differences of every covariate of every adjusted
registry comparison, before and after weighting (what a Love plot draws). Formulas in
propensity/balance.py."""

from propensity import comparisons


def model(dbt, session):
    dbt.config(materialized="table")
    weighted = dbt.ref("int_adjustment__propensity_scores").df()
    covariates = comparisons.covariates_from_seed(dbt.ref("adjustment_covariates").df())
    return comparisons.balance_table(weighted, covariates)
