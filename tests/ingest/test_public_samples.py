"""Real public files load as published (docs/dataset-contract.md): an unmodified OMOP CDM v5.4
export (Synthea,
upper-case names, vocabulary tables, 31 files of tables outside the contract) and the CDISC pilot
study's ADaM files as SAS transport and Parquet. The sample files (tests/data) are read-only: every
file is copied to tmp first."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest
import yaml
from ingest_fixtures import query
from sample_data import CDISC_PILOT as PILOT
from sample_data import extract_synthea

from expectations.gate import RawChecks
from ingest.load import ingest_datasets

PILOT_ARMS = {
    "Placebo": {"treatment_class": "placebo"},
    "Xanomeline Low Dose": {"treatment_class": "other", "treatment": "xanomeline_low"},
    "Xanomeline High Dose": {"treatment_class": "other", "treatment": "xanomeline_high"},
}


def _dataset_yml(folder: Path, **config: object) -> None:
    (folder / "dataset.yml").write_text(yaml.safe_dump(config, sort_keys=False))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with the three public datasets, ingested in one command."""
    root = tmp_path_factory.mktemp("public")
    synthea = extract_synthea(root / "synthea")
    _dataset_yml(synthea, dataset_id="SYNTHEA27NJ", source="registry")

    cibic = root / "pilot-cibic"
    cibic.mkdir()
    shutil.copy(PILOT / "adsl.xpt", cibic / "adsl.xpt")
    shutil.copy(PILOT / "adqscibc.xpt", cibic / "adqs.xpt")
    _dataset_yml(cibic, dataset_id="CDISCPILOT01-CIBIC", source="trial", arms=PILOT_ARMS)

    adas = root / "pilot-adas"
    adas.mkdir()
    shutil.copy(PILOT / "adsl.xpt", adas / "ADSL.xpt")
    shutil.copy(PILOT / "adadas.parquet", adas / "adqs.parquet")
    _dataset_yml(adas, dataset_id="CDISCPILOT01-ADAS", source="trial", arms=PILOT_ARMS)

    warehouse = root / "warehouse.duckdb"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert ingest_datasets([synthea, cibic, adas], warehouse, RawChecks()) == 0
    (root / "stdout.txt").write_text(out.getvalue())
    return warehouse


def test_unmodified_synthea_omop_export_loads_its_contract_tables(
    loaded: Path,
) -> None:
    warehouse = loaded
    counts = query(
        warehouse,
        "select 'person', count(*) from raw.person where _dataset_id = 'SYNTHEA27NJ' union all "
        "select 'observation_period', count(*) from raw.observation_period union all "
        "select 'condition_occurrence', count(*) from raw.condition_occurrence union all "
        "select 'drug_exposure', count(*) from raw.drug_exposure union all "
        "select 'measurement', count(*) from raw.measurement union all "
        "select 'observation', count(*) from raw.observation union all "
        "select 'procedure_occurrence', count(*) from raw.procedure_occurrence union all "
        "select 'concept', count(*) from raw.concept union all "
        "select 'concept_ancestor', count(*) from raw.concept_ancestor",
    )
    assert dict(counts) == {
        "person": 28,
        "observation_period": 28,
        "condition_occurrence": 470,
        "drug_exposure": 883,
        "measurement": 10040,
        "observation": 8099,
        "procedure_occurrence": 1649,
        "concept": 2294,
        "concept_ancestor": 0,
    }
    files = query(
        warehouse,
        "select list(file order by file) from raw.load_audit where dataset_id = 'SYNTHEA27NJ'",
    )
    notice = (warehouse.parent / "stdout.txt").read_text()
    assert "SYNTHEA27NJ: ignoring 30 file(s) of tables outside the registry contract" in notice
    assert "LOCATION.csv" in notice and "NOTE.csv" in notice
    assert "SYNTHEA27NJ: loaded 23,491 rows from 9 files" in notice
    assert files == [
        (
            [
                "CONCEPT.csv",
                "CONCEPT_ANCESTOR.csv",
                "CONDITION_OCCURRENCE.csv",
                "DRUG_EXPOSURE.csv",
                "MEASUREMENT.csv",
                "OBSERVATION.csv",
                "OBSERVATION_PERIOD.csv",
                "PERSON.csv",
                "PROCEDURE_OCCURRENCE.csv",
            ],
        )
    ]


def test_synthea_uuids_in_person_source_value_pass_the_deid_gate(
    loaded: Path,
) -> None:
    warehouse = loaded
    # person_source_value is screened (it is a text column of a contract file) but not loaded
    assert query(
        warehouse, "select person_id, year_of_birth from raw.person order by 1 limit 1"
    ) == [(1, 1998)]


def test_cdisc_pilot_adsl_and_cibic_xpt_load(loaded: Path) -> None:
    warehouse = loaded
    assert query(
        warehouse,
        "select count(*), count(distinct trt01a), max(age), min(_row_number), max(_row_number) "
        "from raw.adsl where _dataset_id = 'CDISCPILOT01-CIBIC'",
    ) == [(254, 3, 89, 1, 254)]
    assert query(
        warehouse,
        "select count(*), count(adt), min(ady) > 0 from raw.adqs "
        "where _dataset_id = 'CDISCPILOT01-CIBIC'",
    ) == [(730, 730, True)]


def test_cdisc_pilot_adas_parquet_loads_as_adqs(loaded: Path) -> None:
    warehouse = loaded
    assert query(
        warehouse,
        "select count(*), count(*) filter (dtype = 'LOCF'), count(distinct paramcd), "
        "count(*) filter (ablfl = 'Y'), count(distinct usubjid) "
        "from raw.adqs where _dataset_id = 'CDISCPILOT01-ADAS'",
    ) == [(12463, 241, 15, 3807, 254)]
    assert query(
        warehouse,
        "select count(*), min(_source_file) from raw.adsl where _dataset_id = 'CDISCPILOT01-ADAS'",
    ) == [(254, "ADSL.xpt")]
