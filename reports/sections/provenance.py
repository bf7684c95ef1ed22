"""Provenance (docs/reading-a-report.md#provenance): datasets and their files with SHA-256 and
load times (reporting.datasets, reporting.dataset_files: row counts already under the small-cell
rule), the code version and the tool versions."""

from __future__ import annotations

import html
from datetime import datetime

import _common as rc
from _common import Col
from sections import layout


def provenance() -> str:
    """Datasets, their files with sha256 and load times, the code version and tool versions."""
    parts: list[str] = []
    if layout.datasets() and rc.has_table("reporting", "dataset_files"):
        files = rc.query(
            "select d.dataset_id, d.source, d.config_sha256, d.suppression, d.is_synthetic, "
            "f.file, f.sha256, f.rows_display, coalesce(f.loaded_at, d.loaded_at) as loaded_at "
            "from reporting.datasets d left join reporting.dataset_files f "
            "on f.dataset_id = d.dataset_id order by d.dataset_id, f.file"
        )
        titles = layout.dataset_titles()
        cols = [
            Col("File", lambda r: html.escape(r["file"] or "–")),
            Col(
                "SHA-256", lambda r: f'<code class="hash">{html.escape(r["sha256"] or "–")}</code>'
            ),
            Col("Rows", lambda r: rc.shown(r["rows_display"]), numeric=True, count=True),
            Col("Loaded", lambda r: html.escape(str(r["loaded_at"])[:19])),
        ]
        parts.append(
            rc.table(
                rc.rows_of(files),
                cols,
                "Table 5. Loaded datasets and files, with the SHA-256 of each file as loaded.",
                group_by=lambda r: layout.dataset_heading(
                    r,
                    titles,
                    f'dataset.yml <code class="hash">{html.escape(r["config_sha256"][:12])}</code>'
                    f" · suppression {html.escape(r['suppression'])}"
                    + (" · <b>demo data</b>" if r["is_synthetic"] else ""),
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
