"""The demo trials reproduce their published designs: effect sizes, visits and ADaM quirks.

Rates are computed from the generated rows with the docs/derivations.md#trial-cohort rules
(demo_spec_rules.trial_rates),
under each trial's primary analysis.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import yaml
from demo_spec_rules import read_table, trial_rates

ESK_T2, PBO_T2 = "Esketamine 56/84 mg + oral AD", "Placebo + oral AD"
KET_KM, MID_KM = "Ketamine 0.5 mg/kg IV", "Midazolam 0.045 mg/kg IV"
KET_ELEKT, ECT = "IV ketamine 0.5 mg/kg twice weekly", "ECT three times weekly"
ESK_ESCAPE, QUET = "Esketamine nasal spray + SSRI/SNRI", "Quetiapine XR + SSRI/SNRI"
ESK56_T1, ESK84_T1 = "Esketamine 56 mg + oral AD", "Esketamine 84 mg + oral AD"
ESK_T3 = "Esketamine 28-84 mg + oral AD"
KET_KM2, MID_KM2 = "Ketamine 0.5 mg/kg IV (first period)", "Midazolam 0.045 mg/kg IV (first period)"


def test_transform2_day28_response_matches_the_published_trial(demo: dict[str, Path]) -> None:
    # when computing day-28 response on observed cases (TRANSFORM-2's analysis), MADRS <= 12
    rates = trial_rates(demo["TRANSFORM-2"], "MADRSTOT", 28, 12, "oc")
    # then esketamine ~55-70% vs placebo + AD ~40-52%, with remission higher on esketamine
    esk, pbo = rates[ESK_T2], rates[PBO_T2]
    assert 0.55 <= esk[1] <= 0.70
    assert 0.40 <= pbo[1] <= 0.52
    assert esk[2] > pbo[2] + 0.10
    assert 95 <= esk[0] <= 114 and 90 <= pbo[0] <= 109  # ~10-15% dropped out


def test_transform2_has_sponsor_locf_rows_for_dropouts_only(demo: dict[str, Path]) -> None:
    adqs = read_table(demo["TRANSFORM-2"], "adqs").filter(pl.col("PARAMCD") == "MADRSTOT")
    locf = adqs.filter(pl.col("DTYPE") == "LOCF")
    observed_day28 = adqs.filter((pl.col("AVISIT") == "Day 28") & pl.col("DTYPE").is_null())
    # then LOCF rows exist, carry the last observed value, and only for subjects without day 28
    assert locf.height > 0
    assert set(locf["USUBJID"]).isdisjoint(set(observed_day28["USUBJID"]))
    last_observed = (
        adqs.filter(pl.col("DTYPE").is_null() & (pl.col("ADY") >= 1))
        .sort("ADY")
        .group_by("USUBJID")
        .agg(last=pl.col("AVAL").last())
    )
    carried = locf.join(last_observed, on="USUBJID")
    assert (carried["AVAL"] == carried["last"]).all()


def test_transform2_retests_flag_exactly_one_record_to_analyse(demo: dict[str, Path]) -> None:
    adqs = read_table(demo["TRANSFORM-2"], "adqs").filter(
        (pl.col("PARAMCD") == "MADRSTOT") & pl.col("DTYPE").is_null()
    )
    visits = adqs.group_by("USUBJID", "AVISIT").agg(
        n=pl.len(), flagged=(pl.col("ANL01FL") == "Y").sum(), retest_day=pl.col("ADY").max()
    )
    retested = visits.filter(pl.col("n") == 2)
    # then some visits were re-rated, and each has one ANL01FL record: the later retest
    assert retested.height >= 5
    assert (retested["flagged"] == 1).all()
    flagged = adqs.filter(pl.col("ANL01FL") == "Y").join(retested, on=["USUBJID", "AVISIT"])
    assert (flagged["ADY"] == flagged["retest_day"]).all()


def test_transform2_items_sum_to_the_total(demo: dict[str, Path]) -> None:
    adqs = read_table(demo["TRANSFORM-2"], "adqs").filter(pl.col("DTYPE").is_null())
    items = adqs.filter(
        pl.col("PARAMCD").str.starts_with("MADRS0") | (pl.col("PARAMCD") == "MADRS10")
    )
    assert sorted(items["PARAMCD"].unique()) == [f"MADRS{i:02d}" for i in range(1, 11)]
    assert items["AVAL"].max() <= 6
    sums = items.group_by("USUBJID", "ADY").agg(items=pl.col("AVAL").sum())
    totals = adqs.filter(pl.col("PARAMCD") == "MADRSTOT").select("USUBJID", "ADY", "AVAL")
    joined = totals.join(sums, on=["USUBJID", "ADY"])
    assert joined.height == totals.height
    assert (joined["AVAL"] == joined["items"]).all()


def test_transform2_screening_and_visit_days(demo: dict[str, Path]) -> None:
    adqs = read_table(demo["TRANSFORM-2"], "adqs").filter(
        (pl.col("PARAMCD") == "MADRSTOT") & (pl.col("ANL01FL") == "Y") & pl.col("DTYPE").is_null()
    )
    days = dict(adqs.group_by("AVISIT").agg(pl.col("ADY").min()).iter_rows())
    assert days == {"Baseline": 1, "Day 2": 2, "Day 8": 8, "Day 15": 15, "Day 22": 22, "Day 28": 28}
    screening = read_table(demo["TRANSFORM-2"], "adqs").filter(pl.col("AVISIT") == "Screening")
    assert set(screening["ADY"]) == {-14}


def test_transform2_one_site_reports_crp_in_mg_dl(demo: dict[str, Path]) -> None:
    adlb = read_table(demo["TRANSFORM-2"], "adlb").filter(pl.col("PARAMCD") == "CRP")
    units = (
        adlb.with_columns(site=pl.col("USUBJID").str.split("-").list.get(2))
        .group_by("AVALU")
        .agg(sites=pl.col("site").unique())
    )
    by_unit = {r["AVALU"]: sorted(r["sites"]) for r in units.iter_rows(named=True)}
    assert by_unit["mg/dL"] == ["0102"]
    assert "0102" not in by_unit["mg/L"]
    assert set(read_table(demo["TRANSFORM-2"], "adlb")["PARAMCD"]) == {
        "CRP",
        "IL6",
        "TNFA",
        "C3",
        "C4",
    }


def test_ketamine_midazolam_24h_response_fades_by_day_7(demo: dict[str, Path]) -> None:
    # when computing response at 24 h (ADY 2) and day 7 (ADY 8) among TRD subjects
    h24 = trial_rates(demo["KETAMINE-MIDAZOLAM"], "MADRSTOT", 2, 10, "oc")
    d7 = trial_rates(demo["KETAMINE-MIDAZOLAM"], "MADRSTOT", 8, 10, "oc")
    # then ketamine ~50-65% vs midazolam ~25% at 24 h, and ketamine's effect fades by day 7
    assert 0.50 <= h24[KET_KM][1] <= 0.65
    assert 0.15 <= h24[MID_KM][1] <= 0.35
    assert d7[KET_KM][1] < h24[KET_KM][1]


def test_ketamine_response_depends_on_inflammation_but_midazolam_does_not(
    demo: dict[str, Path],
) -> None:
    # given baseline CRP (mg/L) and IL-6 (pg/mL) and 24-h MADRS of treated subjects
    folder = demo["KETAMINE-MIDAZOLAM"]
    labs = (
        read_table(folder, "adlb")
        .filter(pl.col("ABLFL") == "Y")
        .pivot(on="PARAMCD", index="USUBJID", values="AVAL")
        .select("USUBJID", inflamed=(pl.col("CRP") >= 3) | (pl.col("IL6") >= 3))
    )
    adqs = read_table(folder, "adqs").filter(pl.col("PARAMCD") == "MADRSTOT")
    rows = (
        read_table(folder, "adsl")
        .filter(pl.col("SAFFL") == "Y")
        .join(adqs.filter(pl.col("ABLFL") == "Y").select("USUBJID", base="AVAL"), on="USUBJID")
        .join(adqs.filter(pl.col("ADY") == 2).select("USUBJID", h24="AVAL"), on="USUBJID")
        .join(labs, on="USUBJID")
        .with_columns(response=2 * pl.col("h24") <= pl.col("base"))
    )
    rate = {
        (r["TRT01A"], r["inflamed"]): r["response"]
        for r in rows.group_by("TRT01A", "inflamed")
        .agg(pl.col("response").mean())
        .iter_rows(named=True)
    }
    # then ketamine responds clearly better when inflamed; midazolam about the same
    assert rate[(KET_KM, True)] - rate[(KET_KM, False)] >= 0.20
    assert abs(rate[(MID_KM, True)] - rate[(MID_KM, False)]) <= 0.15


def test_ketamine_midazolam_trd_comes_from_nprfail(demo: dict[str, Path]) -> None:
    adsl = read_table(demo["KETAMINE-MIDAZOLAM"], "adsl")
    assert adsl.filter((pl.col("NPRFAIL") >= 2) != (pl.col("TRDFL") == "Y")).is_empty()
    n_one = adsl.filter(pl.col("NPRFAIL") == 1).height
    assert 1 <= n_one <= 0.15 * adsl.height  # most >= 2, a few with 1
    assert sorted(adsl["TRT01P"].unique()) == [KET_KM, MID_KM]


def test_elektd_end_of_treatment_response_counts_missing_as_failure(demo: dict[str, Path]) -> None:
    # when computing week-3 (ADY 22) QIDS-SR16 response with non-responder imputation
    rates = trial_rates(demo["ELEKT-D"], "QIDSTOT", 22, 5, "nri")
    # then ketamine ~55% vs ECT ~41% over all treated patients (195 and 170)
    assert 0.50 <= rates[KET_ELEKT][1] <= 0.60
    assert 0.36 <= rates[ECT][1] <= 0.46
    assert (rates[KET_ELEKT][0], rates[ECT][0]) == (195, 170)


def test_elektd_has_missed_assessments_as_null_aval(demo: dict[str, Path]) -> None:
    adqs = read_table(demo["ELEKT-D"], "adqs")
    missed = adqs.filter(pl.col("AVAL").is_null())
    assert 10 <= missed.height <= 0.15 * adqs.height
    assert missed["ADY"].min() > 1  # baselines are never missing


def test_escape_week8_remission_with_dropouts_as_failures(demo: dict[str, Path]) -> None:
    # when computing week-8 (ADY 57) remission (MADRS <= 10), discontinuation = non-remission
    rates = trial_rates(demo["ESCAPE-TRD"], "MADRSTOT", 57, 10, "nri")
    # then esketamine ~27% vs quetiapine XR ~18%, and response is higher on esketamine too
    assert 0.22 <= rates[ESK_ESCAPE][2] <= 0.32
    assert 0.13 <= rates[QUET][2] <= 0.23
    assert rates[ESK_ESCAPE][1] > rates[QUET][1] + 0.05


def test_escape_has_no_ablfl_so_baseline_is_the_day_1_record(demo: dict[str, Path]) -> None:
    adqs = read_table(demo["ESCAPE-TRD"], "adqs")
    assert "ABLFL" not in adqs.columns
    assert "ABLFL" not in read_table(demo["ESCAPE-TRD"], "adlb").columns
    pre = adqs.filter(pl.col("ADY") <= 1).group_by("USUBJID").agg(pl.col("ADY").sort())
    assert set(tuple(days) for days in pre["ADY"]) == {(-7, 1)}
    assert set(read_table(demo["ESCAPE-TRD"], "adsl")["TRDFL"]) == {"Y"}


def test_randomised_but_untreated_subjects_have_blank_trt01a(demo: dict[str, Path]) -> None:
    for dataset, expected in (
        ("ELEKT-D", 38),
        ("TRANSFORM-2", 4),
        ("ESCAPE-TRD", 8),
        ("TRANSFORM-1", 4),
        ("TRANSFORM-3", 1),
    ):
        adsl = read_table(demo[dataset], "adsl")
        untreated = adsl.filter(pl.col("SAFFL") == "N")
        assert untreated.height == expected, dataset
        assert untreated["TRT01A"].null_count() == expected
        assert untreated["TRT01P"].null_count() == 0


def test_transform1_both_fixed_doses_beat_placebo_at_day_28(demo: dict[str, Path]) -> None:
    # when computing day-28 response and remission (MADRS <= 12) on observed cases
    rates = trial_rates(demo["TRANSFORM-1"], "MADRSTOT", 28, 12, "oc")
    # then 56 mg and 84 mg ~45-62% vs placebo + AD ~32-45% (published 54.1%, 53.1%, 38.9%)
    for dose in (ESK56_T1, ESK84_T1):
        assert 0.45 <= rates[dose][1] <= 0.62, dose
        assert rates[dose][2] > rates[PBO_T2][2]
    assert 0.32 <= rates[PBO_T2][1] <= 0.45
    # and both dose arms map to the one class esketamine (one comparison, control counted once)
    config = yaml.safe_load((demo["TRANSFORM-1"] / "dataset.yml").read_text())
    assert {a: m["treatment_class"] for a, m in config["arms"].items()} == {
        ESK56_T1: "esketamine",
        ESK84_T1: "esketamine",
        PBO_T2: "standard_ad",
    }


def test_transform3_enrols_only_the_elderly_with_a_smaller_effect(demo: dict[str, Path]) -> None:
    adsl = read_table(demo["TRANSFORM-3"], "adsl")
    assert adsl["AGE"].min() >= 65 and adsl["AGE"].max() <= 90
    rates = trial_rates(demo["TRANSFORM-3"], "MADRSTOT", 28, 12, "oc")
    # then day-28 response ~20-35% vs ~7-20% (published about 27% vs 13%)
    assert 0.20 <= rates[ESK_T3][1] <= 0.35
    assert 0.07 <= rates[PBO_T2][1] <= 0.20
    assert rates[ESK_T3][2] > rates[PBO_T2][2]


def test_ketamine_midazolam_2_keeps_the_first_crossover_period(demo: dict[str, Path]) -> None:
    adsl = read_table(demo["KETAMINE-MIDAZOLAM-2"], "adsl")
    assert adsl.group_by("TRT01A").len().sort("TRT01A").rows() == [(KET_KM2, 21), (MID_KM2, 20)]
    # when computing 24-h response with non-responder imputation (the default analysis)
    rates = trial_rates(demo["KETAMINE-MIDAZOLAM-2"], "MADRSTOT", 2, 10, "nri")
    # then ketamine about doubles midazolam's response
    assert rates[KET_KM2][1] >= rates[MID_KM2][1] + 0.10
    assert 0.20 <= rates[KET_KM2][1] <= 0.40
    # and the pre-infusion record has no ABLFL: the baseline is the last record with ADY <= 1
    assert "ABLFL" not in read_table(demo["KETAMINE-MIDAZOLAM-2"], "adqs").columns


def test_the_demo_has_two_or_more_trials_per_pooled_comparison(demo: dict[str, Path]) -> None:
    # given each trial's classes and reference (dataset.yml)
    pairs: dict[tuple[str, str], list[str]] = {}
    for name, folder in demo.items():
        config = yaml.safe_load((folder / "dataset.yml").read_text())
        if config["source"] != "trial":
            continue
        classes = {m["treatment_class"] for m in config["arms"].values()}
        reference = config.get(
            "reference", "standard_ad" if "standard_ad" in classes else "placebo"
        )
        for cls in sorted(classes - {reference}):
            pairs.setdefault((cls, reference), []).append(name)
    # then esketamine vs standard AD and ketamine vs placebo each have several trials to pool
    assert pairs[("esketamine", "standard_ad")] == ["TRANSFORM-2", "TRANSFORM-1", "TRANSFORM-3"]
    assert pairs[("ketamine", "placebo")] == ["KETAMINE-MIDAZOLAM", "KETAMINE-MIDAZOLAM-2"]
