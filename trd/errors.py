"""One exception family for every failure a user can act on (SPEC 2 and 4).

The CLI prints `str(error)` and exits with `exit_code`; no traceback reaches the user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


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
    exit_code: int = 1

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
        super().__init__(rule, fix, exit_code=2, **kw)


class WarehouseBusy(TrdError):
    """Another process holds the DuckDB write lock (DuckDB allows one writer)."""


def format_rows(rows: Sequence[int], total: int | None = None, limit: int = 5) -> str:
    """'3, 8, 12' or '3, 8, 12, 15, 20 (46 rows in all)': the first offending rows, never all."""
    shown = ", ".join(str(r) for r in list(rows)[:limit])
    total = max(total or 0, len(rows))
    return f"{shown} ({total} rows in all)" if total > min(len(rows), limit) else shown
