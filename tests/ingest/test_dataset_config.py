"""dataset.yml (docs/dataset-contract.md): parsed into a frozen DatasetConfig; every mistake names
the key and fix."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from core.errors import ConfigError, DataRejected
from ingest.config import ArmMapping, read_config


def _folder(tmp_path: Path, text: str) -> Path:
    (tmp_path / "dataset.yml").write_text(text)
    return tmp_path


TRIAL = """\
dataset_id: TRANSFORM-2
source: trial
title: Esketamine + new oral AD vs placebo + new oral AD
population: trd
arms:
  "Esketamine 56/84 mg + oral AD": {treatment_class: esketamine}
  "Placebo + oral AD": {treatment_class: standard_ad, treatment: new_oral_ad}
parameters: {MADRSTOT: MADRS}
visits: {"Day 2": H24, "Day 28": D28}
remission: {MADRS: 12}
primary_analysis: oc
reference: standard_ad
"""


def test_reads_the_spec_example_into_a_frozen_config(tmp_path: Path) -> None:
    config = read_config(_folder(tmp_path, TRIAL))

    assert config.dataset_id == "TRANSFORM-2"
    assert config.source == "trial"
    assert config.population == "trd"
    assert dict(config.arms) == {
        "Esketamine 56/84 mg + oral AD": ArmMapping("esketamine"),
        "Placebo + oral AD": ArmMapping("standard_ad", "new_oral_ad"),
    }
    assert dict(config.parameters) == {"MADRSTOT": "MADRS"}
    assert dict(config.visits) == {"Day 2": "H24", "Day 28": "D28"}
    assert dict(config.remission) == {"MADRS": 12.0}
    assert (config.primary_analysis, config.reference) == ("oc", "standard_ad")
    assert len(config.sha256) == 64
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.dataset_id = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.arms["x"] = ArmMapping("placebo")  # type: ignore[index]


def test_defaults_are_nri_and_no_overrides(tmp_path: Path) -> None:
    config = read_config(_folder(tmp_path, "dataset_id: REG-1\nsource: registry\n"))

    assert (config.primary_analysis, config.reference, config.population) == ("nri", None, None)
    assert (dict(config.arms), dict(config.parameters), dict(config.remission)) == ({}, {}, {})


@pytest.mark.parametrize(
    ("text", "policy"),
    [
        ("dataset_id: REG-1\nsource: registry\n", "cms"),
        (TRIAL, "none"),
        ("dataset_id: REG-1\nsource: registry\nsuppression: none\n", "none"),
        (TRIAL + "suppression: cms\n", "cms"),
    ],
    ids=["registry-default", "trial-default", "registry-none", "trial-cms"],
)
def test_suppression_defaults_by_source_and_can_be_set(
    tmp_path: Path, text: str, policy: str
) -> None:
    # given a dataset.yml with or without `suppression` (docs/privacy.md#small-cell-suppression)
    # then registries default to cms, trials to none, and a stated policy wins
    assert read_config(_folder(tmp_path, text)).suppression == policy


def test_synthetic_defaults_to_false_and_reads_a_boolean(tmp_path: Path) -> None:
    assert read_config(_folder(tmp_path, TRIAL)).synthetic is False
    assert read_config(_folder(tmp_path, TRIAL + "synthetic: true\n")).synthetic is True


def test_an_invalid_suppression_says_what_to_write(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        read_config(_folder(tmp_path, TRIAL + "suppression: strict\n"))

    message = str(caught.value)
    assert "suppression 'strict' is not a small-cell policy (allowed: cms, none)" in message
    assert "set `suppression: cms`" in message and "the trial default (none)" in message
    assert (caught.value.exit_code, caught.value.dataset) == (2, "TRANSFORM-2")


def test_keys_stay_as_written_even_when_yaml_would_read_them_as_bool_or_number(
    tmp_path: Path,
) -> None:
    text = TRIAL.replace('"Day 2": H24', "Off: H24, 1.0: W2")
    config = read_config(_folder(tmp_path, text))

    assert dict(config.visits) == {"Off": "H24", "1.0": "W2", "Day 28": "D28"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("source: trial\n", "dataset_id is missing or empty"),
        ("dataset_id: 'a b'\nsource: trial\n", "dataset_id 'a b' has characters other than"),
        (TRIAL + "arms2: {}\n", "unknown key 'arms2' (did you mean 'arms'?)"),
        (TRIAL.replace("population: trd", "population: all"), "population 'all' is not allowed"),
        (TRIAL.replace("{MADRSTOT: MADRS}", "{MADRSTOT: MADRS10}"), "maps to 'MADRS10'"),
        (TRIAL.replace("D28}", "D30}"), "'Day 28' maps to 'D30', which is not one of H24"),
        (TRIAL.replace("{MADRS: 12}", "{MADRS: 61}"), "MADRS threshold 61 is not a score in 0-60"),
        (TRIAL.replace("{MADRS: 12}", "{BDI: 12}"), "remission: 'BDI' is not a scale"),
        (TRIAL.replace("reference: standard_ad", "reference: drug"), "reference 'drug' is not"),
        (TRIAL.replace("primary_analysis: oc", "primary_analysis: ITT"), "'ITT' is not allowed"),
        (TRIAL.replace("esketamine}", "esketamine, dose: 56}"), "has unknown key 'dose'"),
        (
            TRIAL.replace("{MADRSTOT: MADRS}", "{MADRSTOT: MADRS, MADRSTOT: HAMD17}"),
            "appears twice",
        ),
        ("dataset_id: X\nsource: trial\n", "arms is required for a trial"),
        ("dataset_id: X\nsource: registry\npopulation: trd\n", "population is a trial-only"),
        ("- a\n- b\n", "must be a mapping of keys to values, not list"),
        ("dataset_id: X\nsource: trial: x\n", "not valid YAML at line 2, column 14: mapping"),
        (TRIAL + "suppression: CMS\n", "suppression 'CMS' is not a small-cell policy (allowed:"),
        (TRIAL + "suppression: no\n", "suppression False is not a small-cell policy"),
        (TRIAL + "synthetic: yes please\n", "synthetic must be true or false, not 'yes please'"),
    ],
)
def test_malformed_dataset_yml_is_a_configuration_error(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        read_config(_folder(tmp_path, text))

    assert message in str(caught.value)
    assert caught.value.exit_code == 2
    assert caught.value.file == "dataset.yml"


def test_unknown_source_is_a_rejection_naming_the_allowed_ones(tmp_path: Path) -> None:
    with pytest.raises(DataRejected) as caught:
        read_config(_folder(tmp_path, "dataset_id: X\nsource: omop\n"))

    assert "source 'omop' is not a known source (allowed: trial, registry)" in str(caught.value)
    assert (caught.value.exit_code, caught.value.dataset) == (1, "X")


def test_missing_dataset_yml_says_what_to_write(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        read_config(tmp_path)

    assert f"dataset.yml is missing in {tmp_path}" in str(caught.value)
    assert "dataset_id: <id>" in str(caught.value)
