"""The mart suites (docs/data-quality.md#checks-on-the-marts): each error-level check fails on a
mart row that breaks it.

Mart tables are created by SQL with the docs/outputs.md#marts columns; one valid row each, plus one
violating
row per check, all checked in one GX run.
"""

from __future__ import annotations

import duckdb
import pytest
from dq_datasets import GOOD_MARTS, MARTS_DDL, blocking, by_id, failed

from expectations.gx_duckdb import ephemeral_context
from expectations.results import CheckResult
from expectations.runner import Scope, run_suites
from expectations.suites import marts

RATE = "insert into marts.response_rates values ('trial', 'T1', "
VIOLATIONS = {
    # check_id: (row inserted, failing key reported)
    "response_rates.response_rate_in_unit_interval": (
        RATE + "'c1', 'MADRS', 'D28', 'nri', true, 10, 10, 1.2, 1.1, 1.3, 0, 0, 0, 0.3)",
        "c1/MADRS/D28/nri",
    ),
    "response_rates.response_ci_contains_rate": (
        RATE + "'c2', 'MADRS', 'D28', 'nri', true, 10, 4, 0.4, 0.5, 0.7, 0, 0, 0, 0.3)",
        "c2/MADRS/D28/nri: 0.5 <= 0.4 <= 0.7",
    ),
    "response_rates.n_responders_at_most_n": (
        RATE + "'c3', 'MADRS', 'W2', 'oc', true, 10, 11, 0.4, 0.2, 0.7, 0, 0, 0, 0.3)",
        "c3/MADRS/W2/oc",
    ),
    "response_rates.n_positive": (
        RATE + "'c4', 'MADRS', 'D7', 'oc', true, 0, 0, null, null, null, 0, null, null, null)",
        "c4/MADRS/D7/oc",
    ),
    "cohort_episodes.treatment_class_not_null": (
        "insert into marts.cohort_episodes values "
        "('trial', 'T1', 'S-009', null, null, 1, null, 40, 'F', null, true)",
        "S-009",
    ),
    "cohort_episodes.treatment_class_value": (
        "insert into marts.cohort_episodes values "
        "('trial', 'T1', 'S-010', 'psilocybin', null, 1, null, 40, 'F', null, true)",
        "S-010",
    ),
}
"""The remission twins of the rate checks run the same code; test_check_command covers them."""


@pytest.fixture(scope="module")
def results() -> list[CheckResult]:
    con = duckdb.connect()
    for statement in MARTS_DDL + GOOD_MARTS + tuple(row for row, _ in VIOLATIONS.values()):
        con.execute(statement)
    scope = Scope("marts", "T1", partition_column="dataset_id", row_numbers=False)
    try:
        return run_suites(con, ephemeral_context(), scope, marts.suites(), {})
    finally:
        con.close()


def test_every_mart_check_ran(results: list[CheckResult]) -> None:
    declared = {c.check_id for s in marts.suites() for c in s.checks}
    assert {r.check_id for r in results} == declared


def test_violating_rows_block_exactly_their_checks(results: list[CheckResult]) -> None:
    assert blocking(results) == set(VIOLATIONS)
    assert failed(results) == set(VIOLATIONS)


@pytest.mark.parametrize("check_id", VIOLATIONS)
def test_mart_check_names_the_failing_row(results: list[CheckResult], check_id: str) -> None:
    result = by_id(results)[check_id]
    assert result.table.startswith("marts.")
    assert result.failing_keys == (VIOLATIONS[check_id][1],)
    assert result.unexpected_count == 1
