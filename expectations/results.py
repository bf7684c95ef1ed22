"""The result of one data-quality check, as stored in `dq.check_results` and shown to users."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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
        """An error-level failure blocks the load or the report (SPEC 7)."""
        return self.severity == "error" and not self.success
