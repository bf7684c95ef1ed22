"""The adjusted registry comparisons end to end on a hand-made OMOP registry, against
statsmodels: raw rows -> dbt (covariates, propensity scores, weights, balance, estimates,
overlap, reporting views).

Thirty persons with the common TRD history (registry_omop.OmopBuilder.trd_history: two failed
adequate trials, MDD in 2019) start ketamine (1-15) or sertraline, a new standard AD (16-30), on
2022-06-15, with a PHQ-9 baseline on 2022-06-01 and a score on day 28. Their covariates are
stated in PERSONS and written as OMOP records (year of birth, gender, observation start, a
recurrent-MDD diagnosis, a quetiapine course, an ECT session). Every expected number is computed
here from PERSONS with statsmodels (Logit for the propensity score, GLM with var_weights and
cov_type='HC0' for the estimates, DescrStatsW for the weighted means) and compared to 1e-8.
The same persons are loaded twice: REG-OPEN (suppression none) and REG-CMS (cms, small counts
hidden).
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
import pytest
import statsmodels.api as sm
from registry_omop import (
    ECT,
    KETAMINE,
    PHQ9_TOTAL,
    QUETIAPINE,
    SERTRALINE,
    OmopBuilder,
    built_warehouse,
)
from statsmodels.stats.weightstats import DescrStatsW
from support.warehouse import query

from trd.docs.sources import models

OPEN, CMS = "REG-OPEN", "REG-CMS"
RECURRENT_MDD = 4282316
"""SNOMED 66344007 Recurrent major depression (seed concept set mdd_recurrent)."""
INDEX = date(2022, 6, 15)
TOLERANCE = 1e-8
Z = 1.96
MODELS = "+rpt_adjusted_comparisons +rpt_adjusted_balance +rpt_adjusted_overlap"


class Person(NamedTuple):
    person_id: int
    ketamine: bool
    year_of_birth: int
    female: bool
    baseline: int
    day28: int
    observation_start: str
    recurrent: bool
    augmentation: bool
    ect: bool


PERSONS = [
    Person(1, True, 1978, False, 25, 3, "2016-07-26", True, True, False),
    Person(2, True, 1970, True, 16, 12, "2019-06-22", False, True, False),
    Person(3, True, 1984, True, 25, 10, "2017-06-10", False, True, False),
    Person(4, True, 1969, True, 19, 3, "2017-09-20", False, True, False),
    Person(5, True, 1983, True, 23, 18, "2014-03-17", True, True, False),
    Person(6, True, 1970, True, 17, 6, "2017-10-29", True, False, False),
    Person(7, True, 1970, True, 21, 16, "2019-04-19", True, False, True),
    Person(8, True, 1956, False, 23, 18, "2016-03-09", False, False, False),
    Person(9, True, 1992, True, 23, 18, "2019-04-20", False, True, False),
    Person(10, True, 1956, False, 14, 11, "2015-01-24", True, False, False),
    Person(11, True, 1953, False, 27, 21, "2017-05-18", False, True, False),
    Person(12, True, 1981, True, 23, 9, "2016-08-16", False, False, False),
    Person(13, True, 1962, False, 22, 3, "2017-05-15", True, False, False),
    Person(14, True, 1991, True, 18, 7, "2014-05-27", False, False, True),
    Person(15, True, 1972, True, 20, 3, "2017-11-10", False, True, False),
    Person(16, False, 1955, True, 21, 16, "2015-11-15", False, False, False),
    Person(17, False, 1967, True, 24, 19, "2014-04-02", True, False, False),
    Person(18, False, 1989, False, 17, 3, "2014-01-12", True, True, False),
    Person(19, False, 1999, False, 15, 12, "2014-10-10", True, False, False),
    Person(20, False, 1994, False, 15, 6, "2016-01-22", False, False, False),
    Person(21, False, 1955, False, 19, 7, "2019-02-03", True, False, True),
    Person(22, False, 1976, True, 12, 9, "2018-07-25", True, False, False),
    Person(23, False, 1984, True, 19, 3, "2017-05-21", False, True, False),
    Person(24, False, 1974, False, 19, 3, "2018-02-01", False, True, False),
    Person(25, False, 1998, True, 12, 3, "2015-07-25", True, False, False),
    Person(26, False, 1993, False, 17, 13, "2016-09-30", False, False, False),
    Person(27, False, 1970, False, 14, 11, "2016-05-25", True, False, True),
    Person(28, False, 1962, True, 21, 16, "2014-01-01", True, True, False),
    Person(29, False, 1974, True, 24, 19, "2015-08-31", False, True, False),
    Person(30, False, 1980, True, 24, 19, "2017-06-05", False, True, False),
]
COVARIATES = (
    "age",
    "female",
    "baseline",
    "prior_observation_days",
    "prior_augmentation",
    "prior_ect",
    "mdd_recurrent",
)
"""The covariates that vary here (failed trials and index year are constant, so the model
leaves them out; their SMDs are 0)."""
BINARY = {"female", "prior_augmentation", "prior_ect", "mdd_recurrent"}


def covariates(p: Person) -> dict[str, float]:
    return {
        "age": INDEX.year - p.year_of_birth,
        "female": float(p.female),
        "baseline": p.baseline,
        "prior_observation_days": (INDEX - date.fromisoformat(p.observation_start)).days,
        "prior_augmentation": float(p.augmentation),
        "prior_ect": float(p.ect),
        "mdd_recurrent": float(p.recurrent),
    }


def build_dataset() -> OmopBuilder:
    omop = OmopBuilder()
    for p in PERSONS:
        omop.person(p.person_id, year_of_birth=p.year_of_birth, female=p.female)
        omop.trd_history(p.person_id, observation_start=p.observation_start)
        if p.ketamine:
            omop.drug(p.person_id, KETAMINE, "2022-06-15")
        else:
            omop.drug(p.person_id, SERTRALINE, "2022-06-15", end="2022-08-15")
        omop.observation(p.person_id, PHQ9_TOTAL, "2022-06-01", p.baseline)
        omop.observation(p.person_id, PHQ9_TOTAL, "2022-07-13", p.day28)
        if p.recurrent:
            omop.condition(p.person_id, RECURRENT_MDD, "2020-02-01")
        if p.augmentation:  # quetiapine added in the 730 days before index
            omop.drug(p.person_id, QUETIAPINE, "2021-09-01", end="2021-10-30")
        if p.ect:
            omop.procedure(p.person_id, ECT, "2021-11-02")
    return omop


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    open_data, cms_data = build_dataset(), build_dataset()
    open_data.suppression, cms_data.suppression = "none", "cms"
    return built_warehouse(
        tmp_path_factory.mktemp("adjusted"), {OPEN: open_data, CMS: cms_data}, MODELS
    )


class Expected(NamedTuple):
    treated: np.ndarray
    scores: np.ndarray
    stabilised: np.ndarray
    weights: np.ndarray
    design: dict[str, np.ndarray]


@pytest.fixture(scope="module")
def expected() -> Expected:
    """Propensity scores and weights of the D28 comparison, from PERSONS and statsmodels."""
    treated = np.array([p.ketamine for p in PERSONS])
    design = {c: np.array([covariates(p)[c] for p in PERSONS], float) for c in COVARIATES}
    x = sm.add_constant(np.column_stack([design[c] for c in COVARIATES]))
    fit = sm.Logit(treated.astype(float), x).fit(disp=0, method="newton", tol=1e-14)
    scores = fit.predict(x)
    share = treated.mean()
    stabilised = np.where(treated, share / scores, (1 - share) / (1 - scores))
    low, high = _type7_percentile(stabilised, 0.01), _type7_percentile(stabilised, 0.99)
    return Expected(treated, scores, stabilised, np.clip(stabilised, low, high), design)


def _type7_percentile(values: np.ndarray, p: float) -> float:
    """Hyndman-Fan type 7 (R's default), written out: h = (n - 1) p, linear between."""
    ordered = np.sort(values)
    h = (ordered.size - 1) * p
    below = math.floor(h)
    return float(ordered[below] + (h - below) * (ordered[below + 1] - ordered[below]))


def _by_person(warehouse: Path, sql: str) -> dict[int, tuple]:
    return {int(row[0]): row[1:] for row in query(warehouse, sql)}


def test_covariates_are_read_from_the_omop_records(warehouse: Path) -> None:
    rows = _by_person(
        warehouse,
        f"""select person_key, age, female, prior_adequate_trials, prior_observation_days,
                   index_year, prior_augmentation, prior_ect, mdd_recurrent
            from intermediate.int_registry__covariates
            where dataset_id = '{OPEN}' and treatment_class in ('ketamine', 'standard_ad')""",
    )
    assert set(rows) == {p.person_id for p in PERSONS}
    for p in PERSONS:
        c = covariates(p)
        assert rows[p.person_id] == (
            c["age"],
            p.female,
            2,
            c["prior_observation_days"],
            2022,
            p.augmentation,
            p.ect,
            p.recurrent,
        ), p


def test_propensity_scores_and_weights_match_statsmodels(
    warehouse: Path, expected: Expected
) -> None:
    rows = _by_person(
        warehouse,
        f"""select person_key, ps_status, propensity_score, stabilised_weight, weight
            from intermediate.int_adjustment__weighted_episodes
            where dataset_id = '{OPEN}' and analysis = 'oc' and treatment_class = 'ketamine'""",
    )
    assert len(rows) == len(PERSONS)
    for i, p in enumerate(PERSONS):
        status, score, stabilised, weight = rows[p.person_id]
        assert status == "fitted"
        assert abs(score - expected.scores[i]) < TOLERANCE
        assert abs(stabilised - expected.stabilised[i]) < TOLERANCE
        assert abs(weight - expected.weights[i]) < TOLERANCE
    # the 1st and 99th percentiles moved the two most extreme weights (30 weights: the
    # interpolated bounds lie strictly between the two smallest and the two largest)
    assert int(np.sum(expected.weights != expected.stabilised)) == 2


def test_standardised_differences_match_weighted_statistics(
    warehouse: Path, expected: Expected
) -> None:
    rows = {
        r[0]: r[1:]
        for r in query(
            warehouse,
            f"""select covariate, smd_before, smd_after, mean_treated_after
                from marts.covariate_balance
                where dataset_id = '{OPEN}' and analysis = 'oc' and treatment_class = 'ketamine'""",
        )
    }
    assert rows["prior_adequate_trials"][:2] == (0.0, 0.0)
    assert rows["index_year"][:2] == (0.0, 0.0)
    one = expected.treated
    for covariate in COVARIATES:
        x = expected.design[covariate]
        for position, weights in ((0, np.ones(x.size)), (1, expected.weights)):
            d1 = DescrStatsW(x[one], weights=weights[one])
            d0 = DescrStatsW(x[~one], weights=weights[~one])
            if covariate in BINARY:
                v1, v0 = d1.mean * (1 - d1.mean), d0.mean * (1 - d0.mean)
            else:
                v1, v0 = _reliability_variance(d1), _reliability_variance(d0)
            smd = (d1.mean - d0.mean) / math.sqrt((v1 + v0) / 2)
            assert abs(rows[covariate][position] - smd) < TOLERANCE, (covariate, position)
        assert abs(rows[covariate][2] - DescrStatsW(x[one], weights=expected.weights[one]).mean) < (
            TOLERANCE
        )


def _reliability_variance(d: DescrStatsW) -> float:
    """DescrStatsW's variance (ddof 0) rescaled to the unbiased one for reliability weights."""
    v1, v2 = d.sum_weights, np.sum(d.weights**2)
    return float(d.var * v1 * v1 / (v1 * v1 - v2))


@pytest.mark.parametrize("outcome", ["response", "remission"])
def test_estimates_and_robust_intervals_match_glm_with_hc0(
    warehouse: Path, expected: Expected, outcome: str
) -> None:
    y = np.array(
        [2 * p.day28 <= p.baseline if outcome == "response" else p.day28 <= 4 for p in PERSONS],
        float,
    )
    x = sm.add_constant(expected.treated.astype(float))
    identity = sm.GLM(y, x, family=sm.families.Gaussian(), var_weights=expected.weights)
    rd = identity.fit(cov_type="HC0")
    log = sm.GLM(y, x, family=sm.families.Poisson(), var_weights=expected.weights)
    rr = log.fit(cov_type="HC0")
    ratio = math.exp(rr.params[1])
    [row] = query(
        warehouse,
        f"""select weighted_rate_treated, weighted_rate_reference, risk_difference,
                   risk_difference_ci_low, risk_difference_ci_high, risk_ratio,
                   risk_ratio_ci_low, risk_ratio_ci_high, e_value, e_value_ci, n_treated,
                   n_reference, ps_status
            from marts.adjusted_comparisons
            where dataset_id = '{OPEN}' and analysis = 'oc' and treatment_class = 'ketamine'
              and outcome = '{outcome}'""",
    )
    low = math.exp(rr.params[1] - Z * rr.bse[1])
    high = math.exp(rr.params[1] + Z * rr.bse[1])
    nearer = low if ratio >= 1 else 1 / high
    wanted = (
        rd.params[0] + rd.params[1],
        rd.params[0],
        rd.params[1],
        rd.params[1] - Z * rd.bse[1],
        rd.params[1] + Z * rd.bse[1],
        ratio,
        low,
        high,
        max(ratio, 1 / ratio) + math.sqrt(max(ratio, 1 / ratio) * (max(ratio, 1 / ratio) - 1)),
        1.0 if low <= 1 <= high else nearer + math.sqrt(nearer * (nearer - 1)),
    )
    for got, want in zip(row[:10], wanted, strict=True):
        assert abs(got - want) < TOLERANCE, (row, wanted)
    assert row[10:] == (15, 15, "fitted")


def test_the_covariates_of_the_fit_are_the_seeds_and_every_comparison_is_fitted(
    warehouse: Path,
) -> None:
    statuses = query(
        warehouse,
        """select dataset_id, analysis, ps_status, count(*) from marts.propensity_overlap
           group by all order by all""",
    )
    assert statuses == [(d, a, "fitted", 1) for d in (CMS, OPEN) for a in ("locf", "nri", "oc")]


@pytest.mark.parametrize("mart", ["adjusted_comparisons", "covariate_balance"])
def test_the_python_marts_write_the_types_their_yaml_declares(warehouse: Path, mart: str) -> None:
    # dbt enforces no contract on a Python model; the YAML's data_type states what it writes
    # (and what tests/reports lays the mart out with), so a changed frame type shows here
    declared = next(m for m in models("marts") if m.name == mart).columns
    with duckdb.connect() as con:  # DuckDB's own name of each declared type (string: VARCHAR)
        wanted = {
            c["name"]: con.execute(f"select typeof(cast(null as {c['data_type']}))").fetchall()[0][
                0
            ]
            for c in declared
        }
    built = query(
        warehouse,
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = ?",
        [mart],
    )
    assert dict(built) == wanted


def test_adjusted_comparisons_rest_on_the_crude_denominators(warehouse: Path) -> None:
    # every adjusted comparison has the n of the two response_rates rows it adjusts
    mismatches = query(
        warehouse,
        """select a.dataset_id, a.analysis, a.outcome, a.treatment_class
           from marts.adjusted_comparisons as a
           left join marts.response_rates as t
             on a.dataset_id = t.dataset_id and a.scale = t.scale and a.timepoint = t.timepoint
            and a.analysis = t.analysis and a.treatment_class = t.treatment_class
           left join marts.response_rates as r
             on a.dataset_id = r.dataset_id and a.scale = r.scale and a.timepoint = r.timepoint
            and a.analysis = r.analysis and a.reference_class = r.treatment_class
           where a.n_treated is distinct from t.n or a.n_reference is distinct from r.n""",
    )
    assert mismatches == []
    keys = query(
        warehouse,
        "select distinct dataset_id, analysis, treatment_class from marts.adjusted_comparisons",
    )
    assert sorted(keys) == [(d, a, "ketamine") for d in (CMS, OPEN) for a in ("locf", "nri", "oc")]


def test_overlap_report_counts_the_episodes_outside_the_common_support(
    warehouse: Path, expected: Expected
) -> None:
    one = expected.treated
    low = max(expected.scores[one].min(), expected.scores[~one].min())
    high = min(expected.scores[one].max(), expected.scores[~one].max())
    outside = (expected.scores < low) | (expected.scores > high)
    [row] = query(
        warehouse,
        f"""select n_treated_outside_overlap, n_reference_outside_overlap, overlap_low,
                   overlap_high, n_weights_truncated, ess_treated
            from marts.propensity_overlap
            where dataset_id = '{OPEN}' and analysis = 'oc'""",
    )
    w = expected.weights[one]
    assert row[:2] == (int(np.sum(outside & one)), int(np.sum(outside & ~one)))
    assert abs(row[2] - low) < TOLERANCE and abs(row[3] - high) < TOLERANCE
    assert row[4] == 2
    assert abs(row[5] - w.sum() ** 2 / np.sum(w**2)) < 1e-6
    assert row[:2] == (4, 4)  # a few episodes of each group lie outside


def test_reporting_hides_an_adjusted_comparison_exactly_when_its_crude_one_is_hidden(
    warehouse: Path,
) -> None:
    rows = query(
        warehouse,
        """select a.dataset_id, a.analysis, a.outcome, a.is_suppressed, c.is_suppressed,
                  a.risk_difference is null, a.n_treated_display, a.e_value is null
           from reporting.adjusted_comparisons as a
           join reporting.response_comparisons as c
             using (dataset_id, scale, timepoint, analysis, outcome, treatment_class)""",
    )
    assert len(rows) == 12
    for dataset, analysis, outcome, hidden, crude_hidden, rd_null, n_display, e_null in rows:
        assert hidden == crude_hidden, (dataset, analysis, outcome)
        assert rd_null == hidden and e_null == hidden
        assert n_display == ("suppressed" if hidden else "15")
    # none hides nothing; cms hides every comparison here (responders and remitters, 1-10 of
    # 15, are small counts, so the crude comparisons are hidden)
    assert {(r[0], r[3]) for r in rows} == {(OPEN, False), (CMS, True)}
    shown = query(
        warehouse,
        f"""select r.risk_difference, m.risk_difference, r.e_value_ci, m.e_value_ci
            from reporting.adjusted_comparisons as r
            join marts.adjusted_comparisons as m
              using (dataset_id, scale, timepoint, analysis, outcome, treatment_class)
            where dataset_id = '{OPEN}'""",
    )
    assert all(r[0] == r[1] and r[2] == r[3] for r in shown)


def test_reporting_suppresses_small_counts_of_the_overlap_report(warehouse: Path) -> None:
    rows = {
        r[0]: r[1:]
        for r in query(
            warehouse,
            """select dataset_id, is_suppressed, n_treated_display,
                      n_treated_outside_overlap_display, n_weights_truncated,
                      n_weights_truncated_display
               from reporting.propensity_overlap where analysis = 'oc'""",
        )
    }
    [marts_outside] = query(
        warehouse,
        f"""select n_treated_outside_overlap from marts.propensity_overlap
            where dataset_id = '{CMS}' and analysis = 'oc'""",
    )[0]
    # the comparison is shown under both policies (n = 15 per class is not small) ...
    assert rows[OPEN][:2] == (False, "15") and rows[CMS][:2] == (False, "15")
    # ... but under cms the 2 truncated weights read "<11" and hold no number
    assert rows[OPEN][3:] == (2, "2")
    assert rows[CMS][3:] == (None, "<11")
    assert marts_outside == 4 and rows[CMS][2] == "<11"
    balance = query(
        warehouse,
        f"""select count(*), count(smd_after), bool_and(not is_suppressed)
            from reporting.covariate_balance where dataset_id = '{CMS}'""",
    )
    assert balance == [(27, 27, True)]
