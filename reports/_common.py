"""What every report page shares: the read-only warehouse, number formats, tables and figures.

The `.qmd` pages import this module (`import _common as rc`) from their own folder, under Quarto
and under the nbclient fallback alike. It reads `TRD_WAREHOUSE`, `TRD_SMALL_CELL_THRESHOLD` and
`TRD_SUPPRESSION`, which `reports/render.py` sets. Pages read only `reporting.*` (suppressed
views, the data-quality results and provenance included) and, on the methods page, the public
`reference` code lists: never the marts, raw or dq (docs/privacy.md). Counts reach a page only
as the views' `*_display` texts (`shown`), so no page applies a suppression rule of its own.
"""

from __future__ import annotations

import base64
import html
import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import matplotlib

from core.reference import small_cell_threshold
from core.settings import SUPPRESSION_ENV, force_cms_suppression

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402
from IPython.display import HTML, display  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent

CLASS_STYLE: dict[str, tuple[str, str]] = {
    # treatment_class: (label, colour); Okabe-Ito colours, readable by colour-blind readers.
    "ketamine": ("Ketamine", "#D55E00"),
    "esketamine": ("Esketamine", "#CC79A7"),
    "standard_ad": ("Standard antidepressant", "#0072B2"),
    "augmentation": ("Augmentation", "#009E73"),
    "ect": ("ECT", "#8C564B"),
    "placebo": ("Placebo", "#7F7F7F"),
    "other": ("Other", "#56B4E9"),
}
ANALYSIS_LABEL = {
    "oc": "Observed cases",
    "nri": "Non-responder imputation",
    "locf": "Last observation carried forward",
}
SCALE_LABEL = {"MADRS": "MADRS", "HAMD17": "HAM-D17", "QIDS_SR16": "QIDS-SR16", "PHQ9": "PHQ-9"}


# ---- the warehouse ---------------------------------------------------------------------------


@cache
def connection() -> duckdb.DuckDBPyConnection:
    """One read-only connection per page: reports never write, and may run beside each other.
    Under `trd report --suppression cms` the connection makes every reporting view apply cms
    to every dataset (docs/privacy.md)."""
    con = duckdb.connect(os.environ["TRD_WAREHOUSE"], read_only=True)
    if os.environ.get(SUPPRESSION_ENV):
        force_cms_suppression(con)
    return con


def connection_available() -> bool:
    """Whether a warehouse was given: the methods page also renders from the repo alone."""
    path = os.environ.get("TRD_WAREHOUSE")
    return bool(path) and Path(path).exists()


def query(sql: str, params: Sequence[Any] | None = None) -> pl.DataFrame:
    """Run `sql` and return a Polars frame (DuckDB 2.0: relations have `.pl()`)."""
    return connection().sql(sql, params=list(params) if params else None).pl()


def has_table(schema: str, name: str) -> bool:
    """Whether a table or view exists: dq and reference tables appear only after their stage."""
    found = query(
        "select count(*) as k from information_schema.tables "
        "where table_schema = ? and table_name = ?",
        [schema, name],
    )
    return found["k"][0] > 0


def threshold() -> int:
    """The small-cell threshold the reporting views were built with (set by render.py)."""
    return int(os.environ.get("TRD_SMALL_CELL_THRESHOLD") or small_cell_threshold())


# ---- numbers as text -------------------------------------------------------------------------


def shown(display: str | None) -> str:
    """A view's `*_display` text for HTML: '5000' -> '5,000'; '<11', 'suppressed' as they are."""
    if display is None:
        return "–"
    return f"{int(display):,}" if display.isdigit() else html.escape(display)


def pct(rate: float | None, digits: int = 1) -> str:
    """0.3562 -> '35.6%'; a hidden rate -> '–'."""
    return "–" if rate is None else f"{100 * rate:.{digits}f}%"


def rate_ci(rate: float | None, low: float | None, high: float | None) -> str:
    """'35.6% (28.3–43.7)': a rate with its 95% CI, in percent."""
    if rate is None:
        return "–"
    return f"{pct(rate)} ({100 * low:.1f}–{100 * high:.1f})"


def estimate_ci(est: float | None, low: float | None, high: float | None, digits: int = 2) -> str:
    """'2.22 (1.21–4.07)', or '−1.6 (−13.0 to 9.7)' when a bound is negative (a dash between
    negative numbers misreads); '–' when not estimable."""
    if est is None or low is None or high is None:
        return "–"
    sep = " to " if low < 0 else "–"

    def num(x: float) -> str:
        return f"{x:.{digits}f}".replace("-", "\u2212")

    return f"{num(est)} ({num(low)}{sep}{num(high)})"


def class_label(treatment_class: str) -> str:
    return CLASS_STYLE.get(treatment_class, (treatment_class, "#333333"))[0]


def class_colour(treatment_class: str) -> str:
    return CLASS_STYLE.get(treatment_class, (treatment_class, "#333333"))[1]


def class_cell(treatment_class: str) -> str:
    """A class name with its colour swatch, the same colour as in every figure."""
    colour = class_colour(treatment_class)
    return (
        f'<span class="swatch" style="background:{colour}"></span>'
        f"{html.escape(class_label(treatment_class))}"
    )


# ---- tables and figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """A table column: header text, how to turn a row into cell HTML, and its alignment.

    `count` marks cells that hold a count of patients or records (class "count"), so that a test
    can check every such cell of every page against the small-cell rule.
    """

    header: str
    cell: Callable[[dict[str, Any]], str]
    numeric: bool = False
    count: bool = False

    @property
    def css(self) -> str:
        return " ".join(c for c, on in (("num", self.numeric), ("count", self.count)) if on)


def outcome_columns() -> list[Col]:
    """The n, responders, response, remitters and remission columns every rates table shows,
    counts as the views' suppressed `*_display` texts."""
    return [
        Col("n", lambda r: shown(r["n_display"]), numeric=True, count=True),
        Col("Responders", lambda r: shown(r["n_responders_display"]), numeric=True, count=True),
        Col(
            "Response, % (95% CI)",
            lambda r: rate_ci(r["response_rate"], r["response_ci_low"], r["response_ci_high"]),
            numeric=True,
        ),
        Col("Remitters", lambda r: shown(r["n_remitters_display"]), numeric=True, count=True),
        Col(
            "Remission, % (95% CI)",
            lambda r: rate_ci(r["remission_rate"], r["remission_ci_low"], r["remission_ci_high"]),
            numeric=True,
        ),
    ]


def text(key: str) -> Callable[[dict[str, Any]], str]:
    """A cell showing one field as escaped text."""
    return lambda row: html.escape("" if row.get(key) is None else str(row[key]))


def table(
    rows: Iterable[dict[str, Any]],
    cols: Sequence[Col],
    caption: str,
    group_by: Callable[[dict[str, Any]], str] | None = None,
    notes: str | None = None,
) -> str:
    """A publication-style HTML table; `group_by` inserts a spanning row when its value changes.

    Cells are built only from what the caller passes: no hidden attributes or embedded data.
    """
    head = "".join(f'<th class="{c.css}">{c.header}</th>' for c in cols)
    body: list[str] = []
    current = None
    for row in rows:
        if group_by is not None and (group := group_by(row)) != current:
            current = group
            body.append(f'<tr class="group"><th colspan="{len(cols)}">{group}</th></tr>')
        cells = "".join(f'<td class="{c.css}">{c.cell(row)}</td>' for c in cols)
        body.append(f"<tr>{cells}</tr>")
    foot = f'<p class="table-notes">{notes}</p>' if notes else ""
    return (
        f'<div class="table-wrap"><table class="trd-table"><caption>{caption}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{foot}</div>"
    )


def figure(fig: plt.Figure, alt: str, caption: str) -> str:
    """A matplotlib figure as an inline PNG (data URI: no file, no network) with a caption."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=144, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        f'<figure class="trd-figure"><img src="data:image/png;base64,{data}" '
        f'alt="{html.escape(alt)}"><figcaption>{caption}</figcaption></figure>'
    )


def show(*parts: str) -> None:
    """Emit HTML into the page (Quarto and nbconvert both pass `text/html` outputs through)."""
    display(HTML("".join(parts)))


def notice(title: str, body: str, kind: str = "info") -> str:
    """A boxed message, e.g. the 'No eligible episodes' section of an empty warehouse."""
    return f'<div class="notice {kind}"><strong>{title}</strong><p>{body}</p></div>'


def style_axes(ax: plt.Axes) -> None:
    """The house look of every chart: light grid, no top or right spine."""
    ax.grid(axis="both", color="#e5e7eb", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.edgecolor": "#6b7280",
        "axes.labelcolor": "#111827",
        "xtick.color": "#374151",
        "ytick.color": "#374151",
    }
)


def suppression_note() -> str:
    """The caption sentence every table with counts carries
    (docs/privacy.md#small-cell-suppression): the rule depends on each dataset's policy
    (reporting.datasets.suppression), so it says both."""
    t = threshold()
    return (
        "Counts follow each dataset's small-cell policy (its <code>suppression</code>; see "
        "Provenance): <b>none</b> (trials, whose per-arm results are published) shows exact "
        f"counts; under <b>cms</b> (registries) <b>&lt;{t}</b> is a count from 1 to {t - 1}, "
        "hidden with its rate and confidence interval, and <b>suppressed</b> is hidden so that "
        "a small count elsewhere cannot be worked out by subtraction. 0 is shown."
    )


# ---- provenance ------------------------------------------------------------------------------


def git_commit() -> str:
    """The checkout's commit (`git rev-parse HEAD`), or 'unknown' outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def tool_versions() -> dict[str, str]:
    """Versions of the tools that produced the numbers, for the provenance section."""
    versions = {"python": sys.version.split()[0]}
    for name, dist in (
        ("duckdb", "duckdb"),
        ("dbt", "dbt-core"),
        ("dbt-duckdb", "dbt-duckdb"),
        ("great_expectations", "great-expectations"),
        ("polars", "polars"),
    ):
        try:
            versions[name] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def rows_of(df: pl.DataFrame) -> list[dict[str, Any]]:
    """Frame rows as dicts, the shape `table` takes."""
    return df.to_dicts()


# ---- words for findings ----------------------------------------------------------------------

TIMEPOINT_WORDS = {
    "H24": "24 hours",
    "D7": "day 7",
    "W2": "week 2",
    "D28": "day 28",
    "W6": "week 6",
    "W8": "week 8",
    "W12": "week 12",
}


def timepoint_words(timepoint: str) -> str:
    """'D28' -> 'day 28' (the sentence form of a timepoint code)."""
    return TIMEPOINT_WORDS.get(timepoint, timepoint)


def points(x: float) -> str:
    """A risk difference in whole percentage points, with a true minus sign: -0.123 -> '−12'."""
    text = f"{100 * x:.0f}"
    return "0" if text == "-0" else text.replace("-", "\u2212")


def whole_pct(rate: float) -> str:
    """0.536 -> '54%'."""
    return f"{100 * rate:.0f}%"
