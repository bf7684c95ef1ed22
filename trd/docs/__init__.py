"""Regenerate the parts of `docs/*.md` that the project declares as data (`make docs`).

A page marks each generated part with `<!-- generated:<name> -->` ... `<!-- /generated -->`;
`sections.SECTIONS` renders each name from the code, the seeds and the dbt YAML (read through
`sources`, the one module that knows where they live). Everything outside the markers is written
by hand. `tests/docs/test_generated_docs.py` fails when a page is stale.

    python -m trd.docs           # rewrite the generated parts of every page
    python -m trd.docs --check   # exit 1 and name the stale pages, writing nothing
"""

from __future__ import annotations

import re
from pathlib import Path

from trd.docs.sections import SECTIONS
from trd.docs.sources import DOCS_DIR

MARKED = re.compile(
    r"(?P<open><!-- generated:(?P<name>[a-z0-9-]+) -->\n)"
    r"(?P<body>.*?)"
    r"(?P<close><!-- /generated -->)",
    re.DOTALL,
)


class UnknownSection(ValueError):
    """A page names a generated part that `sections.SECTIONS` does not know."""


def regenerate(text: str, page: str = "page") -> str:
    """`text` with every generated part rendered afresh."""
    rendered: dict[str, str] = {}

    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in SECTIONS:
            raise UnknownSection(
                f"{page}: unknown generated part {name!r} (known: {', '.join(SECTIONS)})"
            )
        if name not in rendered:
            rendered[name] = SECTIONS[name]().strip()
        return f"{match['open']}{rendered[name]}\n{match['close']}"

    return MARKED.sub(fill, text)


def pages(docs_dir: Path | None = None) -> list[Path]:
    """The pages (of `docs/`, unless told) that hold at least one generated part."""
    folder = docs_dir or DOCS_DIR
    return [p for p in sorted(folder.glob("*.md")) if MARKED.search(p.read_text("utf-8"))]


def stale_pages(docs_dir: Path | None = None) -> list[Path]:
    """Pages whose generated parts differ from what the project now declares."""
    return [
        p
        for p in pages(docs_dir)
        if regenerate(p.read_text("utf-8"), p.name) != p.read_text("utf-8")
    ]


def write_pages(docs_dir: Path | None = None) -> list[Path]:
    """Rewrite the stale pages; returns them."""
    stale = stale_pages(docs_dir)
    for page in stale:
        page.write_text(regenerate(page.read_text("utf-8"), page.name), encoding="utf-8")
    return stale
