"""The how-to page describes the contract as declared in core/contracts.py (one source)."""

from __future__ import annotations

import pytest

from core.contracts import TABLES, Table
from core.settings import REPO_ROOT

PAGE = (REPO_ROOT / "docs" / "loading-a-dataset.md").read_text()


@pytest.mark.parametrize("table", TABLES.values(), ids=list(TABLES))
def test_loading_a_dataset_lists_every_contract_column(table: Table) -> None:
    row = next(line for line in PAGE.splitlines() if line.startswith(f"| `{table.name}`"))
    missing = [c.name for c in table.columns if c.name not in row.lower()]
    assert not missing, f"{table.name}: {missing} not in docs/loading-a-dataset.md"
