"""Cohort (episodes by class) and attrition tables, from reporting.cohort_summary and
reporting.attrition."""

from __future__ import annotations

from typing import Any

import _common as rc
from _common import Col
from sections import layout


def cohort_table(rows: list[dict[str, Any]]) -> str:
    titles = layout.dataset_titles()

    def female(r: dict[str, Any]) -> str:
        shown = rc.shown(r["n_female_display"])
        return shown if r["female_share"] is None else f"{shown} ({rc.pct(r['female_share'])})"

    def age(r: dict[str, Any]) -> str:
        if r["age_mean"] is None:
            return "–"
        sd = "" if r["age_sd"] is None else f" ({r['age_sd']:.1f})"
        return f"{r['age_mean']:.1f}{sd}"

    cols = [
        Col("Treatment class", lambda r: rc.class_cell(r["treatment_class"])),
        Col("Episodes", lambda r: rc.shown(r["n_episodes_display"]), numeric=True, count=True),
        Col("TRD episodes", lambda r: rc.shown(r["n_trd_display"]), numeric=True, count=True),
        Col("Female, n (%)", female, numeric=True, count=True),
        Col("Age, mean (SD)", age, numeric=True),
    ]
    return rc.table(
        rows,
        cols,
        "Table 3. Episodes by dataset and treatment class. A registry episode is a patient's "
        "first qualifying treatment of a class (all are TRD by construction); a trial episode "
        "is a subject of the safety population in a mapped arm.",
        group_by=lambda r: layout.dataset_heading(r, titles),
        notes="Age is top-coded at 90. " + rc.suppression_note(),
    )


def attrition_table(rows: list[dict[str, Any]]) -> str:
    titles = layout.dataset_titles()
    cols = [
        Col("Step", lambda r: str(r["step_order"]), numeric=True),
        Col("Who remains", rc.text("description")),
        Col("Remaining", lambda r: rc.shown(r["n_remaining_display"]), numeric=True, count=True),
        Col("Excluded", lambda r: rc.shown(r["n_excluded_display"]), numeric=True, count=True),
    ]
    return rc.table(
        rows,
        cols,
        "Table 4. Cohort attrition: how each dataset's patients narrow down to the episodes "
        "behind the rates.",
        group_by=lambda r: layout.dataset_heading(r, titles),
        notes=(
            "A small exclusion also hides every remaining count above it, up to the first step, "
            "so that no step's count can be worked out from its neighbours; the counts below it, "
            "which the rates rest on, stay shown. A small remaining count hides the counts after "
            "it. " + rc.suppression_note()
        ),
    )


def cohort_section(dataset_id: str | None = None) -> str:
    """Table 3 and Table 4 for every dataset, or for one (its own page)."""
    where, params = ("where dataset_id = ?", [dataset_id]) if dataset_id else ("", None)
    cohort = rc.query(
        f"select * from reporting.cohort_summary {where} "
        "order by dataset_id, class_order, treatment_class",
        params,
    )
    attrition = rc.query(
        f"select * from reporting.attrition {where} order by dataset_id, step_order", params
    )
    parts = []
    if cohort.height == 0:
        parts.append(rc.notice("No eligible episodes", "Nothing to show in this section.", "warn"))
    else:
        parts.append(cohort_table(rc.rows_of(cohort)))
    if attrition.height:
        parts.append(attrition_table(rc.rows_of(attrition)))
    return "".join(parts)
