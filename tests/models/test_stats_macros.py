"""The statistics macros (macros/stats.sql) against independent references.

Given a grid of event counts including 0 and n; when the macros are compiled by dbt and run in
DuckDB; then Wilson matches statsmodels, Newcombe's hybrid score interval matches published
values and an independent implementation, and the log-method risk ratio matches its formula.
"""

from __future__ import annotations

import itertools
import math

import duckdb
import pytest
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

from trd.build import run_dbt

Z = 1.96
WILSON_ALPHA = 2 * (1 - norm.cdf(Z))
"""statsmodels takes alpha; this one makes its z exactly the 1.96 of the macros."""

COUNTS = sorted(
    {(x, n) for n in (1, 2, 3, 5, 10, 17, 30, 250) for x in (0, 1, n // 3, n // 2, n - 1, n)}
)
PAIRS = [(x1, n1, x0, n0) for (x1, n1), (x0, n0) in itertools.product(COUNTS, COUNTS)]

INLINE_SQL = """
select
    x1, n1, x0, n0,
    {{ wilson_low('x1', 'n1') }} as wilson_low,
    {{ wilson_high('x1', 'n1') }} as wilson_high,
    {{ risk_difference('x1', 'n1', 'x0', 'n0') }} as rd,
    {{ newcombe_rd_low('x1', 'n1', 'x0', 'n0') }} as rd_low,
    {{ newcombe_rd_high('x1', 'n1', 'x0', 'n0') }} as rd_high,
    {{ risk_ratio('x1', 'n1', 'x0', 'n0') }} as rr,
    {{ log_rr_low('x1', 'n1', 'x0', 'n0') }} as rr_low,
    {{ log_rr_high('x1', 'n1', 'x0', 'n0') }} as rr_high
from pairs
"""


@pytest.fixture(scope="module")
def compiled_sql(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The macros as dbt renders them (compile needs a profile, hence a scratch warehouse)."""
    warehouse = tmp_path_factory.mktemp("stats") / "w.duckdb"
    result = run_dbt(["compile", "--inline", INLINE_SQL], warehouse)
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code


def run(sql: str, pairs: list[tuple[int, int, int, int]]) -> dict[tuple[int, ...], tuple]:
    con = duckdb.connect()
    con.execute("create table pairs (x1 integer, n1 integer, x0 integer, n0 integer)")
    con.executemany("insert into pairs values (?, ?, ?, ?)", pairs)
    return {tuple(row[:4]): tuple(row[4:]) for row in con.execute(sql).fetchall()}


@pytest.fixture(scope="module")
def results(compiled_sql: str) -> dict[tuple[int, ...], tuple]:
    return run(compiled_sql, PAIRS)


def wilson(x: int, n: int) -> tuple[float, float]:
    low, high = proportion_confint(x, n, alpha=WILSON_ALPHA, method="wilson")
    return float(low), float(high)


def test_wilson_matches_statsmodels_on_the_whole_grid(results: dict) -> None:
    for (x, n, _, _), (low, high, *_) in results.items():
        assert (low, high) == pytest.approx(wilson(x, n), abs=1e-12), (x, n)


def test_wilson_is_exactly_0_at_no_events_and_1_at_all_events(results: dict) -> None:
    lows_at_zero = {r[0] for (x, _, _, _), r in results.items() if x == 0}
    highs_at_n = {r[1] for (x, n, _, _), r in results.items() if x == n}
    assert lows_at_zero == {0.0}
    assert highs_at_n == {1.0}


def test_wilson_of_an_empty_denominator_is_null(compiled_sql: str) -> None:
    (row,) = run(compiled_sql, [(0, 0, 1, 2)]).values()
    assert row[:2] == (None, None)


@pytest.mark.parametrize(
    ("pair", "published"),
    [
        # Newcombe RG. Stat Med 1998;17:873-890, Table II, method 10 (hybrid score)
        ((56, 70, 48, 80), (0.2000, 0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.6000, 0.1705, 0.8090)),
        ((6, 7, 2, 7), (0.5714, 0.0582, 0.8062)),
        ((5, 56, 0, 29), (0.0893, -0.0381, 0.1926)),
        ((0, 10, 0, 20), (0.0000, -0.1611, 0.2775)),
        ((0, 10, 0, 10), (0.0000, -0.2775, 0.2775)),
        ((10, 10, 0, 20), (1.0000, 0.6791, 1.0000)),
        ((10, 10, 0, 10), (1.0000, 0.6075, 1.0000)),
    ],
)
def test_newcombe_interval_reproduces_the_published_examples(
    compiled_sql: str, pair: tuple[int, int, int, int], published: tuple[float, float, float]
) -> None:
    (row,) = run(compiled_sql, [pair]).values()
    assert row[2:5] == pytest.approx(published, abs=1e-4)


def test_newcombe_matches_an_independent_implementation_on_the_grid(results: dict) -> None:
    for (x1, n1, x0, n0), (*_, rd, low, high, _, _, _) in results.items():
        p1, p0 = x1 / n1, x0 / n0
        (l1, u1), (l0, u0) = wilson(x1, n1), wilson(x0, n0)
        expected = (
            p1 - p0,
            p1 - p0 - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
            p1 - p0 + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2),
        )
        assert (rd, low, high) == pytest.approx(expected, abs=1e-12), (x1, n1, x0, n0)


def test_log_rr_matches_its_formula_and_is_null_when_a_count_is_0(results: dict) -> None:
    for (x1, n1, x0, n0), (*_, rr, low, high) in results.items():
        if x1 == 0 or x0 == 0:
            assert (rr, low, high) == (None, None, None), (x1, n1, x0, n0)
            continue
        ratio = (x1 / n1) / (x0 / n0)
        se = math.sqrt(1 / x1 - 1 / n1 + 1 / x0 - 1 / n0)
        expected = (ratio, ratio * math.exp(-Z * se), ratio * math.exp(Z * se))
        assert (rr, low, high) == pytest.approx(expected, rel=1e-12), (x1, n1, x0, n0)
