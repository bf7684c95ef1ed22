"""The result of one data-quality check, as stored in `dq.check_results` and shown to users."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from core.errors import DataRejected, TrdError

Severity = Literal["error", "warn"]
Category = Literal["conformance", "completeness", "plausibility"]


@dataclass(frozen=True)
class CheckResult:
    check_id: str
    """Stable name, e.g. 'adqs.ady_not_null_or_zero'."""
    table: str
    """Table checked, e.g. 'adqs' (raw) or 'marts.response_rates'."""
    category: Category
    severity: Severity
    success: bool
    description: str
    """What the check asserts, in words a user understands (the rule)."""
    fix: str
    """What to do when it fails."""
    dataset_id: str | None = None
    column: str | None = None
    unexpected_count: int = 0
    unexpected_percent: float | None = None
    failing_keys: tuple[str, ...] = ()
    """A few identifying keys of failing rows (e.g. USUBJID, person_id), never all."""
    failing_rows: tuple[int, ...] = ()
    """`_row_number` of a few failing rows of raw tables (1-based data row in the file)."""
    source_file: str | None = None
    """`_source_file` of the failing rows (raw tables)."""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def blocks(self) -> bool:
        """An error-level failure blocks the load or the report (docs/data-quality.md)."""
        return self.severity == "error" and not self.success

    @property
    def exception(self) -> str | None:
        """GX's error when it could not evaluate the check (a failure, never a pass)."""
        return self.extra.get("exception")

    def message(self) -> str:
        """One line for users: where, the rule broken, a few failing keys, and what to do.

        'dataset X, file adqs.csv, column ady, rows 4, 17: ADY must not be null or 0
        (S-001, S-007). Fix: ...'
        """
        return str(self.as_error())

    def as_error(self) -> TrdError:
        """This failure as the project's user-facing error (what ingest and `trd check` print)."""
        rule = self.description
        if self.exception:
            rule += f" (could not be evaluated: {self.exception.splitlines()[0]})"
        else:
            rule += self._extent()
        return DataRejected(
            rule=rule,
            fix=self.fix,
            dataset=self.dataset_id,
            file=self.source_file,
            column=self.column
            if self.source_file or not self.column
            else f"{self.table}.{self.column}",
            rows=self.failing_rows,
            n_rows=self.unexpected_count if self.failing_rows else None,
        )

    def _extent(self) -> str:
        """' (S-001, S-007; 2 rows, 0.4% of the table)': a few failing keys and how much fails."""
        parts = []
        if self.failing_keys:
            more = len(self.failing_keys) > 5 or self.unexpected_count > 5
            parts.append(", ".join(self.failing_keys[:5]) + (" ..." if more else ""))
        if self.unexpected_percent is not None and not self.success:
            pct = self.unexpected_percent
            shown = f"{pct:.1f}" if pct >= 0.1 else f"{pct:.2g}"
            rows = "row" if self.unexpected_count == 1 else "rows"
            parts.append(f"{self.unexpected_count} {rows}, {shown}% of the table")
        return f" ({'; '.join(parts)})" if parts else ""


@dataclass
class RawGateRun:
    """The raw-gate results of the datasets one `trd run` has just loaded, for its check stage.

    The check stage would otherwise run the same raw suites again on the rows the ingest gate
    has just validated (1M-person registry: about 18 s of a 40 s check). Only datasets whose
    load was committed are in `by_dataset`; an unchanged dataset is checked as usual. Gate and
    check validate in one GX context, so Data Docs show the gate's validations too.
    """

    docs_dir: Path
    by_dataset: dict[str, list[CheckResult]] = field(default_factory=dict)
    _context: Any = None

    def context(self) -> Any:
        """The shared ephemeral GX context (created on first use: GX takes seconds to import)."""
        if self._context is None:
            from expectations.gx_duckdb import ephemeral_context

            self._context = ephemeral_context(self.docs_dir)
        return self._context
