"""Everything the docs generator reads from the project, in one place.

The generated parts of `docs/*.md` describe what the project declares as data: the input
contract, the `dataset.yml` vocabularies, the de-identification patterns, the data-quality
checks, the seeds, the dbt `vars` and the dbt YAML of the marts and reporting views. This module
is the only one of `trd.docs` that imports project code or knows where those files live, so a
module that moves is re-pointed here and nowhere else. It returns plain values; `sections.py`
turns them into Markdown.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from dataclasses import dataclass
from typing import Any

import yaml

from core.contracts import (
    AUDIT_COLUMNS,
    EVENT_TABLES_ONE_REQUIRED,
    REGISTRY_TABLES,
    TRIAL_TABLES,
    Column,
    Table,
)
from core.settings import REPO_ROOT
from expectations.checks import Check, TableSuite
from expectations.suites import marts as mart_suites
from expectations.suites import registry as registry_suites
from expectations.suites import trial as trial_suites
from ingest import config as dataset_config
from ingest import deid
from ingest.readers import FORMAT_NAMES, FORMATS

__all__ = [
    "AUDIT_COLUMNS",
    "EVENT_TABLES_ONE_REQUIRED",
    "REGISTRY_TABLES",
    "REPO_ROOT",
    "TRIAL_TABLES",
    "Check",
    "Column",
    "Table",
    "TableSuite",
]

DOCS_DIR = REPO_ROOT / "docs"
MODELS_DIR = REPO_ROOT / "models"
SEEDS_DIR = REPO_ROOT / "seeds"


# ---- input contract ------------------------------------------------------------------------------


def file_formats() -> list[tuple[str, str]]:
    """(extension, format name) of every file format ingest reads."""
    return [(ext, FORMAT_NAMES[fmt]) for ext, fmt in FORMATS.items()]


def source_descriptions() -> dict[str, tuple[str, dict[str, str]]]:
    """Raw table -> (description, column -> description) from the dbt sources YAML."""
    data = yaml.safe_load((MODELS_DIR / "staging" / "_sources.yml").read_text(encoding="utf-8"))
    tables = next(s for s in data["sources"] if s["name"] == "raw")["tables"]
    return {
        t["name"]: (
            one_line(t.get("description", "")),
            {c["name"]: one_line(c.get("description", "")) for c in t.get("columns", [])},
        )
        for t in tables
    }


@dataclass(frozen=True)
class DatasetKey:
    """One top-level key of dataset.yml (or of an arm), with what it accepts."""

    key: str
    allowed: str
    default: str


def dataset_keys() -> list[DatasetKey]:
    """Every key `ingest/config.py` accepts, with its vocabulary and default, in its order."""
    c = dataset_config
    defaults = {f.name: f.default for f in dataclasses.fields(c.DatasetConfig)}
    scales = ", ".join(f"`{s}`" for s in c.SCALE_MAX)
    allowed = {
        "dataset_id": f"text matching `{c.DATASET_ID.pattern}`",
        "source": _codes(c.SOURCES),
        "title": "text",
        "population": _codes(c.POPULATIONS) + " (trial only)",
        "arms": "a mapping of arm (ADSL TRT01A, else TRT01P) to `{treatment_class, treatment}`"
        " (trial: required; registry: not allowed)",
        "parameters": f"a mapping of PARAMCD to a scale: {scales}",
        "visits": "a mapping of AVISIT to a timepoint: " + _codes(c.TIMEPOINTS),
        "remission": "a mapping of scale to a score from 0 to the scale's maximum ("
        + ", ".join(f"{s} {m}" for s, m in c.SCALE_MAX.items())
        + ")",
        "primary_analysis": _codes(c.ANALYSES),
        "reference": _codes(c.TREATMENT_CLASSES),
        "suppression": _codes(c.SUPPRESSIONS),
        "synthetic": "`true` or `false`",
        "treatment_class": _codes(c.TREATMENT_CLASSES),
        "treatment": "text",
    }
    default = {
        "dataset_id": "required",
        "source": "required",
        "arms": "required for a trial",
        "treatment_class": "required in each arm",
        "primary_analysis": f"`{defaults['primary_analysis']}`",
        "reference": "`standard_ad` when the dataset has standard_ad episodes, else `placebo`",
        "suppression": ", ".join(
            f"`{policy}` for a {source}" for source, policy in c.DEFAULT_SUPPRESSION.items()
        ),
        "synthetic": f"`{str(defaults['synthetic']).lower()}`",
    }
    return [
        DatasetKey(k, allowed.get(k, "see below"), default.get(k, "none"))
        for k in (*c.KEYS, *c.ARM_KEYS)
    ]


def dataset_key_names() -> tuple[str, ...]:
    """The keys of dataset.yml and of an arm, as `ingest/config.py` validates them."""
    return (*dataset_config.KEYS, *dataset_config.ARM_KEYS)


# ---- de-identification --------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentifierKind:
    """A kind of direct identifier: the patterns of the column-name and value screens."""

    kind: str
    name_patterns: tuple[str, ...]
    value_patterns: tuple[str, ...]


def identifier_kinds() -> list[IdentifierKind]:
    """Every kind the gate knows, in the order of the column-name screen, then value-only kinds."""
    kinds: dict[str, tuple[list[str], list[str]]] = {}
    for kind, pattern in deid.NAME_PATTERNS:
        kinds.setdefault(kind, ([], []))[0].append(pattern.pattern)
    for kind, regex in deid.VALUE_PATTERNS:
        kinds.setdefault(kind, ([], []))[1].append(regex)
    return [IdentifierKind(k, tuple(n), tuple(v)) for k, (n, v) in kinds.items()]


def identifier_name_exemptions() -> str:
    """The pattern of column names that are never identifiers (three-digit ZIP codes)."""
    return deid.SAFE_NAMES.pattern


def adsl_max_age() -> int:
    """ADSL AGE above this rejects the dataset."""
    return deid.MAX_AGE


def registry_max_age() -> int:
    """Implied registry ages above this are a warning."""
    return registry_suites.MAX_AGE


def default_suppression() -> dict[str, str]:
    """Source -> the small-cell policy a dataset gets when its dataset.yml names none."""
    return dict(dataset_config.DEFAULT_SUPPRESSION)


# ---- data quality --------------------------------------------------------------------------------


def check_suites() -> dict[str, tuple[TableSuite, ...]]:
    """The data-quality suites by family: trial and registry files, marts."""
    return {
        "trial": trial_suites.suites(),
        "registry": registry_suites.suites(),
        "marts": mart_suites.suites(),
    }


# ---- seeds and vars ------------------------------------------------------------------------------


def seed_rows(name: str) -> list[dict[str, str]]:
    """The rows of `seeds/<name>.csv`, as text."""
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def seed_docs() -> dict[str, dict[str, Any]]:
    """Seed name -> its YAML entry (description, columns), from every `seeds/*.yml`."""
    docs: dict[str, dict[str, Any]] = {}
    for path in sorted(SEEDS_DIR.glob("*.yml")):
        for seed in yaml.safe_load(path.read_text(encoding="utf-8")).get("seeds", []):
            docs[seed["name"]] = seed
    return docs


def seed_names() -> list[str]:
    """Every seed (CSV file) of the project."""
    return sorted(p.stem for p in SEEDS_DIR.glob("*.csv"))


def dbt_vars() -> dict[str, Any]:
    """`vars` of dbt_project.yml: the derivation parameters, in file order."""
    project = yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text(encoding="utf-8"))
    return dict(project.get("vars") or {})


def var_users() -> dict[str, list[str]]:
    """Var name -> the models (by name) and macro files that read it: `var('name')` in SQL, or
    `dbt.config.get("name")` in a Python model (which the model's YAML config sets from the var)."""
    users: dict[str, set[str]] = {}
    pattern = re.compile(r"""(?:var|dbt\.config\.get)\(\s*['"](\w+)['"]""")
    for folder in (MODELS_DIR, REPO_ROOT / "macros"):
        for path in sorted(folder.rglob("*")):
            if path.suffix not in (".sql", ".py"):
                continue
            for name in pattern.findall(path.read_text(encoding="utf-8")):
                shown = path.stem if folder == MODELS_DIR else path.relative_to(REPO_ROOT)
                users.setdefault(name, set()).add(str(shown))
    return {name: sorted(stems) for name, stems in users.items()}


# ---- dbt models ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """A dbt model as its YAML documents it."""

    name: str
    relation: str
    """schema.table as users query it (the alias where one is set)."""
    description: str
    columns: tuple[dict[str, Any], ...]
    tests: tuple[Any, ...]
    """Model-level data tests, as written in the YAML."""
    tags: tuple[str, ...]
    yaml_file: str


FIRST_YAML_FILES: dict[str, tuple[str, ...]] = {
    "marts": ("_marts__models.yml", "_pooled__models.yml"),
    "reporting": ("_reporting__models.yml",),
}
"""The YAML files whose models a page lists first (the core marts); the others follow by name."""


def models(folder: str) -> list[Model]:
    """The documented models of `models/<folder>/`, in the order of `FIRST_YAML_FILES`, then by
    YAML file name; within a file, in file order."""
    first = FIRST_YAML_FILES.get(folder, ())
    paths = sorted(
        (MODELS_DIR / folder).glob("*.yml"),
        key=lambda p: (first.index(p.name) if p.name in first else len(first), p.name),
    )
    found = []
    for path in paths:
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            config = entry.get("config") or {}
            found.append(
                Model(
                    name=entry["name"],
                    relation=f"{folder}.{config.get('alias', entry['name'])}",
                    description=one_line(entry.get("description", "")),
                    columns=tuple(entry.get("columns", [])),
                    tests=tuple(entry.get("data_tests", [])),
                    tags=tuple(config.get("tags", [])),
                    yaml_file=path.relative_to(REPO_ROOT).as_posix(),
                )
            )
    return found


# ---- helpers -------------------------------------------------------------------------------------


def _codes(values: tuple[str, ...]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def one_line(text: Any) -> str:
    """YAML folded text as one line (paragraph breaks kept as a space)."""
    return " ".join(str(text).split())
