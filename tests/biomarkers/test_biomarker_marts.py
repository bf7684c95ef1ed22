"""marts.biomarker_response, biomarker_interactions and biomarker_change on the hand-made trials
of `biomarker_data` (values in its docstring), checked against numbers computed here by hand and
with statsmodels, independently of the SQL macros."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from support.reference_stats import newcombe, wilson
from support.warehouse import query

pytestmark = pytest.mark.slow


def test_response_by_stratum_holds_the_hand_counted_rows(built_warehouse: Path) -> None:
    # given BIO-T (CRP >= 3 high, so K1 at exactly 3.0 and K2 at 0.5 mg/dL = 5 mg/L are high;
    # IL-6 median 5, so K5 and K6 at exactly 5 are high; the placebo arm has no IL-6 below 5)
    # when the mart is built
    got = query(
        built_warehouse,
        "select treatment_class, stratifier, stratum, cutoff, n, n_responders, n_remitters "
        "from marts.biomarker_response where dataset_id = 'BIO-T' and analysis = 'nri' "
        "and timepoint = 'D28' order by all",
    )
    # then each stratum counts its profiles, 12 subjects each
    assert got == [
        ("ketamine", "crp", "high", 3.0, 36, 24, 24),
        ("ketamine", "crp", "low", 3.0, 36, 12, 12),
        ("ketamine", "il6", "high", 5.0, 24, 0, 0),
        ("ketamine", "il6", "low", 5.0, 48, 36, 36),
        ("placebo", "crp", "high", 3.0, 24, 12, 12),
        ("placebo", "crp", "low", 3.0, 24, 12, 12),
        ("placebo", "il6", "high", 5.0, 48, 24, 24),
    ]


def test_stratum_rates_carry_wilson_intervals_and_the_primary_flag(built_warehouse: Path) -> None:
    # when the CRP-high ketamine row is read under every analysis
    got = query(
        built_warehouse,
        "select analysis, is_primary, response_rate, response_ci_low, response_ci_high "
        "from marts.biomarker_response where dataset_id = 'BIO-T' and stratifier = 'crp' "
        "and stratum = 'high' and treatment_class = 'ketamine' order by analysis",
    )
    # then it is 24/36 with the Wilson interval in all three (everyone has a D28 score), and nri
    # is the primary analysis (the default)
    low, high = wilson(24, 36)
    assert [r[:2] for r in got] == [("locf", False), ("nri", True), ("oc", False)]
    for _, _, rate, ci_low, ci_high in got:
        assert rate == pytest.approx(24 / 36)
        assert (ci_low, ci_high) == (pytest.approx(low), pytest.approx(high))


def test_interaction_is_rd_high_minus_rd_low_with_the_mover_interval(built_warehouse: Path) -> None:
    # given ketamine 24/36 vs placebo 12/24 among CRP-high, 12/36 vs 12/24 among CRP-low
    got = query(
        built_warehouse,
        "select reference_class, rd_high_stratum, rd_high_stratum_ci_low, "
        "rd_high_stratum_ci_high, rd_low_stratum, rd_low_stratum_ci_low, rd_low_stratum_ci_high, "
        "interaction, interaction_ci_low, interaction_ci_high "
        "from marts.biomarker_interactions where dataset_id = 'BIO-T' and analysis = 'nri' "
        "and outcome = 'response' and stratifier = 'crp' and treatment_class = 'ketamine'",
    )
    # then one row against placebo: Newcombe per stratum, MOVER for the difference
    (hi, hi_l, hi_u), (lo, lo_l, lo_u) = newcombe(24, 36, 12, 24), newcombe(12, 36, 12, 24)
    expected_low = (hi - lo) - math.hypot(hi - hi_l, lo_u - lo)
    expected_high = (hi - lo) + math.hypot(hi_u - hi, lo - lo_l)
    assert len(got) == 1
    reference, *numbers = got[0]
    assert reference == "placebo"
    assert numbers == pytest.approx(
        [hi, hi_l, hi_u, lo, lo_l, lo_u, 1 / 3, expected_low, expected_high]
    )
    assert hi - lo == pytest.approx(1 / 3)


def test_no_interaction_without_both_strata_in_both_classes(built_warehouse: Path) -> None:
    # given no placebo subject of BIO-T below the IL-6 median
    got = query(
        built_warehouse,
        "select count(*) from marts.biomarker_interactions "
        "where dataset_id = 'BIO-T' and stratifier = 'il6'",
    )
    # then there is no IL-6 interaction to estimate
    assert got == [(0,)]


def test_marker_change_pairs_baseline_and_d28_in_mg_per_litre(built_warehouse: Path) -> None:
    # given CRP changes K1 -2, K2 -3 (mg/dL converted), K3 +2, K4 0, each 12 times
    got = query(
        built_warehouse,
        "select responder_status, scale, unit, n, baseline_mean, followup_mean, change_mean, "
        "change_median, baseline_median from marts.biomarker_change where dataset_id = 'BIO-T' "
        "and treatment_class = 'ketamine' and marker = 'crp' and timepoint = 'D28' "
        "order by responder_status",
    )
    # then all paired subjects, and responders (K1, K2, K4) and non-responders (K3) apart
    assert got == [
        ("all", "any", "mg/L", 48, 4.75, 4.0, -0.75, -1.0, pytest.approx(4.0)),
        ("non_responder", "MADRS", "mg/L", 12, 10.0, 12.0, 2.0, 2.0, 10.0),
        (
            "responder",
            "MADRS",
            "mg/L",
            36,
            3.0,
            pytest.approx(4 / 3),
            pytest.approx(-5 / 3),
            -2.0,
            3.0,
        ),
    ]


def test_a_value_in_an_unknown_unit_reaches_no_model(built_warehouse: Path) -> None:
    # given K6's TNF-alpha in mmol/L and P1's in pg/mL
    got = query(
        built_warehouse,
        "select count(*) filter (where episode_key like 'BIO-T:K6-%'), "
        "count(*) filter (where episode_key like 'BIO-T:P1-%') "
        "from intermediate.int_biomarkers__records where marker = 'tnfa'",
    )
    # then only P1's records are there
    assert got == [(0, 12)]
