"""The stakeholder report's charts: the forest plot, the percent-change time course and the
immune-pathway charts (response by inflammation stratum, the interaction, marker change).

Both take rows of reporting views that are already suppressed; a hidden estimate (null) is not
drawn. Colours per treatment class come from `_common.CLASS_STYLE`, the same as in the tables.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import _common as rc
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D


def _class_handles(classes: Iterable[str]) -> list[Line2D]:
    """Legend entries of the treatment classes, in the colours every figure uses."""
    return [
        Line2D([0], [0], color=rc.class_colour(c), marker="o", linewidth=2, label=rc.class_label(c))
        for c in classes
    ]


def _row_label(row: dict[str, Any]) -> str:
    scale = rc.SCALE_LABEL.get(row["scale"], row["scale"])
    return (
        f"{row['dataset_id']} · {scale} · {row['timepoint']}\n"
        f"{rc.class_label(row['treatment_class'])} vs {rc.class_label(row['reference_class'])}"
    )


def forest(rows: list[dict[str, Any]], outcome: str) -> plt.Figure:
    """Risk difference (percentage points) and risk ratio (log scale) with 95% CIs, one row per
    comparison, top to bottom in the order given."""
    n = len(rows)
    fig, (ax_rd, ax_rr) = plt.subplots(
        1, 2, figsize=(10, 1.2 + 0.55 * n), sharey=True, gridspec_kw={"wspace": 0.08}
    )
    ys = list(range(n, 0, -1))
    for y, row in zip(ys, rows, strict=True):
        colour = rc.class_colour(row["treatment_class"])
        rd = [
            100 * row[k]
            for k in ("risk_difference", "risk_difference_ci_low", "risk_difference_ci_high")
        ]
        ax_rd.plot(rd[1:], [y, y], color=colour, linewidth=2)
        ax_rd.plot(rd[0], y, "s", color=colour, markersize=7)
        if row["risk_ratio"] is not None and row["risk_ratio_ci_low"] is not None:
            ax_rr.plot(
                [row["risk_ratio_ci_low"], row["risk_ratio_ci_high"]],
                [y, y],
                color=colour,
                linewidth=2,
            )
            ax_rr.plot(row["risk_ratio"], y, "s", color=colour, markersize=7)
        else:
            ax_rr.text(
                1,
                y,
                "not estimable (a count is 0)",
                ha="center",
                va="center",
                fontsize=8,
                color="#6b7280",
            )
    ax_rd.axvline(0, color="#111827", linewidth=1)
    ax_rr.axvline(1, color="#111827", linewidth=1)
    ax_rr.set_xscale("log")
    _log_ticks(ax_rr, rows)
    ax_rd.set_yticks(ys, [_row_label(r) for r in rows], fontsize=8.5)
    ax_rd.set_ylim(0.4, n + 0.6)
    favours = "\n← favours reference  ·  favours class →"
    ax_rd.set_xlabel("Risk difference, percentage points (95% CI)" + favours)
    ax_rr.set_xlabel("Risk ratio, log scale (95% CI)" + favours)
    ax_rd.set_title(f"{outcome.capitalize()}: risk difference", loc="left")
    ax_rr.set_title(f"{outcome.capitalize()}: risk ratio", loc="left")
    for ax in (ax_rd, ax_rr):
        rc.style_axes(ax)
        ax.tick_params(axis="y", length=0)
    return fig


def _log_ticks(ax: plt.Axes, rows: list[dict[str, Any]]) -> None:
    """Readable ticks (0.25, 0.5, 1, 2, 4 ...) on the risk-ratio axis instead of 10^k."""
    bounds = [
        r[k]
        for r in rows
        for k in ("risk_ratio_ci_low", "risk_ratio_ci_high")
        if r[k] is not None and r[k] > 0
    ]
    low, high = (min(bounds + [0.5]), max(bounds + [2.0]))
    ticks = [2.0**k for k in range(math.floor(math.log2(low)), math.ceil(math.log2(high)) + 1)]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_xlim(ticks[0] / 1.15, ticks[-1] * 1.15)


def timecourse(rows: list[dict[str, Any]], timepoints: list[tuple[int, str]]) -> plt.Figure:
    """Mean percent change from baseline by class over the timepoints, one panel per dataset and
    scale; 95% CIs as error bars when the view has them. Timepoints are evenly spaced (not to
    scale in days) so that H24 and D7, where a rapid effect shows, are readable."""
    panels = sorted({(r["dataset_id"], r["scale"]) for r in rows})
    ncols = 2 if len(panels) > 1 else 1
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(5.2 * ncols, 3.6 * nrows), squeeze=False, sharey=True
    )
    position = {tp: i for i, (_, tp) in enumerate(timepoints)}
    classes: dict[str, None] = {}
    for ax, (dataset_id, scale) in zip(axes.flat, panels, strict=False):
        mine = [r for r in rows if (r["dataset_id"], r["scale"]) == (dataset_id, scale)]
        for cls in sorted(
            {r["treatment_class"] for r in mine},
            key=lambda c: min(r["class_order"] or 99 for r in mine if r["treatment_class"] == c),
        ):
            classes[cls] = None
            points = sorted(
                (position[r["timepoint"]], r)
                for r in mine
                if r["treatment_class"] == cls and r["mean_pct_change"] is not None
            )
            xs = [x for x, _ in points]
            ys = [r["mean_pct_change"] for _, r in points]
            colour = rc.class_colour(cls)
            ax.plot(xs, ys, "-o", color=colour, linewidth=2, markersize=5)
            lows = [r.get("ci_low") for _, r in points]
            if all(v is not None for v in lows) and points:
                highs = [r["ci_high"] for _, r in points]
                err = [
                    [y - lo for y, lo in zip(ys, lows, strict=True)],
                    [hi - y for y, hi in zip(ys, highs, strict=True)],
                ]
                ax.errorbar(xs, ys, yerr=err, fmt="none", ecolor=colour, capsize=3, alpha=0.8)
        ax.axhline(0, color="#111827", linewidth=1)
        ax.axhline(-50, color="#9ca3af", linewidth=1, linestyle="--")
        ax.set_xticks(range(len(timepoints)), [tp for _, tp in timepoints])
        ax.set_xlim(-0.4, len(timepoints) - 0.6)
        ax.set_title(f"{dataset_id} · {rc.SCALE_LABEL.get(scale, scale)}", loc="left")
        ax.set_ylabel("Mean % change from baseline")
        rc.style_axes(ax)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    handles = _class_handles(classes)
    handles.append(
        Line2D(
            [0], [0], color="#9ca3af", linestyle="--", label="50% reduction (response threshold)"
        )
    )
    fig.legend(
        handles=handles,
        loc="lower center",
        ncol=min(len(handles), 4),
        frameon=False,
        bbox_to_anchor=(0.5, -0.02),
    )
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


# ---- immune pathways (docs/biomarkers.md) ----------------------------------------------------


def _stratum_label(row: dict[str, Any]) -> str:
    scale = rc.SCALE_LABEL.get(row["scale"], row["scale"])
    heading = f"{row['dataset_id']} · {scale} · {row['timepoint']}"
    return f"{heading}\n{rc.class_label(row['treatment_class'])}"


def stratum_forest(rows: list[dict[str, Any]]) -> plt.Figure:
    """Response rate with its Wilson 95% CI in the low (circle) and high (square) baseline
    inflammation stratum, one panel per stratifier (CRP, IL-6), one line per dataset, scale,
    timepoint and class; a hidden rate is not drawn."""
    stratifiers = sorted({r["stratifier"] for r in rows})
    keys = sorted(
        {
            (r["dataset_id"], r["scale"], r["timepoint_order"] or 99, r["class_order"] or 99)
            for r in rows
        }
    )
    ys = {k: len(keys) - i for i, k in enumerate(keys)}
    labels = {}
    fig, axes = plt.subplots(
        1,
        len(stratifiers),
        figsize=(5 * len(stratifiers) + 2, 1.2 + 0.5 * len(keys)),
        sharey=True,
        squeeze=False,
    )
    for ax, stratifier in zip(axes[0], stratifiers, strict=True):
        mine = [r for r in rows if r["stratifier"] == stratifier]
        for row in mine:
            key = (
                row["dataset_id"],
                row["scale"],
                row["timepoint_order"] or 99,
                row["class_order"] or 99,
            )
            labels[key] = _stratum_label(row)
            if row["response_rate"] is None:
                continue
            high = row["stratum"] == "high"
            y = ys[key] + (-0.15 if high else 0.15)
            colour = rc.class_colour(row["treatment_class"])
            ax.plot(
                [100 * row["response_ci_low"], 100 * row["response_ci_high"]],
                [y, y],
                color=colour,
                linewidth=2,
            )
            ax.plot(
                100 * row["response_rate"],
                y,
                "s" if high else "o",
                color=colour,
                markerfacecolor=colour if high else "white",
                markersize=7,
            )
        label = mine[0].get("stratifier_label") or stratifier
        unit = mine[0].get("stratifier_unit") or ""
        cut = (
            f"< 3 vs ≥ 3 {unit}"
            if stratifier == "crp"
            else f"below vs at or above the dataset median ({unit})"
        )
        ax.set_title(f"By baseline {label}: {cut}", loc="left", fontsize=10)
        ax.set_xlim(0, 100)
        ax.set_xlabel("Response, % (95% CI)")
        rc.style_axes(ax)
        ax.tick_params(axis="y", length=0)
    axes[0][0].set_yticks(list(ys.values()), [labels.get(k, "") for k in ys], fontsize=8.5)
    axes[0][0].set_ylim(0.4, len(keys) + 0.6)
    handles = [
        Line2D([0], [0], color="#374151", marker="o", markerfacecolor="white", label="low"),
        Line2D([0], [0], color="#374151", marker="s", label="high (inflamed)"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=2, frameon=False)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def interaction_forest(rows: list[dict[str, Any]]) -> plt.Figure:
    """Inflammation-by-treatment interaction, RD(high) - RD(low) in percentage points, with the
    MOVER 95% CI; one line per comparison in the order given."""
    n = len(rows)
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.55 * n))
    ys = list(range(n, 0, -1))
    for y, row in zip(ys, rows, strict=True):
        colour = rc.class_colour(row["treatment_class"])
        ax.plot(
            [100 * row["interaction_ci_low"], 100 * row["interaction_ci_high"]],
            [y, y],
            color=colour,
            linewidth=2,
        )
        ax.plot(100 * row["interaction"], y, "s", color=colour, markersize=7)
    ax.axvline(0, color="#111827", linewidth=1)
    ax.set_yticks(
        ys,
        [f"{_row_label(r)} · by {r.get('stratifier_label') or r['stratifier']}" for r in rows],
        fontsize=8.5,
    )
    ax.set_ylim(0.4, n + 0.6)
    ax.set_xlabel(
        "Risk difference in inflamed minus non-inflamed, percentage points (95% CI)\n"
        "← class gains less when inflamed  ·  class gains more when inflamed →"
    )
    rc.style_axes(ax)
    ax.tick_params(axis="y", length=0)
    return fig


def marker_change(rows: list[dict[str, Any]]) -> plt.Figure:
    """Mean change from baseline (follow-up minus baseline, standard unit) with its 95% CI, one
    panel per marker, one line per dataset, class and timepoint (earliest at the top)."""
    markers = sorted({(r["marker_order"] or 99, r["marker"]) for r in rows})
    keys = sorted(
        {
            (
                r["dataset_id"],
                r["class_order"] or 99,
                r["treatment_class"],
                r["timepoint_order"] or 99,
            )
            for r in rows
        }
    )
    ys = {k: len(keys) - i for i, k in enumerate(keys)}
    fig, axes = plt.subplots(
        1,
        len(markers),
        figsize=(2.6 * len(markers) + 3, 1.2 + 0.38 * len(keys)),
        sharey=True,
        squeeze=False,
    )
    labels: dict[tuple, str] = {}
    for ax, (_, marker) in zip(axes[0], markers, strict=True):
        mine = [r for r in rows if r["marker"] == marker]
        for row in mine:
            key = (
                row["dataset_id"],
                row["class_order"] or 99,
                row["treatment_class"],
                row["timepoint_order"] or 99,
            )
            labels[key] = (
                f"{row['dataset_id']} · {rc.class_label(row['treatment_class'])} · "
                f"{row['timepoint']}"
            )
            colour = rc.class_colour(row["treatment_class"])
            if row["change_ci_low"] is not None:
                ax.plot(
                    [row["change_ci_low"], row["change_ci_high"]],
                    [ys[key], ys[key]],
                    color=colour,
                    linewidth=2,
                )
            ax.plot(row["change_mean"], ys[key], "o", color=colour, markersize=6)
        ax.axvline(0, color="#111827", linewidth=1)
        ax.set_title(f"{mine[0]['marker_label']} ({mine[0]['unit']})", loc="left", fontsize=10)
        ax.set_xlabel("Mean change (95% CI)")
        rc.style_axes(ax)
        ax.tick_params(axis="y", length=0)
    axes[0][0].set_yticks(list(ys.values()), [labels.get(k, "") for k in ys], fontsize=8)
    axes[0][0].set_ylim(0.4, len(keys) + 0.6)
    fig.tight_layout()
    return fig


# ---- findings (index) ------------------------------------------------------------------------


def _diamond(ax: plt.Axes, y: float, est: float, low: float, high: float, colour: str) -> None:
    """The pooled estimate as a diamond spanning its confidence interval."""
    ax.fill([low, est, high, est], [y, y + 0.28, y, y - 0.28], color=colour, edgecolor="#111827")


def findings_forest(questions: list[Any]) -> plt.Figure:
    """Response risk difference (percentage points, 95% CI) per question at its timepoint, in
    two labelled panels: randomised trials (each trial a square, the pooled estimate a diamond)
    and registries (unadjusted: open square; adjusted: filled circle, the imbalanced ones
    marked). `questions` are sections.findings.Question objects."""
    trial_rows: list[tuple[str, str, Any]] = []
    registry_rows: list[tuple[str, str, Any]] = []
    for q in questions:
        head = f"{q.title} · {rc.timepoint_words(q.timepoint)}"
        for t in q.trials:
            trial_rows.append((f"{head}\n{t['dataset_id']}", "trial", t))
        if q.pooled is not None:
            trial_rows.append((f"{head}\npooled, {q.pooled['k']} trials", "pooled", q))
        for r in q.registry:
            # a registry may answer at its nearest timepoint: label the row with its own
            own = f"{q.title} · {rc.timepoint_words(r['timepoint'])}"
            registry_rows.append((f"{own}\n{r['dataset_id']} unadjusted", "crude", r))
            if r["risk_difference"] is not None:
                flag = " (imbalanced)" if r["is_imbalanced"] else ""
                registry_rows.append((f"{own}\n{r['dataset_id']} adjusted{flag}", "adjusted", r))
    panels = [
        (n, rows) for n, rows in (("trials", trial_rows), ("registry", registry_rows)) if rows
    ]
    heights = [len(rows) + 1 for _, rows in panels]
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(9, 1.0 + 0.5 * sum(heights)),
        sharex=True,
        squeeze=False,
        gridspec_kw={"height_ratios": heights, "hspace": 0.25},
    )
    for ax, (name, rows) in zip(axes[:, 0], panels, strict=True):
        ys = list(range(len(rows), 0, -1))
        for y, (_, kind, row) in zip(ys, rows, strict=True):
            if kind == "pooled":
                p = row.pooled
                colour = rc.class_colour(row.treatment_class)
                _diamond(ax, y, 100 * p["estimate"], 100 * p["ci_low"], 100 * p["ci_high"], colour)
                continue
            colour = rc.class_colour(row["treatment_class"])
            prefix = "crude_" if kind == "crude" else ""
            est, low, high = (
                100 * row[f"{prefix}risk_difference{s}"] for s in ("", "_ci_low", "_ci_high")
            )
            ax.plot([low, high], [y, y], color=colour, linewidth=2)
            if kind == "crude":
                ax.plot(est, y, "s", color=colour, markerfacecolor="white", markersize=7)
            elif kind == "adjusted":
                ax.plot(est, y, "o", color=colour, markersize=7)
            else:
                ax.plot(est, y, "s", color=colour, markersize=7)
        ax.axvline(0, color="#111827", linewidth=1)
        ax.set_yticks(ys, [label for label, _, _ in rows], fontsize=8)
        ax.set_ylim(0.4, len(rows) + 0.6)
        title = (
            "Randomised trials: each trial (square) and the pooled estimate (diamond)"
            if name == "trials"
            else "Registries, observational: unadjusted (open square) and adjusted (circle)"
        )
        ax.set_title(title, loc="left", fontsize=10)
        rc.style_axes(ax)
        ax.tick_params(axis="y", length=0)
    # a difference of proportions lies within ±100 points; a 2-trial HKSJ interval may not
    low, high = axes[-1, 0].get_xlim()
    axes[-1, 0].set_xlim(max(low, -105), min(high, 105))
    axes[-1, 0].set_xlabel(
        "Response, risk difference in percentage points (95% CI)\n"
        "← favours the reference  ·  favours the class →"
    )
    return fig


def response_timecourse(
    rows: list[dict[str, Any]], timepoints: list[tuple[int, str]]
) -> plt.Figure:
    """Response rate (primary analysis, Wilson 95% CI) by class from H24 to W12, one panel per
    dataset and scale, so that a rapid effect shows at H24 and day 7 within each dataset's own
    comparison. Timepoints evenly spaced; hidden rates are not drawn."""
    panels = list(dict.fromkeys((r["source"], r["dataset_id"], r["scale"]) for r in rows))
    panels.sort(key=lambda p: (p[0] != "trial", p[1], p[2]))
    ncols = min(3, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4.0 * ncols, 3.0 * nrows), squeeze=False, sharey=True
    )
    position = {tp: i for i, (_, tp) in enumerate(timepoints)}
    classes: dict[str, None] = {}
    for ax, (source, dataset_id, scale) in zip(axes.flat, panels, strict=False):
        mine = [r for r in rows if (r["dataset_id"], r["scale"]) == (dataset_id, scale)]
        for cls in sorted(
            {r["treatment_class"] for r in mine},
            key=lambda c: min(r["class_order"] or 99 for r in mine if r["treatment_class"] == c),
        ):
            points = sorted(
                (position[r["timepoint"]], r)
                for r in mine
                if r["treatment_class"] == cls and r["response_rate"] is not None
            )
            if not points:
                continue
            classes[cls] = None
            xs = [x for x, _ in points]
            ys = [100 * r["response_rate"] for _, r in points]
            colour = rc.class_colour(cls)
            err = [
                [y - 100 * r["response_ci_low"] for y, (_, r) in zip(ys, points, strict=True)],
                [100 * r["response_ci_high"] - y for y, (_, r) in zip(ys, points, strict=True)],
            ]
            ax.errorbar(
                xs,
                ys,
                yerr=err,
                fmt="-o",
                color=colour,
                ecolor=colour,
                capsize=2,
                linewidth=1.8,
                markersize=4,
                alpha=0.9,
            )
        ax.set_xticks(range(len(timepoints)), [tp for _, tp in timepoints], fontsize=8)
        ax.set_xlim(-0.4, len(timepoints) - 0.6)
        ax.set_ylim(0, 100)
        label = "registry" if source == "registry" else "trial"
        ax.set_title(
            f"{dataset_id} ({label}) · {rc.SCALE_LABEL.get(scale, scale)}", loc="left", fontsize=9
        )
        rc.style_axes(ax)
    for ax in axes[:, 0]:
        ax.set_ylabel("Response, % (95% CI)")
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    handles = _class_handles(classes)
    fig.legend(
        handles=handles,
        loc="lower center",
        ncol=min(len(handles), 4),
        frameon=False,
        bbox_to_anchor=(0.5, 0),
    )
    # room for the legend below the tick labels: about 0.35 inch per legend row, plus margin
    rows = math.ceil(len(handles) / 4)
    fig.tight_layout(rect=(0, (0.2 + 0.35 * rows) / fig.get_figheight(), 1, 1))
    return fig


def love_plot(rows: list[dict[str, Any]], threshold: float) -> plt.Figure:
    """Standardised mean differences per covariate before (open circle) and after (filled)
    weighting, one panel per comparison (class against the reference), with the |SMD| threshold
    of balance as dashed lines: the OHDSI Love plot."""
    panels = list(dict.fromkeys((r["dataset_id"], r["scale"], r["treatment_class"]) for r in rows))
    ncols = min(2, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    covariates = sorted(
        {(r["covariate_order"] or 99, r["covariate_label"] or r["covariate"]) for r in rows}
    )
    labels = [c for _, c in covariates]
    ys = {c: len(labels) - i for i, c in enumerate(labels)}
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(5.2 * ncols, 0.8 + 0.32 * len(labels) * nrows),
        squeeze=False,
        sharey=True,
    )
    for ax, (dataset_id, scale, cls) in zip(axes.flat, panels, strict=False):
        mine = [
            r
            for r in rows
            if (r["dataset_id"], r["scale"], r["treatment_class"]) == (dataset_id, scale, cls)
        ]
        colour = rc.class_colour(cls)
        for r in mine:
            y = ys[r["covariate_label"] or r["covariate"]]
            if r["smd_before"] is not None:
                ax.plot(
                    abs(r["smd_before"]),
                    y,
                    "o",
                    color=colour,
                    markerfacecolor="white",
                    markersize=6,
                )
            if r["smd_after"] is not None:
                ax.plot(abs(r["smd_after"]), y, "o", color=colour, markersize=6)
        ax.axvline(threshold, color="#b91c1c", linestyle="--", linewidth=1)
        ax.axvline(0, color="#111827", linewidth=1)
        ax.set_title(
            f"{dataset_id} · {rc.SCALE_LABEL.get(scale, scale)}\n{rc.class_label(cls)} vs "
            f"{rc.class_label(mine[0]['reference_class']).lower()}",
            loc="left",
            fontsize=9,
        )
        ax.set_xlabel("|standardised mean difference|")
        rc.style_axes(ax)
        ax.tick_params(axis="y", length=0)
    for ax in axes[:, 0]:
        ax.set_yticks(list(ys.values()), list(ys.keys()), fontsize=8)
        ax.set_ylim(0.4, len(labels) + 0.6)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    handles = [
        Line2D(
            [0],
            [0],
            color="#374151",
            marker="o",
            markerfacecolor="white",
            linestyle="",
            label="before weighting",
        ),
        Line2D([0], [0], color="#374151", marker="o", linestyle="", label="after weighting"),
        Line2D([0], [0], color="#b91c1c", linestyle="--", label=f"|SMD| = {threshold:g}"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, bbox_to_anchor=(0.5, 0))
    fig.tight_layout(rect=(0, 0.55 / fig.get_figheight(), 1, 1))
    return fig
