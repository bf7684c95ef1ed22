"""Sections of the report pages, as HTML strings built from the reporting views and dq tables.

Each function reads what it needs through `_common.query` and returns HTML for `_common.show`,
so a page is a sequence of headings and one-line cells. Counts are printed only through the
views' `*_display` columns or `_common.count_text`, which apply the small-cell rule.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

import _common as rc
import _figures as figs
import polars as pl
import yaml
from _common import Col


def _dataset_titles() -> dict[str, str]:
    if not rc.has_table("raw", "datasets"):
        return {}
    rows = rc.query("select dataset_id, title from raw.datasets")
    return {r["dataset_id"]: r["title"] or "" for r in rc.rows_of(rows)}


def _dataset_heading(row: dict[str, Any], titles: dict[str, str], extra: str = "") -> str:
    title = titles.get(row["dataset_id"], "")
    parts = [
        f"<b>{html.escape(row['dataset_id'])}</b>",
        html.escape(row.get("source") or ""),
        html.escape(title),
        extra,
    ]
    return " · ".join(p for p in parts if p)


def details(summary: str, body: str) -> str:
    """A collapsed block (HTML `<details>`): long tables stay one click away."""
    return f'<details class="more"><summary>{html.escape(summary)}</summary>{body}</details>'


# ---- index: summary --------------------------------------------------------------------------


def _latest_check_run() -> dict[str, Any] | None:
    if not rc.has_table("dq", "runs"):
        return None
    runs = rc.query(
        "select * from dq.runs where kind = 'check' order by started_at desc, run_id desc limit 1"
    )
    return runs.to_dicts()[0] if runs.height else None


def _dq_state() -> tuple[str, str]:
    """('passed' | 'failed' | 'not run', words) for the latest check run."""
    run = _latest_check_run()
    if run is None:
        return "not run", "No data-quality run recorded"
    failed = rc.query(
        "select count(*) as k from dq.check_results "
        "where run_id = ? and severity = 'error' and not success",
        [run["run_id"]],
    )["k"][0]
    if failed or (run.get("n_failed_error") or 0) > 0:
        return "failed", "Error-level checks failed"
    return "passed", "No error-level failure"


def summary_cards(rates: pl.DataFrame) -> str:
    """Four headline facts; no person counts (a total minus shown cells could reveal a hidden
    one)."""
    datasets = (
        rc.query("select source, count(*) as k from raw.datasets group by source order by source")
        if rc.has_table("raw", "datasets")
        else None
    )
    by_source = (
        ", ".join(f"{r['k']} {r['source']}" for r in rc.rows_of(datasets))
        if (datasets is not None and datasets.height)
        else "none loaded"
    )
    n_datasets = int(datasets["k"].sum()) if datasets is not None and datasets.height else 0
    classes = sorted(set(rates["treatment_class"].to_list())) if rates.height else []
    state, words = _dq_state()
    cards = [
        ("Datasets", f"{n_datasets}", by_source),
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


# ---- index: rates ----------------------------------------------------------------------------


def rates_table(rows: list[dict[str, Any]], with_analysis: bool, caption: str) -> str:
    """Table 1 (primary analysis) or Table 2 (every analysis), grouped by dataset and scale."""
    titles = _dataset_titles()
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
        return _dataset_heading(row, titles, extra)

    cols = [
        Col("Timepoint", lambda r: html.escape(r["timepoint"]) if r["_first_of_timepoint"] else ""),
        Col("Treatment class", lambda r: rc.class_cell(r["treatment_class"])),
        Col("n", lambda r: rc.shown(r["n_display"]), numeric=True, count=True),
        Col("Responders", lambda r: rc.shown(r["n_responders_display"]), numeric=True, count=True),
        Col(
            "Response, % (95% CI)",
            lambda r: rc.rate_ci(r["response_rate"], r["response_ci_low"], r["response_ci_high"]),
            numeric=True,
        ),
        Col("Remitters", lambda r: rc.shown(r["n_remitters_display"]), numeric=True, count=True),
        Col(
            "Remission, % (95% CI)",
            lambda r: rc.rate_ci(
                r["remission_rate"], r["remission_ci_low"], r["remission_ci_high"]
            ),
            numeric=True,
        ),
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
    titles = _dataset_titles()

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
        return _dataset_heading(r, titles, html.escape(rc.SCALE_LABEL.get(r["scale"], r["scale"])))

    return rc.table(
        rows,
        cols,
        "Comparisons with each dataset's reference class (primary analysis): risk difference in "
        "percentage points with the Newcombe hybrid score 95% CI, risk ratio with the "
        "log-method 95% CI ('–' when a count is 0).",
        group_by=group,
        notes="suppressed: a count behind the comparison is hidden (small-cell rule).",
    )


# ---- index: cohort ---------------------------------------------------------------------------


def cohort_table(rows: list[dict[str, Any]]) -> str:
    titles = _dataset_titles()

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
        group_by=lambda r: _dataset_heading(r, titles),
        notes="Age is top-coded at 90. " + rc.suppression_note(),
    )


def attrition_table(rows: list[dict[str, Any]]) -> str:
    titles = _dataset_titles()
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
        group_by=lambda r: _dataset_heading(r, titles),
        notes=(
            "A small exclusion also hides every remaining count above it, up to the first step, "
            "so that no step's count can be worked out from its neighbours; the counts below it, "
            "which the rates rest on, stay shown. A small remaining count hides the counts after "
            "it. " + rc.suppression_note()
        ),
    )


# ---- data quality ----------------------------------------------------------------------------


def dq_status(link: bool = True) -> str:
    """The latest check run: state, when, and checks counted by severity and result."""
    run = _latest_check_run()
    if run is None:
        return rc.notice(
            "No data-quality run recorded",
            "Run <code>trd check</code> to validate the warehouse; the report is published only "
            "when no error-level check fails.",
            "warn",
        )
    counts = rc.query(
        "select severity, "
        "count(*) filter (where success) as passed, "
        "count(*) filter (where not success) as failed "
        "from dq.check_results where run_id = ? group by severity order by severity",
        [run["run_id"]],
    )
    state, words = _dq_state()
    cols = [
        Col("Severity", lambda r: html.escape(r["severity"])),
        Col("Checks passed", lambda r: f"{r['passed']:,}", numeric=True),
        Col("Checks failed", lambda r: _failed_badge(r["failed"], r["severity"]), numeric=True),
    ]
    when = html.escape(str(run.get("finished_at") or run.get("started_at"))[:19])
    gx = html.escape(str(run.get("gx_version") or "?"))
    head = (
        f'<p class="dq-line dq-{state.replace(" ", "-")}"><span class="badge">{state}</span> '
        f"{words}. Latest check run <code>{html.escape(str(run['run_id']))}</code>, finished "
        f"{when}, Great Expectations {gx}."
        + (
            ' Every check is listed on the <a href="data-quality.html">data-quality page</a>.'
            if link
            else ""
        )
        + "</p>"
    )
    return head + rc.table(
        rc.rows_of(counts),
        cols,
        "Checks of the latest run by severity and result. Error-level failures block "
        "publication; warnings are reported.",
    )


def _failed_badge(k: int, severity: str) -> str:
    if not k:
        return "0"
    kind = "fail" if severity == "error" else "warn"
    return f'<span class="pill {kind}">{k:,}</span>'


def dq_checks_table() -> str:
    """Every check of the latest run: failures first, errors before warnings."""
    run = _latest_check_run()
    if run is None:
        return dq_status(link=False)
    checks = rc.query(
        # failing_keys is left out on purpose: record keys never reach a report
        "select dataset_id, table_name, check_id, column_name, category, severity, success, "
        "unexpected_count, unexpected_percent, description, fix "
        "from dq.check_results where run_id = ? "
        "order by success, case severity when 'error' then 0 else 1 end, dataset_id, "
        "table_name, check_id, column_name",
        [run["run_id"]],
    )

    def result(r: dict[str, Any]) -> str:
        if r["success"]:
            return '<span class="pill pass">pass</span>'
        return f'<span class="pill {"fail" if r["severity"] == "error" else "warn"}">fail</span>'

    def unexpected_pct(r: dict[str, Any]) -> str:
        k = r["unexpected_count"]
        if r["unexpected_percent"] is None or (k is not None and 1 <= k < rc.threshold()):
            return "–"
        return f"{r['unexpected_percent']:.2f}%"

    def where(r: dict[str, Any]) -> str:
        parts = [r["dataset_id"], r["table_name"], r["column_name"]]
        return " · ".join(html.escape(str(p)) for p in parts if p)

    def check(r: dict[str, Any]) -> str:
        fix = r["fix"]
        todo = "" if r["success"] or not fix else f'<div class="fix">Fix: {html.escape(fix)}</div>'
        return (
            f"{html.escape(r['description'] or '')}{todo}"
            f'<code class="check-id">{html.escape(r["check_id"])}</code>'
        )

    cols = [
        Col("Result", result),
        Col(
            "Severity",
            lambda r: (
                f"{html.escape(r['severity'])}<br><small>{html.escape(r['category'])}</small>"
            ),
        ),
        Col("Where", where),
        Col("Check", check),
        Col(
            "Records failing",
            lambda r: rc.count_text(r["unexpected_count"]),
            numeric=True,
            count=True,
        ),
        Col("%", unexpected_pct, numeric=True),
    ]
    return rc.table(
        rc.rows_of(checks),
        cols,
        f"Every check of run <code>{html.escape(str(run['run_id']))}</code> "
        f"({checks.height:,} checks).",
        notes=(
            "Severity: error blocks, warn reports; below it the Kahn category. Where: dataset, "
            "table and column. Records failing: records that break the rule. Counts from 1 to "
            f"{rc.threshold() - 1} read &lt;{rc.threshold()} and their percentage is hidden, as "
            "everywhere in these reports; the keys of failing records are never shown here "
            "(they are in the Great Expectations Data Docs and the CLI output for data stewards)."
        ),
    )


_ROUTE_LABEL = {
    "seed": "code-list id",
    "code": "vocabulary code",
    "ancestor": "descendant",
    "source_value": "source value",
}


def concept_set_diagnostics() -> str:
    """What each registry code list found in the data, and what it missed (OHDSI
    CohortDiagnostics' included and orphan concepts), from dq.concept_set_diagnostics of the
    latest check run. Per dataset: a summary line per code list (numbers of concepts, never of
    patients) and, folded, every concept with its records and persons (small counts hidden)."""
    run = _latest_check_run()
    if run is None or not rc.has_table("dq", "concept_set_diagnostics"):
        return rc.notice(
            "No concept-set diagnostics",
            "Run <code>trd build</code> and <code>trd check</code>: the check run records what "
            "each registry code list finds in the data.",
            "warn",
        )
    rows = rc.rows_of(
        rc.query(
            "select * from dq.concept_set_diagnostics where run_id = ? "
            "order by dataset_id, concept_set, kind, n_records desc, concept_id",
            [run["run_id"]],
        )
    )
    if not rows:
        return rc.notice(
            "No registry dataset", "Concept-set diagnostics concern registry (OMOP) datasets."
        )
    code_lists = list(dict.fromkeys(r["concept_set"] for r in reference("concept_sets")))
    parts = []
    for dataset_id in dict.fromkeys(r["dataset_id"] for r in rows):
        mine = [r for r in rows if r["dataset_id"] == dataset_id]
        parts.append(_code_list_summary(dataset_id, mine, code_lists))
        parts.append(
            details(
                f"{dataset_id}: every concept found or missed ({len(mine):,} rows)",
                _concept_rows_table(dataset_id, mine),
            )
        )
    return "".join(parts)


def _code_list_summary(dataset_id: str, rows: list[dict[str, Any]], code_lists: list[str]) -> str:
    def concepts(concept_set: str, kind: str) -> dict[int, set[str]]:
        """Concept id -> the routes it was found by (a concept may be found twice)."""
        found: dict[int, set[str]] = {}
        for r in rows:
            if r["concept_set"] == concept_set and r["kind"] == kind:
                found.setdefault(r["concept_id"], set()).add(r["match_route"] or "")
        return found

    summary = [
        {
            "concept_set": c,
            "found": len(concepts(c, "matched")),
            "descendants": sum(
                routes == {"ancestor"} for routes in concepts(c, "matched").values()
            ),
            "orphans": len(concepts(c, "orphan")),
        }
        for c in code_lists
    ]

    def found(r: dict[str, Any]) -> str:
        if not r["found"]:
            return '<span class="pill warn">none</span>'
        return f"{r['found']:,}"

    def orphans(r: dict[str, Any]) -> str:
        return f'<span class="pill warn">{r["orphans"]:,}</span>' if r["orphans"] else "0"

    return rc.table(
        summary,
        [
            Col("Code list", rc.text("concept_set")),
            Col("Concepts found in the records", found, numeric=True),
            Col("of which only as descendants", lambda r: f"{r['descendants']:,}", numeric=True),
            Col("Orphan concepts", orphans, numeric=True),
        ],
        f"Code lists in <b>{html.escape(dataset_id)}</b>: concepts of the records that each code "
        "list found (its own ids, the dataset's concepts with their vocabulary codes, and their "
        "descendants through the dataset's concept_ancestor), and orphans.",
        notes=(
            "An <b>orphan</b> is a concept of the records whose name holds every word of a "
            "code-list entry's name (e.g. a ketamine product) but which the code list missed: "
            "usually a gap in the dataset's concept_ancestor or an unmapped source concept. A "
            "code list that finds <b>none</b> in a registry that should hold it points at a wrong "
            "id or another vocabulary. These are numbers of concepts, not of patients."
        ),
    )


def _concept_rows_table(dataset_id: str, rows: list[dict[str, Any]]) -> str:
    def concept(r: dict[str, Any]) -> str:
        name = html.escape(r["concept_name"] or "(no name in the dataset's vocabulary)")
        code = " ".join(str(p) for p in (r["vocabulary_id"], r["concept_code"]) if p)
        return f"{name}<br><small>{r['concept_id']} {html.escape(code)}</small>"

    def via(r: dict[str, Any]) -> str:
        how = _ROUTE_LABEL.get(r["match_route"], "named like")
        entry = html.escape(r["via_concept_name"] or "")
        return f"{entry} ({r['via_concept_id']})<br><small>{how}</small>"

    return rc.table(
        rows,
        [
            Col("Found / orphan", lambda r: "found" if r["kind"] == "matched" else "orphan"),
            Col("Concept", concept),
            Col("Code-list entry", via),
            Col("Records", lambda r: rc.count_text(r["n_records"]), numeric=True, count=True),
            Col("Persons", lambda r: rc.count_text(r["n_persons"]), numeric=True, count=True),
        ],
        f"Concepts of <b>{html.escape(dataset_id)}</b> by code list.",
        group_by=lambda r: f"<b>{html.escape(r['concept_set'])}</b>",
        notes=rc.suppression_note(),
    )


# ---- provenance ------------------------------------------------------------------------------


def _hidden_first_steps() -> str:
    """SQL for the datasets whose first attrition count (ADSL subjects, OMOP persons) is hidden
    in reporting.attrition: the ADSL / PERSON file's row count is that count, so it must not be
    printed beside it (docs/privacy.md#small-cell-suppression). Without the view there is nothing
    to hide."""
    if not rc.has_table("reporting", "attrition"):
        return "select null::varchar as dataset_id where false"
    return "select dataset_id from reporting.attrition where step_order = 1 and n_remaining is null"


def _file_rows_text(r: dict[str, Any]) -> str:
    """A file's row count, "suppressed" when its dataset's first attrition count is hidden
    (every file of the dataset: a record file may have one row per subject too)."""
    if r["rows_hidden"] and r["rows"] is not None and r["rows"] >= rc.threshold():
        return "suppressed"
    return rc.count_text(r["rows"])


def provenance() -> str:
    """Datasets, their files with sha256 and load times, the code version and tool versions."""
    parts: list[str] = []
    if rc.has_table("raw", "datasets") and rc.has_table("raw", "load_audit"):
        files = rc.query(
            "select d.dataset_id, d.source, d.title, d.config_sha256, d.loaded_at, "
            "a.file, a.sha256, a.rows, a.finished_at, "
            "top.dataset_id is not null as rows_hidden "
            "from raw.datasets d left join raw.load_audit a "
            "on a.load_id = d._load_id and a.dataset_id = d.dataset_id "
            "and a.status = 'loaded' and a.file is not null "
            f"left join ({_hidden_first_steps()}) top on top.dataset_id = d.dataset_id "
            "order by d.dataset_id, a.file"
        )
        titles = _dataset_titles()
        cols = [
            Col("File", lambda r: html.escape(r["file"] or "–")),
            Col(
                "SHA-256", lambda r: f'<code class="hash">{html.escape(r["sha256"] or "–")}</code>'
            ),
            Col("Rows", _file_rows_text, numeric=True, count=True),
            Col("Loaded", lambda r: html.escape(str(r["finished_at"] or r["loaded_at"])[:19])),
        ]
        parts.append(
            rc.table(
                rc.rows_of(files),
                cols,
                "Table 5. Loaded datasets and files, with the SHA-256 of each file as loaded.",
                group_by=lambda r: _dataset_heading(
                    r,
                    titles,
                    f'dataset.yml <code class="hash">{html.escape(r["config_sha256"][:12])}</code>',
                ),
                notes=(
                    "Row counts follow the small-cell rule too; a dataset whose attrition hides "
                    "its first count hides its files' row counts, since the subject (person) "
                    "file's row count is that first count. " + rc.suppression_note()
                ),
            )
        )
    else:
        parts.append(
            rc.notice("No dataset loaded", "Run <code>trd ingest DIR</code> first.", "warn")
        )
    versions = rc.tool_versions()
    code = [
        ("Code version (git commit)", f"<code>{html.escape(rc.git_commit())}</code>"),
        ("Rendered at", datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
        ("Small-cell threshold", f"counts 1–{rc.threshold() - 1} shown as &lt;{rc.threshold()}"),
    ]
    code += [(name, f"<code>{html.escape(v)}</code>") for name, v in versions.items()]
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in code)
    parts.append(f'<table class="kv"><tbody>{rows}</tbody></table>')
    return "".join(parts)


# ---- methods ---------------------------------------------------------------------------------


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


# ---- index: immune pathways (docs/biomarkers.md) ---------------------------------------------

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
    titles = _dataset_titles()

    def stratum(r: dict[str, Any]) -> str:
        label = r.get("stratifier_label") or r["stratifier"]
        sign = "≥" if r["stratum"] == "high" else "<"
        return html.escape(f"{label} {sign} {r['cutoff']:.3g} {r.get('stratifier_unit') or ''}")

    cols = [
        Col("Timepoint", rc.text("timepoint")),
        Col("Class", lambda r: rc.class_cell(r["treatment_class"])),
        Col("Baseline stratum", stratum),
        Col("n", lambda r: rc.shown(r["n_display"]), numeric=True, count=True),
        Col("Responders", lambda r: rc.shown(r["n_responders_display"]), numeric=True, count=True),
        Col(
            "Response, % (95% CI)",
            lambda r: rc.rate_ci(r["response_rate"], r["response_ci_low"], r["response_ci_high"]),
            numeric=True,
        ),
        Col("Remitters", lambda r: rc.shown(r["n_remitters_display"]), numeric=True, count=True),
        Col(
            "Remission, % (95% CI)",
            lambda r: rc.rate_ci(
                r["remission_rate"], r["remission_ci_low"], r["remission_ci_high"]
            ),
            numeric=True,
        ),
    ]

    def group(r: dict[str, Any]) -> str:
        scale = rc.SCALE_LABEL.get(r["scale"], r["scale"])
        analysis = rc.ANALYSIS_LABEL.get(r["analysis"], r["analysis"])
        return _dataset_heading(r, titles, html.escape(f"{scale} · {analysis}"))

    return rc.table(
        rows,
        cols,
        "Response and remission by baseline inflammation stratum (each dataset's primary "
        "analysis), Wilson 95% CIs.",
        group_by=group,
        notes=rc.suppression_note(),
    )


def _interaction_table(rows: list[dict[str, Any]]) -> str:
    titles = _dataset_titles()

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
        return _dataset_heading(r, titles, html.escape(rc.SCALE_LABEL.get(r["scale"], r["scale"])))

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
    titles = _dataset_titles()
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
        group_by=lambda r: _dataset_heading(r, titles),
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
        details("Response by inflammation stratum, every timepoint", _stratum_table(strata))
    )
    parts.append(
        details("Interaction estimates, every timepoint", _interaction_table(interactions))
    )
    parts.append(details("Biomarker change by responder status", _change_table(changes)))
    return "".join(parts)
