"""Propensity scores and weights of every propensity model (the only model fit).

The statistics live in the `propensity` package (checked against statsmodels in the tests);
this model only feeds it: the numeric columns of int_adjustment__propensity_populations, the
covariates of the seed adjustment_covariates and the truncation percentiles of
dbt_project.yml (vars weight_truncation_*_percentile). Out, per model_row: model_id,
ps_status, propensity_score, stabilised_weight, weight and the model's truncation bounds.
"""

from propensity import comparisons


def model(dbt, session):
    dbt.config(materialized="table")
    covariates = comparisons.covariates_from_seed(dbt.ref("adjustment_covariates").df())
    rows = dbt.ref("int_adjustment__propensity_populations")
    wanted = [comparisons.MODEL_ROW, comparisons.MODEL, "is_treated", *(c.name for c in covariates)]
    frame = rows.project(", ".join(c for c in wanted if c in rows.columns)).df()
    percentiles = (
        float(dbt.config.get("weight_truncation_low_percentile")),
        float(dbt.config.get("weight_truncation_high_percentile")),
    )
    return comparisons.weigh(frame, covariates, percentiles)
