"""Every demo dataset meets the input contract (docs/dataset-contract.md, core/contracts.py) and
the error-level raw checks of docs/data-quality.md, read with Polars and pyreadstat (not with the
ingest stage)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml
from demo_files import DATASETS, read_table

from core import reference
from core.contracts import EVENT_TABLES_ONE_REQUIRED, TABLES, Table, tables_for
from ingest.config import KEYS

TREATMENT_CLASSES = set(reference.treatment_classes())
TIMEPOINTS = set(reference.timepoints())
SCALES = reference.scale_maxima()
DEFAULT_PARAMETERS = reference.default_parameters()
POLARS_TYPES = {
    "VARCHAR": pl.String,
    "INTEGER": pl.Int64,
    "BIGINT": pl.Int64,
    "DOUBLE": pl.Float64,
    "DATE": pl.Date,
}
TRIALS = DATASETS[:-1]


def _config(folder: Path) -> dict:
    return yaml.safe_load((folder / "dataset.yml").read_text())


def _contract_files(folder: Path) -> dict[str, Path]:
    return {p.stem.lower(): p for p in folder.iterdir() if p.stem.lower() in TABLES}


def _cast(frame: pl.DataFrame, table: Table) -> pl.DataFrame:
    """Cast the contract's columns strictly (a value that cannot be cast raises)."""
    frame = frame.rename({c: c.lower() for c in frame.columns})
    casts = []
    for column in table.columns:
        if column.name not in frame.columns:
            continue
        target = POLARS_TYPES[column.type]
        expr = pl.col(column.name)
        if target == pl.Int64 and frame.schema[column.name] == pl.Float64:
            assert (frame[column.name].drop_nulls() % 1 == 0).all(), column.name
        if target == pl.Date and frame.schema[column.name] == pl.String:
            expr = expr.str.to_date("%Y-%m-%d")
        casts.append(expr.cast(target, strict=True))
    return frame.with_columns(casts)


@pytest.mark.parametrize("dataset", DATASETS)
def test_dataset_yml_follows_spec3(demo: dict[str, Path], dataset: str) -> None:
    # given a generated dataset / when reading its dataset.yml
    config = _config(demo[dataset])
    # then the keys are those of docs/dataset-contract.md#datasetyml, in its order, with values
    # from its vocabularies
    assert config["dataset_id"] == dataset == demo[dataset].name
    assert list(config) == [k for k in KEYS if k in config]
    assert config["source"] == ("registry" if dataset == "REGISTRY-OMOP" else "trial")
    assert config.get("population", "trd") == "trd"
    assert config["synthetic"] is True  # every demo dataset says it is demo data
    assert config.get("primary_analysis", "nri") in reference.analyses()
    assert set(config.get("visits", {}).values()) <= TIMEPOINTS
    assert set(config.get("parameters", {}).values()) <= set(SCALES)
    assert set(config.get("remission", {})) <= set(SCALES)
    if config["source"] == "trial":
        classes = {arm["treatment_class"] for arm in config["arms"].values()}
        assert classes <= TREATMENT_CLASSES
        assert (
            config.get("reference", "standard_ad" if "standard_ad" in classes else "placebo")
            in classes
        )


@pytest.mark.parametrize("dataset", TRIALS)
def test_every_treated_arm_is_mapped(demo: dict[str, Path], dataset: str) -> None:
    # given the trial's ADSL / then every non-blank TRT01A has an entry in `arms`
    arms = read_table(demo[dataset], "adsl")["TRT01A"].drop_nulls().unique().to_list()
    assert sorted(arms) == sorted(_config(demo[dataset])["arms"])


@pytest.mark.parametrize("dataset", DATASETS)
def test_files_have_contract_columns_castable_and_filled(
    demo: dict[str, Path], dataset: str
) -> None:
    # given the dataset's files of contract tables
    source = _config(demo[dataset])["source"]
    files = _contract_files(demo[dataset])
    # then every required table is there (and one of measurement/observation for registries)
    required = {t.name for t in tables_for(source) if t.required}
    assert required <= set(files)
    if source == "registry":
        assert set(EVENT_TABLES_ONE_REQUIRED) & set(files)
    for name, path in files.items():
        table = TABLES[name]
        frame = _cast(read_table(demo[dataset], name), table)
        # and each has its required columns, cast without loss, with no nulls where forbidden
        missing = [c.name for c in table.columns if c.required and c.name not in frame.columns]
        assert missing == [], (path.name, missing)
        for column in table.columns:
            if column.not_null:
                assert frame[column.name].null_count() == 0, (path.name, column.name)
        if table.key:
            assert frame.select(table.key).is_duplicated().sum() == 0, (path.name, table.key)


@pytest.mark.parametrize("dataset", TRIALS)
def test_adsl_age_is_adult_and_never_above_90(demo: dict[str, Path], dataset: str) -> None:
    adsl = read_table(demo[dataset], "adsl")
    assert adsl["AGE"].min() >= 18
    assert adsl["AGE"].max() <= 90
    assert set(adsl["SEX"]) == {"F", "M"}
    saffl = set(adsl["SAFFL"])  # N: randomised but never dosed (most trials have a few)
    assert "Y" in saffl and saffl <= {"Y", "N"}


@pytest.mark.parametrize("dataset", TRIALS)
def test_trial_records_pass_the_error_level_raw_checks(demo: dict[str, Path], dataset: str) -> None:
    # given the trial's ADQS and ADLB
    folder = demo[dataset]
    config = _config(folder)
    subjects = set(read_table(folder, "adsl")["USUBJID"])
    adqs = read_table(folder, "adqs")
    # then ADY is never null or 0, subjects are in ADSL, flags are Y or blank
    for name in ("adqs", "adlb"):
        if name in _contract_files(folder):
            frame = read_table(folder, name)
            assert frame.filter(pl.col("ADY").is_null() | (pl.col("ADY") == 0)).height == 0
            assert set(frame["USUBJID"]) <= subjects
            for flag in ("ABLFL", "ANL01FL"):
                if flag in frame.columns:
                    assert set(frame[flag].drop_nulls()) == {"Y"}
    # and total scores lie within their scale's range
    parameters = DEFAULT_PARAMETERS | config.get("parameters", {})
    totals = adqs.filter(pl.col("PARAMCD").is_in(list(parameters)))
    assert totals.height > 0
    for paramcd, scale in parameters.items():
        aval = totals.filter(pl.col("PARAMCD") == paramcd)["AVAL"].drop_nulls()
        assert aval.is_empty() or (aval.min() >= 0 and aval.max() <= SCALES[scale]), paramcd
    # and at most one ABLFL baseline per subject and parameter
    if "ABLFL" in adqs.columns:
        per_subject = adqs.filter(pl.col("ABLFL") == "Y").group_by("USUBJID", "PARAMCD").len()
        assert per_subject["len"].max() == 1


@pytest.mark.parametrize("dataset", TRIALS)
def test_sponsor_base_and_change_agree_with_the_records(
    demo: dict[str, Path], dataset: str
) -> None:
    # given ADQS totals / then BASE is the baseline value and CHG = AVAL - BASE after it
    adqs = read_table(demo[dataset], "adqs")
    base = adqs.filter(pl.col("ADY") <= 1).sort("ADY").group_by("USUBJID", "PARAMCD").last()
    joined = adqs.join(
        base.select("USUBJID", "PARAMCD", expected="AVAL"), on=["USUBJID", "PARAMCD"]
    )
    assert joined.filter(pl.col("BASE") != pl.col("expected")).height == 0
    post = joined.filter((pl.col("ADY") > 1) & pl.col("AVAL").is_not_null())
    assert post.filter(pl.col("CHG") != pl.col("AVAL") - pl.col("BASE")).height == 0


def test_registry_rows_reference_persons_and_end_after_start(demo: dict[str, Path]) -> None:
    folder = demo["REGISTRY-OMOP"]
    persons = set(read_table(folder, "person")["person_id"])
    for name in (
        "observation_period",
        "condition_occurrence",
        "drug_exposure",
        "measurement",
        "observation",
    ):
        assert set(read_table(folder, name)["person_id"]) <= persons, name
    periods = read_table(folder, "observation_period")
    assert periods.filter(
        pl.col("observation_period_end_date") < pl.col("observation_period_start_date")
    ).is_empty()
    drugs = read_table(folder, "drug_exposure")
    assert drugs.filter(
        pl.col("drug_exposure_end_date") < pl.col("drug_exposure_start_date")
    ).is_empty()


def test_registry_scores_within_scale_ranges(demo: dict[str, Path], vocab) -> None:
    folder = demo["REGISTRY-OMOP"]
    phq9 = read_table(folder, "observation")["value_as_number"]
    madrs = read_table(folder, "measurement").filter(
        pl.col("measurement_concept_id") == vocab.first("madrs_total").concept_id
    )["value_as_number"]
    assert (phq9.min(), phq9.max()) == (0, 27)
    assert madrs.min() >= 0 and madrs.max() <= 60


@pytest.mark.parametrize("dataset", DATASETS)
def test_no_column_is_named_like_a_direct_identifier(demo: dict[str, Path], dataset: str) -> None:
    # docs/privacy.md#de-identification-gate: names, addresses, ZIP, phone, email, SSN, MRN ...
    # must not appear as columns
    words = ("name", "address", "zip", "phone", "fax", "email", "ssn", "mrn", "url", "ip_")
    for name in _contract_files(demo[dataset]):
        columns = [c.lower() for c in read_table(demo[dataset], name).columns]
        assert [c for c in columns if any(w in c for w in words) and c != "concept_name"] == []
