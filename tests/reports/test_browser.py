"""A real browser opens every rendered page (docs/reading-a-report.md: readable offline, no network
needed).

Each page must paint something (not a blank screenshot), log no console message, and request
no http(s) URL of its own (tests/browser.py: headless chromium, network off). The findings must
read on a narrow (800 px) screen without sideways scrolling.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from browser import dom_after_scripts, painted, visit
from report_warehouse import Site

pytestmark = pytest.mark.browser

PAGES = [
    "index",
    "data-quality",
    "methods",
    "dataset-REG-B",
    "dataset-TRIAL-A",
    "dataset-TRIAL-C",
]
SCREENSHOTS = Path("/tmp/trd-report-screenshots")
"""Where the screenshots of the last run stay for a person to look at (they are not data)."""


def _keep(png: Path) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    shutil.copyfile(png, SCREENSHOTS / png.name)


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_every_page_paints_logs_nothing_and_needs_no_network(
    site: Site, name: str, tmp_path: Path
) -> None:
    # when chromium opens the rendered page offline
    seen = visit(site.out / f"{name}.html", tmp_path)
    # then the screenshot is not blank, the console is silent and nothing was fetched
    assert painted(seen.screenshot) > 20, f"{name} looks blank"
    assert seen.console == [], seen.console
    assert seen.requests == [], seen.requests


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 800])
def test_findings_paint_at_desktop_and_narrow_widths(
    open_site: Site, width: int, tmp_path: Path
) -> None:
    # when the index with findings and the demo banner opens at 1280 and 800 px
    seen = visit(open_site.out / "index.html", tmp_path, width=width, height=2400)
    _keep(seen.screenshot)
    # then it paints, offline and silently
    assert painted(seen.screenshot) > 20
    assert seen.console == [] and seen.requests == []


MEASURE = """<script>
const w = window.innerWidth;
const over = [...document.querySelectorAll('.findings, .findings *, .demo-banner, .cards')]
  .filter(e => e.getBoundingClientRect().right > w + 1).map(e => e.className || e.tagName);
document.body.setAttribute('data-overflow', JSON.stringify(over));
document.body.setAttribute('data-page-width', document.documentElement.scrollWidth + '/' + w);
</script>"""


@pytest.mark.slow
def test_findings_do_not_overflow_an_800px_screen(open_site: Site, tmp_path: Path) -> None:
    # given a copy of the index with a measuring script appended (the report itself has none)
    page = tmp_path / "index.html"
    page.write_text(
        open_site.pages["index"].replace("</body>", MEASURE + "</body>"), encoding="utf-8"
    )
    # when chromium lays it out 800 px wide
    dom = dom_after_scripts(page, tmp_path, width=800)
    # then no element of the findings, the banner or the cards sticks out to the right
    overflow = re.search(r'data-overflow="([^"]*)"', dom)
    assert overflow is not None, dom[-2000:]
    assert overflow.group(1) == "[]", overflow.group(1)
    # and the page as a whole scrolls only down (wide tables scroll inside their own box)
    width, window = re.search(r'data-page-width="(\d+)/(\d+)"', dom).groups()
    assert int(width) <= int(window), (width, window)


@pytest.mark.slow
def test_the_browser_check_catches_a_broken_page(tmp_path: Path) -> None:
    # given a page with a failing script and an image from the network
    page = tmp_path / "broken.html"
    page.write_text(
        "<html><body><script>undefinedFunction();</script>"
        '<img src="https://cdn.example.org/logo.png"></body></html>',
        encoding="utf-8",
    )
    # when opened, then the check sees a blank page, the error and the request
    seen = visit(page, tmp_path / "work")
    assert painted(seen.screenshot) < 20
    assert any("Uncaught ReferenceError" in line for line in seen.console)
    assert seen.requests == ["https://cdn.example.org/logo.png"]
