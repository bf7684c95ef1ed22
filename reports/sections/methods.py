"""What the methods page prints from the repo and the warehouse: the reference seeds (public
code lists, no patient data: `reference.*` as built, else the repo's CSVs) and the dbt vars."""

from __future__ import annotations

import html
from typing import Any

import _common as rc
import polars as pl
import yaml
from _common import Col


def reference(name: str) -> list[dict[str, Any]]:
    """A reference seed as the warehouse holds it (`reference.<name>`), else the repo's CSV:
    the methods page then describes the code lists that were actually used."""
    if rc.connection_available() and rc.has_table("reference", name):
        return rc.rows_of(rc.query(f'select * from reference."{name}"'))
    path = rc.REPO_ROOT / "seeds" / f"{name}.csv"
    if not path.exists():
        return []
    return pl.read_csv(path, infer_schema=False).to_dicts()


def dbt_vars() -> dict[str, Any]:
    """Derivation parameters from dbt_project.yml `vars` (the one place they are set)."""
    project = yaml.safe_load((rc.REPO_ROOT / "dbt_project.yml").read_text(encoding="utf-8"))
    return dict(project.get("vars") or {})


def plain_table(
    rows: list[dict[str, Any]],
    columns: list[tuple[str, str]],
    caption: str,
    group_key: str | None = None,
) -> str:
    """A reference table: (field, header) pairs, optionally grouped by one field."""
    if not rows:
        return rc.notice(caption, "Not available in this checkout or warehouse.", "warn")
    cols = [Col(header, rc.text(key)) for key, header in columns]
    group = (lambda r: f"<b>{html.escape(str(r[group_key]))}</b>") if group_key else None
    return rc.table(rows, cols, caption, group_by=group)
