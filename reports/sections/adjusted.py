"""Registry comparisons, unadjusted beside propensity-score adjusted (issue 16): the table of
both estimates with E-values and the "imbalanced" flag, the Love plot of covariate balance and
the overlap counts, from reporting.adjusted_comparisons, reporting.covariate_balance and
reporting.propensity_overlap (hidden exactly where the crude comparison is)."""

from __future__ import annotations

import html
from typing import Any

import _common as rc
import _figures as figs
from _common import Col
from sections import layout, methods
from sections.findings import e_value_sentence

VIEWS = ("adjusted_comparisons", "covariate_balance", "propensity_overlap")
FOCUS_TIMEPOINT = "D28"


def _pp(r: dict[str, Any], prefix: str) -> str:
    keys = (f"{prefix}risk_difference", f"{prefix}risk_difference_ci_low")
    keys += (f"{prefix}risk_difference_ci_high",)
    return rc.estimate_ci(*(None if r[k] is None else 100 * r[k] for k in keys), digits=1)


def imbalanced_pill(r: dict[str, Any]) -> str:
    return '<span class="pill warn">imbalanced</span>' if r.get("is_imbalanced") else ""


def adjusted_table(rows: list[dict[str, Any]], caption: str) -> str:
    """Unadjusted and adjusted risk differences side by side, with the adjusted risk ratio, its
    E-value and the balance flag; hidden comparisons read 'suppressed'."""

    def hidden_or(cell: Any) -> Any:
        return lambda r: "suppressed" if r["is_suppressed"] else cell(r)

    def adjusted_rd(r: dict[str, Any]) -> str:
        if r["risk_difference"] is None:
            return f"not estimated ({html.escape(r['ps_status'] or 'no model')})"
        return f"{_pp(r, '')} {imbalanced_pill(r)}"

    def e_value(r: dict[str, Any]) -> str:
        if r["e_value"] is None:
            return "–"
        return f"{r['e_value']:.2f} ({r['e_value_ci']:.2f})"

    def smd(r: dict[str, Any]) -> str:
        if r["max_abs_smd_after"] is None:
            return "–"
        return f"{r['max_abs_smd_before']:.2f} → {r['max_abs_smd_after']:.2f}"

    cols = [
        Col("Timepoint", rc.text("timepoint")),
        Col("Outcome", rc.text("outcome")),
        Col("Class", lambda r: rc.class_cell(r["treatment_class"])),
        Col("n class", lambda r: rc.shown(r["n_treated_display"]), numeric=True, count=True),
        Col("n ref.", lambda r: rc.shown(r["n_reference_display"]), numeric=True, count=True),
        Col("Unadjusted RD, pp (95% CI)", hidden_or(lambda r: _pp(r, "crude_")), numeric=True),
        Col("Adjusted RD, pp (robust 95% CI)", hidden_or(adjusted_rd), numeric=True),
        Col(
            "Adjusted RR (95% CI)",
            hidden_or(
                lambda r: rc.estimate_ci(
                    r["risk_ratio"], r["risk_ratio_ci_low"], r["risk_ratio_ci_high"]
                )
            ),
            numeric=True,
        ),
        Col("E-value (CI)", hidden_or(e_value), numeric=True),
        Col("max |SMD| before → after", hidden_or(smd), numeric=True),
    ]
    titles = layout.dataset_titles()

    group = layout.scale_analysis_heading(titles)

    return rc.table(
        rows,
        cols,
        caption,
        group_by=group,
        notes=(
            "Unadjusted: the crude difference (Newcombe CI). Adjusted: inverse-probability-of-"
            "treatment weighted (stabilised, truncated), robust sandwich CI. E-value: the risk "
            "ratio an unmeasured confounder would need with both class and response to explain "
            "the adjusted estimate away (in brackets: to move its CI to include 1). "
            "<b>imbalanced</b>: a covariate's weighted |SMD| exceeds 0.1, so the weights did not "
            "make the groups comparable. suppressed: a count behind the comparison is hidden "
            "(small-cell rule). " + rc.suppression_note()
        ),
    )


def _focus(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of day 28, else of each dataset's earliest timepoint with balance shown."""
    chosen: dict[str, str] = {}
    for r in sorted(rows, key=lambda r: r["timepoint_order"] or 99):
        if r["dataset_id"] not in chosen or r["timepoint"] == FOCUS_TIMEPOINT:
            chosen[r["dataset_id"]] = r["timepoint"]
    return [r for r in rows if chosen[r["dataset_id"]] == r["timepoint"]]


def adjusted_section(dataset_id: str | None = None, first_figure: int = 1) -> str:
    """The registry half, adjusted (index and a registry's own page)."""
    if not all(rc.has_table("reporting", v) for v in VIEWS):
        return rc.notice(
            "No adjusted comparisons",
            "This warehouse has no adjusted-comparison views (run <code>trd build</code>).",
            "warn",
        )
    where = "is_primary" + (" and dataset_id = ?" if dataset_id else "")
    params = [dataset_id] if dataset_id else None
    order = "order by dataset_id, scale, timepoint_order, class_order, treatment_class"
    comparisons = rc.rows_of(
        rc.query(
            f"select * from reporting.adjusted_comparisons where {where} {order}, outcome desc",
            params,
        )
    )
    if not comparisons:
        return rc.notice(
            "No registry comparison",
            "No registry dataset compares a class with its reference here, so there is nothing "
            "to adjust. Trials are randomised and are not adjusted.",
        )
    balance = rc.rows_of(
        rc.query(
            f"select * from reporting.covariate_balance where {where} and not is_suppressed "
            f"{order}, covariate_order",
            params,
        )
    )
    threshold = float(methods.dbt_vars().get("balance_smd_threshold", 0.1))
    parts = []
    focus = [r for r in _focus(balance) if r["treatment_class"] in ("ketamine", "esketamine")]
    focus = focus or _focus(balance)
    if focus:
        timepoint = focus[0]["timepoint"]
        parts.append(
            rc.figure(
                figs.love_plot(focus, threshold),
                alt="Love plot: standardised mean differences before and after weighting",
                caption=(
                    f"Figure {first_figure}. Covariate balance at "
                    f"{html.escape(rc.timepoint_words(timepoint))} (Love plot): the absolute "
                    "standardised mean difference of each covariate between the class and the "
                    "reference before weighting (open) and after (filled). Right of the dashed "
                    f"line ({threshold:g}) a covariate is imbalanced; a comparison with any "
                    "weighted point there is flagged <b>imbalanced</b> wherever it is shown."
                ),
            )
        )
    else:
        parts.append(
            rc.notice("No balance to show", "Every comparison involves a hidden small count.")
        )
    response = [r for r in comparisons if r["outcome"] == "response"]
    focused = [r for r in _focus(response) if not r["is_suppressed"]]
    parts.append(
        adjusted_table(
            focused,
            "Registry comparisons, unadjusted and adjusted (response, primary analysis, day 28 "
            "or the earliest timepoint; comparisons hidden by the small-cell rule are in the "
            "folded table below).",
        )
    )
    for r in focused:
        if r["e_value"] is not None and r["treatment_class"] in ("ketamine", "esketamine"):
            parts.append(
                f'<p class="small">{html.escape(r["dataset_id"])}, '
                f"{html.escape(rc.class_label(r['treatment_class']).lower())} at "
                f"{html.escape(rc.timepoint_words(r['timepoint']))}: "
                f"{html.escape(e_value_sentence(r))}</p>"
            )
    parts.append(
        layout.details(
            "Every timepoint and outcome, unadjusted and adjusted",
            adjusted_table(
                comparisons,
                "Registry comparisons at every timepoint, response and remission (primary "
                "analysis).",
            ),
        )
    )
    parts.append(layout.details("Propensity-score overlap", overlap_table(dataset_id)))
    return "".join(parts)


def overlap_table(dataset_id: str | None = None) -> str:
    where = "is_primary and not is_suppressed" + (" and dataset_id = ?" if dataset_id else "")
    rows = _focus(
        rc.rows_of(
            rc.query(
                f"select * from reporting.propensity_overlap where {where} "
                "order by dataset_id, scale, class_order, treatment_class",
                [dataset_id] if dataset_id else None,
            )
        )
    )
    if not rows:
        return rc.notice("No overlap to show", "Every comparison involves a hidden small count.")
    cols = [
        Col("Class", lambda r: rc.class_cell(r["treatment_class"])),
        Col("Reference", lambda r: rc.class_cell(r["reference_class"])),
        Col(
            "Class episodes outside the overlap",
            lambda r: rc.shown(r["n_treated_outside_overlap_display"]),
            numeric=True,
            count=True,
        ),
        Col(
            "Reference episodes outside",
            lambda r: rc.shown(r["n_reference_outside_overlap_display"]),
            numeric=True,
            count=True,
        ),
        Col(
            "Weights truncated",
            lambda r: rc.shown(r["n_weights_truncated_display"]),
            numeric=True,
            count=True,
        ),
    ]
    titles = layout.dataset_titles()
    return rc.table(
        rows,
        cols,
        "Episodes whose propensity score lies outside the range both groups reach (kept in the "
        "analysis), and weights moved to a truncation bound (primary analysis, day 28 or the "
        "earliest timepoint).",
        group_by=lambda r: layout.dataset_heading(
            r, titles, html.escape(rc.SCALE_LABEL.get(r["scale"], r["scale"]))
        ),
        notes=rc.suppression_note(),
    )
