"""The stakeholder report's immune-pathway section: rendered from the hand-made warehouse (BIO-T
large enough to draw, BIO-SMALL all small cells), it shows the forest plots and the tables, and
no count cell holds 1 to 10 (docs/privacy.md#small-cell-suppression); with no biomarker rows it
says so."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from core.settings import REPO_ROOT
from reports.render import render

pytestmark = pytest.mark.slow

THRESHOLD = 11


class Cells(HTMLParser):
    """Table rows as cell texts, and the texts of cells marked as counts."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.count_cells: list[str] = []
        self._cell: list[str] | None = None
        self._is_count = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
            self._is_count = "count" in (dict(attrs).get("class") or "").split()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            self.rows[-1].append(text)
            if tag == "td" and self._is_count:
                self.count_cells.append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def section(built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The index page's immune-pathway section, rendered once (fallback renderer)."""
    work = tmp_path_factory.mktemp("report")
    warehouse = work / "warehouse.duckdb"
    shutil.copyfile(built_warehouse, warehouse)
    assert render(warehouse, work / "site", allow_failed_checks=True) == 0
    page = (work / "site" / "index.html").read_text(encoding="utf-8")
    start = page.index("Immune pathways")
    return page[start : page.index(">Cohort<", start)]


def test_section_draws_stratum_interaction_and_change_figures(section: str) -> None:
    # then the three figures of the section are there, as inline images
    assert section.count("data:image/png;base64,") == 3
    assert "Figure 5. Response by baseline inflammation" in section
    assert "Figure 6. Does inflammation change a class" in section
    assert "Figure 7. How the markers move" in section


def test_stratum_table_shows_bio_t_counts_and_rates(section: str) -> None:
    # given BIO-T ketamine CRP-high: 24 of 36 respond (and remit)
    rows = Cells(section).rows
    # then its row reads as hand-computed, with the Wilson interval
    assert [
        "D28",
        "Ketamine",
        "CRP ≥ 3 mg/L",
        "36",
        "24",
        "66.7% (50.3–79.8)",
        "24",
        "66.7% (50.3–79.8)",
    ] in rows
    # and the interaction of ketamine vs placebo by CRP: 16.7 - (-16.7) = 33.3 points
    assert any(
        r[:5] == ["D28", "response", "Ketamine", "Placebo", "CRP"] and r[7].startswith("33.3")
        for r in rows
    )


def test_no_count_cell_of_the_section_holds_1_to_10(section: str) -> None:
    # given BIO-SMALL, where every count is 1 to 10
    cells = Cells(section).count_cells
    # then its counts read "<11" (so there are small cells to hide) and no count cell shows 1..10
    assert "<11" in cells
    for text in cells:
        first = text.split(" ")[0].replace(",", "")
        assert first in ("<11", "suppressed", "–") or int(first) == 0 or int(first) >= THRESHOLD


@pytest.fixture
def sections_module(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """reports/sections/biomarkers imported as the pages import it (from the reports folder)."""
    monkeypatch.syspath_prepend(str(REPO_ROOT / "reports"))
    import _common
    from sections import biomarkers, layout

    _common.connection.cache_clear()
    layout.datasets.cache_clear()
    yield biomarkers
    _common.connection().close()
    _common.connection.cache_clear()
    for name in [m for m in sys.modules if m.startswith(("sections", "_figures", "_common"))]:
        sys.modules.pop(name, None)


def test_empty_biomarker_marts_show_the_no_biomarkers_notice(
    built_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sections_module: object
) -> None:
    # given a warehouse whose biomarker marts are empty (no dataset has biomarkers)
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(built_warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    for table in ("biomarker_response", "biomarker_interactions", "biomarker_change"):
        con.execute(f"delete from marts.{table}")
    con.close()
    monkeypatch.setenv("TRD_WAREHOUSE", str(warehouse))
    # when the section is built
    html = sections_module.biomarker_section(first_figure=4)  # type: ignore[attr-defined]
    # then it is the notice alone, without figures
    assert "<strong>No biomarkers</strong>" in html
    assert "data:image/png" not in html
