"""Immune pathways (docs/biomarkers.md): response by baseline inflammation, the
inflammation-by-treatment interaction and marker change, from reporting.biomarker_*."""

from __future__ import annotations

import html
from typing import Any

import _common as rc
import _figures as figs
from _common import Col
from sections import layout

_BIOMARKER_VIEWS = ("biomarker_response", "biomarker_interactions", "biomarker_change")
_FOCUS_TIMEPOINT = "D28"
"""The timepoint the figures show per dataset and scale (the usual primary endpoint), else the
latest one reported; every timepoint is in the folded tables."""


def _focus(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of D28, else of the latest timepoint, for each dataset and scale."""
    chosen: dict[tuple[str, str], tuple[tuple[int, int], str]] = {}
    for r in rows:
        key = (r["dataset_id"], r["scale"])
        rank = (1 if r["timepoint"] == _FOCUS_TIMEPOINT else 0, r["timepoint_order"] or 0)
        if key not in chosen or rank > chosen[key][0]:
            chosen[key] = (rank, r["timepoint"])
    return [r for r in rows if chosen[(r["dataset_id"], r["scale"])][1] == r["timepoint"]]


def _stratum_table(rows: list[dict[str, Any]]) -> str:
    titles = layout.dataset_titles()

    def stratum(r: dict[str, Any]) -> str:
        label = r.get("stratifier_label") or r["stratifier"]
        sign = "≥" if r["stratum"] == "high" else "<"
        return html.escape(f"{label} {sign} {r['cutoff']:.3g} {r.get('stratifier_unit') or ''}")

    cols = [
        Col("Timepoint", rc.text("timepoint")),
        Col("Class", lambda r: rc.class_cell(r["treatment_class"])),
        Col("Baseline stratum", stratum),
        *rc.outcome_columns(),
    ]

    group = layout.scale_analysis_heading(titles)

    return rc.table(
        rows,
        cols,
        "Response and remission by baseline inflammation stratum (each dataset's primary "
        "analysis), Wilson 95% CIs.",
        group_by=group,
        notes=rc.suppression_note(),
    )


def _interaction_table(rows: list[dict[str, Any]]) -> str:
    titles = layout.dataset_titles()

    def pp(prefix: str) -> Any:
        def cell(r: dict[str, Any]) -> str:
            if r["is_suppressed"]:
                return "suppressed"
            keys = (prefix, f"{prefix}_ci_low", f"{prefix}_ci_high")
            return rc.estimate_ci(*(None if r[k] is None else 100 * r[k] for k in keys), digits=1)

        return cell

    cols = [
        Col("Timepoint", rc.text("timepoint")),
        Col("Outcome", rc.text("outcome")),
        Col("Class", lambda r: rc.class_cell(r["treatment_class"])),
        Col("Reference", lambda r: rc.class_cell(r["reference_class"])),
        Col("By", lambda r: html.escape(r.get("stratifier_label") or r["stratifier"])),
        Col("RD low, pp (95% CI)", pp("rd_low_stratum"), numeric=True),
        Col("RD high, pp (95% CI)", pp("rd_high_stratum"), numeric=True),
        Col("Interaction, pp (95% CI)", pp("interaction"), numeric=True),
    ]

    def group(r: dict[str, Any]) -> str:
        return layout.dataset_heading(
            r, titles, html.escape(rc.SCALE_LABEL.get(r["scale"], r["scale"]))
        )

    return rc.table(
        rows,
        cols,
        "Inflammation-by-treatment interaction (primary analysis): risk difference against the "
        "reference class within each stratum (Newcombe 95% CI) and their difference, high minus "
        "low (MOVER 95% CI).",
        group_by=group,
        notes="suppressed: a count behind the estimate is hidden (small-cell rule).",
    )


def _change_table(rows: list[dict[str, Any]]) -> str:
    titles = layout.dataset_titles()
    status = {"all": "all", "responder": "responders", "non_responder": "non-responders"}

    def number(key: str) -> Any:
        return lambda r: "–" if r[key] is None else f"{r[key]:.2f}"

    cols = [
        Col("Marker", lambda r: html.escape(f"{r['marker_label']} ({r['unit']})")),
        Col("Timepoint", rc.text("timepoint")),
        Col("Class", lambda r: rc.class_cell(r["treatment_class"])),
        Col(
            "Patients",
            lambda r: html.escape(
                status[r["responder_status"]]
                + (
                    ""
                    if r["scale"] == "any"
                    else f" ({rc.SCALE_LABEL.get(r['scale'], r['scale'])})"
                )
            ),
        ),
        Col("n", lambda r: rc.shown(r["n_display"]), numeric=True, count=True),
        Col("Baseline mean", number("baseline_mean"), numeric=True),
        Col("Follow-up mean", number("followup_mean"), numeric=True),
        Col(
            "Mean change (95% CI)",
            lambda r: rc.estimate_ci(r["change_mean"], r["change_ci_low"], r["change_ci_high"]),
            numeric=True,
        ),
        Col("Median change", number("change_median"), numeric=True),
    ]
    return rc.table(
        rows,
        cols,
        "Biomarkers at baseline and follow-up, paired patients, by responder status at the same "
        "timepoint (observed cases).",
        group_by=lambda r: layout.dataset_heading(r, titles),
        notes=rc.suppression_note(),
    )


def biomarker_section(first_figure: int) -> str:
    """Response by baseline inflammation (forest plot and interaction) and marker change over
    time, from the reporting.biomarker_* views; a notice when no dataset has biomarkers."""
    if not all(rc.has_table("reporting", v) for v in _BIOMARKER_VIEWS):
        return rc.notice(
            "No biomarkers", "This warehouse has no biomarker views (run trd build).", "warn"
        )
    order = "order by dataset_id, scale, timepoint_order, class_order, treatment_class"
    strata = rc.rows_of(
        rc.query(
            "select * from reporting.biomarker_response "
            f"where is_primary {order}, stratifier, stratum desc"
        )
    )
    interactions = rc.rows_of(
        rc.query(f"select * from reporting.biomarker_interactions where is_primary {order}")
    )
    changes = rc.rows_of(
        rc.query(
            "select * from reporting.biomarker_change "
            "order by dataset_id, marker_order, timepoint_order, class_order, scale, "
            "responder_status"
        )
    )
    if not strata and not changes:
        return rc.notice(
            "No biomarkers",
            "No treatment-resistant episode has a baseline CRP or IL-6 with a response "
            "assessment, and no patient has a biomarker at baseline and follow-up, so there is "
            "nothing to show in this section.",
            "warn",
        )
    parts: list[str] = []
    figure = first_figure
    drawn = [r for r in _focus(strata) if r["response_rate"] is not None]
    if drawn:
        hidden = sum(1 for r in _focus(strata) if r["response_rate"] is None)
        parts.append(
            rc.figure(
                figs.stratum_forest(drawn),
                alt="Forest plot of response by baseline inflammation stratum",
                caption=(
                    f"Figure {figure}. Response by baseline inflammation (primary analysis, day 28 "
                    "or each dataset's last timepoint): circles are the low stratum, squares the "
                    "high (inflamed) one, lines Wilson 95% CIs. CRP is high at 3 mg/L or more; "
                    "IL-6 at or above the dataset's median baseline IL-6."
                    + (
                        f" {hidden} rate(s) are not drawn because a count behind them is hidden "
                        "(small-cell rule)."
                        if hidden
                        else ""
                    )
                ),
            )
        )
        figure += 1
    else:
        parts.append(
            rc.notice("No stratified rate to show", "Every stratum involves a small count.")
        )
    shown = [
        r for r in _focus(interactions) if not r["is_suppressed"] and r["outcome"] == "response"
    ]
    if shown:
        parts.append(
            rc.figure(
                figs.interaction_forest(shown),
                alt="Forest plot of the inflammation-by-treatment interaction",
                caption=(
                    f"Figure {figure}. Does inflammation change a class's advantage? The risk "
                    "difference in response against the reference class among inflamed "
                    "patients minus the one among non-inflamed patients, with the MOVER 95% CI "
                    "(Zou & Donner 2008). Above 0: the class gains more over its reference "
                    "when inflamed. Interactions with a hidden count are not drawn."
                ),
            )
        )
        figure += 1
    points = [r for r in changes if r["responder_status"] == "all" and not r["is_suppressed"]]
    if points:
        parts.append(
            rc.figure(
                figs.marker_change(points),
                alt="Mean change of each biomarker from baseline by class and timepoint",
                caption=(
                    f"Figure {figure}. How the markers move: mean change from baseline "
                    "(follow-up minus baseline, in the unit shown) with 95% CIs, patients with "
                    "both values. Points behind fewer than "
                    f"{rc.threshold()} patients are not drawn."
                ),
            )
        )
    parts.append(
        layout.details("Response by inflammation stratum, every timepoint", _stratum_table(strata))
    )
    parts.append(
        layout.details("Interaction estimates, every timepoint", _interaction_table(interactions))
    )
    parts.append(layout.details("Biomarker change by responder status", _change_table(changes)))
    return "".join(parts)
