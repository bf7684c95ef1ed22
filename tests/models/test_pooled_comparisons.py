"""marts.pooled_comparisons (docs/outputs.md#pooled_comparisons) on hand-made trials, by a real
`trd build`.

Given five small trials whose day-28 counts are stated below, loaded into raw with plain
inserts; when `trd.build.build` runs once for the module; then the pooled rows equal the values
worked out by hand in the comments (k = 2 with tau2 > 0, k = 3, a zero cell, tau2 = 0), and
agree with statsmodels' `combine_effects` to 1e-9 on every row.

Subjects have MADRS baseline 30; a day-28 value of 10 is a responder and remitter (2 * 10 <= 30,
10 <= 10), 14 a responder only, 20 neither; a subject without a day-28 value is a non-responder
under nri and is left out under oc.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy.stats import t
from statsmodels.stats.meta_analysis import combine_effects
from support.warehouse import RawWriter, Row, new_warehouse, query

from trd.build import build

pytestmark = pytest.mark.slow

ESKETAMINE_ARM = "Esketamine + oral AD"
STANDARD_ARM = "Placebo + oral AD"
KETAMINE_ARM = "Ketamine 0.5 mg/kg IV"
MIDAZOLAM_ARM = "Midazolam 0.045 mg/kg IV"


@dataclass(frozen=True)
class Arm:
    label: str
    n: int
    responders: int
    remitters: int
    missing: int = 0
    """Subjects without a day-28 value (counted only by nri), taken from the non-responders."""
    hamd: tuple[int, int] | None = None
    """(responders, remitters) on HAMD17 at day 28 too: a second scale for the same subjects."""


@dataclass(frozen=True)
class Trial:
    dataset_id: str
    arms: tuple[Arm, Arm]
    classes: tuple[str, str]
    primary_analysis: str = "nri"


TRIALS = (
    # esketamine vs standard_ad, k = 3 (nri, the default primary analysis)
    # E1 also rates HAMD17, very differently: MADRS must be the scale it contributes.
    Trial(
        "E1",
        (
            Arm(ESKETAMINE_ARM, 50, 30, 14, hamd=(40, 5)),
            Arm(STANDARD_ARM, 50, 20, 11, hamd=(10, 2)),
        ),
        ("esketamine", "standard_ad"),
    ),
    Trial(
        "E2",
        (Arm(ESKETAMINE_ARM, 40, 26, 10), Arm(STANDARD_ARM, 40, 14, 9)),
        ("esketamine", "standard_ad"),
    ),
    Trial(
        "E3",
        (Arm(ESKETAMINE_ARM, 30, 13, 8), Arm(STANDARD_ARM, 30, 12, 7)),
        ("esketamine", "standard_ad"),
    ),
    # ketamine vs placebo (midazolam), k = 2. K1's primary analysis is oc: 4 and 2 subjects
    # without a day-28 value leave 20 and 10. K2's placebo has no remitter: a zero cell.
    Trial(
        "K1",
        (Arm(KETAMINE_ARM, 24, 16, 6, missing=4), Arm(MIDAZOLAM_ARM, 12, 3, 1, missing=2)),
        ("ketamine", "placebo"),
        primary_analysis="oc",
    ),
    Trial(
        "K2", (Arm(KETAMINE_ARM, 20, 9, 4), Arm(MIDAZOLAM_ARM, 20, 8, 0)), ("ketamine", "placebo")
    ),
)


def trial_rows(trial: Trial) -> tuple[list[Row], list[Row]]:
    """ADSL and ADQS rows of one trial: baseline and day-28 MADRS (and HAMD17 where given)."""
    adsl: list[Row] = []
    adqs: list[Row] = []
    for a, arm in enumerate(trial.arms):
        for i in range(arm.n):
            usubjid = f"{trial.dataset_id}-{a}{i:03d}"
            adsl.append(
                {
                    "studyid": trial.dataset_id,
                    "usubjid": usubjid,
                    "trt01a": arm.label,
                    "saffl": "Y",
                    "age": 40,
                    "sex": "F",
                    "trdfl": "Y",
                }
            )
            record = {"studyid": trial.dataset_id, "usubjid": usubjid}
            adqs.append(record | {"paramcd": "MADRSTOT", "aval": 30, "ady": 1, "ablfl": "Y"})
            if i >= arm.n - arm.missing:
                continue
            value = 10 if i < arm.remitters else 14 if i < arm.responders else 20
            adqs.append(record | {"paramcd": "MADRSTOT", "aval": value, "ady": 29})
            if arm.hamd:
                responders, remitters = arm.hamd
                adqs.append(record | {"paramcd": "HAMDTOT", "aval": 20, "ady": 1, "ablfl": "Y"})
                value = 5 if i < remitters else 9 if i < responders else 15
                adqs.append(record | {"paramcd": "HAMDTOT", "aval": value, "ady": 29})
    return adsl, adqs


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = new_warehouse(tmp_path_factory.mktemp("pooled") / "warehouse.duckdb")
    con = duckdb.connect(str(path))
    try:
        raw = RawWriter(con)
        for trial in TRIALS:
            adsl, adqs = trial_rows(trial)
            raw.dataset(
                trial.dataset_id,
                "trial",
                primary_analysis=trial.primary_analysis,
                arms={arm.label: cls for arm, cls in zip(trial.arms, trial.classes, strict=True)},
            )
            raw.table("adsl", trial.dataset_id, adsl)
            raw.table("adqs", trial.dataset_id, adqs)
    finally:
        con.close()
    assert build(path) == 0
    return path


def pooled(warehouse: Path, cls: str, outcome: str, measure: str) -> dict:
    columns = [
        "k",
        "dataset_ids",
        "estimate",
        "ci_low",
        "ci_high",
        "pi_low",
        "pi_high",
        "tau2",
        "i2",
        "q",
    ]
    (row,) = query(
        warehouse,
        f"select {', '.join(columns)} from marts.pooled_comparisons "
        f"where treatment_class = '{cls}' and outcome = '{outcome}' and measure = '{measure}' "
        "and timepoint = 'D28'",
    )
    return dict(zip(columns, row, strict=True))


# ---- hand-computed ---------------------------------------------------------------------------


def test_two_trials_with_heterogeneity_risk_difference(warehouse: Path) -> None:
    # given ketamine vs placebo response at D28:
    #   K1 (oc): 16/20 vs 3/10: y1 = 0.8 - 0.3 = 0.5,  v1 = .8*.2/20 + .3*.7/10   = 0.029
    #   K2 (nri): 9/20 vs 8/20: y2 = 0.45 - 0.4 = 0.05, v2 = .45*.55/20 + .4*.6/20 = 0.024375
    # with k = 2, Q = w1 w2 / (w1 + w2) (y1 - y2)^2 = 0.2025 / 0.053375 = 3.793911007...
    #   tau2 = (Q - 1) / (2 w1 w2 / (w1 + w2)) = ((y1 - y2)^2 - v1 - v2) / 2 = 0.0745625
    #   w1* = 1 / 0.1035625, w2* = 1 / 0.0989375,
    #   mu = (0.5 / 0.1035625 + 0.05 / 0.0989375) / (1 / 0.1035625 + 1 / 0.0989375)
    #      = 0.2698611... ; sum w* (y - mu)^2 / sum w* = (y1 - y2)^2 w1* w2* / (w1* + w2*)^2
    #   half-width = t(0.975, 1) sqrt(that) = 12.7062047361747 * 0.2249406...
    row = pooled(warehouse, "ketamine", "response", "risk_difference")
    assert (row["k"], row["dataset_ids"]) == (2, "K1,K2")
    q = 0.2025 / 0.053375
    assert row["q"] == pytest.approx(q, rel=1e-12)
    assert row["tau2"] == pytest.approx(0.0745625, rel=1e-12)
    assert row["i2"] == pytest.approx((q - 1) / q, rel=1e-12)
    a, b = 0.1035625, 0.0989375
    mu = (0.5 / a + 0.05 / b) / (1 / a + 1 / b)
    assert row["estimate"] == pytest.approx(mu, rel=1e-12)
    assert mu == pytest.approx(0.269861, abs=1e-6)
    half = 12.706204736174706 * math.sqrt(0.45**2 * (1 / a) * (1 / b) / (1 / a + 1 / b) ** 2)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((mu - half, mu + half), rel=1e-12)
    # and no prediction interval from two trials
    assert (row["pi_low"], row["pi_high"]) == (None, None)


def test_three_trials_risk_difference_with_prediction_interval(warehouse: Path) -> None:
    # given esketamine vs standard_ad response at D28 (nri), MADRS (E1's HAMD17 not used):
    #   E1 30/50 vs 20/50: y = 0.2,    v = 2 * .6*.4/50        = 0.0096
    #   E2 26/40 vs 14/40: y = 0.3,    v = 2 * .65*.35/40      = 0.011375
    #   E3 13/30 vs 12/30: y = 1/30,   v = (13*17 + 12*18)/30^3 = 437/27000
    ys = [0.2, 0.3, 1 / 30]
    vs = [0.0096, 0.011375, 437 / 27000]
    w = [1 / v for v in vs]
    mu_fixed = sum(wi * y for wi, y in zip(w, ys, strict=True)) / sum(w)
    q = sum(wi * (y - mu_fixed) ** 2 for wi, y in zip(w, ys, strict=True))
    tau2 = (q - 2) / (sum(w) - sum(wi * wi for wi in w) / sum(w))
    ws = [1 / (v + tau2) for v in vs]
    mu = sum(wi * y for wi, y in zip(ws, ys, strict=True)) / sum(ws)
    hk = sum(wi * (y - mu) ** 2 for wi, y in zip(ws, ys, strict=True)) / (2 * sum(ws))
    # Q = 2.586..., so tau2 = 0.00354... > 0; t(0.975, 2) = 4.302652729749464 (0.95 / sqrt(
    # 2 * .975 * .025)), t(0.975, 1) = 12.706204736174706 for the prediction interval
    assert q == pytest.approx(2.586, abs=1e-3) and tau2 == pytest.approx(0.0035404, abs=1e-7)
    row = pooled(warehouse, "esketamine", "response", "risk_difference")
    assert (row["k"], row["dataset_ids"]) == (3, "E1,E2,E3")
    assert row["q"] == pytest.approx(q, rel=1e-12)
    assert row["tau2"] == pytest.approx(tau2, rel=1e-12)
    assert row["i2"] == pytest.approx((q - 2) / q, rel=1e-12)
    assert row["estimate"] == pytest.approx(mu, rel=1e-12)
    t2 = 0.95 / math.sqrt(2 * 0.975 * 0.025)
    ci = (mu - t2 * math.sqrt(hk), mu + t2 * math.sqrt(hk))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(ci, rel=1e-12)
    t1 = math.tan(math.pi * 0.475)
    half = t1 * math.sqrt(tau2 + 1 / sum(ws))
    assert (row["pi_low"], row["pi_high"]) == pytest.approx((mu - half, mu + half), rel=1e-12)


def test_a_zero_cell_is_corrected_and_tau2_is_zero_below_k_minus_1(warehouse: Path) -> None:
    # given ketamine vs placebo remission at D28:
    #   K1 (oc) 6/20 vs 1/10: no zero cell. y1 = ln(.3 / .1) = ln 3, v1 = 1/6 - 1/20 + 1 - 1/10
    #   K2 (nri) 4/20 vs 0/20: 0.5 added to each cell: 4.5/21 vs 0.5/21,
    #      y2 = ln 9, v2 = 1/4.5 - 1/21 + 1/0.5 - 1/21
    ys = [math.log(3), math.log(9)]
    vs = [1 / 6 - 1 / 20 + 1 - 1 / 10, 1 / 4.5 - 1 / 21 + 2 - 1 / 21]
    w = [1 / v for v in vs]
    mu = sum(wi * y for wi, y in zip(w, ys, strict=True)) / sum(w)
    q = sum(wi * (y - mu) ** 2 for wi, y in zip(w, ys, strict=True))
    # Q = 0.384 < k - 1 = 1: tau2 = 0, I2 = 0, and the weights are the fixed-effect ones
    assert q == pytest.approx(0.3840, abs=1e-4)
    row = pooled(warehouse, "ketamine", "remission", "risk_ratio")
    assert (row["k"], row["tau2"], row["i2"]) == (2, 0.0, 0.0)
    assert row["q"] == pytest.approx(q, rel=1e-12)
    assert row["estimate"] == pytest.approx(math.exp(mu), rel=1e-12)
    se = math.sqrt(sum(wi * (y - mu) ** 2 for wi, y in zip(w, ys, strict=True)) / sum(w))
    half = math.tan(math.pi * 0.475) * se
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (math.exp(mu - half), math.exp(mu + half)), rel=1e-12
    )
    # and marts.response_comparisons keeps K2's risk ratio null (docs/derivations.md#statistics: no
    # correction there)
    assert query(
        warehouse,
        "select risk_ratio from marts.response_comparisons where dataset_id = 'K2' "
        "and outcome = 'remission' and timepoint = 'D28' and analysis = 'nri'",
    ) == [(None,)]


def test_each_trial_contributes_its_primary_analysis_on_its_preferred_scale(
    warehouse: Path,
) -> None:
    rows = query(
        warehouse,
        "select dataset_id, scale, analysis, x1, n1, x0, n0, continuity_correction "
        "from marts.pooled_comparison_inputs where outcome = 'remission' "
        "and measure = 'risk_ratio' order by dataset_id",
    )
    # then E1 gives MADRS, not HAMD17 (14 vs 11 remitters, not 5 vs 2); K1 its oc counts; K2
    # the 0.5 correction
    assert rows == [
        ("E1", "MADRS", "nri", 14, 50, 11, 50, 0.0),
        ("E2", "MADRS", "nri", 10, 40, 9, 40, 0.0),
        ("E3", "MADRS", "nri", 8, 30, 7, 30, 0.0),
        ("K1", "MADRS", "oc", 6, 20, 1, 10, 0.0),
        ("K2", "MADRS", "nri", 4, 20, 0, 20, 0.5),
    ]


# ---- an independent implementation ----------------------------------------------------------


def inputs(warehouse: Path) -> dict[tuple, tuple[list[float], list[float]]]:
    """Each pooled group's effects and variances, recomputed in Python from the counts."""
    groups: dict[tuple, tuple[list[float], list[float]]] = {}
    for cls, outcome, measure, x1, n1, x0, n0 in query(
        warehouse,
        "select treatment_class, outcome, measure, x1, n1, x0, n0 "
        "from marts.pooled_comparison_inputs where timepoint = 'D28' order by dataset_id",
    ):
        c = 0.5 if 0 in (x1, n1 - x1, x0, n0 - x0) else 0.0
        a1, m1, a0, m0 = x1 + c, n1 + 2 * c, x0 + c, n0 + 2 * c
        p1, p0 = a1 / m1, a0 / m0
        if measure == "risk_difference":
            y, v = p1 - p0, p1 * (1 - p1) / m1 + p0 * (1 - p0) / m0
        else:
            y, v = math.log(p1 / p0), 1 / a1 - 1 / m1 + 1 / a0 - 1 / m0
        ys, vs = groups.setdefault((cls, outcome, measure), ([], []))
        ys.append(y)
        vs.append(v)
    return groups


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # sqrt of its negative tau2 (Q < k - 1)
@pytest.mark.filterwarnings("ignore:`use_t=True` requires `nobs`")  # per-trial CIs, unused
def test_every_pooled_row_agrees_with_statsmodels_to_1e_9(warehouse: Path) -> None:
    groups = inputs(warehouse)
    assert len(groups) == 8  # 2 comparisons x 2 outcomes x 2 measures
    for (cls, outcome, measure), (ys, vs) in groups.items():
        k = len(ys)
        res = combine_effects(np.array(ys), np.array(vs), method_re="dl", use_t=True)
        frame = res.summary_frame()
        # statsmodels does not truncate a negative tau2: with Q < k - 1, DL's tau2 is 0 and the
        # HKSJ interval is its "fixed effect wls" row; otherwise its "random effect wls" row
        tau2 = max(0.0, float(res.tau2))
        wls = frame.loc["random effect wls" if res.tau2 > 0 else "fixed effect wls"]
        row = pooled(warehouse, cls, outcome, measure)
        back = math.exp if measure == "risk_ratio" else (lambda x: x)
        assert row["k"] == k
        assert row["q"] == pytest.approx(float(res.q), abs=1e-9)
        assert row["tau2"] == pytest.approx(tau2, abs=1e-9)
        assert row["i2"] == pytest.approx(max(0.0, float(res.i2)), abs=1e-9)
        assert row["estimate"] == pytest.approx(back(wls["eff"]), abs=1e-9)
        assert row["ci_low"] == pytest.approx(back(wls["ci_low"]), abs=1e-9)
        assert row["ci_high"] == pytest.approx(back(wls["ci_upp"]), abs=1e-9)
        if k >= 3:
            half = t.ppf(0.975, k - 2) * math.sqrt(tau2 + 1 / sum(1 / (v + tau2) for v in vs))
            mu = float(wls["eff"])
            assert row["pi_low"] == pytest.approx(back(mu - half), abs=1e-9)
            assert row["pi_high"] == pytest.approx(back(mu + half), abs=1e-9)
        else:
            assert row["pi_low"] is None


def test_the_check_above_can_fail() -> None:
    # given the statsmodels DL estimate of two trials, and a pooled mean off by 1e-8
    res = combine_effects(np.array([0.5, 0.05]), np.array([0.029, 0.024375]), method_re="dl")
    mu = float(res.summary_frame().loc["random effect wls", "eff"])
    # then pytest.approx at 1e-9 refuses it: the agreement test is not vacuous
    assert mu + 1e-8 != pytest.approx(mu, abs=1e-9)


def test_the_seed_reaches_the_warehouse_without_losing_a_bit(warehouse: Path) -> None:
    rows = query(warehouse, "select df, t_975 from reference.t_quantiles order by df")
    assert rows == [(df, float(t.ppf(0.975, df))) for df in range(1, 1001)]


# ---- for reports ----------------------------------------------------------------------------


def test_the_reporting_views_show_trial_pools_with_weights(warehouse: Path) -> None:
    # given trials loaded with the default policy (none): nothing is hidden
    rows = query(
        warehouse,
        "select treatment_class, reference_class, outcome, measure, k, is_suppressed, "
        "estimate is not null from reporting.pooled_comparisons where timepoint = 'D28' "
        "order by class_order, outcome, measure",
    )
    assert [r[:6] for r in rows] == [
        ("ketamine", "placebo", o, m, 2, False)
        for o in ("remission", "response")
        for m in ("risk_difference", "risk_ratio")
    ] + [
        ("esketamine", "standard_ad", o, m, 3, False)
        for o in ("remission", "response")
        for m in ("risk_difference", "risk_ratio")
    ]
    assert all(r[6] for r in rows)
    # and the trials' weights of each pooled comparison add up to 100 percent
    sums = query(
        warehouse,
        "select sum(weight_pct), count(*) from reporting.pooled_comparison_inputs "
        "group by treatment_class, outcome, timepoint, measure",
    )
    assert {k for _, k in sums} == {2, 3}
    assert all(abs(total - 100) < 1e-9 for total, _ in sums)
    # and K2's remission row says it was corrected
    assert query(
        warehouse,
        "select is_continuity_corrected from reporting.pooled_comparison_inputs "
        "where dataset_id = 'K2' and outcome = 'remission' and measure = 'risk_ratio'",
    ) == [(True,)]


def test_the_mart_has_the_spec_columns_in_the_spec_order(warehouse: Path) -> None:
    columns = query(
        warehouse,
        "select column_name from information_schema.columns where table_schema = 'marts' "
        "and table_name = 'pooled_comparisons' order by ordinal_position",
    )
    assert [c for (c,) in columns] == [
        "treatment_class",
        "reference_class",
        "outcome",
        "timepoint",
        "measure",
        "k",
        "dataset_ids",
        "estimate",
        "ci_low",
        "ci_high",
        "pi_low",
        "pi_high",
        "tau2",
        "i2",
        "q",
    ]
