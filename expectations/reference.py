"""Reference lists the checks need, read from the dbt seeds so that each rule is written once.

The seeds (`seeds/*.csv`, SPEC 3.3 and 5) are what the dbt models use: scale ranges, the default
PARAMCD map, concept sets and the treatment-class vocabulary. The raw checks run inside ingest,
before any `dbt build` has loaded the seeds into the warehouse, so they read the CSV files.
Biomarker units are not a seed (no model needs them): they are declared here.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from trd.settings import REPO_ROOT

SEEDS = REPO_ROOT / "seeds"

BIOMARKER_UNITS: dict[str, tuple[tuple[str, int], ...]] = {
    "crp": (("mg/l", 8751), ("mg/dl", 8840)),
    "il6": (("pg/ml", 8845),),
    "tnfa": (("pg/ml", 8845),),
    "complement_c3": (("g/l", 8636), ("mg/dl", 8840)),
    "complement_c4": (("g/l", 8636), ("mg/dl", 8840)),
}
"""Accepted units per biomarker concept set: text (compared lower-case, trimmed) and the UCUM
concept id OMOP uses for it (mg/L 8751, mg/dL 8840, pg/mL 8845, g/L 8636)."""

ADLB_BIOMARKERS: dict[str, str] = {
    "CRP": "crp",
    "CRPHS": "crp",
    "HSCRP": "crp",
    "IL6": "il6",
    "TNFA": "tnfa",
    "TNFALPHA": "tnfa",
    "C3": "complement_c3",
    "C4": "complement_c4",
}
"""ADLB PARAMCD (CDISC LBTESTCD style) -> biomarker concept set; other PARAMCDs are not checked."""


@dataclass(frozen=True)
class ConceptRow:
    concept_set: str
    concept_id: int
    vocabulary_id: str
    concept_code: str


def _read(name: str) -> list[dict[str, str]]:
    with Path(SEEDS / f"{name}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def scale_ranges() -> dict[str, tuple[float, float]]:
    """Scale -> (lowest, highest) possible total score (seed `scales`)."""
    return {r["scale"]: (float(r["score_min"]), float(r["score_max"])) for r in _read("scales")}


@cache
def default_parameters() -> dict[str, str]:
    """Default ADQS PARAMCD -> scale map (seed `scale_parameters`)."""
    return {r["paramcd"].upper(): r["scale"] for r in _read("scale_parameters")}


@cache
def concept_sets() -> tuple[ConceptRow, ...]:
    """Every row of the seed `concept_sets`."""
    return tuple(
        ConceptRow(r["concept_set"], int(r["concept_id"]), r["vocabulary_id"], r["concept_code"])
        for r in _read("concept_sets")
    )


@cache
def treatment_classes() -> tuple[str, ...]:
    """The SPEC 3 treatment_class vocabulary (seed `treatment_classes`)."""
    return tuple(r["treatment_class"] for r in _read("treatment_classes"))


def literal(value: object) -> str:
    """An SQL literal (numbers as they are, text quoted with '' escaping)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def values_relation(rows: Iterable[Sequence[object]], columns: Sequence[str]) -> str:
    """A parenthesised relation of literal rows, usable after FROM or JOIN (empty when no rows)."""
    body = ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)
    if not body:
        nulls = ", ".join(f"null as {c}" for c in columns)
        return f"(select {nulls} where false)"
    return f"(select * from (values {body}) as v({', '.join(columns)}))"


def biomarker_units_relation() -> str:
    """Accepted units per biomarker concept set: (concept_set, unit, unit_concept_id)."""
    return values_relation(
        [(s, u, cid) for s, units in BIOMARKER_UNITS.items() for u, cid in units],
        ("concept_set", "unit", "unit_concept_id"),
    )
