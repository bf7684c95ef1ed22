"""Test data for the registry models: a small OMOP builder and the public concept ids.

A builder (not fixtures) so that each test module shows the data it depends on; its rows go into
`raw` through the harness's `RawWriter` (as ingest writes them), and builds go through
`support.dbt`. The real ingest stage (ingest/load.py) is tested on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from support.dbt import dbt_run
from support.warehouse import RawWriter, new_warehouse

REGISTRY_MODELS = (
    "+int_registry__attrition +int_registry__baselines +int_registry__concept_set_diagnostics"
)
"""Everything the registry derivation needs (seeds, staging, intermediate), nothing downstream."""

# Public OMOP concept ids (the ids of seeds/concept_sets.csv, typed here so that a wrong seed id
# fails a test), and a few dataset-only concepts.
MDD = 4152280
KETAMINE = 785649
"""RxNorm 6130."""
ESKETAMINE = 1366610
"""RxNorm 2119365."""
FLUOXETINE = 755695
CITALOPRAM = 797617
SERTRALINE = 739138
SERTRALINE_100MG_TABLET = 739207
"""A clinical drug: counts only through the dataset's concept_ancestor."""
QUETIAPINE = 766814
PHQ9_TOTAL = 3042932
MADRS_TOTAL = 2000000101
"""A local id (no standard MADRS total concept exists)."""
ECT = 4030840
"""Electroconvulsive therapy, SNOMED 23835007."""
BIPOLAR, PSYCHOTIC_DISORDER = 436665, 436073
ESKETAMINE_RENUMBERED = 35600001
"""A dataset whose own vocabulary numbers RxNorm 2119365 differently (an older or local
vocabulary): found through the dataset's concept table by code."""
ESKETAMINE_PRODUCT = 35600002
"""A product under that ingredient in the dataset's concept_ancestor."""

Row = Mapping[str, object]


@dataclass
class OmopBuilder:
    """Rows of a small OMOP dataset, table by table, with ids handed out in order.

    The vocabulary holds only what the tests need: sertraline 100 MG tablet under the sertraline
    ingredient, and an esketamine ingredient (RxNorm 2119365) under another id, with one product
    under it."""

    tables: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    test_vocabulary: bool = True
    """False: start without the rows above (a test that writes its own vocabulary)."""
    suppression: str | None = None
    """dataset.yml `suppression` (None: ingest's default for a registry, cms)."""

    def __post_init__(self) -> None:
        if not self.test_vocabulary:
            return
        self.add(
            "concept_ancestor",
            ancestor_concept_id=SERTRALINE,
            descendant_concept_id=SERTRALINE_100MG_TABLET,
        )
        self.add(
            "concept_ancestor",
            ancestor_concept_id=ESKETAMINE_RENUMBERED,
            descendant_concept_id=ESKETAMINE_PRODUCT,
        )
        self.add(
            "concept",
            concept_id=ESKETAMINE_RENUMBERED,
            concept_name="esketamine",
            vocabulary_id="RxNorm",
            concept_code="2119365",
            domain_id="Drug",
        )
        self.add(
            "concept",
            concept_id=ESKETAMINE_PRODUCT,
            concept_name="esketamine nasal spray",
            vocabulary_id="RxNorm",
            concept_code="2201623",
            domain_id="Drug",
        )

    def add(self, table: str, **row: object) -> None:
        rows = self.tables.setdefault(table, [])
        keyed = {"drug_exposure", "measurement", "observation", "procedure_occurrence"}
        key = f"{table}_id" if table in keyed else None
        if key:
            row = {key: len(rows) + 1, **row}
        rows.append(row)

    def person(self, person_id: int, year_of_birth: int = 1970, female: bool = True) -> int:
        self.add(
            "person",
            person_id=person_id,
            gender_concept_id=8532 if female else 8507,
            year_of_birth=year_of_birth,
            race_concept_id=0,
            ethnicity_concept_id=0,
        )
        return person_id

    def trd_history(
        self,
        person_id: int,
        mdd_date: str | None = "2019-01-01",
        observation_start: str = "2015-01-01",
        citalopram: bool = True,
        citalopram_end: str = "2021-07-31",
    ) -> None:
        """Observation period, MDD diagnosis and two failed adequate trials before 2022-06-15."""
        self.add(
            "observation_period",
            person_id=person_id,
            observation_period_start_date=observation_start,
            observation_period_end_date="2024-12-31",
        )
        if mdd_date:
            self.add(
                "condition_occurrence",
                person_id=person_id,
                condition_concept_id=MDD,
                condition_start_date=mdd_date,
            )
        self.drug(person_id, FLUOXETINE, "2021-01-01", end="2021-03-31")
        if citalopram:
            self.drug(person_id, CITALOPRAM, "2021-05-01", end=citalopram_end)

    def drug(
        self,
        person_id: int,
        concept_id: int,
        start: str,
        end: str | None = "",
        days_supply: int | None = None,
    ) -> None:
        """An exposure; `end` defaults to the start day, None leaves it null (days_supply)."""
        self.add(
            "drug_exposure",
            person_id=person_id,
            drug_concept_id=concept_id,
            drug_exposure_start_date=start,
            drug_exposure_end_date=start if end == "" else end,
            days_supply=days_supply,
        )

    def condition(self, person_id: int, concept_id: int, day: str) -> None:
        self.add(
            "condition_occurrence",
            person_id=person_id,
            condition_concept_id=concept_id,
            condition_start_date=day,
        )

    def procedure(self, person_id: int, concept_id: int, *days: str) -> None:
        """One procedure record per day (e.g. the sessions of an ECT course)."""
        for day in days:
            self.add(
                "procedure_occurrence",
                person_id=person_id,
                procedure_concept_id=concept_id,
                procedure_date=day,
            )

    def observation(
        self, person_id: int, concept_id: int, day: str, value: float, source_value: str = ""
    ) -> None:
        self.add(
            "observation",
            person_id=person_id,
            observation_concept_id=concept_id,
            observation_date=day,
            value_as_number=value,
            observation_source_value=source_value or None,
        )

    def measurement(self, person_id: int, concept_id: int, day: str, value: float) -> None:
        self.add(
            "measurement",
            person_id=person_id,
            measurement_concept_id=concept_id,
            measurement_date=day,
            value_as_number=value,
        )

    def load(self, con: duckdb.DuckDBPyConnection, dataset_id: str) -> None:
        """The rows and the raw.datasets row, as ingest writes a registry dataset."""
        raw = RawWriter(con)
        for table, rows in self.tables.items():
            raw.table(table, dataset_id, rows)
        raw.dataset(
            dataset_id,
            "registry",
            title=f"test registry {dataset_id}",
            suppression=self.suppression,
        )


def built_warehouse(
    folder: Path, datasets: Mapping[str, OmopBuilder], select: str = REGISTRY_MODELS
) -> Path:
    """Given hand-made datasets loaded into raw (by dataset_id), when `select` is built."""
    path = new_warehouse(folder / "warehouse.duckdb")
    con = duckdb.connect(str(path))
    try:
        for dataset_id, builder in datasets.items():
            builder.load(con, dataset_id)
    finally:
        con.close()
    dbt_run(path, select)
    return path
