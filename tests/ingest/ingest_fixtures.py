"""Small valid datasets built in code, and warehouse snapshots, for the ingest tests.

Each test starts from `trial_dataset()` or `registry_dataset()` (valid), breaks one thing, writes
the folder and ingests it (see conftest.py for the baseline warehouse it is ingested into).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import yaml

Rows = list[dict[str, Any]]
ESK_ARM = "Esketamine 56 mg + oral AD"
PBO_ARM = "Placebo + oral AD"
UUID = "1007c05b-8d20-8fe6-6790-44622f8316df"


@dataclass
class Dataset:
    """A dataset folder before it is written: dataset.yml, tables (rows), formats per table."""

    config: dict[str, Any]
    tables: dict[str, Rows]
    formats: dict[str, str] = field(default_factory=dict)
    file_names: dict[str, str] = field(default_factory=dict)
    """Table -> file stem, to write e.g. `ADSL` or `person`."""
    after_write: list[Callable[[Path], None]] = field(default_factory=list)
    """Byte-level damage applied to the written folder (truncation, encodings...)."""

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        if self.config is not None:
            (folder / "dataset.yml").write_text(yaml.safe_dump(self.config, sort_keys=False))
        for table, rows in self.tables.items():
            fmt = self.formats.get(table, "csv")
            path = folder / f"{self.file_names.get(table, table)}.{fmt}"
            write_table(path, rows, fmt)
        for damage in self.after_write:
            damage(folder)
        return folder

    def path(self, folder: Path, table: str) -> Path:
        fmt = self.formats.get(table, "csv")
        return folder / f"{self.file_names.get(table, table)}.{fmt}"


def write_table(path: Path, rows: Rows, fmt: str = "csv") -> Path:
    """CSV via the csv module (so tests control every byte), Parquet via Polars."""
    if fmt == "csv":
        columns = list(rows[0]) if rows else []
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    elif fmt == "parquet":
        pl.DataFrame(rows, infer_schema_length=None).write_parquet(path)
    else:
        raise ValueError(fmt)
    return path


def trial_dataset(dataset_id: str = "TEST-TRIAL") -> Dataset:
    """6 subjects, 2 arms, MADRS at baseline, day 2 and day 29: valid against
    docs/dataset-contract.md#trial-files-cdisc-adam and docs/data-quality.md."""
    adsl = [
        {
            "STUDYID": dataset_id,
            "USUBJID": f"{dataset_id}-{i:03d}",
            "TRT01P": ESK_ARM if i % 2 else PBO_ARM,
            "TRT01A": ESK_ARM if i % 2 else PBO_ARM,
            "SAFFL": "Y",
            "ITTFL": "Y",
            "AGE": 30 + i,
            "SEX": "F" if i % 3 else "M",
            "RACE": "WHITE",
            "SITEID": "101",
            "TRDFL": "Y",
            "NPRFAIL": 2,
        }
        for i in range(1, 7)
    ]
    adqs = [
        {
            "STUDYID": dataset_id,
            "USUBJID": s["USUBJID"],
            "PARAMCD": "MADRSTOT",
            "PARAM": "MADRS total score",
            "AVAL": aval,
            "ADY": ady,
            "AVISIT": avisit,
            "ABLFL": "Y" if ady == 1 else None,
            "ADT": f"2024-01-{ady:02d}",
        }
        for s in adsl
        for ady, avisit, aval in ((1, "Baseline", 32), (2, "Day 2", 20), (29, "Day 28", 10))
    ]
    config = {
        "dataset_id": dataset_id,
        "source": "trial",
        "title": "Synthetic esketamine trial",
        "population": "trd",
        "arms": {
            ESK_ARM: {"treatment_class": "esketamine"},
            PBO_ARM: {"treatment_class": "standard_ad", "treatment": "oral_ad"},
        },
        "parameters": {"MADRSTOT": "MADRS"},
        "visits": {"Day 2": "H24", "Day 28": "D28"},
        "remission": {"MADRS": 12},
        "primary_analysis": "oc",
    }
    return Dataset(config, {"adsl": adsl, "adqs": adqs})


def registry_dataset(dataset_id: str = "TEST-REG") -> Dataset:
    """3 persons with MDD, sertraline exposures and PHQ-9 scores: valid against
    docs/dataset-contract.md#registry-files-omop-cdm-v54."""
    person = [
        {
            "person_id": p,
            "gender_concept_id": 8532 if p % 2 else 8507,
            "year_of_birth": 1970 + p,
            "month_of_birth": 3,
            "birth_datetime": f"{1970 + p}-03-01 00:00:00",
            "race_concept_id": 8527,
            "ethnicity_concept_id": 38003564,
            "location_id": None,
            "person_source_value": UUID[:-1] + str(p),
        }
        for p in (1, 2, 3)
    ]
    observation_period = [
        {
            "observation_period_id": p,
            "person_id": p,
            "observation_period_start_date": "2015-01-01",
            "observation_period_end_date": "2023-12-31",
            "period_type_concept_id": 44814724,
        }
        for p in (1, 2, 3)
    ]
    condition_occurrence = [
        {
            "condition_occurrence_id": 10 + p,
            "person_id": p,
            "condition_concept_id": 4152280,
            "condition_start_date": "2019-05-02",
            "condition_start_datetime": "2019-05-02 00:00:00",
            "condition_source_value": "F32.9",
        }
        for p in (1, 2, 3)
    ]
    drug_exposure = [
        {
            "drug_exposure_id": 100 + i,
            "person_id": p,
            "drug_concept_id": 739138,
            "drug_exposure_start_date": start,
            "drug_exposure_start_datetime": f"{start} 00:00:00",
            "drug_exposure_end_date": end,
            "days_supply": 30,
            "quantity": 30.0,
            "route_concept_id": 4132161,
            "drug_source_value": "sertraline 50 MG Oral Tablet",
            "sig": "1 tablet daily",
        }
        for i, (p, start, end) in enumerate(
            [
                (1, "2020-01-01", "2020-01-30"),
                (1, "2020-02-05", None),
                (2, "2021-03-01", "2021-05-01"),
                (3, "2022-06-01", "2022-06-30"),
            ]
        )
    ]
    measurement = [
        {
            "measurement_id": 1000 + p,
            "person_id": p,
            "measurement_concept_id": 3042932,
            "measurement_date": "2020-01-01",
            "value_as_number": 18 - p,
            "unit_concept_id": 0,
            "unit_source_value": "{score}",
            "measurement_source_value": "44261-6",
            "value_source_value": f"{18 - p}.0",
        }
        for p in (1, 2, 3)
    ]
    observation = [
        {
            "observation_id": 2000 + p,
            "person_id": p,
            "observation_concept_id": 3042932,
            "observation_date": "2020-02-15",
            "value_as_number": 9,
            "value_as_string": "9.0",
            "unit_concept_id": 0,
            "observation_source_value": "44261-6",
        }
        for p in (1, 2)
    ]
    concept = [
        {
            "concept_id": 739138,
            "concept_name": "sertraline",
            "domain_id": "Drug",
            "vocabulary_id": "RxNorm",
            "concept_class_id": "Ingredient",
            "concept_code": "36437",
        },
        {
            "concept_id": 3042932,
            "concept_name": "PHQ-9 total score [Reported]",
            "domain_id": "Measurement",
            "vocabulary_id": "LOINC",
            "concept_class_id": "Clinical Observation",
            "concept_code": "44261-6",
        },
        {
            "concept_id": 4152280,
            "concept_name": "Major depressive disorder",
            "domain_id": "Condition",
            "vocabulary_id": "SNOMED",
            "concept_class_id": "Clinical Finding",
            "concept_code": "370143000",
        },
    ]
    concept_ancestor = [
        {
            "ancestor_concept_id": 739138,
            "descendant_concept_id": 739138,
            "min_levels_of_separation": 0,
            "max_levels_of_separation": 0,
        },
    ]
    config = {"dataset_id": dataset_id, "source": "registry", "title": "Synthetic OMOP extract"}
    tables = {
        "person": person,
        "observation_period": observation_period,
        "condition_occurrence": condition_occurrence,
        "drug_exposure": drug_exposure,
        "measurement": measurement,
        "observation": observation,
        "concept": concept,
        "concept_ancestor": concept_ancestor,
    }
    return Dataset(config, tables)


def snapshot(warehouse: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of every schema except raw.load_audit, rows sorted: 'the warehouse'."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.sql(
            "select table_schema, table_name from information_schema.tables order by all"
        ).fetchall()
        return {
            f"{schema}.{name}": sorted(con.sql(f'from "{schema}"."{name}"').fetchall(), key=repr)
            for schema, name in tables
            if (schema, name) != ("raw", "load_audit")
        }
    finally:
        con.close()


def query(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
