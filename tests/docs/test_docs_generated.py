"""The generated parts of the docs pages say what the code declares (`make docs`, trd/docs/).

Given the pages as committed; when their generated parts are rendered again from the contract,
the checks, the seeds and the dbt YAML; then nothing changes. A page edited by hand between
markers, or a rule changed in the code without `make docs`, fails here.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from trd.docs import UnknownSection, pages, regenerate, stale_pages, write_pages
from trd.docs.__main__ import main
from trd.docs.sections import SECTIONS
from trd.docs.sources import DOCS_DIR, dataset_key_names


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_generated_parts_are_current(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert regenerate(text, page.name) == text, (
        f"docs/{page.name} is stale: its generated parts differ from the code; run `make docs`"
    )


def test_every_generated_part_appears_in_a_page() -> None:
    used = {
        name
        for page in pages()
        for name in re.findall(r"<!-- generated:([a-z0-9-]+) -->", page.read_text("utf-8"))
    }
    assert set(SECTIONS) - used == set()


def test_a_hand_edit_between_markers_is_stale_and_make_docs_restores_it(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(DOCS_DIR, docs)
    page = docs / "derivations.md"
    original = page.read_text(encoding="utf-8")
    page.write_text(original.replace("| D28 | 28 | 21 | 35 |", "| D28 | 28 | 20 | 35 |"), "utf-8")

    assert stale_pages(docs) == [page]
    assert write_pages(docs) == [page]
    assert page.read_text(encoding="utf-8") == original
    assert stale_pages(docs) == []


def test_text_outside_the_markers_is_left_alone() -> None:
    text = "Intro.\n\n<!-- generated:timepoints -->\nold\n<!-- /generated -->\n\nOutro.\n"
    result = regenerate(text)
    assert result.startswith("Intro.\n\n<!-- generated:timepoints -->\n| timepoint |")
    assert "| W12 | 84 | 77 | 91 |\n<!-- /generated -->\n\nOutro.\n" in result
    assert "old" not in result


def test_an_unknown_generated_part_is_an_error() -> None:
    with pytest.raises(UnknownSection, match="page.md: unknown generated part 'timepoint'"):
        regenerate("<!-- generated:timepoint -->\n<!-- /generated -->\n", "page.md")


def test_every_dataset_yml_key_has_its_own_heading() -> None:
    page = (DOCS_DIR / "dataset-contract.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^#{3,4} (\w+)$", page, re.MULTILINE))
    assert set(dataset_key_names()) - headings == set()


def test_the_check_command_passes_on_current_pages_and_names_stale_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check"]) == 0

    docs = tmp_path / "docs"
    shutil.copytree(DOCS_DIR, docs)
    page = docs / "privacy.md"
    page.write_text(page.read_text("utf-8").replace("| 11 |", "| 12 |"), "utf-8")
    monkeypatch.setattr("trd.docs.DOCS_DIR", docs)
    monkeypatch.setattr("trd.docs.__main__.REPO_ROOT", tmp_path)

    assert main(["--check"]) == 1
    assert "docs/privacy.md is stale: run `make docs`" in capsys.readouterr().err
