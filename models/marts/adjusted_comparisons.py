"""marts.adjusted_comparisons: propensity-score weighted proportions, risk difference and risk
ratio with robust 95% intervals and E-values per registry comparison and outcome, flagged
imbalanced when a weighted |SMD| exceeds var balance_smd_threshold. Formulas in
propensity/estimates.py; this model only feeds them."""

from propensity import comparisons
from propensity.members import member_chunks


def model(dbt, session):
    dbt.config(materialized="table", contract={"enforced": False})  # dbt: no Python contracts
    weights = dbt.ref("int_adjustment__propensity_scores")
    weights = weights.project(f"{comparisons.MODEL_ROW}, ps_status, weight").df()
    balance = dbt.ref("covariate_balance").df()
    threshold = float(dbt.config.get("balance_smd_threshold"))
    outcomes = ", ".join(comparisons.OUTCOMES.values())
    columns = f"{comparisons.COMPARISON}, {comparisons.MODEL_ROW}, is_treated, {outcomes}"
    members = dbt.ref("int_adjustment__populations")
    chunks = member_chunks(members, columns)
    result = comparisons.adjusted_estimates(chunks, weights, balance, threshold)
    return comparisons.with_keys(result, dbt.ref("int_adjustment__comparisons").df())
