"""One exception family for every failure a user can act on (docs/architecture.md and
docs/dataset-contract.md#what-gets-rejected), and the exit codes.

The CLI prints `str(error)` and exits with `exit_code`; no traceback reaches the user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum


class Exit(IntEnum):
    """`trd`'s exit codes: what a CI job needs to tell "retry later" from "fix the data"."""

    OK = 0
    REJECTED = 1
    """Data rejected at ingest, an error-level check failed, or the report gate refused."""
    USAGE = 2
    """Bad arguments or configuration: a path, an option, a dataset.yml."""
    BUG = 70
    """An unexpected error inside trd (EX_SOFTWARE): a bug to report, never the data's fault."""
    BUSY = 75
    """Another process holds the warehouse (EX_TEMPFAIL): retry later."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C (128 + SIGINT); nothing half-written was kept."""


@dataclass
class TrdError(Exception):
    """A failure with everything needed to fix it: where, which rule, and what to do."""

    rule: str
    fix: str
    dataset: str | None = None
    file: str | None = None
    column: str | None = None
    rows: Sequence[int] = field(default_factory=tuple)
    """The first offending rows (1-based data rows of the file), a handful at most."""
    n_rows: int | None = None
    """How many rows break the rule in all, when more than `rows` shows."""
    exit_code: int = Exit.REJECTED

    def __str__(self) -> str:
        where = [
            f"dataset {self.dataset}" if self.dataset else None,
            f"file {self.file}" if self.file else None,
            f"column {self.column}" if self.column else None,
            f"rows {format_rows(self.rows, self.n_rows)}" if self.rows else None,
        ]
        location = ", ".join(w for w in where if w)
        head = f"{location}: " if location else ""
        return f"{head}{self.rule}. Fix: {self.fix}"


class DataRejected(TrdError):
    """Input data broke the contract, the de-identification gate or an error-level check."""


class ConfigError(TrdError):
    """Usage or configuration error (bad arguments, bad dataset.yml, missing warehouse)."""

    def __init__(self, rule: str, fix: str, **kw) -> None:
        super().__init__(rule, fix, exit_code=Exit.USAGE, **kw)


class WarehouseBusy(TrdError):
    """Another process holds the DuckDB write lock (DuckDB allows one writer): retry later."""

    def __init__(self, rule: str, fix: str, **kw) -> None:
        super().__init__(rule, fix, exit_code=Exit.BUSY, **kw)


def format_rows(rows: Sequence[int], total: int | None = None, limit: int = 5) -> str:
    """'3, 8, 12' or '3, 8, 12, 15, 20 (46 rows in all)': the first offending rows, never all."""
    shown = ", ".join(str(r) for r in list(rows)[:limit])
    total = max(total or 0, len(rows))
    return f"{shown} ({total} rows in all)" if total > min(len(rows), limit) else shown


MAX_PROBLEMS = 20
"""A rejected dataset lists at most this many problems (with the total)."""


class Problems(DataRejected):
    """Every problem found in one dataset, each with its own place and fix (at most
    MAX_PROBLEMS shown), so that one round of fixes can address them all."""

    def __init__(self, problems: Sequence[TrdError], dataset: str | None = None) -> None:
        flat = tuple(p for problem in problems for p in _flatten(problem))
        super().__init__(
            rule=f"{len(flat)} problems",
            fix="fix each problem listed, then load again",
            dataset=dataset,
            exit_code=max((p.exit_code for p in flat), default=Exit.REJECTED),
        )
        self.problems = flat

    def __str__(self) -> str:
        shown = self.problems[:MAX_PROBLEMS]
        more = len(self.problems) - len(shown)
        head = f"dataset {self.dataset}: " if self.dataset else ""
        lines = [f"{head}{len(self.problems)} problems" + (":" if not more else ", the first")]
        if more:
            lines[0] += f" {len(shown)}:"
        lines += [f"  {i}. {_without(p, self.dataset)}" for i, p in enumerate(shown, 1)]
        if more:
            lines.append(f"  ... and {more} more (fix these first)")
        return "\n".join(lines)


def _flatten(problem: TrdError) -> tuple[TrdError, ...]:
    return problem.problems if isinstance(problem, Problems) else (problem,)


def _without(problem: TrdError, dataset: str | None) -> str:
    """A problem's message without the dataset the heading already names."""
    text = str(problem)
    prefix = f"dataset {dataset}"
    if dataset and text.startswith(prefix):
        text = text[len(prefix) :].lstrip(", ").removeprefix(": ")
    return text


def one_or_many(problems: Sequence[TrdError], dataset: str | None = None) -> TrdError:
    """The single problem itself, or `Problems` listing them all."""
    flat = [p for problem in problems for p in _flatten(problem)]
    return flat[0] if len(flat) == 1 else Problems(flat, dataset)
