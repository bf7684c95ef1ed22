"""Propensity-score adjustment of the registry comparisons (issue 16; see README.md).

In: comparison populations (one row per episode a crude comparison counts, with covariates and
outcome flags: the dbt model int_adjustment__populations). Out: propensity scores and
stabilised, truncated ATE weights per episode; covariate balance (SMDs before and after
weighting); weighted proportions, risk difference and risk ratio with robust 95% intervals and
E-values per comparison. Plain functions over numpy and pandas, engine-agnostic: the dbt Python
models in models/intermediate/adjustment/ and models/marts/ are their only callers.
"""
