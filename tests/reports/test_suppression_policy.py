"""Suppression by source (docs/privacy.md#small-cell-suppression): a dataset whose dataset.yml says
`suppression: none` shows exact
counts, and `trd report --suppression cms` hides them again, exactly as `cms` would.

Given the report fixture warehouse (TRIAL-A, TRIAL-C and REG-B, all `cms`, whose views the leak
tests of test_reporting_views.py check) and a copy in which TRIAL-A says `none`.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import duckdb
import pytest
from report_warehouse import Page, Site
from support.warehouse import copy_warehouse

from core.settings import force_cms_suppression
from trd.cli import main

pytestmark = pytest.mark.slow

VIEWS = (
    "attrition",
    "cohort_summary",
    "response_rates",
    "response_comparisons",
    "pct_change_timecourse",
    "suppression_cells",
)


@pytest.fixture(scope="module")
def trial_a_says_none(built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture warehouse, with TRIAL-A loaded as `suppression: none` (nothing rebuilt: the
    views read the policy from raw.datasets when queried)."""
    warehouse = copy_warehouse(built_warehouse, tmp_path_factory.mktemp("none"))
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("update raw.datasets set suppression = 'none' where dataset_id = 'TRIAL-A'")
    finally:
        con.close()
    return warehouse


def view(warehouse: Path, name: str, dataset: str, forced: bool = False) -> list[dict]:
    """A reporting view's rows of one dataset, as a report reads them (read-only), optionally
    with the session variable `trd report --suppression cms` sets."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if forced:
            force_cms_suppression(con)
        return (
            con.sql(
                f"select * from reporting.{name} where dataset_id = ? order by all",
                params=[dataset],
            )
            .pl()
            .to_dicts()
        )
    finally:
        con.close()


def one(rows: list[dict], **key: str) -> dict:
    found = [r for r in rows if all(r[k] == v for k, v in key.items())]
    assert len(found) == 1, (key, found)
    return found[0]


def test_a_trial_that_says_none_shows_its_exact_counts(trial_a_says_none: Path) -> None:
    # given TRIAL-A (suppression: none), whose counts under cms are "<11" or "suppressed"
    rates = view(trial_a_says_none, "response_rates", "TRIAL-A")
    # then the reference's 5 responders of 81 show with their rate and CI (R1/R3 do not apply)
    standard = one(rates, treatment_class="standard_ad", timepoint="D28", analysis="nri")
    assert (standard["n_responders"], standard["n_responders_display"]) == (5, "5")
    assert standard["response_rate"] == pytest.approx(5 / 81)
    assert not standard["is_suppressed"] and not standard["response_suppressed"]
    # and esketamine's 55 responders with 6 oc non-responders show under every analysis (R3, R4)
    for analysis, n in (("oc", 61), ("nri", 84), ("locf", 77)):
        row = one(rates, treatment_class="esketamine", timepoint="D28", analysis=analysis)
        assert (row["n"], row["n_display"]) == (n, str(n))
        assert row["n_responders"] in (55, 58) and row["response_ci_low"] is not None
    # and no count of the dataset reads "<11" or "suppressed" anywhere
    for name, columns in (
        ("response_rates", ("n_display", "n_responders_display", "n_remitters_display")),
        ("attrition", ("n_remaining_display", "n_excluded_display")),
        ("cohort_summary", ("n_episodes_display", "n_trd_display", "n_female_display")),
        ("pct_change_timecourse", ("n_display",)),
    ):
        for row in view(trial_a_says_none, name, "TRIAL-A"):
            assert {row[c] for c in columns} & {"<11", "suppressed"} == set(), (name, row)
    # and the attrition shows the 3 outside the safety population and the 8 non-TRD
    flow = view(trial_a_says_none, "attrition", "TRIAL-A")
    assert [(r["n_remaining"], r["n_excluded"]) for r in flow] == [
        (176, 0),
        (173, 3),
        (173, 0),
        (165, 8),
        (165, 0),
    ]
    # and the response comparison the reference's 5 responders hid under cms is shown
    comparison = one(
        view(trial_a_says_none, "response_comparisons", "TRIAL-A"),
        outcome="response",
        timepoint="D28",
        analysis="nri",
    )
    assert not comparison["is_suppressed"]
    assert comparison["risk_difference"] == pytest.approx(55 / 84 - 5 / 81)


def test_the_registry_keeps_its_cms_policy_beside_a_none_trial(
    built_warehouse: Path, trial_a_says_none: Path
) -> None:
    # given REG-B (cms) in the warehouse where TRIAL-A says none
    # then every view shows REG-B exactly as when every dataset was cms
    for name in VIEWS:
        assert view(trial_a_says_none, name, "REG-B") == view(built_warehouse, name, "REG-B"), name


def test_forcing_cms_hides_the_none_trial_exactly_as_cms_would(
    built_warehouse: Path, trial_a_says_none: Path
) -> None:
    # given TRIAL-A says none, when the views are read with --suppression cms's session variable
    # then every view of every dataset equals the warehouse where TRIAL-A says cms, whose views
    # the equation-solving leak tests check
    for dataset in ("TRIAL-A", "TRIAL-C", "REG-B"):
        for name in VIEWS:
            forced = view(trial_a_says_none, name, dataset, forced=True)
            assert forced == view(built_warehouse, name, dataset), (dataset, name)


def test_the_policy_view_states_each_datasets_policy_and_the_override(
    trial_a_says_none: Path,
) -> None:
    def policies(forced: bool) -> list[tuple]:
        con = duckdb.connect(str(trial_a_says_none), read_only=True)
        try:
            if forced:
                force_cms_suppression(con)
            return con.execute(
                "select dataset_id, configured_policy, policy, is_overridden, small_cell_label "
                "from reporting.suppression_policy order by dataset_id"
            ).fetchall()
        finally:
            con.close()

    # given TRIAL-A none and the others cms
    # then the view says so, and under --suppression cms that TRIAL-A is overridden
    assert policies(forced=False) == [
        ("REG-B", "cms", "cms", False, "<11"),
        ("TRIAL-A", "none", "none", False, "<11"),
        ("TRIAL-C", "cms", "cms", False, "<11"),
    ]
    assert policies(forced=True) == [
        ("REG-B", "cms", "cms", False, "<11"),
        ("TRIAL-A", "none", "cms", True, "<11"),
        ("TRIAL-C", "cms", "cms", False, "<11"),
    ]


def pooled_rows(warehouse: Path, forced: bool = False) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if forced:
            force_cms_suppression(con)
        return con.execute(
            "select outcome, measure, k, dataset_ids, is_suppressed, estimate is null "
            "from reporting.pooled_comparisons order by outcome, measure"
        ).fetchall()
    finally:
        con.close()


def test_a_pooled_row_follows_the_suppression_of_its_trials(
    built_warehouse: Path, trial_a_says_none: Path
) -> None:
    # given TRIAL-A and TRIAL-C, both esketamine vs standard_ad at D28 (nri): under cms
    # TRIAL-A's response comparison is hidden (5 reference responders), its remission shown
    hidden_response = [
        ("remission", "risk_difference", 2, "TRIAL-A,TRIAL-C", False, False),
        ("remission", "risk_ratio", 2, "TRIAL-A,TRIAL-C", False, False),
        ("response", "risk_difference", 2, "TRIAL-A,TRIAL-C", True, True),
        ("response", "risk_ratio", 2, "TRIAL-A,TRIAL-C", True, True),
    ]
    # then the pooled response rows are hidden but for k, the remission rows shown
    assert pooled_rows(built_warehouse) == hidden_response
    # and when TRIAL-A says none, everything is shown; --suppression cms hides it again
    assert {r[4] for r in pooled_rows(trial_a_says_none)} == {False}
    assert pooled_rows(trial_a_says_none, forced=True) == hidden_response


def test_trd_report_suppression_cms_renders_what_cms_renders(
    trial_a_says_none: Path, site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given TRIAL-A says none; when `trd report --suppression cms` renders it
    monkeypatch.setenv("TRD_NO_QUARTO", "1")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(
            [
                "--warehouse",
                str(trial_a_says_none),
                "report",
                "--suppression",
                "cms",
                "--out",
                str(tmp_path),
            ]
        )
    # then it says so, and the page's count cells are those of the all-cms fixture's page
    assert code == 0, err.getvalue()
    assert "small-cell suppression cms applied to every dataset" in err.getvalue()
    forced = Page((tmp_path / "index.html").read_text(encoding="utf-8")).count_cells
    assert forced == Page(site.pages["index"]).count_cells
    # and the session variable stayed with the render: the process environment is unchanged
    assert "TRD_SUPPRESSION" not in os.environ


def test_only_cms_can_be_forced(trial_a_says_none: Path, tmp_path: Path) -> None:
    # when someone tries to force `none` (which would unhide a registry), then argparse refuses
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as caught:
        main(["--warehouse", str(trial_a_says_none), "report", "--suppression", "none"])
    assert caught.value.code == 2
    assert "invalid choice: 'none'" in err.getvalue()
