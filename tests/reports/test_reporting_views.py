"""The reporting views hide small cells (docs/privacy.md#small-cell-suppression): given marts with
counts from 1 to 10, when dbt
builds reporting.*, then no such count, nor its rate or CI, is readable or derivable."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import duckdb
import pytest
from report_warehouse import THRESHOLD, Page, Site

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
def test_the_shared_decisions_name_hidden_rows_but_hold_no_count(built_warehouse: Path) -> None:
    # given reporting.suppression_cells, which every view reads its row decisions from
    columns = rows(
        built_warehouse,
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'reporting' and table_name = 'suppression_cells'",
    )
    # then it has no numeric column: the reporting schema never holds an unsuppressed count
    assert {c["data_type"] for c in columns} == {"VARCHAR", "BOOLEAN"}
    # and it says why TRIAL-A's H24 oc n (80, 4 below the nri n of 84) is hidden
    row = one(
        built_warehouse,
        "suppression_cells",
        dataset_id="TRIAL-A",
        treatment_class="esketamine",
        timepoint="H24",
        analysis="oc",
    )
    assert (row["is_hidden"], row["hidden_because"]) == (True, "differs_by_small")


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
        # then responders are hidden everywhere (R3, R4)
        assert row["n_responders"] is None and row["n_responders_display"] == "suppressed"
        assert row["response_rate"] is None and row["response_ci_low"] is None
        # and remitters and n are shown, except under locf, whose n is 84 - 77 = 7 below the
        # nri n (D1: 7 episodes without a LOCF value)
        if analysis == "locf":
            assert (row["n"], row["n_display"], row["n_remitters"]) == (None, "suppressed", None)
        else:
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
def test_attrition_hides_the_counts_above_the_last_small_exclusion(built_warehouse: Path) -> None:
    # given REG-B: 5000 -> 812 (4188 excluded) -> 806 (6) -> 804 (2) -> 790 (14) -> 764 (26)
    # -> 764 (0) -> 213 (551)
    found = rows(
        built_warehouse,
        "select step, n_remaining_display, n_excluded_display from reporting.attrition "
        "where dataset_id = 'REG-B' order by step",
    )
    # then the small exclusions and every remaining count above step 4's (the last small
    # exclusion's step) are hidden; 804, everything below it and the large 4188 show (A0, A2)
    assert [(r["n_remaining_display"], r["n_excluded_display"]) for r in found] == [
        ("suppressed", "0"),
        ("suppressed", "4188"),
        ("suppressed", "<11"),
        ("804", "<11"),
        ("790", "14"),
        ("764", "26"),
        ("764", "0"),
        ("213", "551"),
    ]


@pytest.mark.slow
def test_four_subjects_outside_the_safety_population_leave_both_arms_and_comparison_shown(
    built_warehouse: Path, site: Site
) -> None:
    # given TRIAL-C: 120 ADSL subjects, 4 fail SAFFL, 60 esketamine and 56 standard_ad remain
    attrition = rows(
        built_warehouse,
        "select n_remaining_display, n_excluded_display from reporting.attrition "
        "where dataset_id = 'TRIAL-C' order by step",
    )
    # then the attrition hides the 4 and the ADSL count above it, and shows the rest
    assert [(r["n_remaining_display"], r["n_excluded_display"]) for r in attrition] == [
        ("suppressed", "0"),
        ("116", "<11"),
        ("116", "0"),
        ("116", "0"),
        ("116", "0"),
    ]
    # and both arms' nri rows show with their counts and rates
    key = {"dataset_id": "TRIAL-C", "timepoint": "D28", "analysis": "nri"}
    eske = one(built_warehouse, "response_rates", treatment_class="esketamine", **key)
    std = one(built_warehouse, "response_rates", treatment_class="standard_ad", **key)
    assert (eske["n"], eske["n_responders"], eske["n_remitters"]) == (60, 25, 14)
    assert (std["n"], std["n_responders"], std["n_remitters"]) == (56, 13, 11)
    assert not eske["is_suppressed"] and not std["is_suppressed"]
    # and so do both comparisons and both cohort rows
    for outcome, difference in (("response", 25 / 60 - 13 / 56), ("remission", 14 / 60 - 11 / 56)):
        row = one(built_warehouse, "response_comparisons", outcome=outcome, **key)
        assert not row["is_suppressed"]
        assert row["risk_difference"] == pytest.approx(difference)
    cohort = rows(
        built_warehouse,
        "select treatment_class, n_episodes_display from reporting.cohort_summary "
        "where dataset_id = 'TRIAL-C' order by treatment_class",
    )
    assert [(r["treatment_class"], r["n_episodes_display"]) for r in cohort] == [
        ("esketamine", "60"),
        ("standard_ad", "56"),
    ]
    # and the provenance table does not print the ADSL row count (120) beside them
    assert ["adsl.xpt", "c1" * 32, "suppressed", "2026-11-20 09:30:00"] in Page(
        site.pages["index"]
    ).rows


@pytest.mark.slow
def test_cohort_summary_hides_small_classes_and_small_complements(built_warehouse: Path) -> None:
    # given REG-B with 7 ketamine, 37 esketamine and 720 standard_ad episodes; TRIAL-A with 88
    # esketamine episodes of which 4 are not TRD, and an nri n of 84
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
    # and the trial's 88 episodes are hidden, since 88 - 84 (nri n) = 4 would follow (D1)
    assert trial["n_episodes"] is None and trial["n_episodes_display"] == "suppressed"
    assert trial["n_trd"] is None and trial["n_trd_display"] == "suppressed"
    assert trial["n_female"] is None and trial["age_mean"] is None


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
    for dataset in ("REG-B", "TRIAL-A", "TRIAL-C"):
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


# ---- across views: attrition, cohort summary, rate denominators, analyses, time course -------

# The attrition step each class partition adds up to (as in models/reporting/rpt_suppression_cells).
PARTITION_STEPS = {
    "trial": {"episodes": (3,), "trd": (4,), "nri": (5,)},
    "registry": {"episodes": (6, 7), "trd": (6, 7), "nri": (8,)},
}


def cross_view_system(
    source: str,
    attrition: list[dict],
    cohort: list[dict],
    rates: list[dict],
    course: list[dict],
    file_rows: int | None,
) -> tuple[list[dict[str, int]], dict[str, Fraction]]:
    """Every equation that ties the numbers of one dataset's views together, and the numbers
    shown (not null). Differences between nested counts (nri n - oc n: episodes missing a score;
    episodes - nri n: episodes without a baseline) are variables of their own, so that they are
    protected like any count."""
    equations: list[dict[str, int]] = []
    known: dict[str, Fraction] = {}

    def show(name: str, value: int | None) -> None:
        if value is not None:
            known[name] = Fraction(value)

    def add(*terms: tuple[str, int]) -> None:
        equations.append(dict(terms))

    steps = sorted(attrition, key=lambda r: r["step"])
    for prev, cur in zip(steps, steps[1:], strict=False):
        add((f"r{prev['step']}", 1), (f"e{cur['step']}", -1), (f"r{cur['step']}", -1))
    for row in steps:
        show(f"r{row['step']}", row["n_remaining"])
        show(f"e{row['step']}", row["n_excluded"])
    show("r1", file_rows)  # the provenance table prints the rows of ADSL / PERSON
    for row in cohort:
        c = row["treatment_class"]
        add((f"E:{c}", 1), (f"T:{c}", -1), (f"nonT:{c}", -1))
        add((f"E:{c}", 1), (f"F:{c}", -1), (f"nonF:{c}", -1))
        show(f"E:{c}", row["n_episodes"])
        show(f"T:{c}", row["n_trd"])
        show(f"F:{c}", row["n_female"])
    classes = sorted({r["treatment_class"] for r in cohort})
    for kind, prefix in (("episodes", "E"), ("trd", "T")):
        for step in PARTITION_STEPS[source][kind]:
            add(*((f"{prefix}:{c}", 1) for c in classes), (f"r{step}", -1))
    by_key = {(r["treatment_class"], r["scale"], r["timepoint"], r["analysis"]): r for r in rates}
    for (c, s, t, a), row in by_key.items():
        cell = f"{c}|{s}|{t}"
        add((f"n:{a}|{cell}", 1), (f"resp:{a}|{cell}", -1), (f"nonresp:{a}|{cell}", -1))
        add((f"n:{a}|{cell}", 1), (f"rem:{a}|{cell}", -1), (f"nonrem:{a}|{cell}", -1))
        show(f"n:{a}|{cell}", row["n"])
        show(f"resp:{a}|{cell}", row["n_responders"])
        show(f"rem:{a}|{cell}", row["n_remitters"])
        if a == "nri":
            add((f"n:nri|{cell}", 1), (f"B:{c}|{s}", -1))  # the same n at every timepoint
            if (c, s, t, "oc") in by_key:
                add((f"resp:nri|{cell}", 1), (f"resp:oc|{cell}", -1))
                add((f"rem:nri|{cell}", 1), (f"rem:oc|{cell}", -1))
            for other in ("oc", "locf"):
                if (c, s, t, other) in by_key:
                    add((f"B:{c}|{s}", 1), (f"n:{other}|{cell}", -1), (f"miss:{other}|{cell}", -1))
        if a == "locf" and (c, s, t, "oc") in by_key:
            add((f"n:locf|{cell}", 1), (f"n:oc|{cell}", -1), (f"miss:locf-oc|{cell}", -1))
    scales = sorted({s for (_, s, _, a) in by_key if a == "nri"})
    for s in scales:
        nri_classes = sorted({c for (c, sc, _, a) in by_key if a == "nri" and sc == s})
        for step in PARTITION_STEPS[source]["nri"]:
            add(*((f"B:{c}|{s}", 1) for c in nri_classes), (f"r{step}", -1))
        for c in nri_classes:
            if c in classes:
                add((f"E:{c}", 1), (f"B:{c}|{s}", -1), (f"noB:E|{c}|{s}", -1))
                add((f"T:{c}", 1), (f"B:{c}|{s}", -1), (f"noB:T|{c}|{s}", -1))
    for row in course:
        cell = f"{row['treatment_class']}|{row['scale']}|{row['timepoint']}"
        add((f"course:{cell}", 1), (f"n:oc|{cell}", -1))
        show(f"course:{cell}", row["n"])
    return equations, known


def dataset_views(warehouse: Path, dataset: str, schema: str) -> dict[str, list[dict]]:
    """One dataset's attrition, cohort summary, rates and time course, from `reporting` (what a
    report shows) or from `marts` (the truth, cohort counts aggregated as the view does)."""
    where = f"where dataset_id = '{dataset}'"
    cohort = (
        f"select * from reporting.cohort_summary {where}"
        if schema == "reporting"
        else "select treatment_class, count(*) as n_episodes, count(*) filter (where is_trd) "
        "as n_trd, count(*) filter (where sex = 'F') as n_female from marts.cohort_episodes "
        f"{where} group by treatment_class"
    )
    course = "pct_change_timecourse" if schema == "reporting" else "agg_pct_change"
    return {
        "attrition": rows(warehouse, f"select * from {schema}.attrition {where}"),
        "cohort": rows(warehouse, cohort),
        "rates": rows(warehouse, f"select * from {schema}.response_rates {where}"),
        "course": rows(warehouse, f"select * from {schema}.{course} {where}"),
    }


def small_counts(source: str, truth: dict[str, list[dict]]) -> dict[str, Fraction]:
    """Every count of the system, cells and nested differences alike, that is from 1 to T-1."""
    equations, known = cross_view_system(source, **truth, file_rows=None)
    values = solve(equations, known)
    return {name: v for name, v in values.items() if 1 <= v < THRESHOLD}


# The subject (person) file of each fixture dataset, by its sha256: its row count is step 1.
SUBJECT_FILE_SHA = {"TRIAL-A": "a1" * 32, "TRIAL-C": "c1" * 32, "REG-B": "b1" * 32}


def shown_file_rows(site: Site, dataset: str) -> int | None:
    """The subject file's row count as the rendered provenance table prints it (None when it
    reads "suppressed" or "<11")."""
    sha = SUBJECT_FILE_SHA[dataset]
    (text,) = [r[2] for r in Page(site.pages["index"]).rows if r[1:2] == [sha]]
    digits = text.replace(",", "")
    return int(digits) if digits.isdigit() else None


@pytest.mark.slow
@pytest.mark.parametrize(
    ("dataset", "source"), [("TRIAL-A", "trial"), ("TRIAL-C", "trial"), ("REG-B", "registry")]
)
def test_no_hidden_count_can_be_worked_out_by_combining_views(
    built_warehouse: Path, site: Site, dataset: str, source: str
) -> None:
    # given a dataset's true counts, with the small ones among them and their nested differences
    truth = dataset_views(built_warehouse, dataset, "marts")
    small = small_counts(source, truth)
    assert small, "the fixture holds small counts to protect"
    # and everything its attrition, cohort summary, rates and time course show, plus the
    # subject file's rows as the rendered provenance table prints them
    shown = dataset_views(built_warehouse, dataset, "reporting")
    file_rows = shown_file_rows(site, dataset)
    equations, known = cross_view_system(source, **shown, file_rows=file_rows)
    # when an analyst combines them by adding and subtracting
    derived = solve(equations, known)
    # then no small count comes out
    assert {name: small[name] for name in small if name in derived} == {}


def test_the_cross_view_check_finds_a_count_hidden_in_one_view_and_summed_in_another() -> None:
    # given an attrition that hides "3 excluded (safety population)" (171 -> 168) and shows
    # the next step's 0, and a cohort summary that shows both classes (84 + 84 = 168)
    attrition = [
        {"step": 1, "n_remaining": 171, "n_excluded": 0},
        {"step": 2, "n_remaining": None, "n_excluded": None},
        {"step": 3, "n_remaining": None, "n_excluded": 0},
    ]
    cohort = [
        {"treatment_class": k, "n_episodes": 84, "n_trd": None, "n_female": 50}
        for k in ("esketamine", "standard_ad")
    ]
    # and nri and oc n shown side by side, 4 apart
    rates = [
        {
            "treatment_class": "esketamine",
            "scale": "MADRS",
            "timepoint": "H24",
            "analysis": a,
            "n": n,
            "n_responders": None,
            "n_remitters": None,
        }
        for a, n in (("nri", 84), ("oc", 80))
    ]
    equations, known = cross_view_system("trial", attrition, cohort, rates, [], file_rows=171)
    # when solved
    derived = solve(equations, known)
    # then the hidden exclusion (3: step 3 is the classes' sum) and the missing scores (4)
    # come out: the check can fail
    assert derived["r3"] == 168 and derived["e2"] == 3
    assert derived["miss:oc|esketamine|MADRS|H24"] == 4


def test_the_cross_view_check_finds_a_hidden_exclusion_from_the_provenance_row_count() -> None:
    # given an attrition that hides the ADSL count (120) and its 4 excluded, shows 116 below,
    # and a provenance table that prints ADSL's 120 rows
    attrition = [
        {"step": 1, "n_remaining": None, "n_excluded": 0},
        {"step": 2, "n_remaining": 116, "n_excluded": None},
    ]
    equations, known = cross_view_system("trial", attrition, [], [], [], file_rows=120)
    # when solved, then the 4 come out: the file rows must be hidden with the count
    assert solve(equations, known)["e2"] == 4
