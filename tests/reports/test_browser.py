"""A real browser opens every rendered page (SPEC 9: readable offline, no network needed).

Debian chromium, headless, with every host name mapped to NOTFOUND: a page that needed the
network would show holes and log requests. Each page must paint something (not a blank
screenshot), log no console message, and request no http(s) URL of its own. Skipped when
chromium is absent, unless TRD_REQUIRE_BROWSER=1 (CI), where its absence fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
from PIL import Image, ImageStat
from report_warehouse import Site

pytestmark = pytest.mark.browser

BROWSER_HOSTS = ("google.com", "googleapis.com", "gvt1.com", "gstatic.com")
"""Hosts chromium itself calls in the background (updates, time, accounts), not the page."""


def chromium() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found:
        return found
    if os.environ.get("TRD_REQUIRE_BROWSER") == "1":
        pytest.fail(
            "TRD_REQUIRE_BROWSER=1 but chromium is not installed (apt-get install chromium)"
        )
    pytest.skip("chromium is not on PATH: the headless-browser check needs Debian's chromium")


@dataclass(frozen=True)
class Visit:
    """What the browser saw: the screenshot, its console lines and the page's own requests."""

    screenshot: Path
    console: list[str]
    requests: list[str]


def visit(page: Path, work: Path) -> Visit:
    """Open `page` headless: screenshot, console log (stderr) and network log (JSON)."""
    work.mkdir(parents=True, exist_ok=True)
    png, netlog = work / f"{page.stem}.png", work / f"{page.stem}.netlog.json"
    result = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={work / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--log-net-log={netlog}",
            f"--screenshot={png}",
            "--window-size=1280,2000",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert png.exists(), result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return Visit(png, console, page_requests(netlog))


def page_requests(netlog: Path) -> list[str]:
    """http(s) URLs in the network log, except chromium's own background calls."""
    text = netlog.read_text(encoding="utf-8", errors="replace") if netlog.exists() else ""
    try:
        events = json.loads(text).get("events", [])
    except json.JSONDecodeError:  # chromium may leave the log unterminated
        events = []
    urls = {str(e.get("params", {}).get("url", "")) for e in events} if events else set()
    if not events:
        urls = {u for u in text.split('"') if u.startswith(("http://", "https://"))}
    return sorted(
        u
        for u in urls
        if u.startswith(("http://", "https://"))
        and not (urlparse(u).hostname or "").endswith(BROWSER_HOSTS)
    )


def painted(png: Path) -> float:
    """Standard deviation of the greyscale pixels: about 0 for a blank page."""
    return ImageStat.Stat(Image.open(png).convert("L")).stddev[0]


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
