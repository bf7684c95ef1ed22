"""Every relative link of the README and the docs pages resolves, anchors included.

A user reads the repository on its own (a clone, or its page on a code host): a link to a file
that is not in the repository, or to a heading that was renamed, is a dead end. Anchors are
checked as GitHub makes them from headings (`markdown_links.slug`).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from markdown_links import anchors, links, slug

from core.settings import REPO_ROOT

EXTERNAL = ("http://", "https://", "mailto:")


def tracked_files() -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    return [REPO_ROOT / name.decode() for name in names if name]


PAGES = [p for p in tracked_files() if p.suffix == ".md"]
"""The README, the docs pages, and every folder's README (stages, sample data)."""


def dead_links(page: Path, root: Path = REPO_ROOT) -> list[str]:
    """The links of `page` that lead nowhere (or out of `root`), as 'line N: target (why)'."""
    dead = []
    for link in links(page):
        if link.target.startswith(EXTERNAL):
            continue
        path_part, _, anchor = link.target.partition("#")
        target = (page.parent / unquote(path_part)).resolve() if path_part else page
        if not target.is_relative_to(root):
            dead.append(f"line {link.line}: {link.target} (outside the repository)")
        elif not target.exists():
            dead.append(f"line {link.line}: {link.target} (no such file)")
        elif anchor and target.suffix == ".md" and anchor not in anchors(target):
            dead.append(f"line {link.line}: {link.target} (no heading with that anchor)")
    return dead


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(REPO_ROOT).as_posix() for p in PAGES])
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    assert dead_links(page) == []


def test_the_readme_links_to_every_docs_page() -> None:
    linked = {link.target.partition("#")[0] for link in links(REPO_ROOT / "README.md")}
    pages = {f"docs/{p.name}" for p in (REPO_ROOT / "docs").glob("*.md")}
    assert pages - linked == set()


def test_the_readme_first_link_is_to_the_projects_own_docs() -> None:
    first = links(REPO_ROOT / "README.md")[0]
    assert first.target.startswith("docs/"), first


def test_the_readme_starts_with_the_two_commands() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```")[1]
    assert "make demo" in first_block
    assert "make test" in first_block


def test_no_tracked_file_refers_to_a_folder_beside_the_clone() -> None:
    # written apart, so that this file does not name them
    beside = [("../" + "shared").encode(), ("/work/" + "shared").encode()]
    referring = [
        p.relative_to(REPO_ROOT).as_posix()
        for p in tracked_files()
        if p.is_file() and any(name in p.read_bytes() for name in beside)
    ]
    assert referring == []


SECTION_CITATION = re.compile(rb"\b" + b"SPEC" + rb" ?(section )?\d")
"""A citation of a numbered section of a document users do not have (written apart, as above)."""


def test_no_tracked_file_cites_a_section_number_of_an_outside_document() -> None:
    citing = [
        f"{p.relative_to(REPO_ROOT).as_posix()}:{number}"
        for p in tracked_files()
        if p.is_file()
        for number, line in enumerate(p.read_bytes().splitlines(), start=1)
        if SECTION_CITATION.search(line)
    ]
    assert citing == []


PAGE_REFERENCE = re.compile(r"\bdocs/([a-z0-9-]+\.md)(?:#([a-z0-9_-]+))?")
"""How code, SQL, YAML and messages cite a page: `docs/derivations.md#timepoint-windows`."""


def test_every_page_and_anchor_cited_outside_the_docs_exists() -> None:
    dead = []
    for p in tracked_files():
        if not p.is_file() or p.suffix not in {".py", ".sql", ".yml", ".yaml", ".csv", ".qmd"}:
            continue
        text = p.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            for match in PAGE_REFERENCE.finditer(line):
                page, anchor = REPO_ROOT / "docs" / match[1], match[2]
                if not page.exists() or (anchor and anchor not in anchors(page)):
                    dead.append(f"{p.relative_to(REPO_ROOT).as_posix()}:{number}: {match[0]}")
    assert dead == []


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Timepoint windows", "timepoint-windows"),
        ("Registry files (OMOP CDM v5.4)", "registry-files-omop-cdm-v54"),
        ("dataset.yml", "datasetyml"),
        ("`response_rates`", "response_rates"),
        ("reporting.response_rates", "reportingresponse_rates"),
        ("Concept sets and the dataset's vocabulary", "concept-sets-and-the-datasets-vocabulary"),
        (
            "Suppression by source: how `trd report --suppression cms` reaches the views",
            "suppression-by-source-how-trd-report---suppression-cms-reaches-the-views",
        ),
        ('Why some cells read "<11" or "suppressed"', "why-some-cells-read-11-or-suppressed"),
        ("3. What gets rejected, and why", "3-what-gets-rejected-and-why"),
    ],
)
def test_anchors_are_made_as_github_makes_them(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


def test_a_renamed_heading_a_missing_file_and_a_sibling_folder_are_dead_links(
    tmp_path: Path,
) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## Timepoint windows\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n## Analyses\n\n"
        "See [analyses](#analyses), [windows](other.md#timepoint-windows), "
        "[days](other.md#timepoint-days), `[code](#nowhere)`, [gone](gone.md), "
        "[spec](../spec.md) and [the web](https://example.org/#x).\n\n"
        "```\n[in a code block](#nowhere)\n```\n",
        encoding="utf-8",
    )
    assert dead_links(page, root=tmp_path) == [
        "line 5: other.md#timepoint-days (no heading with that anchor)",
        "line 5: gone.md (no such file)",
        "line 5: ../spec.md (outside the repository)",
    ]


def test_repeated_headings_get_numbered_anchors(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Notes\n\n## Notes\n\n## Notes\n", encoding="utf-8")
    assert anchors(page) == {"notes", "notes-1", "notes-2"}
