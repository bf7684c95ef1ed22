"""marts.covariate_balance: standardised mean differences of every covariate of every adjusted
registry comparison, before and after weighting (what a Love plot draws). Formulas in
propensity/balance.py; this model only feeds them: the comparisons' episodes, and their
models' covariates and weights, and the comparisons' members a few comparisons at a time
(propensity/members.py)."""

from propensity import comparisons
from propensity.members import member_chunks


def model(dbt, session):
    dbt.config(materialized="table", contract={"enforced": False})  # dbt: no Python contracts
    covariates = comparisons.covariates_from_seed(dbt.ref("adjustment_covariates").df())
    rows = dbt.ref("int_adjustment__propensity_populations")
    wanted = [comparisons.MODEL_ROW, *(c.name for c in covariates)]
    values = rows.project(", ".join(c for c in wanted if c in rows.columns)).df()
    weights = dbt.ref("int_adjustment__propensity_scores")
    weights = weights.project(f"{comparisons.MODEL_ROW}, ps_status, weight").df()
    episodes = values.merge(weights, on=comparisons.MODEL_ROW, validate="one_to_one")
    members = dbt.ref("int_adjustment__populations")
    columns = f"{comparisons.COMPARISON}, {comparisons.MODEL_ROW}, is_treated"
    result = comparisons.balance_table(member_chunks(members, columns), episodes, covariates)
    return comparisons.with_keys(result, dbt.ref("int_adjustment__comparisons").df())
