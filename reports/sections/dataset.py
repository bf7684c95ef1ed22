"""The per-dataset page (dataset.qmd, rendered once per dataset with `dataset_id` set): what
the dataset is, its rates, time course and comparisons, and where its trial estimates enter a
pooled estimate. Cohort, attrition and the adjusted registry comparisons come from
`sections.cohort` and `sections.adjusted`, filtered to the dataset."""

from __future__ import annotations

import html

import _common as rc
import _figures as figs
from sections import layout, outcomes


def header(dataset_id: str | None) -> str:
    """The dataset's settings as a key-value table, or a notice when it is not in the
    warehouse (a page rendered without its parameter)."""
    info = layout.datasets().get(dataset_id or "")
    if info is None:
        return rc.notice(
            "No such dataset",
            f"This page shows one dataset, named by its <code>dataset_id</code> parameter; "
            f"{html.escape(str(dataset_id))} is not loaded in this warehouse. The "
            '<a href="index.html">outcomes page</a> lists every dataset.',
            "warn",
        )
    rows = [
        ("Dataset", f"<b>{html.escape(info['dataset_id'])}</b>"),
        ("Title", html.escape(info["title"] or "")),
        ("Source", html.escape(info["source"])),
        ("Primary analysis", html.escape(rc.ANALYSIS_LABEL.get(info["primary_analysis"], ""))),
        ("Small-cell policy", html.escape(info["suppression_rule"] or info["suppression"])),
        ("Demo data", "yes (synthetic)" if info["is_synthetic"] else "no"),
        ("Loaded", html.escape(str(info["loaded_at"])[:19])),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    back = '<p><a href="index.html">← All findings</a></p>'
    return f'{back}<table class="kv"><tbody>{body}</tbody></table>'


def rates_section(dataset_id: str) -> str:
    rates = rc.rows_of(
        rc.query(
            "select * from reporting.response_rates where dataset_id = ? "
            "order by scale, timepoint_order, class_order, treatment_class, analysis",
            [dataset_id],
        )
    )
    if not rates:
        return rc.notice(
            "No eligible episodes",
            "No treatment-resistant episode of this dataset has a usable baseline score; the "
            "attrition below shows where patients left the cohort.",
            "warn",
        )
    primary = [r for r in rates if r["is_primary"]]
    drawn = [r for r in primary if r["response_rate"] is not None]
    parts = [
        outcomes.rates_table(
            primary, with_analysis=False, caption="Response and remission (primary analysis)."
        )
    ]
    if drawn:
        timepoints = sorted({(r["timepoint_order"] or 99, r["timepoint"]) for r in primary})
        parts.append(
            rc.figure(
                figs.response_timecourse(drawn, timepoints),
                alt=f"Response over time by class in {dataset_id}",
                caption=(
                    "Response by class from 24 hours to week 12 (primary analysis, Wilson 95% "
                    "CIs); hidden rates are not drawn."
                ),
            )
        )
    parts.append(
        layout.details(
            "All analyses",
            outcomes.rates_table(rates, with_analysis=True, caption="Every analysis."),
        )
    )
    return "".join(parts)


def comparisons_section(dataset_id: str) -> str:
    rows = rc.rows_of(
        rc.query(
            "select * from reporting.response_comparisons where is_primary and dataset_id = ? "
            "order by scale, timepoint_order, class_order, treatment_class, outcome desc",
            [dataset_id],
        )
    )
    if not rows:
        return rc.notice("No comparison", "This dataset has no class besides its reference.")
    parts = []
    shown = [r for r in rows if r["outcome"] == "response" and not r["is_suppressed"]]
    if shown:
        source = rows[0]["source"]
        parts.append(
            rc.figure(
                figs.forest(shown, "response"),
                alt=f"Forest plot of response comparisons in {dataset_id}",
                caption=(
                    "Response: each class against the dataset's reference class (primary "
                    "analysis), risk difference (Newcombe CI) and risk ratio (log-method CI)."
                    + (
                        " <b>Unadjusted</b>: registry patients were not randomised, so these "
                        "differences are confounded by indication; the adjusted estimates "
                        "are below."
                        if source == "registry"
                        else ""
                    )
                ),
            )
        )
    parts.append(outcomes.comparisons_table(rows))
    parts.append(_pooled_note(dataset_id))
    return "".join(parts)


def _pooled_note(dataset_id: str) -> str:
    """Which pooled estimates this trial contributes to, with its weight."""
    if not rc.has_table("reporting", "pooled_comparison_inputs"):
        return ""
    rows = rc.rows_of(
        rc.query(
            "select i.*, p.k from reporting.pooled_comparison_inputs i "
            "join reporting.pooled_comparisons p using (treatment_class, reference_class, "
            "outcome, timepoint, measure) "
            "where i.dataset_id = ? and i.measure = 'risk_difference' and i.outcome = 'response' "
            "order by p.timepoint_order",
            [dataset_id],
        )
    )
    if not rows:
        return ""
    items = "".join(
        f"<li>{html.escape(rc.class_label(r['treatment_class']))} vs "
        f"{html.escape(rc.class_label(r['reference_class']).lower())} at "
        f"{html.escape(rc.timepoint_words(r['timepoint']))}: pooled with {r['k'] - 1} other "
        "trial(s)"
        + (f", weight {r['weight_pct']:.0f}%" if r["weight_pct"] is not None else "")
        + "</li>"
        for r in rows
    )
    return (
        '<p>This trial enters the pooled estimates of the <a href="index.html">findings</a>:'
        f"</p><ul>{items}</ul>"
    )
