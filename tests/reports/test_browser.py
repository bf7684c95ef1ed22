"""A real browser opens every rendered page (docs/reading-a-report.md: readable offline, no network
needed).

Each page must paint something (not a blank screenshot), log no console message, and request
no http(s) URL of its own (tests/browser.py: headless chromium, network off).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import painted, visit
from report_warehouse import Site

pytestmark = pytest.mark.browser


@pytest.mark.slow
@pytest.mark.parametrize("name", ["index", "data-quality", "methods"])
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
