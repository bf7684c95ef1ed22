"""`dataset.yml` (docs/dataset-contract.md): parse and validate a dataset's settings into a frozen
`DatasetConfig`.

Enters: a dataset folder. Leaves: a `DatasetConfig`, or a `ConfigError` (exit 2) that says which
key is wrong and how to write it; an unknown `source` is a `DataRejected` (exit 1), as the load
protocol in docs/architecture.md fixes. Mapping keys are kept exactly as written (YAML would turn
an arm or visit called `Off` or `1.0` into a boolean or a number), and a key written twice is an
error instead of silently keeping the last one.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn, cast

import yaml

from core import reference
from core.contracts import Source
from core.errors import ConfigError, DataRejected

CONFIG_FILE = "dataset.yml"
SOURCES: tuple[Source, ...] = ("trial", "registry")
TREATMENT_CLASSES = reference.treatment_classes()
SCALE_MAX: Mapping[str, int] = MappingProxyType(reference.scale_maxima())
"""Highest possible score per scale (docs/derivations.md#scales); a remission threshold must lie in
[0, max]."""
TIMEPOINTS = reference.timepoints()
ANALYSES = reference.analyses()
POPULATIONS = ("trd",)
SUPPRESSIONS = ("cms", "none")
DEFAULT_SUPPRESSION: Mapping[str, str] = MappingProxyType({"registry": "cms", "trial": "none"})
"""docs/privacy.md#small-cell-suppression: registries (data-use agreements) hide small cells by
default; trials, whose per-arm
results are published with exact counts (CONSORT), show them."""
DATASET_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
KEYS = (
    "dataset_id",
    "source",
    "title",
    "population",
    "arms",
    "parameters",
    "visits",
    "remission",
    "primary_analysis",
    "reference",
    "suppression",
    "synthetic",
)
ARM_KEYS = ("treatment_class", "treatment")
EXAMPLE_ARMS = 'arms:\n  "Placebo + oral AD": {treatment_class: standard_ad}'


@dataclass(frozen=True)
class ArmMapping:
    """How one ADSL arm (TRT01A, else TRT01P) enters the analysis."""

    treatment_class: str
    treatment: str | None = None


@dataclass(frozen=True)
class DatasetConfig:
    """A validated `dataset.yml`; mappings are read-only views."""

    folder: Path
    dataset_id: str
    source: Source
    sha256: str
    """Hash of dataset.yml as read: part of the "unchanged" test of a reload."""
    title: str | None = None
    population: str | None = None
    arms: Mapping[str, ArmMapping] = field(default_factory=lambda: MappingProxyType({}))
    parameters: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    visits: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    remission: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    primary_analysis: str = "nri"
    reference: str | None = None
    suppression: str = "cms"
    """Small-cell policy of the dataset's reports (docs/privacy.md#small-cell-suppression): `cms`
    or `none`; resolved from the
    source's default when dataset.yml does not say."""
    synthetic: bool = False
    """True for generated (demo) data, so that reports can say so."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader whose mapping keys stay text as written and may not repeat."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            key: Any = key_node.value
        else:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be plain text", key_node.start_mark
            )
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_config(folder: Path) -> DatasetConfig:
    """Read and validate `<folder>/dataset.yml`; every error names the key and the fix."""
    path = folder / CONFIG_FILE
    label = folder.name or str(folder)
    if not folder.is_dir():
        raise ConfigError(
            f"{folder} is not a folder",
            "pass dataset folders (each holding data files and a dataset.yml) to trd ingest",
            dataset=label,
        )
    if not path.is_file():
        raise ConfigError(
            f"{CONFIG_FILE} is missing in {folder}",
            f"add {path} with at least `dataset_id: <id>` and `source: trial|registry` "
            "(see docs/loading-a-dataset.md)",
            dataset=label,
            file=CONFIG_FILE,
        )
    raw = path.read_bytes()
    data = _parse_yaml(raw, label)
    return _build(folder, data, hashlib.sha256(raw).hexdigest(), label)


def _parse_yaml(raw: bytes, label: str) -> dict[str, Any]:
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_StrictLoader)  # noqa: S506 (strict safe loader)
    except UnicodeDecodeError as err:
        raise ConfigError(
            f"{CONFIG_FILE} is not UTF-8 text (byte {err.start})",
            f"save {CONFIG_FILE} as UTF-8",
            dataset=label,
            file=CONFIG_FILE,
        ) from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(
            f"{CONFIG_FILE} is not valid YAML{where}: {problem}",
            "fix the YAML syntax there (indent with spaces, quote values that contain ': ' "
            "or start with a special character)",
            dataset=label,
            file=CONFIG_FILE,
        ) from err
    if not isinstance(data, dict):
        raise ConfigError(
            f"{CONFIG_FILE} must be a mapping of keys to values, not {type(data).__name__}",
            "write it as `key: value` lines, e.g. `dataset_id: MY-TRIAL` and `source: trial`",
            dataset=label,
            file=CONFIG_FILE,
        )
    return data


def _build(folder: Path, data: dict[str, Any], sha256: str, label: str) -> DatasetConfig:
    err = _Errors(label)
    dataset_id = _text(data, "dataset_id", err, required=True) or ""
    if not DATASET_ID.fullmatch(dataset_id):
        err.config(
            f"dataset_id {dataset_id!r} has characters other than letters, digits, '.', '_', '-' "
            "(or is longer than 64)",
            "use a short id such as TRANSFORM-2 (it becomes part of every row's _dataset_id)",
        )
    err.label = dataset_id
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        err.config(f"unknown key {unknown[0]!r}{_did_you_mean(unknown[0], KEYS)}", _allowed(KEYS))
    source = _source(data, err)
    arms = _arms(data, source, err)
    population = _choice(data, "population", POPULATIONS, err)
    if population and source == "registry":
        err.config(
            "population is a trial-only setting (registry episodes are TRD by derivation)",
            "remove population from this registry dataset.yml",
        )
    return DatasetConfig(
        folder=folder,
        dataset_id=dataset_id,
        source=source,
        sha256=sha256,
        title=_text(data, "title", err),
        population=population,
        arms=MappingProxyType(arms),
        parameters=MappingProxyType(_code_map(data, "parameters", tuple(SCALE_MAX), err)),
        visits=MappingProxyType(_code_map(data, "visits", TIMEPOINTS, err)),
        remission=MappingProxyType(_remission(data, err)),
        primary_analysis=_choice(data, "primary_analysis", ANALYSES, err) or "nri",
        reference=_choice(data, "reference", TREATMENT_CLASSES, err),
        suppression=_suppression(data, source, err),
        synthetic=_flag(data, "synthetic", err),
    )


@dataclass
class _Errors:
    """Raises config errors labelled with the dataset (its id once known, else the folder)."""

    label: str

    def config(self, rule: str, fix: str) -> NoReturn:
        raise ConfigError(rule, fix, dataset=self.label, file=CONFIG_FILE)


def _source(data: dict[str, Any], err: _Errors) -> Source:
    if "source" not in data:
        err.config("source is missing", "add `source: trial` (ADaM files) or `source: registry`")
    value = data["source"]
    if value not in SOURCES:
        raise DataRejected(
            f"source {value!r} is not a known source (allowed: trial, registry)",
            "set `source: trial` for CDISC ADaM files or `source: registry` for OMOP CDM v5.4",
            dataset=err.label,
            file=CONFIG_FILE,
        )
    return cast(Source, value)


def _arms(data: dict[str, Any], source: Source, err: _Errors) -> dict[str, ArmMapping]:
    value = data.get("arms")
    if source == "registry":
        if value is not None:
            err.config(
                "arms is a trial-only setting (registry treatment classes come from concept sets)",
                "remove arms from this registry dataset.yml",
            )
        return {}
    if not value or not isinstance(value, dict):
        err.config(
            "arms is required for a trial: every ADSL TRT01A (else TRT01P) value must be mapped",
            f"add a mapping per arm, e.g.\n{EXAMPLE_ARMS}",
        )
    arms: dict[str, ArmMapping] = {}
    for arm, spec in value.items():
        if not isinstance(spec, dict):
            err.config(
                f"arm {arm!r} must map to {{treatment_class: ...}}, not {spec!r}",
                f'write it as "{arm}": {{treatment_class: {TREATMENT_CLASSES[0]}}} '
                f"(classes: {', '.join(TREATMENT_CLASSES)})",
            )
        unknown = [k for k in spec if k not in ARM_KEYS]
        if unknown:
            err.config(
                f"arm {arm!r} has unknown key {unknown[0]!r}{_did_you_mean(unknown[0], ARM_KEYS)}",
                _allowed(ARM_KEYS),
            )
        klass = spec.get("treatment_class")
        if klass not in TREATMENT_CLASSES:
            err.config(
                f"arm {arm!r} has treatment_class {klass!r}, which is not in the vocabulary",
                f"use one of {', '.join(TREATMENT_CLASSES)}",
            )
        treatment = spec.get("treatment")
        if treatment is not None and not isinstance(treatment, str | int | float):
            err.config(f"arm {arm!r}: treatment must be text", "e.g. treatment: quetiapine_xr")
        key = arm.strip()
        if key in arms:
            err.config(f"arm {key!r} is mapped twice", "keep one entry per arm")
        arms[key] = ArmMapping(klass, None if treatment is None else str(treatment))
    return arms


def _code_map(
    data: dict[str, Any], key: str, allowed: tuple[str, ...], err: _Errors
) -> dict[str, str]:
    """`parameters` (PARAMCD -> scale) and `visits` (AVISIT -> timepoint)."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        err.config(f"{key} must be a mapping", f"e.g. {key}: {{CODE: {allowed[0]}}}")
    result: dict[str, str] = {}
    for code, target in value.items():
        if target not in allowed:
            err.config(
                f"{key}: {code!r} maps to {target!r}, which is not one of {', '.join(allowed)}",
                f"map {code!r} to one of {', '.join(allowed)}",
            )
        result[code.strip()] = target
    return result


def _remission(data: dict[str, Any], err: _Errors) -> dict[str, float]:
    value = data.get("remission")
    if value is None:
        return {}
    if not isinstance(value, dict):
        err.config(
            "remission must be a mapping of scale to threshold", "e.g. remission: {MADRS: 12}"
        )
    result: dict[str, float] = {}
    for scale, threshold in value.items():
        if scale not in SCALE_MAX:
            err.config(f"remission: {scale!r} is not a scale", f"use one of {', '.join(SCALE_MAX)}")
        number_ok = isinstance(threshold, int | float) and not isinstance(threshold, bool)
        if not number_ok or not 0 <= threshold <= SCALE_MAX[scale]:
            err.config(
                f"remission: {scale} threshold {threshold!r} is not a score in "
                f"0-{SCALE_MAX[scale]}",
                f"give the highest score that counts as remission, e.g. {scale}: 10",
            )
        result[scale] = float(threshold)
    return result


def _suppression(data: dict[str, Any], source: Source, err: _Errors) -> str:
    value = data.get("suppression")
    if value is None:
        return DEFAULT_SUPPRESSION[source]
    if value not in SUPPRESSIONS:
        # YAML reads `none` as text; `false` or `no` (booleans) are not policies
        err.config(
            f"suppression {value!r} is not a small-cell policy (allowed: cms, none)",
            "set `suppression: cms` (small counts hidden, the CMS cell-size policy) or "
            "`suppression: none` (exact counts, e.g. a trial published under CONSORT), or leave "
            f"it out for the {source} default ({DEFAULT_SUPPRESSION[source]})",
        )
    return cast(str, value)


def _flag(data: dict[str, Any], key: str, err: _Errors) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        err.config(f"{key} must be true or false, not {value!r}", f"write `{key}: true`")
    return value


def _text(data: dict[str, Any], key: str, err: _Errors, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            err.config(f"{key} is missing or empty", f"add `{key}: <value>` to {CONFIG_FILE}")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        err.config(f"{key} must be text, not {value!r}", f'quote it: {key}: "{value}"')
    return str(value).strip()


def _choice(data: dict[str, Any], key: str, allowed: tuple[str, ...], err: _Errors) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if value not in allowed:
        err.config(
            f"{key} {value!r} is not allowed (allowed: {', '.join(allowed)})",
            f"set {key} to one of {', '.join(allowed)}, or leave it out for the default",
        )
    return cast(str, value)


def _did_you_mean(word: str, options: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _allowed(keys: tuple[str, ...]) -> str:
    return f"remove it or use one of the keys {', '.join(keys)} (see docs/loading-a-dataset.md)"
