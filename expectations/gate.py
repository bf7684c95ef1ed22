"""The raw data-quality gate in the shape ingest receives it (`ingest.load.RawGate`;
docs/data-quality.md).

Ingest does not import this stage: `trd ingest` and `trd run` hand it a `RawChecks`, whose
`check` validates a staged dataset with the raw suites (`raw_gate.run_raw_checks`) and raises
when an error-level check fails. This module is light on purpose: Great Expectations takes
seconds to import, so `prepare` imports it, which ingest runs in a thread while it reads the
files, and an unchanged or early-rejected dataset never pays for it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import duckdb

from core.errors import one_or_many
from expectations.results import CheckResult, RawGateRun

RAW_GATE_MODULE = "expectations.raw_gate"


@dataclass
class RawChecks:
    """The raw suites as ingest's gate. `gate_run` (`trd run`): validate in its GX context and
    keep each committed dataset's results there for the check stage."""

    gate_run: RawGateRun | None = None

    def prepare(self) -> None:
        """Import Great Expectations and the suites (seconds; ingest overlaps it with reading)."""
        importlib.import_module(RAW_GATE_MODULE)

    def check(
        self, con: duckdb.DuckDBPyConnection, table_prefix: str, dataset_id: str, source: str
    ) -> list[CheckResult]:
        """Every result of a dataset staged in `raw` as `<table_prefix><table>`; a `TrdError`
        naming every blocking failure when an error-level check fails."""
        run_raw_checks = importlib.import_module(RAW_GATE_MODULE).run_raw_checks
        context = self.gate_run.context() if self.gate_run is not None else None
        results: list[CheckResult] = run_raw_checks(
            con, "raw", dataset_id, source, context, table_prefix=table_prefix
        )
        blocking = [r for r in results if r.blocks]
        if not blocking:
            return results
        errors = [r.as_error() for r in blocking]
        for error in errors:
            error.dataset = error.dataset or dataset_id
        raise one_or_many(errors, dataset_id)

    def committed(self, dataset_id: str, results: list[CheckResult]) -> None:
        """The dataset's load was committed: its results serve `trd run`'s check stage."""
        if self.gate_run is not None:
            self.gate_run.by_dataset[dataset_id] = results
