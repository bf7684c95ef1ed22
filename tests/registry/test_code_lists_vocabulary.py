"""The code lists (seeds/concept_sets.csv, docs/code-lists.md) against real vocabulary data.

Two public sources are vendored in tests/data: the vocabulary tables of the OHDSI Synthea27Nj
CDM export, and omop-vocabulary/public_concepts.csv, the rows of public OHDSI cohort
definitions, vocabulary mapping tables and ETL lookups the ids were checked in (origin of each
row in its `source` column, tests/data/README.md). A wrong id, a wrong name or code, or a row
marked verified without a public source behind it fails here.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from core.settings import REPO_ROOT, SAMPLE_DATA

SEEDS = REPO_ROOT / "seeds"
PUBLIC_CONCEPTS = SAMPLE_DATA / "omop-vocabulary" / "public_concepts.csv"
LOCAL_RANGE = 2_000_000_000

KNOWN_IDS = {
    # The code lists' known ids (docs/code-lists.md), typed here: (concept set, concept id,
    # vocabulary code)
    ("mdd", 4152280, "370143000"),
    ("phq9_total", 3042932, "44261-6"),
    ("ketamine", 785649, "6130"),
    ("esketamine", 1366610, "2119365"),
    ("standard_ad", 739138, "36437"),
    ("standard_ad", 755695, "4493"),
    ("standard_ad", 797617, "2556"),
    ("standard_ad", 715939, "321988"),
    ("standard_ad", 722031, "32937"),
    ("standard_ad", 743670, "39786"),
    ("standard_ad", 717607, "734064"),
    ("standard_ad", 715259, "72625"),
    ("standard_ad", 750982, "42347"),
    ("standard_ad", 725131, "15996"),
    ("standard_ad", 703547, "10737"),
    ("standard_ad", 710062, "704"),
    ("standard_ad", 721724, "7531"),
    ("standard_ad", 794147, "6646"),
    ("standard_ad", 781705, "6011"),
    ("augmentation", 757688, "89013"),
    ("augmentation", 46275300, "1658314"),
    ("augmentation", 35603277, "1667655"),
    ("augmentation", 751246, "42351"),
    ("augmentation", 19124477, "6448"),
    ("ect", 4030840, "23835007"),
    ("trd_exclusion", 436665, "13746004"),
    ("trd_exclusion", 435783, "58214004"),
    ("trd_exclusion", 436073, "69322001"),
    ("crp", 3020460, "1988-5"),
    ("crp", 3010156, "30522-7"),
    ("il6", 3023091, "26881-3"),
    ("complement_c3", 3000620, "4485-9"),
    ("complement_c4", 3017766, "4498-2"),
}


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def synthea_concepts(synthea_folder: Path) -> dict[int, dict[str, str]]:
    frame = pl.read_csv(synthea_folder / "CONCEPT.csv", infer_schema=False)
    return {int(r["concept_id"]): r for r in frame.iter_rows(named=True)}


def test_code_lists_hold_the_ids_of_spec_3_3() -> None:
    rows = {
        (r["concept_set"], int(r["concept_id"]), r["concept_code"]) for r in _seed("concept_sets")
    }
    assert rows >= KNOWN_IDS, sorted(KNOWN_IDS - rows)
    # no drug, diagnosis, procedure or exclusion set relies on a local placeholder any more
    local = {r["concept_set"] for r in _seed("concept_sets") if int(r["concept_id"]) >= LOCAL_RANGE}
    assert local == {"madrs_total", "hamd17_total", "qids_sr16_total"}


def test_antidepressant_classes_follow_the_corrected_ids() -> None:
    classes = {
        int(r["concept_id"]): (r["ingredient"], r["ad_class"])
        for r in _seed("antidepressant_classes")
    }
    assert classes[781705] == ("isocarboxazid", "maoi")
    assert classes[794147] == ("maprotiline", "tca")
    assert 781182 not in classes
    standard = {
        int(r["concept_id"]) for r in _seed("concept_sets") if r["concept_set"] == "standard_ad"
    }
    assert set(classes) == standard


def test_every_code_list_id_in_the_synthea_vocabulary_is_that_standard_concept(
    synthea_concepts: dict[int, dict[str, str]],
) -> None:
    # given the code-list rows whose id the Synthea export's CONCEPT.csv holds
    present = [r for r in _seed("concept_sets") if int(r["concept_id"]) in synthea_concepts]
    assert {int(r["concept_id"]) for r in present} == {4152280, 4282096, 3042932, 3020460, 3023091}
    for row in present:
        concept = synthea_concepts[int(row["concept_id"])]
        # then name, domain, vocabulary and code agree, and the concept is standard
        assert concept["concept_name"].lower() == row["concept_name"].lower()
        assert concept["domain_id"] == row["domain_id"]
        assert (concept["vocabulary_id"], concept["concept_code"]) == (
            row["vocabulary_id"],
            row["concept_code"],
        )
        assert concept["standard_concept"] == "S"
        assert "Synthea27Nj" in row["source"] and row["verified"] == "true"


def test_biomarker_unit_ids_are_the_synthea_ucum_units(
    synthea_concepts: dict[int, dict[str, str]],
) -> None:
    for unit in _seed("biomarker_units"):
        concept = synthea_concepts[int(unit["unit_concept_id"])]
        assert (concept["vocabulary_id"], concept["standard_concept"]) == ("UCUM", "S")
        assert concept["concept_code"].lower() == unit["unit"]
    assert synthea_concepts[8725]["concept_name"] == "nanogram per liter"


def test_every_verified_id_matches_a_public_row_of_the_source_it_names(
    synthea_concepts: dict[int, dict[str, str]],
) -> None:
    public = pl.read_csv(PUBLIC_CONCEPTS, infer_schema=False).fill_null("")
    for row in (r for r in _seed("concept_sets") if r["verified"] == "true"):
        concept_id = int(row["concept_id"])
        confirming = [
            p
            for p in public.filter(pl.col("concept_id") == row["concept_id"]).iter_rows(named=True)
            if _repo_and_path(p["source"]) in _sources(row["source"])
        ]
        if "Synthea27Nj" in row["source"] and concept_id in synthea_concepts:
            confirming.append(synthea_concepts[concept_id])
        assert confirming, f"{row['concept_set']} {concept_id}: no public row in {row['source']}"
        for p in confirming:
            assert p["concept_name"].lower() == row["concept_name"].lower(), (row, p)
            for column in ("vocabulary_id", "concept_code", "domain_id"):
                assert p[column] in ("", row[column]), (column, row, p)
            assert p["standard_concept"] in ("", "S"), (row, p)


def test_unverified_rows_say_why() -> None:
    for row in (r for r in _seed("concept_sets") if r["verified"] != "true"):
        if int(row["concept_id"]) >= LOCAL_RANGE:
            assert row["vocabulary_id"] == "Local" and row["source"].startswith("local id")
        else:
            assert row["source"].startswith("not confirmed"), row


def _repo_and_path(source: str) -> str:
    """'OHDSI/Legend@04d1c683e4:inst/settings/X.csv' -> 'OHDSI/Legend inst/settings/X.csv'."""
    repo, _, rest = source.partition("@")
    return f"{repo} {rest.partition(':')[2]}"


def _sources(text: str) -> set[str]:
    """The '<repo> <path>' items of a seed row's source text (separated by ';')."""
    return {part.strip().split(" (")[0] for part in text.split(";")}
