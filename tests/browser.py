"""Headless Debian chromium for the tests that open pages as a reader would, offline.

Every host name is mapped to NOTFOUND: a page that needed the network would show holes and log
requests. `visit` returns the screenshot, the console lines and the page's own http(s)
requests. Chromium missing is a skip, unless TRD_REQUIRE_BROWSER=1 (CI), where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
from PIL import Image, ImageStat

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


def visit(page: Path, work: Path, width: int = 1280, height: int = 2000) -> Visit:
    """Open `page` headless in a `width` x `height` window: screenshot, console log (stderr)
    and network log (JSON)."""
    work.mkdir(parents=True, exist_ok=True)
    png, netlog = work / f"{page.stem}-{width}.png", work / f"{page.stem}-{width}.netlog.json"
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
            f"--window-size={width},{height}",
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


def dom_after_scripts(page: Path, work: Path, width: int = 1280) -> str:
    """The page's DOM after its scripts ran (what a reader's browser shows), offline, in a
    window `width` pixels wide."""
    work.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            f"--user-data-dir={work / 'profile-dom'}",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=5000",
            f"--window-size={width},2000",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result.stdout


def share_of_colour(png: Path, rgb: tuple[int, int, int], tolerance: int = 12) -> float:
    """The share of the screenshot's pixels within `tolerance` of colour `rgb`."""
    pixels = np.asarray(Image.open(png).convert("RGB"), dtype=np.int16).reshape(-1, 3)
    close = (np.abs(pixels - np.array(rgb, dtype=np.int16)) <= tolerance).all(axis=1)
    return float(close.mean())
