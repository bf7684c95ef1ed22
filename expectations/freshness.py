"""Is the latest check run still about the warehouse as it is? (docs/data-quality.md and
docs/reading-a-report.md: the publish gate.)

A check run vouches for the data it checked, not for what was loaded or built after it. So a
report may be published only when the latest `check` run
- checked every dataset now loaded, in the version now loaded (`dq.check_inputs` holds the
  load_id of each dataset it checked; `raw.datasets` the current one),
- started after the latest build began (`dq.builds`, written by the dbt project's own on-run
  hooks, so a plain `dbt build` or `dbt run` in the repo counts as a build too),
- and the latest build finished successfully and began after the latest load, so that the
  marts hold every dataset.

Otherwise `stale_reasons` says why, and `Staleness.fix` names the commands to run. What the
gate cannot see: tables changed by hand-written SQL, or by dbt run with another project or
with hooks disabled (docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from expectations.spark_sql import SparkSQL, table_names

Connection = duckdb.DuckDBPyConnection | SparkSQL
"""A DuckDB warehouse, or a Spark one (`trd check` on Spark asks the same questions)."""

RUN_BUILD = "run `trd build`, then `trd check`, then `trd report` again"
RUN_CHECK = "run `trd check`, then `trd report` again"
SHOWN = 5


@dataclass(frozen=True)
class Staleness:
    reasons: tuple[str, ...]
    needs_build: bool

    @property
    def fix(self) -> str:
        return RUN_BUILD if self.needs_build else RUN_CHECK

    def __str__(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class _Build:
    started_at: datetime
    status: str


def has_table(con: Connection, schema: str, name: str) -> bool:
    return name in table_names(con, schema)


def latest_build(con: Connection) -> _Build | None:
    if not has_table(con, "dq", "builds"):
        return None
    row = con.execute(
        "select started_at, status from dq.builds order by started_at desc limit 1"
    ).fetchone()
    return None if row is None else _Build(row[0], str(row[1]))


def loaded_after_build(con: Connection, build: _Build | None) -> list[str]:
    """Datasets whose current version was loaded after the latest build began (all of them
    when no build is recorded): the marts do not hold them yet."""
    if not has_table(con, "raw", "datasets"):
        return []
    if build is None:
        rows = con.execute("select dataset_id from raw.datasets order by 1").fetchall()
    else:
        rows = con.execute(
            "select dataset_id from raw.datasets where loaded_at > ? order by 1",
            [build.started_at],
        ).fetchall()
    return [r[0] for r in rows]


def build_reasons(con: Connection) -> list[str]:
    """Why the marts may not match raw: no build, an unfinished or failed one, newer loads."""
    build = latest_build(con)
    if build is None:
        return ["no build of the marts is recorded in this warehouse (dq.builds is empty)"]
    reasons = []
    if build.status != "success":
        what = "did not finish" if build.status == "running" else "failed"
        reasons.append(f"the latest build (started {_at(build.started_at)} UTC) {what}")
    newer = loaded_after_build(con, build)
    if newer:
        reasons.append(
            f"{_names(newer)} {'was' if len(newer) == 1 else 'were'} loaded after the latest "
            f"build (started {_at(build.started_at)} UTC), so the marts do not include "
            f"{'it' if len(newer) == 1 else 'them'}"
        )
    return reasons


def stale_reasons(con: Connection, run_id: str) -> Staleness | None:
    """Why check run `run_id` does not vouch for the warehouse as it is, or None."""
    reasons = build_reasons(con)
    needs_build = bool(reasons)
    [(started,)] = con.execute(
        "select started_at from dq.runs where run_id = ?", [run_id]
    ).fetchall()
    build = latest_build(con)
    if build is not None and build.started_at >= started:
        reasons.append(
            f"the latest check run (started {_at(started)} UTC) is older than the latest build "
            f"(started {_at(build.started_at)} UTC)"
        )
    unchecked = _unchecked(con, run_id)
    if unchecked:
        reasons.append(
            f"the latest check run did not check the loaded version of {_names(unchecked)}"
        )
    return Staleness(tuple(reasons), needs_build) if reasons else None


def _unchecked(con: Connection, run_id: str) -> list[str]:
    if not has_table(con, "raw", "datasets"):
        return []
    if not has_table(con, "dq", "check_inputs"):  # a warehouse checked by an older trd
        rows = con.execute("select dataset_id from raw.datasets order by 1").fetchall()
        return [r[0] for r in rows]
    rows = con.execute(
        "select d.dataset_id from raw.datasets d left join dq.check_inputs c "
        "on c.run_id = ? and c.dataset_id = d.dataset_id and c.load_id = d._load_id "
        "where c.run_id is null order by 1",
        [run_id],
    ).fetchall()
    return [r[0] for r in rows]


def _names(datasets: list[str]) -> str:
    shown = ", ".join(datasets[:SHOWN])
    more = f" and {len(datasets) - SHOWN} more" if len(datasets) > SHOWN else ""
    return f"dataset{'s' if len(datasets) > 1 else ''} {shown}{more}"


def _at(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}"
