"""Session fixtures every folder shares: dbt's scratch folders and the one bare build; and how
`make test` splits the suite between two processes.

dbt's target/ and logs/ go to one session tmp folder (DBT_TARGET_PATH, DBT_LOG_PATH), set
before any test runs: no test disturbs, or is disturbed by, a `dbt build` someone runs in the
checkout, and every build of the session goes through the same runner (`support.dbt`).

`make test` runs two pytest-xdist workers (`-n 2 --dist loadgroup --no-loadscope-reorder`,
Makefile; `TEST_WORKERS=0`: one process). Each worker is a pytest
session of its own, so a session fixture runs once per worker that needs it. Every test is
put in an xdist group (`xdist_group`), and a group runs in one worker:
- a folder whose conftest builds something per session (`SHARED_BY_FOLDER`: a built warehouse,
  rendered reports, the generated demo and its build) is one group, so that build happens once;
- the files that use a session fixture of this conftest (`bare_build`, `registry_build`) are
  one group per fixture;
- tests/spark/ is one group ("spark"): one SparkSession per pytest session, and Derby lets ONE
  process open a Spark warehouse's catalogue;
- any other file is its own group (its module fixtures are built once, as in a serial run).
Groups are handed out in collection order, and each worker takes the next group when it runs
dry; `LONGEST_FIRST` puts the groups that take minutes at the front (measured with
`--durations`), so that the two workers finish together. A folder that gains a session fixture
belongs in `SHARED_BY_FOLDER`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.dbt import BareBuild, RegistryBuild, node_types
from support.warehouse import new_warehouse

from core.settings import MEMORY_LIMIT_ENV
from demo import generate
from expectations.gate import RawChecks
from ingest.load import ingest_datasets
from trd.build import build

TESTS = Path(__file__).parent
SHARED_BY_FOLDER = frozenset({"biomarkers", "demo", "ingest", "reports", "spark"})
"""Folders whose tests share session fixtures: each runs in one xdist worker."""
SHARED_HERE = ("bare_build", "registry_build")
"""Session fixtures of this conftest worth building once: the files using one share a group."""
LONGEST_FIRST = (
    "spark",
    "fuzz/test_fuzz.py",
    "bare_build",
    "test_cli_end_to_end.py",
    "biomarkers",
    "demo",
    "registry_build",
    "reports",
    "registry/test_registry_synthea.py",
    "models/test_marts_on_handmade_data.py",
    "models/test_pooled_comparisons.py",
    "registry/test_adjusted_comparisons.py",
)
"""The groups that take a minute or more, longest first: handed out before the rest."""


def xdist_group(test_file: Path, fixtures: set[str]) -> str:
    """The xdist group of a test in `test_file` that uses `fixtures` (every test of its file)."""
    shared = [name for name in SHARED_HERE if name in fixtures]
    if shared:
        return shared[0]
    relative = test_file.relative_to(TESTS)
    folder = relative.parts[0] if len(relative.parts) > 1 else ""
    return folder if folder in SHARED_BY_FOLDER else relative.as_posix()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with its xdist group, and order the groups longest first (the order of
    the tests within a group is kept). `tryfirst`: before xdist's own hook, which turns the
    marks into the `@group` suffix its scheduler reads (it works with pytest 8 only: pytest 9
    builds the node id differently and the suffix is lost, so every test was scheduled alone
    and each worker ran every session build; pyproject.toml pins pytest<9)."""
    fixtures: dict[Path, set[str]] = {}
    for item in items:
        fixtures.setdefault(item.path, set()).update(getattr(item, "fixturenames", ()))
    groups = {}
    for item in items:
        groups[item] = xdist_group(item.path, fixtures[item.path])
        item.add_marker(pytest.mark.xdist_group(groups[item]))
    rank = {group: i for i, group in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(groups[item], len(rank)))


@pytest.fixture(scope="session", autouse=True)
def dbt_scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One dbt target/ and logs/ for the whole session, outside the checkout."""
    scratch = tmp_path_factory.mktemp("dbt")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_TARGET_PATH", str(scratch / "target"))
        patch.setenv("DBT_LOG_PATH", str(scratch / "logs"))
        patch.setenv("DO_NOT_TRACK", "1")
        yield scratch


@pytest.fixture(scope="session")
def bare_build(tmp_path_factory: pytest.TempPathFactory, dbt_scratch: Path) -> BareBuild:
    """`trd build` of a warehouse without data, built once: every mart, reporting view and data
    test exists and runs on empty tables; what ran is read from run_results.json before any
    other dbt command replaces it. Tests copy the file before writing to it."""
    path = new_warehouse(tmp_path_factory.mktemp("bare") / "warehouse.duckdb")
    assert build(path) == 0
    return BareBuild(path, node_types(dbt_scratch / "target" / "run_results.json"))


REGISTRY_PERSONS = 1500
"""Enough for every treatment class to have D28 observed cases, small enough for seconds."""


@pytest.fixture(scope="session")
def registry_build(tmp_path_factory: pytest.TempPathFactory, dbt_scratch: Path) -> RegistryBuild:
    """The demo registry (REGISTRY_PERSONS persons) ingested through the raw gate and built by
    `trd build` with its data tests, under the default memory cap, once: the benchmark tests
    compare their hand-written baselines with its marts, the memory-cap tests compare a capped
    run with it. Tests copy the file before writing to it."""
    root = tmp_path_factory.mktemp("registry_build")
    folder = generate(root / "data", persons=REGISTRY_PERSONS)[-1]
    warehouse = root / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(MEMORY_LIMIT_ENV, raising=False)
        assert ingest_datasets([folder], warehouse, RawChecks()) == 0
        assert build(warehouse) == 0
    return RegistryBuild(folder, warehouse, REGISTRY_PERSONS)
