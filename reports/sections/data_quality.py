"""The data-quality status (index and data-quality page), every check of the latest run and the
concept-set diagnostics, from reporting.dq_runs, reporting.dq_check_results and
reporting.dq_concept_set_diagnostics (counts of records already under the small-cell rule)."""

from __future__ import annotations

import html
from typing import Any

import _common as rc
from _common import Col
from sections import layout, methods


def latest_check_run() -> dict[str, Any] | None:
    """The check run a report rests on (reporting.dq_runs.is_latest), or None."""
    if not rc.has_table("reporting", "dq_runs"):
        return None
    runs = rc.query("select * from reporting.dq_runs where is_latest")
    return runs.to_dicts()[0] if runs.height else None


def dq_state() -> tuple[str, str]:
    """('passed' | 'failed' | 'not run', words) for the latest check run."""
    run = latest_check_run()
    if run is None:
        return "not run", "No data-quality run recorded"
    if run["n_error_failed"] > 0:
        return "failed", "Error-level checks failed"
    return "passed", "No error-level failure"


def dq_status(link: bool = True) -> str:
    """The latest check run: state, when, and checks counted by severity and result."""
    run = latest_check_run()
    if run is None:
        return rc.notice(
            "No data-quality run recorded",
            "Run <code>trd check</code> to validate the warehouse; the report is published only "
            "when no error-level check fails.",
            "warn",
        )
    counts = [
        {"severity": "error", "passed": run["n_error_passed"], "failed": run["n_error_failed"]},
        {"severity": "warn", "passed": run["n_warn_passed"], "failed": run["n_warn_failed"]},
    ]
    state, words = dq_state()
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
        counts,
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
    run = latest_check_run()
    if run is None:
        return dq_status(link=False)
    checks = rc.query(
        "select * from reporting.dq_check_results where run_id = ? "
        "order by success, case severity when 'error' then 0 else 1 end, dataset_id, "
        "table_name, check_id, column_name",
        [run["run_id"]],
    )

    def result(r: dict[str, Any]) -> str:
        if r["success"]:
            return '<span class="pill pass">pass</span>'
        return f'<span class="pill {"fail" if r["severity"] == "error" else "warn"}">fail</span>'

    def unexpected_pct(r: dict[str, Any]) -> str:
        if r["unexpected_percent"] is None:
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
            lambda r: rc.shown(r["unexpected_count_display"]),
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
    run = latest_check_run()
    if run is None or not rc.has_table("reporting", "dq_concept_set_diagnostics"):
        return rc.notice(
            "No concept-set diagnostics",
            "Run <code>trd build</code> and <code>trd check</code>: the check run records what "
            "each registry code list finds in the data.",
            "warn",
        )
    rows = rc.rows_of(
        rc.query(
            "select * from reporting.dq_concept_set_diagnostics where run_id = ? "
            "order by dataset_id, concept_set, kind, n_records desc, concept_id",
            [run["run_id"]],
        )
    )
    if not rows:
        return rc.notice(
            "No registry dataset", "Concept-set diagnostics concern registry (OMOP) datasets."
        )
    code_lists = list(dict.fromkeys(r["concept_set"] for r in methods.reference("concept_sets")))
    parts = []
    for dataset_id in dict.fromkeys(r["dataset_id"] for r in rows):
        mine = [r for r in rows if r["dataset_id"] == dataset_id]
        parts.append(_code_list_summary(dataset_id, mine, code_lists))
        parts.append(
            layout.details(
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
            Col("Records", lambda r: rc.shown(r["n_records_display"]), numeric=True, count=True),
            Col("Persons", lambda r: rc.shown(r["n_persons_display"]), numeric=True, count=True),
        ],
        f"Concepts of <b>{html.escape(dataset_id)}</b> by code list.",
        group_by=lambda r: f"<b>{html.escape(r['concept_set'])}</b>",
        notes=rc.suppression_note(),
    )
