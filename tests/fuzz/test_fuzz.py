"""The fuzz suite's fast slice in `make test`: 180 mutants of the valid trial and
registry datasets through `trd ingest` (tests/fuzz/__init__.py says how; `make fuzz N=10000`
runs the long one). Every case loads with every row accounted for, or is rejected with a
message and the warehouse unchanged: no traceback, no hang, no lost row."""

from __future__ import annotations

import pytest

from fuzz.__main__ import run, summarise
from fuzz.harness import _csv_rows

pytestmark = pytest.mark.slow

CASES = 180
SEED = 14


@pytest.fixture(scope="module")
def outcomes() -> list[dict]:
    return run(SEED, 0, CASES)


def test_every_mutant_loads_whole_or_is_rejected_with_a_message(outcomes: list[dict]) -> None:
    figures = summarise(outcomes)
    defects = [(o["case"], o["mutations"], o["defects"]) for o in outcomes if o["defects"]]
    assert defects == [], defects
    assert figures["cases"] == CASES
    assert figures["tracebacks"] == figures["changed_warehouses"] == figures["rows_lost"] == 0


def test_the_slice_exercises_both_outcomes_and_every_kind_of_mutation(
    outcomes: list[dict],
) -> None:
    # a fuzzer whose mutants were all rejected (or all loaded) would test half the property
    figures = summarise(outcomes)
    assert figures["loaded"] >= CASES // 10
    assert figures["rejected"] >= CASES // 3
    assert set(figures["by_category"]) == {
        "bytes",
        "line ends",
        "encodings",
        "CSV structure",
        "values",
        "dataset.yml",
        "file kinds",
        "symbolic links",
        "names",
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a,b\r1,2\r\n3,4\n", (2, None)),
        (b"a,b\n1,2\n\n", (1, None)),
        (b"a,b\n1\n", (None, "data row 1 has 1 of 2 fields")),
        (b"a,b\n1,\xff\n", (None, "it is not UTF-8")),
        (b"\na,b\n1,2\n", (None, "its first line is not a header")),
    ],
)
def test_the_oracle_counts_rows_independently_of_trd(
    data: bytes, expected: tuple[int | None, str | None]
) -> None:
    # the harness's own reader (Python's csv module), which trd's counts are judged against
    assert _csv_rows(data) == expected
