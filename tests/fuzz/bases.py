"""Small valid datasets the fuzzer mutates: a trial (ADaM) and a registry (OMOP), in CSV, and
a trial whose ADSL is SAS transport (XPT) and ADQS Parquet, so that every reader is exercised.

Each is valid against the contract and the raw data-quality gate, so that any rejection of a
mutant is caused by its mutation.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyreadstat
import yaml

Rows = list[dict[str, Any]]
ESK, PBO = "Esketamine 56 mg + oral AD", "Placebo + oral AD"


@dataclass(frozen=True)
class Base:
    name: str
    config: dict[str, Any]
    tables: dict[str, Rows]
    formats: dict[str, str] = field(default_factory=dict)
    """Table -> csv (default) | parquet | xpt."""

    @property
    def dataset_id(self) -> str:
        return str(self.config["dataset_id"])

    @property
    def source(self) -> str:
        return str(self.config["source"])

    def file_name(self, table: str) -> str:
        return f"{table}.{self.formats.get(table, 'csv')}"

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "dataset.yml").write_text(yaml.safe_dump(self.config, sort_keys=False))
        for table, rows in self.tables.items():
            WRITERS[self.formats.get(table, "csv")](folder / self.file_name(table), rows)
        return folder


def write_csv(path: Path, rows: Rows) -> None:
    columns = list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row[c] is None else row[c] for c in columns])


def write_parquet(path: Path, rows: Rows) -> None:
    pl.DataFrame(rows, infer_schema_length=None).write_parquet(path)


def write_xpt(path: Path, rows: Rows) -> None:
    frame = pl.DataFrame(rows, infer_schema_length=None).to_pandas()
    pyreadstat.write_xport(frame, str(path), table_name=path.stem.upper()[:8])


WRITERS: dict[str, Callable[[Path, Rows], None]] = {
    "csv": write_csv,
    "parquet": write_parquet,
    "xpt": write_xpt,
}


def _trial(dataset_id: str) -> tuple[dict[str, Any], dict[str, Rows]]:
    adsl = [
        {
            "STUDYID": dataset_id,
            "USUBJID": f"{dataset_id}-{i:03d}",
            "TRT01A": ESK if i % 2 else PBO,
            "SAFFL": "Y",
            "AGE": 30 + i,
            "SEX": "F" if i % 3 else "M",
            "RACE": "WHITE",
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
            "AVISIT": visit,
            "ABLFL": "Y" if ady == 1 else None,
            "ADT": f"2024-01-{ady:02d}",
        }
        for s in adsl
        for ady, visit, aval in ((1, "Baseline", 32), (2, "Day 2", 20), (29, "Day 28", 10))
    ]
    config = {
        "dataset_id": dataset_id,
        "source": "trial",
        "title": "Fuzz trial",
        "population": "trd",
        "arms": {ESK: {"treatment_class": "esketamine"}, PBO: {"treatment_class": "standard_ad"}},
        "parameters": {"MADRSTOT": "MADRS"},
        "visits": {"Day 2": "H24", "Day 28": "D28"},
        "remission": {"MADRS": 12},
    }
    return config, {"adsl": adsl, "adqs": adqs}


def _registry(dataset_id: str) -> tuple[dict[str, Any], dict[str, Rows]]:
    persons = (1, 2, 3)
    tables: dict[str, Rows] = {
        "person": [
            {
                "person_id": p,
                "gender_concept_id": 8532 if p % 2 else 8507,
                "year_of_birth": 1970 + p,
                "race_concept_id": 8527,
                "ethnicity_concept_id": 38003564,
                "person_source_value": f"1007c05b-8d20-8fe6-6790-44622f8316d{p}",
            }
            for p in persons
        ],
        "observation_period": [
            {
                "observation_period_id": p,
                "person_id": p,
                "observation_period_start_date": "2015-01-01",
                "observation_period_end_date": "2023-12-31",
            }
            for p in persons
        ],
        "condition_occurrence": [
            {
                "condition_occurrence_id": 10 + p,
                "person_id": p,
                "condition_concept_id": 4152280,
                "condition_start_date": "2019-05-02",
                "condition_source_value": "F32.9",
            }
            for p in persons
        ],
        "drug_exposure": [
            {
                "drug_exposure_id": 100 + i,
                "person_id": p,
                "drug_concept_id": 739138,
                "drug_exposure_start_date": start,
                "drug_exposure_end_date": end,
                "days_supply": 30,
                "quantity": 30.0,
                "route_concept_id": 4132161,
                "drug_source_value": "sertraline 50 MG Oral Tablet",
            }
            for i, (p, start, end) in enumerate(
                [
                    (1, "2020-01-01", "2020-01-30"),
                    (1, "2020-02-05", None),
                    (2, "2021-03-01", "2021-05-01"),
                    (3, "2022-06-01", "2022-06-30"),
                ]
            )
        ],
        "measurement": [
            {
                "measurement_id": 1000 + p,
                "person_id": p,
                "measurement_concept_id": 3042932,
                "measurement_date": "2020-01-01",
                "value_as_number": 18 - p,
                "unit_source_value": "{score}",
                "measurement_source_value": "44261-6",
            }
            for p in persons
        ],
        "observation": [
            {
                "observation_id": 2000 + p,
                "person_id": p,
                "observation_concept_id": 3042932,
                "observation_date": "2020-02-15",
                "value_as_number": 9,
                "observation_source_value": "44261-6",
            }
            for p in (1, 2)
        ],
        "concept": [
            {
                "concept_id": 739138,
                "concept_name": "sertraline",
                "domain_id": "Drug",
                "vocabulary_id": "RxNorm",
                "concept_code": "36437",
            },
            {
                "concept_id": 4152280,
                "concept_name": "Major depressive disorder",
                "domain_id": "Condition",
                "vocabulary_id": "SNOMED",
                "concept_code": "370143000",
            },
        ],
        "concept_ancestor": [
            {"ancestor_concept_id": 739138, "descendant_concept_id": 739138},
            {"ancestor_concept_id": 4152280, "descendant_concept_id": 4152280},
        ],
    }
    return {"dataset_id": dataset_id, "source": "registry", "title": "Fuzz registry"}, tables


def bases() -> tuple[Base, ...]:
    """The bases, in a fixed order (a case picks one by its random stream)."""
    trial_config, trial_tables = _trial("FUZZ-TRIAL")
    mixed_config, mixed_tables = _trial("FUZZ-MIXED")
    registry_config, registry_tables = _registry("FUZZ-REG")
    return (
        Base("trial_csv", trial_config, trial_tables),
        Base("trial_xpt_parquet", mixed_config, mixed_tables, {"adsl": "xpt", "adqs": "parquet"}),
        Base("registry_csv", registry_config, registry_tables),
    )
