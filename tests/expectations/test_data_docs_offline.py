"""Great Expectations Data Docs work offline and show warnings as warnings (docs/data-quality.md).

`trd check` builds the site beside the warehouse (not in the working directory); chromium opens
it with the network off: the index lists the validations (its table is drawn by the vendored
jQuery and bootstrap-table), Bootstrap's styles and Font Awesome's icons are loaded from
static/vendor/, nothing is fetched from the network, and a warn-level failure reads as a
warning (yellow sign, "Passed with warnings"), never as GX's red "Failed".
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from browser import dom_after_scripts, painted, share_of_colour, visit
from dq_datasets import GOOD_MARTS, MARTS_DDL, load_raw, valid_trial

from expectations.check import check

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BOOTSTRAP_PRIMARY = (0, 123, 255)
"""#007bff: Bootstrap 4's links and primary buttons (an unstyled page uses (0, 0, 238))."""
BOOTSTRAP_WARNING = (255, 193, 7)
"""#ffc107: `text-warning`, the colour of the warning sign."""


@dataclass(frozen=True)
class Site:
    docs: Path
    cwd: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """A valid trial whose marts hold one episode with a baseline of 0 (a warn-level check),
    checked from an empty working directory."""
    root = tmp_path_factory.mktemp("docs")
    warehouse = root / "data" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    con = duckdb.connect(str(warehouse))
    load_raw(con, valid_trial(), "T1", "trial")
    for statement in (
        *MARTS_DDL,
        *GOOD_MARTS,
        "insert into marts.episode_outcomes values ('trial', 'T1', 'S-002', 'standard_ad', "
        "true, 'MADRS', 'D28', 0, 10, null, null, false, false, false, false)",
    ):
        con.execute(statement)
    con.close()
    cwd = root / "cwd"
    cwd.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        patch.delenv("TRD_DATA_DOCS", raising=False)
        with contextlib.redirect_stdout(io.StringIO()):
            assert check(warehouse) == 0
    return Site(warehouse.parent / "gx" / "data_docs", cwd)


def _warning_page(docs: Path) -> Path:
    pages = [
        p for p in (docs / "validations").rglob("*.html") if "Passed with warnings" in _text(p)
    ]
    assert pages, "no validation page reads 'Passed with warnings'"
    return pages[0]


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def test_the_site_is_written_beside_the_warehouse_and_nothing_into_the_working_dir(
    site: Site,
) -> None:
    assert (site.docs / "index.html").is_file()
    assert (site.docs / "static" / "vendor" / "jquery-3.7.1" / "dist" / "jquery.min.js").is_file()
    assert os.listdir(site.cwd) == []


def test_no_page_refers_to_a_cdn(site: Site) -> None:
    for page in site.docs.rglob("*.html"):
        html = _text(page)
        for host in ("unpkg.com", "jsdelivr", "cdnjs", "bootstrapcdn", "code.jquery", "amazonaws"):
            assert host not in html, (page, host)


def test_the_index_lists_the_results_offline_with_styles_and_warnings(
    site: Site, tmp_path: Path
) -> None:
    # when chromium opens the index with the network off
    seen = visit(site.docs / "index.html", tmp_path)
    dom = dom_after_scripts(site.docs / "index.html", tmp_path)
    # then nothing was fetched, nothing failed to load, and the page is styled
    assert seen.requests == [], seen.requests
    assert seen.console == [], seen.console
    assert painted(seen.screenshot) > 20
    assert share_of_colour(seen.screenshot, BOOTSTRAP_PRIMARY) > 0.0005
    # and the validations table was drawn by bootstrap-table, the warning marked as one
    assert 'class="bootstrap-table' in dom
    assert "marts:T1:episode_outcomes: checks (SQL)" in dom
    assert dom.count("fa-exclamation-triangle text-warning") >= 1
    assert share_of_colour(seen.screenshot, BOOTSTRAP_WARNING, tolerance=30) > 0


def test_a_validation_with_only_warnings_reads_passed_with_warnings(
    site: Site, tmp_path: Path
) -> None:
    page = _warning_page(site.docs)
    seen = visit(page, tmp_path)
    html = _text(page)
    assert seen.requests == [] and seen.console == [], (seen.requests, seen.console)
    assert "Passed with warnings" in html and "</i> Failed" not in html
    assert "fa-times text-danger" not in html  # GX's red cross
    assert share_of_colour(seen.screenshot, BOOTSTRAP_WARNING, tolerance=30) > 0


def test_the_check_sees_a_site_without_its_vendored_assets(site: Site, tmp_path: Path) -> None:
    # given a copy of the site whose static/vendor folder is missing
    copy = tmp_path / "site"
    shutil.copytree(site.docs, copy)
    shutil.rmtree(copy / "static" / "vendor")
    # when chromium opens its index, then the failed loads show and the styles are gone
    seen = visit(copy / "index.html", tmp_path / "work")
    assert seen.console, "missing scripts should log errors"
    assert share_of_colour(seen.screenshot, BOOTSTRAP_PRIMARY) < 0.0001
