"""Reference lists the checks need, read from the dbt seeds so that each rule is written once.

The seeds (`seeds/*.csv`, docs/code-lists.md and docs/derivations.md#scales) are what the dbt
models use: scale ranges, the default
PARAMCD map, concept sets and the treatment-class vocabulary. The raw checks run inside ingest,
before any `dbt build` has loaded the seeds into the warehouse, so they read the CSV files.
Biomarkers too: the units each marker may come in (`biomarker_units`), the ADLB parameter codes
(`biomarker_parameters`) and the plausible maxima (`biomarkers`) are the seeds the biomarker
models convert and stratify with, so a unit accepted here is a unit the marts can read.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from trd.settings import REPO_ROOT

SEEDS = REPO_ROOT / "seeds"


@dataclass(frozen=True)
class ConceptRow:
    concept_set: str
    concept_id: int
    concept_name: str
    vocabulary_id: str
    concept_code: str
    """Empty for local concepts (no vocabulary code)."""


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
        ConceptRow(
            r["concept_set"],
            int(r["concept_id"]),
            r["concept_name"],
            r["vocabulary_id"],
            r["concept_code"].strip(),
        )
        for r in _read("concept_sets")
    )


@cache
def treatment_classes() -> tuple[str, ...]:
    """The treatment_class vocabulary (docs/derivations.md#treatment-classes) (seed
    `treatment_classes`)."""
    return tuple(r["treatment_class"] for r in _read("treatment_classes"))


@dataclass(frozen=True)
class BiomarkerUnit:
    marker: str
    unit: str
    """Lower-case unit text as written in AVALU or unit_source_value."""
    unit_concept_id: int | None
    factor_to_standard: float


@cache
def biomarker_units() -> tuple[BiomarkerUnit, ...]:
    """Accepted units per marker with their factor to the standard unit (seed `biomarker_units`)."""
    return tuple(
        BiomarkerUnit(
            r["marker"],
            r["unit"].strip().lower(),
            int(r["unit_concept_id"]) if r["unit_concept_id"].strip() else None,
            float(r["factor_to_standard"]),
        )
        for r in _read("biomarker_units")
    )


@cache
def adlb_biomarkers() -> dict[str, str]:
    """ADLB PARAMCD -> marker (seed `biomarker_parameters`); other PARAMCDs are not checked."""
    return {r["paramcd"].upper(): r["marker"] for r in _read("biomarker_parameters")}


@cache
def biomarker_plausible_max() -> dict[str, float]:
    """Marker -> largest plausible value in its standard unit (seed `biomarkers`)."""
    return {r["marker"]: float(r["plausible_max"]) for r in _read("biomarkers")}


def biomarker_maxima_text() -> str:
    """The plausible maxima in words, for check descriptions: 'crp 300 mg/L; ...'."""
    return "; ".join(
        f"{r['marker']} {float(r['plausible_max']):g} {r['standard_unit']}"
        for r in _read("biomarkers")
    )


def biomarker_units_text() -> str:
    """The accepted units in words, for check descriptions: 'crp mg/l or mg/dl; il6 ...'."""
    by_marker: dict[str, list[str]] = {}
    for u in biomarker_units():
        by_marker.setdefault(u.marker, []).append(u.unit)
    return "; ".join(f"{m} {' or '.join(units)}" for m, units in by_marker.items())


def literal(value: object) -> str:
    """An SQL literal (null, numbers as they are, text quoted with '' escaping)."""
    if value is None:
        return "null"
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
    """Accepted units per biomarker concept set, with the factor to the marker's standard unit
    and its plausible maximum: (concept_set, unit, unit_concept_id, factor_to_standard,
    plausible_max)."""
    maxima = biomarker_plausible_max()
    return values_relation(
        [
            (u.marker, u.unit, u.unit_concept_id, u.factor_to_standard, maxima[u.marker])
            for u in biomarker_units()
        ],
        ("concept_set", "unit", "unit_concept_id", "factor_to_standard", "plausible_max"),
    )
