"""The stakeholder report's charts: the forest plot, the percent-change time course and the
immune-pathway charts (response by inflammation stratum, the interaction, marker change).

Both take rows of reporting views that are already suppressed; a hidden estimate (null) is not
drawn. Colours per treatment class come from `_common.CLASS_STYLE`, the same as in the tables.
"""

from __future__ import annotations

import math
from typing import Any

import _common as rc
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D


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
    handles = [
        Line2D([0], [0], color=rc.class_colour(c), marker="o", linewidth=2, label=rc.class_label(c))
        for c in classes
    ]
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
