"""The index opens with findings (issue 15): per question, the trial evidence (pooled when two
trials compare the pair) and the registry evidence beside it, unadjusted and adjusted (issue 16),
each as one sentence whose numbers are the marts' numbers; a demo-data banner on every page; one
page per dataset.

Given the fixture warehouse with trials under `suppression: none` (open_site): TRIAL-A and
TRIAL-C both compare esketamine with standard antidepressants at day 28 (pooled by dbt), and
REG-B compares ketamine and esketamine with standard antidepressants at day 7, with adjusted
estimates (ketamine balanced, esketamine not).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import duckdb
import pytest
from report_warehouse import Page, Site
from support.warehouse import copy_warehouse

from core.settings import REPO_ROOT
from reports.render import _kernel_env, parse_qmd, render_page_fallback, to_notebook

pytestmark = pytest.mark.slow


def _pp(x: float) -> str:
    text = f"{100 * x:.0f}"
    return "0" if text == "-0" else text.replace("-", "\u2212")


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _warehouse(site: Site) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(site.out.parent / "warehouse.duckdb"), read_only=True)


def _finding(site: Site, anchor: str) -> str:
    """The text of one question's block of the findings."""
    page = site.pages["index"]
    start = page.index(f'id="{anchor}"')
    block = page[start : page.index("</section>", start)]
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", block).split()))


def test_pooled_trial_sentence_carries_the_pooled_marts_numbers(open_site: Site) -> None:
    # given the pooled day-28 response difference of TRIAL-A and TRIAL-C as dbt computed it
    with _warehouse(open_site) as con:
        est, low, high, k = con.execute(
            "select estimate, ci_low, ci_high, k from marts.pooled_comparisons "
            "where treatment_class = 'esketamine' and outcome = 'response' "
            "and timepoint = 'D28' and measure = 'risk_difference'"
        ).fetchone()
        rates = dict(
            con.execute(
                "select dataset_id || treatment_class, response_rate from marts.response_rates "
                "where timepoint = 'D28' and analysis = 'nri'"
            ).fetchall()
        )
    # then the esketamine question states them in one sentence, with the trials' rate ranges
    text = _finding(open_site, "q-esketamine-standard_ad")
    treated = sorted([rates["TRIAL-Aesketamine"], rates["TRIAL-Cesketamine"]])
    reference = sorted([rates["TRIAL-Astandard_ad"], rates["TRIAL-Cstandard_ad"]])
    expected = (
        f"Response at day 28: {100 * treated[0]:.0f}–{_pct(treated[1])} vs "
        f"{100 * reference[0]:.0f}–{_pct(reference[1])} across the trials; pooled difference "
        f"{_pp(est)} points, 95% CI {_pp(low)} to {_pp(high)}; {k} trials."
    )
    assert k == 2 and expected in text, text
    # and the 2-trial caveat explains the wide Hartung-Knapp interval rather than hiding it
    assert "t distribution with 1 degree of freedom" in text


def test_registry_sentences_give_unadjusted_and_adjusted_with_the_e_value(
    open_site: Site,
) -> None:
    # given REG-B's esketamine comparison: day 7 is its timepoint nearest to the trials' day 28
    # (week 6 is hidden), crude in the marts, adjusted in the fixture
    with _warehouse(open_site) as con:
        rd, low, high = con.execute(
            "select risk_difference, risk_difference_ci_low, risk_difference_ci_high "
            "from marts.response_comparisons where dataset_id = 'REG-B' and timepoint = 'D7' "
            "and treatment_class = 'esketamine' and outcome = 'response'"
        ).fetchone()
    text = _finding(open_site, "q-esketamine-standard_ad")
    # then the registry panel states both estimates, labelled, beside the trials
    assert (
        f"unadjusted Response at day 7, unadjusted: {_pct(12 / 29)} vs {_pct(20 / 131)}; "
        f"difference {_pp(rd)} points, 95% CI {_pp(low)} to {_pp(high)}."
    ) in text, text
    assert (
        "adjusted Adjusted for measured confounders: 38% vs 16%; difference 22 points, "
        "95% CI 3 to 41."
    ) in text
    assert (
        "An unmeasured confounder would need to be associated with both treatment and response "
        "by a risk ratio of 4.18 each to explain away the estimate; 1.92 to move the confidence "
        "interval to include 1."
    ) in text
    # with the confounding caveat
    assert "the unadjusted difference is confounded by indication" in text


def test_imbalanced_comparisons_are_flagged_wherever_shown(open_site: Site) -> None:
    # given esketamine at REG-B day 7: a weighted |SMD| of 0.14 (above 0.1); ketamine's 0.06
    text = _finding(open_site, "q-esketamine-standard_ad")
    # then its findings sentence is flagged, and so are its rows of the adjusted tables
    assert "difference 22 points, 95% CI 3 to 41. imbalanced" in text
    rows = Page(open_site.pages["index"]).rows
    esketamine = [r for r in rows if r[:5] == ["D7", "response", "Esketamine", "29", "131"]]
    assert esketamine and all("imbalanced" in " ".join(r) for r in esketamine)
    ketamine = [r for r in rows if r[:3] == ["D7", "remission", "Ketamine"] and len(r) == 10]
    assert ketamine and not any("imbalanced" in " ".join(r) for r in ketamine)


def test_registry_counts_beside_adjusted_estimates_follow_the_small_cell_rule(
    site: Site,
) -> None:
    # given the default fixture (cms everywhere): REG-B esketamine has 29 episodes at day 7;
    # ketamine's day-7 responders (13 of 23) leave 10 non-responders, and week 6 has 7 episodes
    rows = Page(site.pages["index"]).rows
    # then the esketamine row prints both counts
    assert any(r[:5] == ["D7", "response", "Esketamine", "29", "131"] for r in rows)
    # and ketamine's hidden comparisons read "suppressed" for every estimate, their small n "<11"
    hidden = [
        r
        for r in rows
        if len(r) == 10
        and r[2] == "Ketamine"
        and (r[0], r[1]) in {("D7", "response"), ("W6", "response")}
    ]
    assert len(hidden) == 2
    for r in hidden:
        assert r[3] in ("23", "<11", "suppressed") and r[4] in ("131", "suppressed"), r
        assert r[5:] == ["suppressed"] * 5, r


def test_demo_banner_is_on_every_page_when_a_dataset_is_synthetic(
    open_site: Site, site: Site
) -> None:
    # given REG-B marked synthetic (open_site), and no synthetic dataset (site)
    for name, page in open_site.pages.items():
        # then every page, dataset pages included, carries the banner naming it
        assert 'class="demo-banner"' in page, name
        assert "REG-B is synthetic" in html.unescape(page), name
    for name, page in site.pages.items():
        assert 'class="demo-banner"' not in page, name


def test_findings_link_to_each_dataset_page(open_site: Site) -> None:
    links = {attrs["href"] for tag, attrs in Page(open_site.pages["index"]).tags if tag == "a"}
    # then the trials and the registry of the findings link to their own pages, which exist
    for dataset_id in ("TRIAL-A", "TRIAL-C", "REG-B"):
        assert f"dataset-{dataset_id}.html" in links
        assert (open_site.out / f"dataset-{dataset_id}.html").exists()


def test_dataset_pages_show_their_own_dataset(open_site: Site) -> None:
    registry = html.unescape(open_site.pages["dataset-REG-B"])
    trial = html.unescape(open_site.pages["dataset-TRIAL-C"])
    # then the registry page has its rates, unadjusted forest, Love plot and attrition
    assert "Persons with a major depressive disorder diagnosis" in registry
    assert "Love plot" in registry and "Unadjusted" in registry
    assert "TRIAL-C" not in registry
    # and the trial page says its comparisons are randomised, and which pool it enters
    assert "A randomised trial: its comparisons are not adjusted." in trial
    assert "pooled with 1 other trial(s)" in trial
    assert "<b>REG-B</b>" not in trial


def test_parameter_cell_is_injected_after_the_parameters_cell() -> None:
    # given a page with a parameters-tagged cell (papermill's and Quarto's convention)
    front, cells = parse_qmd(
        "---\ntitle: T\n---\n\n```{python}\n#| tags: [parameters]\ndataset_id = None\n```\n\n"
        "```{python}\nprint(dataset_id)\n```\n"
    )
    # when the notebook is made with a value
    nb = to_notebook(front, cells, {"dataset_id": "TRIAL-C"})
    # then a cell setting it follows the defaults and precedes the page's code
    sources = [c.source for c in nb.cells]
    assert sources == [
        "dataset_id = None",
        "# Injected parameters\ndataset_id = 'TRIAL-C'",
        "print(dataset_id)",
    ]
    assert nb.cells[1].metadata["tags"] == ["injected-parameters"]


def test_dataset_qmd_declares_its_parameter_for_quarto() -> None:
    _, cells = parse_qmd((REPO_ROOT / "reports" / "dataset.qmd").read_text(encoding="utf-8"))
    first = next(c for c in cells if c.kind == "code")
    assert first.options["tags"] == ["parameters"] and "dataset_id = None" in first.source


MARTS_BY_DATASET = (
    "response_rates",
    "response_comparisons",
    "attrition",
    "cohort_episodes",
    "agg_pct_change",
    "adjusted_comparisons",
    "covariate_balance",
    "propensity_overlap",
)


def _index_without(built_warehouse: Path, tmp_path: Path, source: str) -> str:
    """The index page of a copy of the fixture without any dataset of `source`."""
    warehouse = copy_warehouse(built_warehouse, tmp_path)
    con = duckdb.connect(str(warehouse))
    try:
        gone = [
            r[0]
            for r in con.execute(
                "select dataset_id from raw.datasets where source = ?", [source]
            ).fetchall()
        ]
        for table in MARTS_BY_DATASET:
            con.execute(f"delete from marts.{table} where list_contains(?, dataset_id)", [gone])
        con.execute("delete from marts.pooled_comparisons")
        con.execute("delete from marts.pooled_comparison_inputs")
        con.execute("delete from raw.datasets where source = ?", [source])
    finally:
        con.close()
    env = _kernel_env(warehouse, 11, None)
    page = render_page_fallback("index", tmp_path, env)
    return html.unescape(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("registry", "No registry compares these classes"),
        ("trial", "No trial compares these classes."),
    ],
)
def test_a_warehouse_without_registries_or_without_trials_says_so(
    built_warehouse: Path, tmp_path: Path, source: str, says: str
) -> None:
    # given the fixture without its registry, or without its trials
    index = _index_without(built_warehouse, tmp_path, source)
    # then the findings say what is missing, in words, and nothing failed
    assert says in index
    assert "Traceback" not in index and "application/vnd.jupyter.stderr" not in index
    if source == "registry":
        assert "No registry comparison" in index  # the adjusted section
