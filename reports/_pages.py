"""The file names of the rendered pages, shared by the renderer (reports/render.py) and the pages
that link to them (sections/layout.py), so a link cannot miss its page."""

from __future__ import annotations

SITE_PAGES = ("index", "data-quality", "methods")
"""Rendered once each (the Quarto project's `render` list)."""
DATASET_PAGE = "dataset"
"""dataset.qmd: rendered once per loaded dataset, its `dataset_id` parameter set."""


def dataset_page(dataset_id: str) -> str:
    """'TRANSFORM-1' -> 'dataset-TRANSFORM-1' (characters unsafe in a file name become '_')."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in dataset_id)
    return f"{DATASET_PAGE}-{safe}"
