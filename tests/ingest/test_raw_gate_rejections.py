"""Rules the Great Expectations raw gate enforces inside `trd ingest` (docs/data-quality.md, error
level).

Ingest stages the dataset and calls `expectations.raw_gate.run_raw_checks`; a blocking result
rejects the load. These tests pin what the user sees: the dataset, file, column, a row number and
the rule, and that the warehouse is unchanged (the previous version of the dataset survives).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ingest_fixtures import Dataset, query, registry_dataset, snapshot, trial_dataset


@dataclass(frozen=True)
class GateCase:
    id: str
    build: Callable[[], Dataset]
    file: str
    column: str
    row: int
    rule: str
    """A word of the rule that the message must contain (case-insensitive)."""


def _trial_with(table: str, row: int, **values: Any) -> Callable[[], Dataset]:
    def build() -> Dataset:
        ds = trial_dataset()
        ds.tables[table][row].update(values)
        return ds

    return build


def _registry_with(table: str, row: int, **values: Any) -> Callable[[], Dataset]:
    def build() -> Dataset:
        ds = registry_dataset()
        ds.tables[table][row].update(values)
        return ds

    return build


CASES = [
    GateCase("adqs_ady_zero", _trial_with("adqs", 4, ADY=0), "adqs.csv", "ady", 5, "ADY"),
    GateCase("adqs_ady_null", _trial_with("adqs", 7, ADY=None), "adqs.csv", "ady", 8, "ADY"),
    GateCase(
        "madrs_score_above_60", _trial_with("adqs", 2, AVAL=61), "adqs.csv", "aval", 3, "range"
    ),
    GateCase(
        "madrs_score_below_0", _trial_with("adqs", 5, AVAL=-1), "adqs.csv", "aval", 6, "range"
    ),
    GateCase(
        "adqs_subject_not_in_adsl",
        _trial_with("adqs", 9, USUBJID="TEST-TRIAL-999"),
        "adqs.csv",
        "usubjid",
        10,
        "ADSL",
    ),
    GateCase(
        "two_baselines_for_one_subject_and_scale",
        _trial_with("adqs", 1, ABLFL="Y"),
        "adqs.csv",
        "ablfl",
        2,
        "ABLFL",
    ),
    GateCase("bad_sex_value", _trial_with("adsl", 2, SEX="Female"), "adsl.csv", "sex", 3, "SEX"),
    GateCase("bad_saffl_value", _trial_with("adsl", 1, SAFFL="yes"), "adsl.csv", "saffl", 2, "Y"),
    GateCase(
        "drug_exposure_ends_before_it_starts",
        _registry_with("drug_exposure", 2, drug_exposure_end_date="2021-02-01"),
        "drug_exposure.csv",
        "drug_exposure_end_date",
        3,
        "before",
    ),
    GateCase(
        "observation_period_ends_before_it_starts",
        _registry_with("observation_period", 1, observation_period_end_date="2014-12-31"),
        "observation_period.csv",
        "observation_period_end_date",
        2,
        "before",
    ),
    GateCase(
        "drug_exposure_of_an_unknown_person",
        _registry_with("drug_exposure", 3, person_id=99),
        "drug_exposure.csv",
        "person_id",
        4,
        "person",
    ),
    GateCase(
        "phq9_score_above_27",
        _registry_with("measurement", 0, value_as_number=28),
        "measurement.csv",
        "value_as_number",
        1,
        "range",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_raw_gate_rejects_with_dataset_file_column_row_and_rule(
    case: GateCase,
    warehouse: Path,
    baseline_snapshot: dict[str, list[tuple[Any, ...]]],
    run_ingest: Callable[..., Any],
    tmp_path: Path,
) -> None:
    # given a new version of a loaded dataset that breaks one error-level raw check
    dataset = case.build()
    folder = dataset.write(tmp_path / "dataset")

    # when it is ingested
    run = run_ingest(warehouse, folder)

    # then the load is rejected with a message that locates the failure
    assert run.code == 1, run.err
    message = run.err.replace("\n", " ")
    assert f"dataset {dataset.config['dataset_id']}" in message
    assert f"file {case.file}" in message
    assert f"column {case.column}" in message
    assert re.search(rf"rows (\d+, )*{case.row}\b", message), message
    assert case.rule.lower() in message.lower()
    assert "Fix:" in message
    # and nothing of it was kept
    assert snapshot(warehouse) == baseline_snapshot
    assert query(warehouse, "select count(*) from raw.load_audit where status = 'rejected'")[0][0]
