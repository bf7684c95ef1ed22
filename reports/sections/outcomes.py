"""Response and remission (tables of rates and comparisons) for the index page and the
per-dataset pages, from reporting.response_rates and reporting.response_comparisons."""

from __future__ import annotations

import html
from typing import Any

import _common as rc
import polars as pl
from _common import Col
from sections import layout


def rates_table(rows: list[dict[str, Any]], with_analysis: bool, caption: str) -> str:
    """Table 1 (primary analysis) or Table 2 (every analysis), grouped by dataset and scale."""
    titles = layout.dataset_titles()
    if with_analysis:
        order = {"oc": 0, "nri": 1, "locf": 2}
        rows = sorted(
            rows,
            key=lambda r: (
                r["dataset_id"],
                r["scale"],
                order.get(r["analysis"], 9),
                r["timepoint_order"] or 99,
                r["class_order"] or 99,
            ),
        )
    previous: tuple | None = None
    for row in rows:
        key = (
            row["dataset_id"],
            row["scale"],
            row["analysis"] if with_analysis else "",
            row["timepoint"],
        )
        row["_first_of_timepoint"] = key != previous
        previous = key

    def group(row: dict[str, Any]) -> str:
        scale = rc.SCALE_LABEL.get(row["scale"], row["scale"])
        extra = html.escape(scale)
        if with_analysis:
            star = " ★" if row["is_primary"] else ""
            extra += f" · {rc.ANALYSIS_LABEL.get(row['analysis'], row['analysis'])}{star}"
        else:
            extra += f" · {rc.ANALYSIS_LABEL.get(row['analysis'], row['analysis'])}"
        return layout.dataset_heading(row, titles, extra)

    cols = [
        Col("Timepoint", lambda r: html.escape(r["timepoint"]) if r["_first_of_timepoint"] else ""),
        Col("Treatment class", lambda r: rc.class_cell(r["treatment_class"])),
        *rc.outcome_columns(),
    ]
    notes = (
        "n: episodes in the analysis' denominator (observed cases: baseline and a value at the "
        "timepoint; non-responder imputation: every episode with a baseline, missing counted as "
        "failure; last observation carried forward: baseline and an observed or carried value). "
        "CI: Wilson score 95% confidence interval. " + rc.suppression_note()
    )
    return rc.table(rows, cols, caption, group_by=group, notes=notes)


def comparisons_table(rows: list[dict[str, Any]]) -> str:
    """The numbers behind the forest plots, hidden comparisons included (as 'suppressed')."""
    titles = layout.dataset_titles()

    def difference(r: dict[str, Any]) -> str:
        if r["is_suppressed"]:
            return "suppressed"
        keys = ("risk_difference", "risk_difference_ci_low", "risk_difference_ci_high")
        return rc.estimate_ci(*(None if r[k] is None else 100 * r[k] for k in keys), digits=1)

    def ratio(r: dict[str, Any]) -> str:
        if r["is_suppressed"]:
            return "suppressed"
        return rc.estimate_ci(r["risk_ratio"], r["risk_ratio_ci_low"], r["risk_ratio_ci_high"])

    cols = [
        Col("Timepoint", rc.text("timepoint")),
        Col("Outcome", rc.text("outcome")),
        Col("Class", lambda r: rc.class_cell(r["treatment_class"])),
        Col("Reference", lambda r: rc.class_cell(r["reference_class"])),
        Col("Risk difference, pp (95% CI)", difference, numeric=True),
        Col("Risk ratio (95% CI)", ratio, numeric=True),
    ]

    def group(r: dict[str, Any]) -> str:
        extra = html.escape(rc.SCALE_LABEL.get(r["scale"], r["scale"]))
        if r.get("source") == "registry":
            extra += (
                ' · <span class="tag unadjusted">unadjusted</span> not randomised: confounded by '
                "indication (adjusted estimates: registry comparisons)"
            )
        return layout.dataset_heading(r, titles, extra)

    return rc.table(
        rows,
        cols,
        "Comparisons with each dataset's reference class (primary analysis): risk difference in "
        "percentage points with the Newcombe hybrid score 95% CI, risk ratio with the "
        "log-method 95% CI ('–' when a count is 0).",
        group_by=group,
        notes="suppressed: a count behind the comparison is hidden (small-cell rule).",
    )


def per_dataset_details(rates: pl.DataFrame) -> str:
    """The detail tables of the index, folded per dataset (trials first): the rates of the
    primary analysis and the comparisons with the reference, and a link to the dataset's page;
    then every analysis in one more fold."""
    comparisons = rc.rows_of(
        rc.query(
            "select * from reporting.response_comparisons where is_primary "
            "order by dataset_id, scale, timepoint_order, class_order, treatment_class, "
            "outcome desc"
        )
    )
    rows = rc.rows_of(rates)
    parts = []
    for dataset_id, info in layout.datasets().items():
        primary = [r for r in rows if r["dataset_id"] == dataset_id and r["is_primary"]]
        if not primary:
            continue
        mine = [c for c in comparisons if c["dataset_id"] == dataset_id]
        body = (
            f"<p>{layout.dataset_link(dataset_id)}: the dataset's own page (cohort, attrition, "
            "time course, comparisons).</p>"
            + rates_table(
                primary, with_analysis=False, caption="Response and remission (primary analysis)."
            )
            + (comparisons_table(mine) if mine else "")
        )
        title = f"{dataset_id} · {info['source']} · {info['title'] or ''}"
        parts.append(layout.details(title, body))
    parts.append(
        layout.details(
            "All analyses of every dataset: observed cases, non-responder imputation, last "
            "observation carried forward",
            rates_table(
                rows,
                with_analysis=True,
                caption="Response and remission under every analysis; ★ marks each dataset's "
                "primary analysis.",
            ),
        )
    )
    return "".join(parts)
