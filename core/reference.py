"""The reference layer: every vocabulary and threshold the stages share, read from the dbt project.

The dbt seeds (`seeds/*.csv`: code lists, scales, timepoints, treatment classes, analyses,
biomarker units) and the dbt vars (`dbt_project.yml`: the age top-code, the small-cell
threshold, the derivation windows) are the only place these are written. The models read them
through `ref()` and `var()`; ingest, the checks, the reports and the demo read them here. The raw
checks run inside ingest, before any `dbt build` has loaded the seeds into the warehouse, so this
module reads the files, not the `reference` schema. Results are cached: the files are part of the
installed project and do not change while a process runs.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from core.settings import REPO_ROOT

SEEDS = REPO_ROOT / "seeds"
DBT_PROJECT = REPO_ROOT / "dbt_project.yml"


def _read(name: str) -> list[dict[str, str]]:
    with Path(SEEDS / f"{name}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def dbt_vars() -> Mapping[str, Any]:
    """The `vars` of dbt_project.yml (the defaults a build uses unless `--vars` overrides them)."""
    return yaml.safe_load(DBT_PROJECT.read_text(encoding="utf-8"))["vars"]


def age_top_code() -> int:
    """Ages above this identify a person (HIPAA Safe Harbor, docs/privacy.md#ages): var
    `age_top_code`."""
    return int(dbt_vars()["age_top_code"])


def small_cell_threshold() -> int:
    """Counts from 1 to this minus 1 are small under `cms` (docs/privacy.md#small-cell-suppression):
    var `small_cell_threshold`."""
    return int(dbt_vars()["small_cell_threshold"])


@cache
def treatment_classes() -> tuple[str, ...]:
    """The treatment_class vocabulary (docs/derivations.md#treatment-classes), in report order
    (seed `treatment_classes`)."""
    rows = sorted(_read("treatment_classes"), key=lambda r: int(r["sort_order"]))
    return tuple(r["treatment_class"] for r in rows)


@cache
def scale_ranges() -> dict[str, tuple[float, float]]:
    """Scale -> (lowest, highest) possible total score (seed `scales`)."""
    return {r["scale"]: (float(r["score_min"]), float(r["score_max"])) for r in _read("scales")}


@cache
def scale_maxima() -> dict[str, int]:
    """Scale -> highest possible total score (seed `scales`), in the seed's order."""
    return {r["scale"]: int(r["score_max"]) for r in _read("scales")}


@cache
def timepoints() -> tuple[str, ...]:
    """The timepoints (docs/derivations.md#timepoint-windows), earliest first (seed
    `timepoints`)."""
    rows = sorted(_read("timepoints"), key=lambda r: int(r["sort_order"]))
    return tuple(r["timepoint"] for r in rows)


@cache
def analyses() -> tuple[str, ...]:
    """The analyses of missing outcomes (docs/derivations.md#analyses; seed `analyses`)."""
    rows = sorted(_read("analyses"), key=lambda r: int(r["sort_order"]))
    return tuple(r["analysis"] for r in rows)


@cache
def default_parameters() -> dict[str, str]:
    """Default ADQS PARAMCD -> scale map (seed `scale_parameters`)."""
    return {r["paramcd"].upper(): r["scale"] for r in _read("scale_parameters")}


@dataclass(frozen=True)
class ConceptRow:
    concept_set: str
    concept_id: int
    concept_name: str
    vocabulary_id: str
    concept_code: str
    """Empty for local concepts (no vocabulary code)."""


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
