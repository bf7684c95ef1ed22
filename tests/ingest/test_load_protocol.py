"""The load protocol (docs/dataset-contract.md#what-gets-rejected, docs/architecture.md):
idempotent reloads, atomic replacement,
one atomic unit per folder, audit rows, stale staging tables, and the single-writer lock."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from ingest_fixtures import query, registry_dataset, snapshot, trial_dataset

from ingest.schema import create_raw_schema
from trd.cli import main

REGISTRY_TABLES = (
    "raw.person",
    "raw.observation_period",
    "raw.condition_occurrence",
    "raw.drug_exposure",
    "raw.measurement",
    "raw.observation",
    "raw.concept",
    "raw.concept_ancestor",
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_loading_identical_files_again_writes_nothing(
    warehouse: Path, baseline_dir: Path, run_ingest: Callable[..., Any]
) -> None:
    # given the warehouse that holds both datasets, byte for byte
    before = _sha256(warehouse)
    audit_before = query(warehouse, "from raw.load_audit order by all")

    # when the same folders are ingested again
    run = run_ingest(warehouse, baseline_dir / "trial", baseline_dir / "registry")

    # then each is reported unchanged and not a byte of the warehouse changed
    assert run.code == 0
    assert "TEST-TRIAL: unchanged (2 files identical to its last load); nothing written" in run.out
    assert "TEST-REG: unchanged (8 files identical to its last load)" in run.out
    assert _sha256(warehouse) == before
    assert query(warehouse, "from raw.load_audit order by all") == audit_before


def test_a_changed_file_replaces_the_dataset_and_leaves_the_other_untouched(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path, verbose: None
) -> None:
    # given a new version of TEST-TRIAL with 4 of its 6 subjects
    dataset = trial_dataset()
    dataset.tables["adsl"] = dataset.tables["adsl"][:4]
    kept = {s["USUBJID"] for s in dataset.tables["adsl"]}
    dataset.tables["adqs"] = [r for r in dataset.tables["adqs"] if r["USUBJID"] in kept]
    registry_before = {t: rows for t, rows in snapshot(warehouse).items() if t in REGISTRY_TABLES}
    old_load = query(warehouse, "select _load_id from raw.datasets where dataset_id = 'TEST-TRIAL'")

    # when it is ingested
    run = run_ingest(warehouse, dataset.write(tmp_path / "trial"))

    # then the old rows are gone and the new ones carry one new load id
    assert run.code == 0, run.err
    assert "TEST-TRIAL: loaded 16 rows from 2 files in" in run.out
    _assert_time_spent_per_step(run.out, "TEST-TRIAL")
    counts = query(
        warehouse,
        "select (select count(*) from raw.adsl where _dataset_id = 'TEST-TRIAL'), "
        "(select count(*) from raw.adqs where _dataset_id = 'TEST-TRIAL'), "
        "(select count(distinct _load_id) from raw.adqs where _dataset_id = 'TEST-TRIAL')",
    )
    assert counts == [(4, 12, 1)]
    new_load = query(warehouse, "select _load_id from raw.datasets where dataset_id = 'TEST-TRIAL'")
    assert new_load != old_load
    assert (
        query(warehouse, "select distinct _load_id from raw.adsl where _dataset_id = 'TEST-TRIAL'")
        == new_load
    )
    # and TEST-REG is untouched
    after = snapshot(warehouse)
    assert {t: after[t] for t in REGISTRY_TABLES} == registry_before
    # and the audit shows the new load, file by file, with hashes
    audit = query(
        warehouse,
        "select file, rows, status, sha256 from raw.load_audit where load_id = ? order by file",
        [new_load[0][0]],
    )
    folder = tmp_path / "trial"
    assert audit == [
        ("adqs.csv", 12, "loaded", _sha256(folder / "adqs.csv")),
        ("adsl.csv", 4, "loaded", _sha256(folder / "adsl.csv")),
    ]


def test_reloading_a_dataset_keeps_the_rows_of_another_dataset_in_the_same_tables(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    # given a second trial in the same raw tables as TEST-TRIAL
    other = trial_dataset("OTHER-TRIAL")
    assert run_ingest(warehouse, other.write(tmp_path / "other")).code == 0
    other_before = query(warehouse, "from raw.adqs where _dataset_id = 'OTHER-TRIAL' order by all")
    # when a new version of TEST-TRIAL (one subject fewer) is loaded
    dataset = trial_dataset()
    dataset.tables["adsl"] = dataset.tables["adsl"][:5]
    kept = {s["USUBJID"] for s in dataset.tables["adsl"]}
    dataset.tables["adqs"] = [r for r in dataset.tables["adqs"] if r["USUBJID"] in kept]
    run = run_ingest(warehouse, dataset.write(tmp_path / "trial"))
    # then OTHER-TRIAL's rows are all still there, unchanged, beside the new TEST-TRIAL rows
    assert run.code == 0, run.err
    assert (
        query(warehouse, "from raw.adqs where _dataset_id = 'OTHER-TRIAL' order by all")
        == other_before
    )
    assert query(
        warehouse, "select _dataset_id, count(*) from raw.adsl group by all order by all"
    ) == [("OTHER-TRIAL", 6), ("TEST-TRIAL", 5)]
    # and the raw tables keep the contract layout (the checked-only key columns are not kept)
    columns = query(
        warehouse,
        "select column_name from information_schema.columns where table_schema = 'raw' "
        "and table_name = 'adsl' order by ordinal_position",
    )
    assert columns[-4:] == [("_dataset_id",), ("_load_id",), ("_source_file",), ("_row_number",)]


def test_a_changed_dataset_yml_alone_replaces_the_settings(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    # given the same files with a different remission threshold, reference class, suppression
    # policy and synthetic flag
    dataset = trial_dataset()
    dataset.config["remission"] = {"MADRS": 10}
    dataset.config["reference"] = "placebo"
    dataset.config["suppression"] = "cms"
    dataset.config["synthetic"] = True

    # when ingested
    run = run_ingest(warehouse, dataset.write(tmp_path / "trial"))

    # then the settings tables hold the new dataset.yml
    assert run.code == 0, run.err
    assert query(
        warehouse,
        "select scale, threshold from raw.dataset_remission where dataset_id = 'TEST-TRIAL'",
    ) == [("MADRS", 10.0)]
    assert query(
        warehouse,
        "select reference, primary_analysis, suppression, synthetic from raw.datasets "
        "where dataset_id = 'TEST-TRIAL'",
    ) == [("placebo", "oc", "cms", True)]


def test_settings_tables_hold_only_the_datasets_own_dataset_yml(warehouse: Path) -> None:
    # given the baseline (TEST-TRIAL maps MADRSTOT and two visits; TEST-REG sets nothing)
    # then raw.dataset_parameters holds the trial's one mapping and no defaults
    assert query(warehouse, "select dataset_id, paramcd, scale from raw.dataset_parameters") == [
        ("TEST-TRIAL", "MADRSTOT", "MADRS")
    ]
    assert query(warehouse, "select avisit, timepoint from raw.dataset_visits order by 2") == [
        ("Day 28", "D28"),
        ("Day 2", "H24"),
    ]
    assert query(
        warehouse, "select arm, treatment_class, treatment from raw.dataset_arms order by 1"
    ) == [
        ("Esketamine 56 mg + oral AD", "esketamine", None),
        ("Placebo + oral AD", "standard_ad", "oral_ad"),
    ]
    assert query(
        warehouse,
        "select dataset_id, source, population, primary_analysis, reference, suppression, "
        "synthetic from raw.datasets order by 1",
    ) == [
        ("TEST-REG", "registry", None, "nri", None, "cms", False),
        ("TEST-TRIAL", "trial", "trd", "oc", None, "none", False),
    ]


def test_audit_has_one_loaded_row_per_file_with_its_hash_and_rows(
    warehouse: Path, baseline_dir: Path
) -> None:
    audit = query(
        warehouse,
        "select file, rows, status, sha256 from raw.load_audit "
        "where dataset_id = 'TEST-TRIAL' order by file",
    )
    assert audit == [
        ("adqs.csv", 18, "loaded", _sha256(baseline_dir / "trial" / "adqs.csv")),
        ("adsl.csv", 6, "loaded", _sha256(baseline_dir / "trial" / "adsl.csv")),
    ]
    assert query(
        warehouse,
        "select count(*), count(distinct load_id), min(finished_at >= started_at) "
        "from raw.load_audit where dataset_id = 'TEST-REG'",
    ) == [(8, 1, True)]


def test_each_folder_is_its_own_atomic_unit(
    warehouse: Path,
    baseline_snapshot: dict[str, list[tuple[Any, ...]]],
    run_ingest: Callable[..., Any],
    tmp_path: Path,
) -> None:
    # given a valid new trial and a broken new version of TEST-REG (duplicate person_id)
    good = trial_dataset("TRIAL-B").write(tmp_path / "good")
    broken = registry_dataset()
    broken.tables["person"][1]["person_id"] = 1
    bad = broken.write(tmp_path / "bad")

    # when both are ingested in one command
    run = run_ingest(warehouse, good, bad)

    # then the good one is loaded, the bad one rejected, and the exit code says so
    assert run.code == 1
    assert "TRIAL-B: loaded 24 rows from 2 files in" in run.out
    assert "TEST-REG: REJECTED after" in run.out
    assert (
        "dataset TEST-REG, file person.csv, column person_id, rows 1, 2: duplicate key" in run.err
    )
    assert query(warehouse, "select count(*) from raw.adsl where _dataset_id = 'TRIAL-B'") == [(6,)]
    after = snapshot(warehouse)
    assert {t: after[t] for t in REGISTRY_TABLES} == {
        t: baseline_snapshot[t] for t in REGISTRY_TABLES
    }


def test_two_folders_with_one_dataset_id_are_refused_before_anything_loads(
    warehouse: Path,
    baseline_snapshot: dict[str, list[tuple[Any, ...]]],
    run_ingest: Callable[..., Any],
    tmp_path: Path,
) -> None:
    # given a good new trial and two folders that share one dataset_id
    good = trial_dataset("TRIAL-G").write(tmp_path / "good")
    first = trial_dataset("TRIAL-D").write(tmp_path / "first")
    second = trial_dataset("TRIAL-D").write(tmp_path / "second")

    # when all three are ingested in one command
    run = run_ingest(warehouse, good, first, second)

    # then the command is refused as a usage error, naming both folders, and nothing loads
    assert run.code == 2
    assert "loaded" not in run.out
    assert (
        f"dataset_id TRIAL-D is the id of 2 folders in this command ({first}, {second}); "
        "nothing was loaded" in run.err
    )
    assert snapshot(warehouse) == baseline_snapshot


def test_a_parent_folder_of_datasets_is_named_instead_of_loaded(
    warehouse: Path, run_ingest: Callable[..., Any], tmp_path: Path
) -> None:
    # given a folder that holds two dataset folders (as demo_data/ does)
    trial_dataset("TRIAL-P").write(tmp_path / "data" / "TRIAL-P")
    registry_dataset("REG-P").write(tmp_path / "data" / "REG-P")

    # when the parent folder is ingested
    run = run_ingest(warehouse, tmp_path / "data")

    # then the dataset folders inside are named, with the command that loads them
    assert run.code == 2
    assert (
        f"{tmp_path / 'data'} is not a dataset but a folder of 2 dataset folder(s): REG-P, "
        "TRIAL-P; nothing was loaded" in run.err
    )
    assert f"trd ingest {tmp_path / 'data'}/*/" in run.err


def test_stale_staging_tables_of_a_killed_load_are_dropped_first(
    warehouse: Path, baseline_dir: Path, run_ingest: Callable[..., Any]
) -> None:
    # given staging tables left behind by a load that was killed
    con = duckdb.connect(str(warehouse))
    con.execute("create table raw._load_20200101000000_dead00__adsl (usubjid varchar)")
    con.execute("create table raw._load_20200101000000_dead00__adqs (usubjid varchar)")
    con.close()

    # when the next ingest starts (even one with nothing to load)
    run = run_ingest(warehouse, baseline_dir / "trial")

    # then the stale tables are gone and the user was told
    assert run.code == 0
    assert "dropped raw._load_20200101000000_dead00__adsl, left by an interrupted load" in run.err
    assert query(
        warehouse,
        "select count(*) from information_schema.tables where starts_with(table_name, '_load_')",
    ) == [(0,)]


@pytest.fixture
def lock_holder(warehouse: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process with the warehouse open (as a notebook or a running trd would)."""
    code = (
        "import duckdb, sys, time\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "print('ready', flush=True)\n"
        "time.sleep(120)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(warehouse)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    yield process
    process.kill()
    process.wait()


def test_a_second_writer_is_refused_with_a_clear_message(
    warehouse: Path,
    lock_holder: subprocess.Popen[str],
    baseline_snapshot: dict[str, list[tuple[Any, ...]]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    # given another process holding the warehouse open
    folder = trial_dataset("TRIAL-E").write(tmp_path / "trial")

    # when trd ingest runs
    code = main(["--warehouse", str(warehouse), "ingest", str(folder)])

    # then it refuses, naming the file, the holder and what to do
    err = capsys.readouterr().err
    assert code == 75  # busy: retry later (not "data rejected")
    assert f"another process (process {lock_holder.pid}) is using the warehouse {warehouse}" in err
    assert "wait for the other trd command to finish" in err
    lock_holder.kill()
    lock_holder.wait()
    assert snapshot(warehouse) == baseline_snapshot


def test_cli_exit_codes_are_1_for_rejected_data_and_2_for_a_bad_dataset_yml(
    warehouse: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rejected = trial_dataset()
    rejected.tables["adsl"][0]["AGE"] = 91
    misconfigured = trial_dataset()
    misconfigured.config["primary_analysis"] = "itt"

    code_rejected = main(
        ["--warehouse", str(warehouse), "ingest", str(rejected.write(tmp_path / "a"))]
    )
    code_config = main(
        ["--warehouse", str(warehouse), "ingest", str(misconfigured.write(tmp_path / "b"))]
    )

    err = capsys.readouterr().err
    assert (code_rejected, code_config) == (1, 2)
    assert "primary_analysis 'itt' is not allowed (allowed: oc, nri, locf)" in err


def _assert_time_spent_per_step(out: str, dataset: str) -> None:
    """Under a load's summary, one line gives the seconds of each step, in protocol order,
    adding up to no more than the load's total."""
    summary = re.search(rf"^{dataset}: loaded .* in ([\d.]+) s .*\n  time spent: (.*)$", out, re.M)
    assert summary, out
    steps = dict(re.fullmatch(r"(.+) ([\d.]+) s", p).groups() for p in summary[2].split("; "))
    assert list(steps) == [
        "hashing",
        "staging (read, screen, cast, insert)",
        "duplicate keys",
        "waiting for the GX import",
        "raw data-quality gate",
        "commit",
    ]
    assert sum(float(s) for s in steps.values()) <= float(summary[1]) + 0.1


def test_a_warehouse_from_before_the_suppression_column_gains_it_with_the_defaults(
    tmp_path: Path,
) -> None:
    # given raw.datasets as the first release wrote it, with a trial and a registry loaded
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema raw")
    con.execute(
        "create table raw.datasets (dataset_id varchar primary key, source varchar not null, "
        "title varchar, population varchar, primary_analysis varchar not null, "
        "reference varchar, config_sha256 varchar not null, _load_id varchar not null, "
        "loaded_at timestamp not null)"
    )
    con.execute(
        "insert into raw.datasets values ('T', 'trial', null, null, 'nri', null, 's', 'L', "
        "now()), ('R', 'registry', null, null, 'oc', null, 's', 'L', now())"
    )
    # when the next ingest or build creates the raw schema (twice: it is idempotent)
    create_raw_schema(con)
    create_raw_schema(con)
    # then both datasets have the policy their dataset.yml meant (docs/privacy.md defaults)
    assert con.execute(
        "select dataset_id, suppression, synthetic from raw.datasets order by 1"
    ).fetchall() == [("R", "cms", False), ("T", "none", False)]
    con.close()
