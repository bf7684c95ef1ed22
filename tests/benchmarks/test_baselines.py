"""The benchmark's yardsticks are right: timings of real processes, and a hand-written mart
query that computes what dbt computes (else its ratio would compare different work)."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
from support.dbt import RegistryBuild

from benchmarks.baselines import checks, gx_checks, mart, read_csv
from benchmarks.bench_checks import SAME_COUNTS
from benchmarks.ingest_parts import Clock, stage_parts
from benchmarks.run import PART_PAIRS, PYTHON, STAGING, TRD, _part_ratios, compare_marts, timed


def test_timing_reports_wall_cpu_and_peak_memory_of_the_whole_process(tmp_path: Path) -> None:
    # given a process that holds 300 MB and spins for half a second of CPU
    program = (
        "import time\nheld = bytearray(300 * 2**20)\nwhile time.process_time() < 0.5:\n    pass\n"
    )
    # when it runs under /usr/bin/time -v
    timing = timed("spin", [sys.executable, "-c", program], tmp_path / "spin.log")
    # then wall, CPU and peak RSS are those of that process
    assert timing.exit_code == 0
    assert 0.5 <= timing.cpu_s < 5
    assert timing.wall_s >= timing.cpu_s - 0.1  # one thread: no more CPU than wall time
    assert 300 <= timing.peak_rss_mb < 600


def test_hand_written_d28_query_counts_what_the_response_rates_mart_counts(
    registry_build: RegistryBuild, tmp_path: Path
) -> None:
    # given the demo registry built by dbt
    # when the one-query baseline runs on the same raw tables
    result = compare_marts(registry_build.warehouse, mart(registry_build.warehouse))
    # then it finds the same D28 observed-case counts for every class and scale
    assert result["agree"], result
    classes = {r["treatment_class"] for r in result["hand"]}
    assert classes == {"augmentation", "ect", "esketamine", "ketamine", "standard_ad"}
    assert all(r["n"] >= r["n_responders"] > 0 for r in result["hand"] if r["scale"] == "PHQ9")


def test_hand_written_d28_query_sees_a_changed_score(
    registry_build: RegistryBuild, tmp_path: Path
) -> None:
    # given a copy of the warehouse in which one D28 PHQ-9 score of a responder becomes 27
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(registry_build.warehouse.read_bytes())
    before = {(r["treatment_class"], r["scale"]): r for r in mart(copy)}
    con = duckdb.connect(str(copy))
    con.execute(
        """update raw.observation set value_as_number = 27 where observation_id = (
            select o.observation_id from marts.episode_outcomes as e
            join marts.cohort_episodes as c using (dataset_id, person_key, treatment_class)
            join raw.observation as o on o.person_id::varchar = e.person_key
            where e.source = 'registry' and e.scale = 'PHQ9' and e.timepoint = 'D28'
                and e.evaluable_oc and e.responder and e.treatment_class = 'ketamine'
                and o.observation_date - c.index_date = e.value_study_day
                and o.value_as_number = e.value
            order by o.observation_id
            limit 1)"""
    )
    con.close()
    # when the baseline runs again
    after = {(r["treatment_class"], r["scale"]): r for r in mart(copy)}
    # then that class lost one responder and kept its denominator
    assert (
        after["ketamine", "PHQ9"]["n_responders"] == before["ketamine", "PHQ9"]["n_responders"] - 1
    )
    assert after["ketamine", "PHQ9"]["n"] == before["ketamine", "PHQ9"]["n"]


def test_raw_check_and_read_csv_baselines_run_on_the_registry_files(
    registry_build: RegistryBuild, tmp_path: Path
) -> None:
    # given the demo registry in raw
    # when the hand-written checks and the native CSV read run on it
    counts = checks(registry_build.warehouse)
    folder = registry_build.folder
    rows = read_csv(folder, tmp_path / "native.duckdb")
    # then the checks find no broken rule that ingest would have rejected, and read_csv
    # reads exactly the rows ingest loaded (cdm_source.csv, outside the contract, is skipped)
    assert counts["de_end_before_start"] == 0 and counts["measurement_orphans"] == 0
    con = duckdb.connect(str(registry_build.warehouse), read_only=True)
    loaded = {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in rows}
    con.close()
    assert rows == loaded
    assert "cdm_source" not in rows and rows["person"] == registry_build.persons


def test_gx_raw_suites_count_what_the_hand_written_checks_count(
    registry_build: RegistryBuild,
) -> None:
    # given the demo registry in raw (with records outside observation and old persons)
    # when its raw suites run through GX and the hand-written query runs
    gx, hand = gx_checks(registry_build.warehouse), checks(registry_build.warehouse)
    # then every check both compute has the same failure count, some of them not 0
    same = {check_id: (gx[check_id], hand[column]) for check_id, column in SAME_COUNTS.items()}
    assert all(a == b for a, b in same.values()), same
    assert any(a > 0 for a, _ in same.values())


def test_the_harness_splits_processes_into_the_parts_they_report(
    registry_build: RegistryBuild, tmp_path: Path
) -> None:
    # given the demo registry's files and its built warehouse
    folder = registry_build.folder
    baseline = [PYTHON, "-m", "benchmarks.baselines"]
    commands = {
        "ingest": [TRD, "--warehouse", str(tmp_path / "w.duckdb"), "ingest", str(folder)],
        "read_csv (a)": [*baseline, "read-csv", str(folder), str(tmp_path / "native.duckdb")],
        "GX registry raw suites": [*baseline, "gx-checks", str(registry_build.warehouse)],
        "hand checks (b)": [*baseline, "checks", str(registry_build.warehouse)],
    }
    # when each runs as a timed process, as the harness runs it
    t = {
        stage: [timed(stage, cmd, tmp_path / f"{i}.log")]
        for i, (stage, cmd) in enumerate(commands.items())
    }
    # then ingest (in raw.load_audit, without -v) and the GX checks report their parts, which
    # fit in their wall time
    ingest, gx = t["ingest"][0], t["GX registry raw suites"][0]
    assert list(ingest.steps)[:2] == ["hashing", STAGING]
    assert ingest.steps[STAGING] > 0 and sum(ingest.steps.values()) < ingest.wall_s
    assert set(gx.steps) == {"imports", "checks"} and sum(gx.steps.values()) < gx.wall_s
    assert t["hand checks (b)"][0].steps["checks"] > 0
    # and the ratios of the parts that do the baselines' work come from them
    ratios = _part_ratios(t)
    assert set(ratios) == set(PART_PAIRS) and all(r > 0 for r in ratios.values())
    assert ratios["GX registry raw suites' checks / hand checks' query"] == round(
        gx.steps["checks"] / t["hand checks (b)"][0].steps["checks"], 2
    )


def test_ingest_parts_stage_every_row_as_ingest_does(registry_build: RegistryBuild) -> None:
    # given the demo registry's drug exposures, as ingest loaded them
    path = registry_build.folder / "drug_exposure.csv"
    con = duckdb.connect(str(registry_build.warehouse), read_only=True)
    loaded = con.sql("from raw.drug_exposure order by drug_exposure_id").pl()
    con.close()
    # when the parts benchmark stages the file with ingest's screen and cast, timing each step
    clock, scratch = Clock(), duckdb.connect()
    rows = stage_parts(path, "drug_exposure", scratch, clock)
    # then it staged the same rows and values, and timed every step
    staged = scratch.sql("from staged order by drug_exposure_id").pl()
    assert rows == loaded.height == staged.height
    assert staged.equals(loaded.select(staged.columns))
    assert set(clock.parts) == {"wait for the reader", "screen", "cast", "to Arrow", "insert"}
