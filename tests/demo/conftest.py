"""Shared, expensive fixtures of the demo tests: one default demo per session, read many times,
and its one real build (ingest, then dbt), whose marts the tests read for what the
pipeline derives (episodes, rates): the rules live in dbt only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest
from demo_files import DATASETS
from support.dbt import dbt_run

from demo import generate
from demo.concepts import Vocabulary, load_vocabulary
from expectations.gate import RawChecks
from ingest.load import ingest_datasets

Query = Callable[..., pl.DataFrame]


@pytest.fixture(scope="session")
def demo_folders(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The default demo (5,000 persons, default seed), generated once."""
    return generate(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def demo(demo_folders: list[Path]) -> dict[str, Path]:
    assert [f.name for f in demo_folders] == list(DATASETS)
    return {folder.name: folder for folder in demo_folders}


@pytest.fixture(scope="session")
def vocab() -> Vocabulary:
    return load_vocabulary()


@pytest.fixture(scope="session")
def demo_marts(
    demo_folders: list[Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Query]:
    """The default demo ingested through the raw gate and built by dbt (seeds and models), once:
    `demo_marts(sql, *params)` runs a query on it (read-only) into a Polars frame.

    dbt's data tests are left out (half the build time): they run on the demo's data in
    tests/test_cli_end_to_end.py (`trd demo`, whose `trd build` runs every one)."""
    warehouse = tmp_path_factory.mktemp("demo_build") / "warehouse.duckdb"
    assert ingest_datasets(demo_folders, warehouse, RawChecks()) == 0
    dbt_run(warehouse, None, "build", "--exclude-resource-type", "test")
    con = duckdb.connect(str(warehouse), read_only=True)

    def query(sql: str, *params: object) -> pl.DataFrame:
        return con.sql(sql, params=list(params) or None).pl()

    yield query
    con.close()


@pytest.fixture(scope="session")
def episodes(demo_marts: Query) -> pl.DataFrame:
    """The registry's qualifying episodes (docs/derivations.md#qualification) as the build found
    them: person_id, class, index_date, from marts.cohort_episodes."""
    return demo_marts(
        "select cast(person_key as bigint) as person_id, treatment_class as class, index_date "
        "from marts.cohort_episodes where dataset_id = 'REGISTRY-OMOP'"
    )


@pytest.fixture(scope="session")
def rates(demo_marts: Query) -> Callable[..., dict[str, tuple[int, float, float]]]:
    """`rates(dataset, scale, timepoint, analysis)`: marts.response_rates of the demo build by
    treatment class, as (n, response_rate, remission_rate)."""

    def by_class(
        dataset: str, scale: str, timepoint: str, analysis: str
    ) -> dict[str, tuple[int, float, float]]:
        rows = demo_marts(
            "select treatment_class, n, response_rate, remission_rate from marts.response_rates "
            "where dataset_id = ? and scale = ? and timepoint = ? and analysis = ?",
            dataset,
            scale,
            timepoint,
            analysis,
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows.iter_rows()}

    return by_class


@pytest.fixture(scope="session")
def outcomes(demo_marts: Query) -> Callable[..., pl.DataFrame]:
    """`outcomes(dataset, scale, timepoint)`: the demo build's observed-case outcome per episode
    (marts.episode_outcomes with the episode's treatment): person_key, class, treatment,
    responder, remitter."""

    def evaluable(dataset: str, scale: str, timepoint: str) -> pl.DataFrame:
        return demo_marts(
            "select o.person_key, o.treatment_class as class, e.treatment, o.responder, "
            "o.remitter from marts.episode_outcomes as o "
            "inner join marts.cohort_episodes as e using (dataset_id, person_key, treatment_class) "
            "where o.dataset_id = ? and o.scale = ? and o.timepoint = ? and o.evaluable_oc",
            dataset,
            scale,
            timepoint,
        )

    return evaluable
