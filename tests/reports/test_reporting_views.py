"""The reporting views hide small cells (SPEC 8): given marts with counts from 1 to 10, when dbt
builds reporting.*, then no such count, nor its rate or CI, is readable or derivable."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import duckdb
import pytest
from report_warehouse import THRESHOLD

COUNT_COLUMNS = {
    "response_rates": ("n", "n_responders", "n_remitters"),
    "attrition": ("n_remaining", "n_excluded"),
    "cohort_summary": ("n_episodes", "n_trd", "n_female"),
    "pct_change_timecourse": ("n",),
}


def rows(warehouse: Path, sql: str) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.sql(sql).pl().to_dicts()
    finally:
        con.close()


def one(warehouse: Path, view: str, **key: str) -> dict:
    where = " and ".join(f"{k} = '{v}'" for k, v in key.items())
    found = rows(warehouse, f"select * from reporting.{view} where {where}")
    assert len(found) == 1, (view, key, found)
    return found[0]


@pytest.mark.slow
@pytest.mark.parametrize("view", sorted(COUNT_COLUMNS))
def test_no_view_shows_a_count_from_1_to_10(built_warehouse: Path, view: str) -> None:
    # given the fixture marts, which hold counts 1..10 in every view's source
    # when the reporting view is read
    found = rows(built_warehouse, f"select * from reporting.{view}")
    # then neither a numeric count nor its display text is between 1 and 10
    assert found
    for row in found:
        for col in COUNT_COLUMNS[view]:
            value, text = row[col], row[f"{col}_display"]
            assert value is None or not 1 <= value < THRESHOLD, (view, col, row)
            assert (
                text is None
                or text in ("<11", "suppressed")
                or int(text) >= THRESHOLD
                or (int(text) == 0)
            ), (view, col, row)
            if text in ("<11", "suppressed"):
                assert value is None, (view, col, row)


@pytest.mark.slow
def test_seven_episodes_hide_their_row_and_the_next_smallest_class(built_warehouse: Path) -> None:
    # given REG-B at W6: ketamine n 7 (4 responders), esketamine n 37, standard_ad n 146
    key = {"dataset_id": "REG-B", "timepoint": "W6", "analysis": "oc"}
    ketamine = one(built_warehouse, "response_rates", treatment_class="ketamine", **key)
    esketamine = one(built_warehouse, "response_rates", treatment_class="esketamine", **key)
    standard = one(built_warehouse, "response_rates", treatment_class="standard_ad", **key)
    # then ketamine's counts read "<11" with rates and CIs null (R1)
    assert (ketamine["n_display"], ketamine["n_responders_display"]) == ("<11", "<11")
    assert ketamine["response_rate"] is None and ketamine["remission_ci_high"] is None
    # and esketamine, the next smallest, is hidden too (R2), standard_ad is not
    assert esketamine["is_suppressed"] and esketamine["n_display"] == "suppressed"
    assert esketamine["n"] is None and esketamine["response_rate"] is None
    assert (standard["n"], standard["n_responders"], standard["n_remitters"]) == (146, 52, 29)
    assert standard["response_rate"] == pytest.approx(52 / 146)


@pytest.mark.slow
def test_few_non_responders_hide_responders_under_every_analysis(built_warehouse: Path) -> None:
    # given TRIAL-A esketamine D28: oc 61 with 55 responders (6 non-responders), nri 84 with the
    # same 55 responders, locf 77 with 58
    key = {"dataset_id": "TRIAL-A", "treatment_class": "esketamine", "timepoint": "D28"}
    for analysis in ("oc", "nri", "locf"):
        row = one(built_warehouse, "response_rates", analysis=analysis, **key)
        # then responders are hidden everywhere (R3, R4), remitters and n are shown
        assert row["n_responders"] is None and row["n_responders_display"] == "suppressed"
        assert row["response_rate"] is None and row["response_ci_low"] is None
        assert row["n"] is not None and row["n_remitters"] is not None


@pytest.mark.slow
def test_zero_is_shown_as_zero_with_its_rate(built_warehouse: Path) -> None:
    # given TRIAL-A standard_ad D28 nri: 5 responders and 0 remitters of 81
    row = one(
        built_warehouse,
        "response_rates",
        dataset_id="TRIAL-A",
        treatment_class="standard_ad",
        timepoint="D28",
        analysis="nri",
    )
    # then 5 reads "<11" and 0 reads "0", with its rate and CI shown
    assert row["n_responders_display"] == "<11" and row["response_rate"] is None
    assert row["n_remitters_display"] == "0" and row["n_remitters"] == 0
    assert row["remission_rate"] == 0 and row["remission_ci_high"] > 0


@pytest.mark.slow
def test_comparison_of_a_suppressed_group_is_hidden(built_warehouse: Path) -> None:
    # given TRIAL-A D28 nri: the reference's responders (5) are hidden, its remitters (0) shown
    key = {"dataset_id": "TRIAL-A", "timepoint": "D28", "analysis": "nri"}
    response = one(built_warehouse, "response_comparisons", outcome="response", **key)
    remission = one(built_warehouse, "response_comparisons", outcome="remission", **key)
    # then the response comparison is hidden and the remission one is shown (RR not estimable)
    assert response["is_suppressed"]
    assert {response[c] for c in ("risk_difference", "risk_ratio", "risk_ratio_ci_high")} == {None}
    assert not remission["is_suppressed"]
    assert remission["risk_difference"] == pytest.approx(31 / 84)
    assert remission["risk_ratio"] is None
    # and REG-B W6 ketamine (7 episodes) is hidden for both outcomes
    for outcome in ("response", "remission"):
        row = one(
            built_warehouse,
            "response_comparisons",
            dataset_id="REG-B",
            timepoint="W6",
            treatment_class="ketamine",
            outcome=outcome,
        )
        assert row["is_suppressed"] and row["risk_difference"] is None


@pytest.mark.slow
def test_attrition_hides_the_chain_until_hidden_exclusions_reach_the_threshold(
    built_warehouse: Path,
) -> None:
    # given REG-B: 812 -> 806 (6 excluded) -> 804 (2) -> 764 (40) -> 213 (551)
    found = rows(
        built_warehouse,
        "select step, n_remaining_display, n_excluded_display from reporting.attrition "
        "where dataset_id = 'REG-B' order by step",
    )
    # then steps 3-4 are hidden, step 5's remaining is shown again (6 + 2 + 40 >= 11)
    assert [(r["n_remaining_display"], r["n_excluded_display"]) for r in found] == [
        ("5000", "0"),
        ("812", "4188"),
        ("suppressed", "<11"),
        ("suppressed", "<11"),
        ("764", "suppressed"),
        ("213", "551"),
    ]


@pytest.mark.slow
def test_cohort_summary_hides_small_classes_and_small_complements(built_warehouse: Path) -> None:
    # given REG-B with 7 ketamine, 37 esketamine and 169 standard_ad episodes; TRIAL-A with 84
    # per arm of which 3 are not TRD
    ketamine = one(
        built_warehouse, "cohort_summary", dataset_id="REG-B", treatment_class="ketamine"
    )
    esketamine = one(
        built_warehouse, "cohort_summary", dataset_id="REG-B", treatment_class="esketamine"
    )
    trial = one(
        built_warehouse, "cohort_summary", dataset_id="TRIAL-A", treatment_class="esketamine"
    )
    # then ketamine reads "<11" and esketamine is hidden with it (C1, C2); age is hidden too
    assert ketamine["n_episodes_display"] == "<11" and ketamine["age_mean"] is None
    assert esketamine["n_episodes_display"] == "suppressed" and esketamine["age_mean"] is None
    # and 81 TRD of 84 is hidden, since 3 non-TRD would follow (C3)
    assert trial["n_episodes"] == 84 and trial["n_trd"] is None
    assert trial["n_trd_display"] == "suppressed"


@pytest.mark.slow
def test_time_course_hides_means_of_small_groups(built_warehouse: Path) -> None:
    # given REG-B W6: ketamine's mean of 7 patients, esketamine 37, standard_ad 146
    key = {"dataset_id": "REG-B", "timepoint": "W6"}
    ketamine = one(built_warehouse, "pct_change_timecourse", treatment_class="ketamine", **key)
    esketamine = one(built_warehouse, "pct_change_timecourse", treatment_class="esketamine", **key)
    standard = one(built_warehouse, "pct_change_timecourse", treatment_class="standard_ad", **key)
    # then the small mean and the next smallest are hidden, the large one shown
    assert ketamine["mean_pct_change"] is None and ketamine["n_display"] == "<11"
    assert esketamine["mean_pct_change"] is None and esketamine["n_display"] == "suppressed"
    assert standard["mean_pct_change"] == pytest.approx(-36.8)


# ---- can an attacker derive a hidden count? ---------------------------------------------------


def solve(equations: list[dict[str, int]], known: dict[str, Fraction]) -> dict[str, Fraction]:
    """Propagate linear equations sum(coef * var) = 0 that have one unknown left, repeatedly:
    what an analyst can work out by subtraction from the shown numbers."""
    known = dict(known)
    changed = True
    while changed:
        changed = False
        for eq in equations:
            unknown = [v for v in eq if v not in known]
            if len(unknown) == 1:
                (var,) = unknown
                rest = sum(Fraction(c) * known[v] for v, c in eq.items() if v != var)
                known[var] = -rest / eq[var]
                changed = True
    return known


def attrition_equations(found: list[dict]) -> tuple[list[dict[str, int]], dict[str, Fraction]]:
    equations, known = [], {}
    for prev, cur in zip(found, found[1:], strict=False):
        # remaining[k-1] - excluded[k] - remaining[k] = 0
        equations.append({f"r{prev['step']}": 1, f"e{cur['step']}": -1, f"r{cur['step']}": -1})
    for row in found:
        for name, col in ((f"r{row['step']}", "n_remaining"), (f"e{row['step']}", "n_excluded")):
            if row[col] is not None:
                known[name] = Fraction(row[col])
    return equations, known


def rates_equations(found: list[dict]) -> tuple[list[dict[str, int]], dict[str, Fraction]]:
    """n = responders + non-responders per row; oc and nri share responders; the group total of
    n over classes is known (from attrition or the cohort summary); a shown rate gives
    responders from n."""
    equations: list[dict[str, int]] = []
    known: dict[str, Fraction] = {}
    groups: dict[tuple, list[str]] = {}
    for r in found:
        cell = f"{r['dataset_id']}|{r['treatment_class']}|{r['timepoint']}"
        row = f"{cell}|{r['analysis']}"
        equations.append({f"n:{row}": 1, f"resp:{row}": -1, f"nonresp:{row}": -1})
        if r["analysis"] == "nri":
            equations.append({f"resp:{row}": 1, f"resp:{cell}|oc": -1})
        groups.setdefault((r["dataset_id"], r["timepoint"], r["analysis"]), []).append(f"n:{row}")
        if r["n"] is not None:
            known[f"n:{row}"] = Fraction(r["n"])
        if r["n_responders"] is not None:
            known[f"resp:{row}"] = Fraction(r["n_responders"])
    for key, members in groups.items():
        equations.append({**{m: 1 for m in members}, f"total:{key}": -1})
    return equations, known


@pytest.mark.slow
def test_no_hidden_attrition_count_can_be_worked_out_from_shown_ones(built_warehouse: Path) -> None:
    # given the marts' true counts and what reporting.attrition shows
    found = rows(built_warehouse, "select * from reporting.attrition order by dataset_id, step")
    truth = rows(built_warehouse, "select * from marts.attrition")
    for dataset in ("REG-B", "TRIAL-A"):
        mine = [r for r in found if r["dataset_id"] == dataset]
        equations, known = attrition_equations(mine)
        # when an analyst subtracts neighbours
        derived = solve(equations, known)
        # then every small count stays unknown
        for t in (t for t in truth if t["dataset_id"] == dataset):
            for name, value in (
                (f"r{t['step']}", t["n_remaining"]),
                (f"e{t['step']}", t["n_excluded"]),
            ):
                if 1 <= value < THRESHOLD:
                    assert name not in derived, (dataset, name, value)


@pytest.mark.slow
def test_no_hidden_rate_count_can_be_worked_out_even_knowing_group_totals(
    built_warehouse: Path,
) -> None:
    # given reporting.response_rates and the true marts, and an analyst who also knows every
    # group's total n (as attrition or the cohort summary could tell)
    found = rows(built_warehouse, "select * from reporting.response_rates")
    truth = rows(built_warehouse, "select * from marts.response_rates")
    equations, known = rates_equations(found)
    for t in truth:
        known[f"total:{(t['dataset_id'], t['timepoint'], t['analysis'])}"] = (
            known.get(f"total:{(t['dataset_id'], t['timepoint'], t['analysis'])}", Fraction(0))
            + t["n"]
        )
    # when the analyst solves what can be solved
    derived = solve(equations, known)
    # then no count from 1 to 10 (n, responders, non-responders) is among the solved values
    for t in truth:
        row = f"{t['dataset_id']}|{t['treatment_class']}|{t['timepoint']}|{t['analysis']}"
        for name, value in (
            (f"n:{row}", t["n"]),
            (f"resp:{row}", t["n_responders"]),
            (f"nonresp:{row}", t["n"] - t["n_responders"]),
        ):
            if 1 <= value < THRESHOLD:
                assert name not in derived, (name, value)


def test_the_derivation_check_finds_a_count_hidden_without_complementary_suppression() -> None:
    # given a naive table: n and responders of one row, responders hidden but n - responders = 3
    found = [
        {
            "dataset_id": "D",
            "treatment_class": "k",
            "timepoint": "W6",
            "analysis": "oc",
            "n": 40,
            "n_responders": None,
        },
        {
            "dataset_id": "D",
            "treatment_class": "k",
            "timepoint": "W6",
            "analysis": "nri",
            "n": 45,
            "n_responders": 37,
        },
    ]
    equations, known = rates_equations(found)
    # when solved, then the oc non-responders (3) come out: the check can fail
    assert solve(equations, known)["nonresp:D|k|W6|oc"] == 3
