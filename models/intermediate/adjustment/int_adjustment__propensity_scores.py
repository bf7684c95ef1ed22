"""Propensity scores and weights of every adjusted registry comparison (the only model fit).

The statistics live in the `propensity` package (tested against statsmodels); this model only
feeds it: the comparison populations, the covariates of the seed adjustment_covariates and the
truncation percentiles of dbt_project.yml (vars weight_truncation_*_percentile).
"""

from propensity import comparisons


def model(dbt, session):
    dbt.config(materialized="table")
    population = dbt.ref("int_adjustment__populations").df()
    covariates = comparisons.covariates_from_seed(dbt.ref("adjustment_covariates").df())
    percentiles = (
        float(dbt.config.get("weight_truncation_low_percentile")),
        float(dbt.config.get("weight_truncation_high_percentile")),
    )
    return comparisons.weigh(population, covariates, percentiles)
