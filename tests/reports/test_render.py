"""`trd report` renders self-contained pages (docs/reading-a-report.md: three site pages and one
page per dataset) that show no small cell (docs/privacy.md#small-cell-suppression).

Given the fixture warehouse (small cells in every view), when the reports are rendered with the
built-in fallback, then the HTML is checked as a browser would see it: text, table cells,
attributes and anything embedded.
"""

from __future__ import annotations

import platform
import re
import subprocess
from importlib import metadata

import duckdb
import polars as pl
import pytest
from report_warehouse import RATES, THRESHOLD, Page, Site

from core.settings import REPO_ROOT
from reports.render import parse_qmd, to_notebook

SITE_PAGES = ("data-quality", "index", "methods")
DATASET_PAGES = ("dataset-REG-B", "dataset-TRIAL-A", "dataset-TRIAL-C")
PAGES = SITE_PAGES + DATASET_PAGES


@pytest.fixture(scope="module")
def pages(site: Site) -> dict[str, Page]:
    return {name: Page(html) for name, html in site.pages.items()}


@pytest.mark.slow
def test_renders_site_and_dataset_pages_and_prints_where_in_one_line(site: Site) -> None:
    # then the three site pages and one page per dataset exist, and render() printed one line
    assert sorted(site.pages) == sorted(PAGES)
    (line,) = site.stdout.splitlines()
    assert re.fullmatch(
        rf"trd report: 6 pages in [\d.]+ s: {re.escape(str(site.out / 'index.html'))} "
        r"\(data-quality.html, methods.html and 3 dataset pages beside it\)",
        line,
    ), line


@pytest.mark.slow
def test_suppressed_rows_read_less_than_11_with_rates_hidden(pages: dict[str, Page]) -> None:
    # given REG-B W6 ketamine: 7 episodes, 4 responders, 3 remitters (hidden)
    # then its row in Table 1 shows "<11" for every count and "–" for the rates
    assert ["W6", "Ketamine", "<11", "<11", "–", "<11", "–"] in pages["index"].rows
    # and esketamine, the next smallest class of that group, reads "suppressed"
    assert ["", "Esketamine", "suppressed", "suppressed", "–", "suppressed", "–"] in pages[
        "index"
    ].rows
    assert "<11" in "".join(pages["index"].text)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_no_count_cell_on_any_page_holds_1_to_10(pages: dict[str, Page], page: str) -> None:
    # then every cell holding a count reads "<11", "suppressed", "–", 0, or at least 11
    for text in pages[page].count_cells:
        first = text.split(" ")[0].replace(",", "")
        assert first in ("<11", "suppressed", "–") or int(first) == 0 or int(first) >= THRESHOLD, (
            page,
            text,
        )
    if page != "methods":
        assert pages[page].count_cells, "the page has count cells to check"


def hidden_rate_texts() -> set[str]:
    """'57.1% (25.0–84.2)'-style texts of every rate the views hide, as a page would print them."""
    hidden = set()
    hidden_response = {
        ("REG-B", "ketamine", "W6"),
        ("REG-B", "esketamine", "W6"),
        ("TRIAL-A", "esketamine", "D28"),
        ("TRIAL-A", "standard_ad", "D28"),
        ("REG-B", "ketamine", "D7"),
    }
    for r in RATES:
        key = (r.dataset_id, r.treatment_class, r.timepoint)
        row = r.row()
        response = (row["response_rate"], row["response_ci_low"], row["response_ci_high"])
        remission = (row["remission_rate"], row["remission_ci_low"], row["remission_ci_high"])
        outcomes = [response] if key in hidden_response else []
        if key in {("REG-B", "ketamine", "W6"), ("REG-B", "esketamine", "W6")}:
            outcomes.append(remission)
        for rate, low, high in outcomes:
            hidden.add(f"{100 * rate:.1f}% ({100 * low:.1f}–{100 * high:.1f})")
    return hidden


@pytest.mark.slow
def test_hidden_rates_and_their_cis_appear_nowhere_in_the_html(site: Site) -> None:
    # given the rate texts of every hidden cell (e.g. ketamine's 4 of 7 at W6)
    forbidden = hidden_rate_texts()
    assert "57.1% (25.0–84.2)" in forbidden
    # then none appears anywhere in any page: text, attributes or embedded data
    for name, html in site.pages.items():
        for text in forbidden:
            assert text not in html, (name, text)
    # and the shown ones do appear (the check looks at the right format)
    assert "35.6% (28.3–43.7)" in site.pages["index"]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_pages_make_no_network_reference_and_embed_no_data(
    pages: dict[str, Page], page: str
) -> None:
    tags = pages[page].tags
    # then no script at all (nothing to fetch, no embedded JSON), no external stylesheet
    assert not [t for t, _ in tags if t in ("script", "iframe", "object", "embed")]
    for tag, attrs in tags:
        for attr in ("src", "href"):
            value = attrs.get(attr, "")
            assert not re.match(r"^(https?:)?//", value), (page, tag, value)
        if tag == "link":
            assert attrs.get("rel") != "stylesheet", (page, attrs)
    # and no CSS url() or @import reaches out either
    assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import", "".join(pages[page].text))
    # and no data-* attribute carries values behind the tables (nbconvert's mime-type tags only)
    data_attrs = {(a, v) for _, attrs in tags for a, v in attrs.items() if a.startswith("data-")}
    assert {v for a, v in data_attrs if a != "data-mime-type"} == set()
    assert {v for _, v in data_attrs} <= {"text/markdown", "text/html", "text/plain"}


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_code_cells_are_not_shown(site: Site, page: str) -> None:
    # then the page holds the cells' output only, not their Python source
    assert "import _common" not in site.pages[page]
    assert "rc.show(" not in site.pages[page]


@pytest.mark.slow
def test_figures_are_inline_png_images_with_alt_text(pages: dict[str, Page]) -> None:
    images = [attrs for tag, attrs in pages["index"].tags if tag == "img"]
    # then the findings' forest plot, both time courses and the Love plot are inline PNGs
    assert all(img["src"].startswith("data:image/png;base64,") for img in images)
    assert [img["alt"] for img in images] == [
        "Forest plot of response differences: trials and registries in separate panels",
        "Response rate by treatment class from 24 hours to week 12, one panel per dataset",
        "Mean percent change from baseline by treatment class and timepoint",
        "Love plot: standardised mean differences before and after weighting",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_a_nav_bar_to_the_three_pages(pages: dict[str, Page], page: str) -> None:
    links = [attrs["href"] for tag, attrs in pages[page].tags if tag == "a" and "href" in attrs]
    assert links[:3] == ["index.html", "data-quality.html", "methods.html"]


@pytest.mark.slow
def test_provenance_names_files_hashes_commit_and_tool_versions(pages: dict[str, Page]) -> None:
    rows = pages["index"].rows
    # then each loaded file is listed with its sha256 and row count (7 rows read "<11"); the
    # trials' attrition hides the ADSL subject count, so their ADSL rows read "suppressed"
    assert ["adsl.xpt", "a1" * 32, "suppressed", "2026-11-20 09:30:00"] in rows
    assert ["adsl.xpt", "c1" * 32, "suppressed", "2026-11-20 09:30:00"] in rows
    assert ["adlb.csv", "a3" * 32, "<11", "2026-11-20 09:30:00"] in rows
    # and the code version is a commit of this repository (HEAD may move while tests run)
    (commit,) = [r[1] for r in rows if r and r[0] == "Code version (git commit)"]
    assert re.fullmatch(r"[0-9a-f]{40}", commit)
    kind = subprocess.run(
        ["git", "cat-file", "-t", commit], cwd=REPO_ROOT, capture_output=True, text=True
    ).stdout.strip()
    assert kind == "commit"
    # and the tool versions are the ones installed
    assert ["duckdb", duckdb.__version__] in rows
    assert ["polars", pl.__version__] in rows
    assert ["python", platform.python_version()] in rows
    assert ["great_expectations", metadata.version("great-expectations")] in rows
    assert ["dbt", metadata.version("dbt-core")] in rows


@pytest.mark.slow
def test_data_quality_page_lists_every_check_of_the_latest_run(pages: dict[str, Page]) -> None:
    rows = pages["data-quality"].rows
    text = " ".join(pages["data-quality"].text)
    for check_id in (
        "adqs.ady_not_null_or_zero",
        "observation.in_observation_period",
        "person.age_at_most_90",
        "marts.rates_in_unit_interval",
    ):
        assert check_id in text
    # the failing warning with 7 unexpected records reads "<11", its percentage hidden
    failing = next(r for r in rows if r and r[0] == "fail")
    assert failing[1] == "warn plausibility" and failing[-2:] == ["<11", "–"]
    # with what to do about it, and the failing records' keys are never shown
    assert "correct observation_date at source" in text
    assert "SUBJ-0042" not in text


@pytest.mark.slow
def test_data_quality_page_shows_what_each_code_list_found(pages: dict[str, Page]) -> None:
    rows = pages["data-quality"].rows
    text = " ".join(pages["data-quality"].text)
    assert "Code lists in" in text and "REG-B: every concept found or missed (3 rows)" in text
    # one summary row per code list: concepts found, of which only as descendants, orphans
    assert ["ketamine", "1", "1", "1"] in rows
    assert ["trd_exclusion", "1", "0", "0"] in rows
    assert ["esketamine", "none", "0", "0"] in rows
    # and the orphan's 7 records of 3 persons read "<11"
    orphan = next(r for r in rows if r and r[0] == "orphan")
    assert orphan[-2:] == ["<11", "<11"]
    assert "ketamine 10 MG/ML Injectable Solution" in text


@pytest.mark.slow
def test_methods_page_is_generated_from_the_seeds_and_vars(pages: dict[str, Page]) -> None:
    rows = pages["methods"].rows
    text = "".join(pages["methods"].text)
    assert ["W12", "84", "77", "91"] in rows  # reference.timepoints
    assert ["MADRSTOT", "MADRS"] in rows  # reference.scale_parameters
    assert "4152280" in text  # MDD in reference.concept_sets
    assert ["era_gap_days", "30"] in rows and ["small_cell_threshold", "11"] in rows
    assert "shown as <11" in text


def test_qmd_parser_reads_front_matter_markdown_cells_and_options() -> None:
    # given a page in the subset of Quarto the reports use
    text = (
        '---\ntitle: "T"\nsubtitle: S\n---\n\n# Heading\n\nSome *text*.\n\n'
        "```{python}\n#| echo: false\n#| output: false\nx = 1\n```\n\nAfter.\n"
    )
    # when parsed and turned into a notebook
    front, cells = parse_qmd(text)
    nb = to_notebook(front, cells)
    # then the front matter, the cells in order and the options are kept
    assert front == {"title": "T", "subtitle": "S"}
    assert [(c.kind, c.source) for c in cells] == [
        ("markdown", "# Heading\n\nSome *text*."),
        ("code", "x = 1"),
        ("markdown", "After."),
    ]
    assert cells[1].options == {"echo": False, "output": False}
    assert nb.metadata["title"] == "T" and nb.cells[1].metadata["trd_options"]["output"] is False
