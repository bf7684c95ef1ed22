"""The answer first (index page): for each question, ketamine or esketamine against a reference
class, the trial evidence (pooled over trials when at least two compare the pair, else the single
trial) and the registry evidence beside it (unadjusted and propensity-score adjusted), at one
timepoint, each with one plain sentence carrying its 95% CI.

Everything comes from the reporting views (reporting.pooled_comparisons, response_comparisons,
response_rates, adjusted_comparisons), so a hidden count stays hidden here too: a comparison the
views suppress is not used. The timepoint of a question is the one at which most trials compare
the pair; ties go to day 28 (the usual primary endpoint in TRD trials), then to the earliest
timepoint (a rapid-acting drug's primary endpoint, e.g. 24 hours in the ketamine-midazolam
trials). A question with no trial takes day 28, else the registry's earliest timepoint.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import _common as rc
import polars as pl
from sections import data_quality, layout

CLASSES = ("esketamine", "ketamine")
"""The classes the report is about, in the order their questions are shown."""
FOCUS_TIMEPOINT = "D28"
OUTCOME = "response"


@dataclass
class Question:
    """One question (class against reference) and the evidence behind its answer."""

    treatment_class: str
    reference_class: str
    timepoint: str
    pooled: dict[str, Any] | None = None
    """reporting.pooled_comparisons, risk difference row (k >= 2), when not hidden."""
    pooled_rr: dict[str, Any] | None = None
    trials: list[dict[str, Any]] = field(default_factory=list)
    """reporting.response_comparisons rows of the trials at the timepoint (primary analysis),
    each with the two rates under `rate` and `reference_rate`."""
    registry: list[dict[str, Any]] = field(default_factory=list)
    """reporting.adjusted_comparisons rows (crude beside adjusted) of the registries, each with
    the two crude rates under `rate` and `reference_rate`."""

    @property
    def title(self) -> str:
        return f"{rc.class_label(self.treatment_class)} vs {self.reference_label}"

    @property
    def reference_label(self) -> str:
        label = rc.class_label(self.reference_class)
        return label if label.isupper() else label.lower()

    @property
    def anchor(self) -> str:
        return f"q-{self.treatment_class}-{self.reference_class}"


# ---- reading the views -----------------------------------------------------------------------


def _rows(sql: str, view: str) -> list[dict[str, Any]]:
    return rc.rows_of(rc.query(sql)) if rc.has_table("reporting", view) else []


def _rates() -> dict[tuple, dict[str, Any]]:
    rows = _rows("select * from reporting.response_rates where is_primary", "response_rates")
    return {(r["dataset_id"], r["scale"], r["timepoint"], r["treatment_class"]): r for r in rows}


def _with_rates(row: dict[str, Any], rates: dict[tuple, dict[str, Any]]) -> dict[str, Any]:
    key = (row["dataset_id"], row["scale"], row["timepoint"])
    return {
        **row,
        "rate": rates.get((*key, row["treatment_class"])),
        "reference_rate": rates.get((*key, row["reference_class"])),
    }


def questions() -> list[Question]:
    """Every question the warehouse can answer, ketamine and esketamine against each reference
    class seen in a trial or registry comparison (primary analysis, response)."""
    comparisons = _rows(
        "select * from reporting.response_comparisons "
        f"where is_primary and outcome = '{OUTCOME}' and not is_suppressed "
        "order by dataset_id, scale, timepoint_order",
        "response_comparisons",
    )
    pooled = _rows(
        f"select * from reporting.pooled_comparisons where outcome = '{OUTCOME}' "
        "and not is_suppressed",
        "pooled_comparisons",
    )
    adjusted = _rows(
        "select * from reporting.adjusted_comparisons "
        f"where is_primary and outcome = '{OUTCOME}' and not is_suppressed "
        "order by dataset_id, scale, timepoint_order",
        "adjusted_comparisons",
    )
    rates = _rates()
    order = {tp: i for i, tp in enumerate(rc.TIMEPOINT_WORDS)}
    found: list[Question] = []
    pairs = sorted(
        {
            (r["treatment_class"], r["reference_class"])
            for r in comparisons
            if r["treatment_class"] in CLASSES
        },
        key=lambda p: (CLASSES.index(p[0]), p[1] != "standard_ad", p[1]),
    )
    for cls, ref in pairs:
        mine = [
            r for r in comparisons if (r["treatment_class"], r["reference_class"]) == (cls, ref)
        ]
        trials = [r for r in mine if r["source"] == "trial"]
        registry = [r for r in mine if r["source"] == "registry"]
        timepoint = _timepoint(trials, registry, order)
        q = Question(cls, ref, timepoint)
        for p in pooled:
            if (p["treatment_class"], p["reference_class"], p["timepoint"]) == (
                cls,
                ref,
                timepoint,
            ):
                if p["measure"] == "risk_difference":
                    q.pooled = p
                else:
                    q.pooled_rr = p
        q.trials = [_with_rates(r, rates) for r in _one_scale(trials, timepoint)]
        q.registry = [
            _with_rates(a, rates)
            for a in _nearest(
                [
                    a
                    for a in adjusted
                    if (a["treatment_class"], a["reference_class"]) == (cls, ref)
                    and (a["dataset_id"], a["scale"], a["timepoint"])
                    in {(r["dataset_id"], r["scale"], r["timepoint"]) for r in registry}
                ],
                timepoint,
                order,
                rates,
            )
        ]
        if q.trials or q.registry:
            found.append(q)
    return found


def _timepoint(
    trials: list[dict[str, Any]], registry: list[dict[str, Any]], order: dict[str, int]
) -> str:
    """Most trials, then day 28, then the earliest; without trials day 28, else the earliest."""
    rows = trials or registry
    counts: dict[str, set[str]] = {}
    for r in rows:
        counts.setdefault(r["timepoint"], set()).add(r["dataset_id"])
    return min(
        counts,
        key=lambda tp: (-len(counts[tp]), tp != FOCUS_TIMEPOINT, order.get(tp, 99)),
    )


def _nearest(
    rows: list[dict[str, Any]],
    timepoint: str,
    order: dict[str, int],
    rates: dict[tuple, dict[str, Any]],
) -> list[dict[str, Any]]:
    """Per registry, its rows at `timepoint`, else at its timepoint nearest to it (the later on
    a tie): a registry's follow-up visits rarely fall on a trial's endpoint."""
    chosen = []
    for dataset_id in dict.fromkeys(r["dataset_id"] for r in rows):
        mine = [r for r in rows if r["dataset_id"] == dataset_id]
        target = order.get(timepoint, 99)
        best = min(
            {r["timepoint"] for r in mine},
            key=lambda tp: (abs(order.get(tp, 99) - target), -order.get(tp, 99)),
        )
        chosen += _one_scale(mine, best, rates)
    return chosen


def _one_scale(
    rows: list[dict[str, Any]],
    timepoint: str,
    rates: dict[tuple, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The rows at `timepoint`, one per dataset: a registry that scores several scales
    contributes the one with the most episodes of the class (its most complete record)."""
    best: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["timepoint"] != timepoint:
            continue
        size = 0
        if rates is not None:
            rate = rates.get((r["dataset_id"], r["scale"], timepoint, r["treatment_class"]))
            size = (rate or {}).get("n") or 0
        if r["dataset_id"] not in best or size > best[r["dataset_id"]]["_size"]:
            best[r["dataset_id"]] = {**r, "_size": size}
    return list(best.values())


# ---- sentences -------------------------------------------------------------------------------


def _rate_pair(r: dict[str, Any]) -> str:
    """'54% vs 40%' from the two rates of a comparison ('' when either is hidden)."""
    a, b = r.get("rate"), r.get("reference_rate")
    if not a or not b or a["response_rate"] is None or b["response_rate"] is None:
        return ""
    return f"{rc.whole_pct(a['response_rate'])} vs {rc.whole_pct(b['response_rate'])}; "


def _span(values: list[float]) -> str:
    low, high = min(values), max(values)
    if f"{100 * low:.0f}" == f"{100 * high:.0f}":
        return rc.whole_pct(low)
    return f"{100 * low:.0f}–{rc.whole_pct(high)}"


def trial_sentence(q: Question) -> str:
    """'Response at day 28: 54% vs 40%; difference 14 points, 95% CI 4 to 24; 2 trials.'"""
    when = rc.timepoint_words(q.timepoint)
    if q.pooled is not None:
        p = q.pooled
        treated = [
            t["rate"]["response_rate"]
            for t in q.trials
            if t["rate"] and t["rate"]["response_rate"] is not None
        ]
        reference = [
            t["reference_rate"]["response_rate"]
            for t in q.trials
            if t["reference_rate"] and t["reference_rate"]["response_rate"] is not None
        ]
        rates = (
            f"{_span(treated)} vs {_span(reference)} across the trials; "
            if treated and reference
            else ""
        )
        return (
            f"Response at {when}: {rates}pooled difference {rc.points(p['estimate'])} points, "
            f"95% CI {rc.points(p['ci_low'])} to {rc.points(p['ci_high'])}; {p['k']} trials."
        )
    t = q.trials[0]
    return (
        f"Response at {when}: {_rate_pair(t)}difference {rc.points(t['risk_difference'])} "
        f"points, 95% CI {rc.points(t['risk_difference_ci_low'])} to "
        f"{rc.points(t['risk_difference_ci_high'])}; 1 trial."
    )


def registry_sentences(r: dict[str, Any]) -> tuple[str, str | None]:
    """The unadjusted sentence and the adjusted one (None when no adjusted estimate exists)."""
    crude = (
        f"Response at {rc.timepoint_words(r['timepoint'])}, unadjusted: {_rate_pair(r)}"
        f"difference {rc.points(r['crude_risk_difference'])} points, 95% CI "
        f"{rc.points(r['crude_risk_difference_ci_low'])} to "
        f"{rc.points(r['crude_risk_difference_ci_high'])}."
    )
    if r["risk_difference"] is None:
        return crude, None
    adjusted = (
        f"Adjusted for measured confounders: {rc.whole_pct(r['weighted_rate_treated'])} vs "
        f"{rc.whole_pct(r['weighted_rate_reference'])}; difference "
        f"{rc.points(r['risk_difference'])} points, 95% CI "
        f"{rc.points(r['risk_difference_ci_low'])} to {rc.points(r['risk_difference_ci_high'])}."
    )
    return crude, adjusted


def e_value_sentence(r: dict[str, Any]) -> str:
    """VanderWeele and Ding's E-value in words (issue 16)."""
    if r.get("e_value") is None:
        return ""
    ci = r.get("e_value_ci")
    tail = (
        "; the confidence interval already includes 1."
        if ci is None or ci <= 1
        else f"; {ci:.2f} to move the confidence interval to include 1."
    )
    return (
        "An unmeasured confounder would need to be associated with both treatment and response "
        f"by a risk ratio of {r['e_value']:.2f} each to explain away the estimate" + tail
    )


# ---- HTML ------------------------------------------------------------------------------------


def _imbalanced_pill(r: dict[str, Any]) -> str:
    if not r.get("is_imbalanced"):
        return ""
    return (
        ' <span class="pill warn" title="a covariate\'s weighted standardised mean difference '
        'exceeds 0.1">imbalanced</span>'
    )


def _trial_panel(q: Question) -> str:
    if not q.trials:
        return (
            '<div class="panel trial"><h4>Randomised trials</h4>'
            "<p>No trial compares these classes.</p></div>"
        )
    names = ", ".join(layout.dataset_link(t["dataset_id"]) for t in q.trials)
    extra = ""
    if q.pooled is not None:
        p = q.pooled
        hetero = f"I² {100 * p['i2']:.0f}%" if p["i2"] is not None else ""
        pi = (
            f", 95% prediction interval {rc.points(p['pi_low'])} to {rc.points(p['pi_high'])} "
            "points"
            if p["pi_low"] is not None
            else ""
        )
        extra = (
            f'<p class="small">Random-effects pooled risk difference (DerSimonian-Laird, '
            f"Hartung-Knapp-Sidik-Jonkman 95% CI); {hetero}{pi}.</p>"
        )
        if p["k"] == 2:
            extra += (
                '<p class="small caveat">With 2 trials the Hartung-Knapp interval rests on a '
                "t distribution with 1 degree of freedom (t = 12.7), so it is very wide: two "
                "trials say little about the average effect across trials, even when both "
                "favour the class. Each trial's own interval is in the forest plot.</p>"
            )
    return (
        '<div class="panel trial"><h4>Randomised trials</h4>'
        f'<p class="finding-sentence">{html.escape(trial_sentence(q))}</p>'
        f'<p class="small">{"Pooled" if q.pooled else "Trial"}: {names}.</p>{extra}</div>'
    )


def _registry_panel(q: Question) -> str:
    if not q.registry:
        reason = (
            "Registries compare each class with standard antidepressants only."
            if q.reference_class != "standard_ad"
            else "No registry compares these classes (or every such comparison involves a "
            "hidden small count)."
        )
        return (
            f'<div class="panel registry"><h4>Registries (observational)</h4><p>{reason}</p></div>'
        )
    parts = ['<div class="panel registry"><h4>Registries (observational)</h4>']
    for r in q.registry:
        crude, adjusted = registry_sentences(r)
        scale = rc.SCALE_LABEL.get(r["scale"], r["scale"])
        parts.append(
            f'<p class="small">{layout.dataset_link(r["dataset_id"])} · {html.escape(scale)}</p>'
            f'<p class="finding-sentence"><span class="tag unadjusted">unadjusted</span> '
            f"{html.escape(crude)}</p>"
        )
        if adjusted:
            parts.append(
                f'<p class="finding-sentence"><span class="tag adjusted">adjusted</span> '
                f"{html.escape(adjusted)}{_imbalanced_pill(r)}</p>"
                f'<p class="small">{html.escape(e_value_sentence(r))}</p>'
            )
        else:
            parts.append('<p class="small">No adjusted estimate (the model did not fit).</p>')
    parts.append(
        '<p class="small caveat">Registry patients were not randomised: those given '
        f"{html.escape(rc.class_label(q.treatment_class).lower())} differ from those given "
        f"{html.escape(q.reference_label)} (severity, failed trials, age), so the unadjusted "
        "difference is confounded by indication. The adjusted estimate removes confounding by "
        'the measured covariates only (<a href="#adjusted">balance and method</a>).</p></div>'
    )
    return "".join(parts)


def findings_section(qs: list[Question]) -> str:
    """The findings: per question, trial and registry panels side by side (stacked on a narrow
    screen)."""
    if not qs:
        return rc.notice(
            "No finding to show",
            "No trial or registry in this warehouse compares ketamine or esketamine with a "
            "reference class (or every such comparison involves a hidden small count).",
            "warn",
        )
    blocks = []
    for q in qs:
        when = rc.timepoint_words(q.timepoint)
        blocks.append(
            f'<section class="finding" id="{q.anchor}"><h3>{html.escape(q.title)} '
            f'<span class="when">response at {html.escape(when)}</span></h3>'
            f'<div class="finding-grid">{_trial_panel(q)}{_registry_panel(q)}</div></section>'
        )
    return '<div class="findings">' + "".join(blocks) + "</div>"


def summary_cards(rates: pl.DataFrame) -> str:
    """Four headline facts; no person counts (a total minus shown cells could reveal a hidden
    one)."""
    by_source: dict[str, int] = {}
    for d in layout.datasets().values():
        by_source[d["source"]] = by_source.get(d["source"], 0) + 1
    sources = ", ".join(f"{k} {s}" for s, k in sorted(by_source.items())) or "none loaded"
    classes = sorted(set(rates["treatment_class"].to_list())) if rates.height else []
    state, words = data_quality.dq_state()
    cards = [
        ("Datasets", f"{sum(by_source.values())}", sources),
        (
            "Treatment classes",
            f"{len(classes)}",
            ", ".join(rc.class_label(c) for c in classes) or "no eligible episodes",
        ),
        ("Data quality", state.capitalize(), words),
        ("Rendered", datetime.now().strftime("%Y-%m-%d"), datetime.now().strftime("%H:%M")),
    ]
    body = "".join(
        f'<div class="card {("dq-" + state.replace(" ", "-")) if label == "Data quality" else ""}">'
        f'<div class="card-label">{label}</div><div class="card-value">{html.escape(value)}</div>'
        f'<div class="card-note">{html.escape(note)}</div></div>'
        for label, value, note in cards
    )
    return f'<div class="cards">{body}</div>'
