"""`trd report`: publish gate, then render the Quarto project in this folder to HTML
(docs/reading-a-report.md).

Enters: a warehouse with `reporting.*` views (dbt) and `dq.*` results (`trd check`; the pages
read them through `reporting.dq_*`, the gate here directly). Leaves: `index.html`,
`data-quality.html`, `methods.html` and one `dataset-<dataset_id>.html` per loaded dataset
(`dataset.qmd` with its `dataset_id` parameter), self-contained (no network needed to view), in
`reports/_site/` unless told otherwise.

The gate comes first: a report is not published while the latest `check` run has an error-level
failure, nor before any check ran, nor when that run is stale (older than the latest build, not
covering every loaded dataset in its loaded version, or the marts older than a load:
expectations/freshness.py), unless `allow_failed_checks`, which stamps a red banner saying
why on every page. Rendering uses `quarto render` when Quarto is on PATH (the project, then
`dataset.qmd` once per dataset with `-P dataset_id:...`); otherwise the same `.qmd` files are
parsed here, executed with nbclient (a parameter cell injected after the `parameters`-tagged
cell, as papermill and Quarto do) and exported with nbconvert and our own template
(`_nbconvert/trd`), which inlines the stylesheet and loads no script.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import nbformat
import yaml
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

from core import console, interrupts
from core.errors import ConfigError, DataRejected, TrdError
from core.outputs import output_folder
from core.reference import small_cell_threshold
from core.settings import SUPPRESSION_ENV
from core.warehouse import open_warehouse
from expectations.freshness import stale_reasons
from reports._pages import DATASET_PAGE, SITE_PAGES, dataset_page

REPORTS_DIR = Path(__file__).resolve().parent
PAGES = SITE_PAGES
DEFAULT_OUT = REPORTS_DIR / "_site"
CELL_TIMEOUT_S = 300


# ---- publish gate ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """What the gate decided: None means publish as is; else the banner to stamp on every page."""

    banner: str | None = None


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(found and found[0])


def _latest_check_run(con: duckdb.DuckDBPyConnection) -> str | None:
    if not _has_table(con, "dq", "runs"):
        return None
    row = con.execute(
        "select run_id from dq.runs where kind = 'check' "
        "order by started_at desc, run_id desc limit 1"
    ).fetchone()
    return None if row is None else str(row[0])


def _error_failures(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, str]]:
    """(check_id, 'dataset D, table T, column C') of each error-level failure of the run."""
    rows = con.execute(
        "select check_id, dataset_id, table_name, column_name "
        "from dq.check_results where run_id = ? and severity = 'error' and not success "
        "order by dataset_id, table_name, check_id",
        [run_id],
    ).fetchall()
    failures = []
    for check_id, dataset, table, column in rows:
        where = [
            f"dataset {dataset}" if dataset else None,
            f"table {table}" if table else None,
            f"column {column}" if column else None,
        ]
        failures.append((str(check_id), ", ".join(w for w in where if w)))
    if not failures:
        counted = con.execute(
            "select coalesce(n_failed_error, 0) from dq.runs where run_id = ?", [run_id]
        ).fetchone()
        if counted and counted[0]:
            failures.append((f"{counted[0]} error-level check(s) counted in dq.runs", ""))
    return failures


def _listed(failures: list[tuple[str, str]], limit: int = 10) -> str:
    """'adsl.age_at_most_90 (dataset X, table adsl, column age); ...' without record counts,
    which would be small counts on a page."""
    shown = [f"{check} ({where})" if where else check for check, where in failures[:limit]]
    return "; ".join(shown) + ("; ..." if len(failures) > limit else "")


def publish_gate(con: duckdb.DuckDBPyConnection, allow_failed_checks: bool) -> Gate:
    """Refuse to publish while an error-level check fails, no check ran, or the latest check run
    is stale (docs/data-quality.md and docs/reading-a-report.md); with `allow_failed_checks`, the
    banner says which."""
    run_id = _latest_check_run(con)
    if run_id is None:
        if allow_failed_checks:
            return Gate(
                "NOT VALIDATED: no data-quality check has run on this warehouse. "
                "Rendered with --allow-failed-checks; do not publish."
            )
        raise DataRejected(
            rule="no data-quality run is recorded in this warehouse (dq.runs has no 'check' "
            "run), so the report cannot be published",
            fix="run `trd check` first, then `trd report` "
            "(or pass --allow-failed-checks for a draft marked as not validated)",
        )
    stale = stale_reasons(con, run_id)
    failures = _error_failures(con, run_id)
    if stale is not None and (allow_failed_checks or not failures):
        if allow_failed_checks:
            failed = f"; and {len(failures)} error-level check(s) failed" if failures else ""
            return Gate(
                f"NOT VALIDATED: the data-quality results are stale ({stale}){failed}. "
                "Rendered with --allow-failed-checks; do not publish."
            )
        raise DataRejected(
            rule=f"the latest data-quality run {run_id} does not vouch for the warehouse as it "
            f"is: {stale}; a report is published only from checked data",
            fix=f"{stale.fix} (or pass --allow-failed-checks for a draft marked as not "
            "validated on every page)",
        )
    if not failures:
        return Gate()
    listed = _listed(failures)
    if allow_failed_checks:
        return Gate(
            f"NOT FOR PUBLICATION: {len(failures)} error-level data-quality check(s) "
            f"failed in run {run_id}: {listed}. Rendered with --allow-failed-checks."
        )
    raise DataRejected(
        rule=f"the latest data-quality run {run_id} has {len(failures)} error-level "
        f"failure(s): {listed}; a report is not published while an error-level check fails",
        fix="correct the data (or the models) named above, then run `trd ingest`/`trd build` "
        "as needed and `trd check` again; or pass --allow-failed-checks for a draft with a "
        "warning banner on every page",
    )


SUPPRESSION_OVERRIDES = ("cms",)
"""What `trd report --suppression` may force on every dataset: only more suppression
(docs/privacy.md#small-cell-suppression)."""


def _threshold(con: duckdb.DuckDBPyConnection) -> int:
    """The threshold the reporting views were built with (dbt --vars may have changed it)."""
    if _has_table(con, "reporting", "suppression_policy"):
        row = con.execute(
            "select small_cell_threshold from reporting.suppression_policy"
        ).fetchone()
        if row:
            return int(row[0])
    return small_cell_threshold()


# ---- the .qmd format (the part of it our pages use) ------------------------------------------


@dataclass
class QmdCell:
    kind: str
    """'markdown' or 'code'."""
    source: str
    options: dict[str, object] = field(default_factory=dict)
    """`#| key: value` lines at the top of a code cell."""


_FENCE_OPEN = re.compile(r"^```\{python[^}]*\}\s*$")
_OPTION = re.compile(r"^#\|\s*([\w-]+)\s*:\s*(.*)$")


def parse_qmd(text: str) -> tuple[dict[str, object], list[QmdCell]]:
    """Front matter, then markdown and ```{python} cells in order, with their `#|` options."""
    front: dict[str, object] = {}
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
        front = yaml.safe_load("\n".join(lines[1:end])) or {}
        lines = lines[end + 1 :]
    cells: list[QmdCell] = []
    markdown: list[str] = []
    i = 0
    while i < len(lines):
        if _FENCE_OPEN.match(lines[i]):
            _flush_markdown(markdown, cells)
            j = next(k for k in range(i + 1, len(lines)) if lines[k].strip() == "```")
            cells.append(_code_cell(lines[i + 1 : j]))
            i = j + 1
            continue
        markdown.append(lines[i])
        i += 1
    _flush_markdown(markdown, cells)
    return front, cells


def _flush_markdown(buffer: list[str], cells: list[QmdCell]) -> None:
    if "\n".join(buffer).strip():
        cells.append(QmdCell("markdown", "\n".join(buffer).strip("\n")))
    buffer.clear()


def _code_cell(body: list[str]) -> QmdCell:
    options: dict[str, object] = {}
    k = 0
    while k < len(body) and (m := _OPTION.match(body[k])):
        options[m.group(1)] = yaml.safe_load(m.group(2))
        k += 1
    return QmdCell("code", "\n".join(body[k:]), options)


def to_notebook(
    front: Mapping[str, object],
    cells: list[QmdCell],
    parameters: Mapping[str, object] | None = None,
) -> nbformat.NotebookNode:
    """An nbformat v4 notebook; `include: false` cells still run but show nothing. With
    `parameters`, a cell setting them is injected after the cell tagged `parameters` (papermill's
    convention, which Quarto follows for `-P name:value`), tagged `injected-parameters`."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["title"] = str(front.get("title", ""))
    for cell in cells:
        if cell.kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(cell.source))
        else:
            code = nbformat.v4.new_code_cell(cell.source)
            code.metadata["trd_options"] = dict(cell.options)
            tags = cell.options.get("tags") or []
            code.metadata["tags"] = list(tags)
            nb.cells.append(code)
            if parameters and "parameters" in tags:
                nb.cells.append(_injected(parameters))
    return nb


def _injected(parameters: Mapping[str, object]) -> nbformat.NotebookNode:
    source = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    cell = nbformat.v4.new_code_cell("# Injected parameters\n" + source)
    cell.metadata["tags"] = ["injected-parameters"]
    cell.metadata["trd_options"] = {"include": False}
    return cell


# ---- rendering -------------------------------------------------------------------------------


def _kernel_env(warehouse: Path, threshold: int, suppression: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop(SUPPRESSION_ENV, None)  # only this render's --suppression applies
    env.update(
        TRD_WAREHOUSE=str(warehouse),
        TRD_SMALL_CELL_THRESHOLD=str(threshold),
        MPLBACKEND="Agg",
        QUARTO_PYTHON=sys.executable,  # Quarto runs the pages in this venv's python3 kernel
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    if suppression:
        env[SUPPRESSION_ENV] = suppression  # reports/_common.py sets it on its connections
    return env


def _execute(
    nb: nbformat.NotebookNode, page: str, env: dict[str, str], km: KernelManager | None = None
) -> None:
    """Run every cell in a python3 kernel, cwd = reports/ (so `import _common` works): a fresh
    one, or `km`'s, which the per-dataset pages share (started by the first, imports kept)."""
    client = NotebookClient(
        nb,
        km=km,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_S,
        # quiet the kernel's own log (e.g. its TCP-transport notice): only cell errors matter
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(REPORTS_DIR)}},
    )
    try:
        client.execute(env=env)
    except CellExecutionError as err:
        raise TrdError(
            rule=f"report page {page}.qmd failed while rendering: {_last_line(str(err))}",
            fix="this is a bug in the report or a warehouse built by another version; run "
            "`trd build` and try again, and report the message if it persists",
        ) from err
    finally:
        if km is not None and client.kc is not None:
            # a shared kernel's client is ours to close (nbclient closes only its own kernels)
            client.kc.stop_channels()
            client.kc = None


def _last_line(message: str) -> str:
    lines = [ln for ln in message.strip().splitlines() if ln.strip()]
    return re.sub(r"\x1b\[[0-9;]*m", "", lines[-1]) if lines else message


def _visible_outputs(nb: nbformat.NotebookNode, page: str) -> None:
    """Apply `#| output: false` / `include: false`; stderr (warnings) goes to our console, not
    into the page."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        options = cell.metadata.get("trd_options", {})
        for out in cell.outputs:
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                console.warn(f"trd report: {page}.qmd: {out.get('text', '').strip()}")
        if options.get("include") is False or options.get("output") is False:
            cell.outputs = []
        else:
            cell.outputs = [
                o
                for o in cell.outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]


def _export(nb: nbformat.NotebookNode, page: str, front: Mapping[str, object]) -> str:
    exporter = HTMLExporter(
        template_name="trd",
        extra_template_basedirs=[str(REPORTS_DIR / "_nbconvert")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    resources = {
        "trd": {
            "title": str(front.get("title", page)),
            "subtitle": str(front.get("subtitle", "") or ""),
            "page": page,
            "css": (REPORTS_DIR / "styles.css").read_text(encoding="utf-8"),
            "nav": (REPORTS_DIR / "_nav.html").read_text(encoding="utf-8"),
        }
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def render_page_fallback(
    page: str,
    out: Path,
    env: dict[str, str],
    parameters: Mapping[str, object] | None = None,
    name: str | None = None,
    km: KernelManager | None = None,
) -> Path:
    """One `.qmd` -> notebook (with `parameters` injected) -> executed -> self-contained HTML
    named `name` (default: the page's), without Quarto."""
    front, cells = parse_qmd((REPORTS_DIR / f"{page}.qmd").read_text(encoding="utf-8"))
    nb = to_notebook(front, cells, parameters)
    _execute(nb, name or page, env, km)
    _visible_outputs(nb, page)
    target = out / f"{name or page}.html"
    target.write_text(_export(nb, page, front), encoding="utf-8")
    return target


def _render_quarto(
    quarto: str, out: Path, env: dict[str, str], dataset_ids: list[str]
) -> list[Path]:
    """The project (its `render` list: the site pages), then `dataset.qmd` once per dataset with
    `-P dataset_id:...` (Quarto injects it after the `parameters`-tagged cell)."""
    _quarto(quarto, [str(REPORTS_DIR), "--output-dir", str(out)], env)
    for dataset_id in dataset_ids:
        _quarto(
            quarto,
            [
                str(REPORTS_DIR / f"{DATASET_PAGE}.qmd"),
                "-P",
                f"dataset_id:{dataset_id}",
                "--output",
                f"{dataset_page(dataset_id)}.html",
                "--output-dir",
                str(out),
            ],
            env,
        )
        _collect(f"{dataset_page(dataset_id)}.html", out)
    return [out / f"{page}.html" for page in PAGES] + [
        out / f"{dataset_page(d)}.html" for d in dataset_ids
    ]


def _collect(name: str, out: Path) -> None:
    """Move a page Quarto wrote beside its source into `out`: a file outside the project's
    `render` list may ignore the output directory (quarto-dev/quarto-cli issue 14927)."""
    stray = REPORTS_DIR / name
    if not (out / name).exists() and stray.exists():
        shutil.move(str(stray), out / name)


def _quarto(quarto: str, args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        [quarto, "render", *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise TrdError(
            rule=f"quarto render failed: {_last_line(result.stderr or result.stdout)}",
            fix="read quarto's message above; set TRD_NO_QUARTO=1 to use the built-in renderer",
        )


def stamp_banner(page: Path, message: str) -> None:
    """Put a red, unmissable banner at the top of a rendered page (any renderer)."""
    banner = (
        '<div class="trd-banner" role="alert" style="background:#b91c1c;color:#ffffff;'
        "padding:0.8rem 2rem;font-weight:700;font-size:1rem;line-height:1.4;"
        'border-bottom:4px solid #7f1d1d;">'
        f"{html.escape(message)}</div>"
    )
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + banner, text, count=1)
    page.write_text(text, encoding="utf-8")


def render(
    warehouse: Path,
    out: Path | None = None,
    allow_failed_checks: bool = False,
    suppression: str | None = None,
    engine: str = "duckdb",
) -> int:
    """Gate, render every page, stamp the banner if the gate was overridden; print where.

    `suppression="cms"` applies the cms small-cell policy to every dataset in this render
    (`trd report --suppression cms`), whatever their dataset.yml says: the pages' connections
    set the session variable the reporting views read, so nothing is rebuilt or written.
    `engine="spark"`: `warehouse` is a Spark warehouse folder; what the report reads is copied
    from Spark once into a DuckDB snapshot inside it (reports/spark_snapshot.py), which is then
    gated and rendered as a DuckDB warehouse is.
    """
    if suppression is not None and suppression not in SUPPRESSION_OVERRIDES:
        raise ConfigError(
            rule=f"--suppression {suppression!r} cannot be forced on every dataset",
            fix="use --suppression cms, or leave it out to apply each dataset's own policy "
            "(dataset.yml `suppression`)",
        )
    if engine == "spark":
        warehouse = _spark_snapshot(Path(warehouse), suppression)
    con = open_warehouse(
        warehouse,
        "report",
        read_only=True,
        missing_fix="run `trd ingest DIR`, `trd build` and `trd check` first, or point "
        "--warehouse / TRD_WAREHOUSE at an existing warehouse file",
    )
    with con:
        if not _has_table(con, "reporting", "response_rates"):
            raise ConfigError(
                rule=f"warehouse {warehouse} has no reporting views (reporting.response_rates)",
                fix="run `trd build` first",
            )
        gate = publish_gate(con, allow_failed_checks)
        threshold = _threshold(con)
        dataset_ids = _dataset_ids(con)
    out = output_folder(out or DEFAULT_OUT, "--out")
    env = _kernel_env(warehouse.resolve(), threshold, suppression)
    if suppression:
        console.warn(f"trd report: small-cell suppression {suppression} applied to every dataset")
    started = time.perf_counter()
    quarto = None if os.environ.get("TRD_NO_QUARTO") else shutil.which("quarto")
    pages = (
        _render_quarto(quarto, out, env, dataset_ids)
        if quarto
        else _render_fallback(out, env, dataset_ids)
    )
    interrupts.check()
    if gate.banner:
        for page in pages:
            stamp_banner(page, gate.banner)
        console.warn(f"trd report: WARNING: {gate.banner}")
    elapsed = time.perf_counter() - started
    others = ", ".join(p.name for p in pages[1 : len(PAGES)])
    if len(pages) > len(PAGES):
        others += f" and {len(pages) - len(PAGES)} dataset pages"
    console.say(
        f"trd report: {len(pages)} pages in {elapsed:.1f} s: {pages[0]} ({others} beside it)"
    )
    console.detail(f"  rendered with {'quarto' if quarto else 'the nbclient fallback'}")
    return 0


def _spark_snapshot(warehouse: Path, suppression: str | None) -> Path:
    """The DuckDB snapshot of what the report reads in the Spark warehouse folder."""
    if not warehouse.is_dir():
        raise ConfigError(
            rule=f"the Spark warehouse {warehouse} does not exist",
            fix="run `trd ingest --engine spark DIR`, `trd build --engine spark` and "
            "`trd check --engine spark` first, or point --warehouse / TRD_SPARK_WAREHOUSE at "
            "an existing Spark warehouse folder",
        )
    from core.spark import catalogue_errors, session
    from reports.spark_snapshot import snapshot

    started = time.perf_counter()
    with catalogue_errors(warehouse, "report"):
        path = snapshot(session(warehouse), warehouse, suppression)
    console.detail(
        f"trd report: read from Spark into {path} in {time.perf_counter() - started:.1f} s"
    )
    return path


def _dataset_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The datasets that get a page of their own (reporting.datasets)."""
    if not _has_table(con, "reporting", "datasets"):
        return []
    return [
        r[0] for r in con.execute("select dataset_id from reporting.datasets order by 1").fetchall()
    ]


def _render_fallback(out: Path, env: dict[str, str], dataset_ids: list[str]) -> list[Path]:
    """The site pages in parallel (one kernel each) beside the dataset pages (one kernel for all,
    in turn: a kernel's start and imports cost more than a page); on Ctrl-C, stop waiting."""
    pool = ThreadPoolExecutor(max_workers=len(PAGES) + 1)
    try:
        datasets = pool.submit(_render_dataset_pages, out, env, dataset_ids)
        pages = list(pool.map(lambda page: render_page_fallback(page, out, env), PAGES))
        return pages + datasets.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _render_dataset_pages(out: Path, env: dict[str, str], dataset_ids: list[str]) -> list[Path]:
    if not dataset_ids:
        return []
    km = KernelManager(kernel_name="python3")
    try:
        return [
            render_page_fallback(
                DATASET_PAGE, out, env, {"dataset_id": d}, name=dataset_page(d), km=km
            )
            for d in dataset_ids
        ]
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=True)
