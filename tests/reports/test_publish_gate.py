"""The publish gate (docs/data-quality.md and docs/reading-a-report.md): no report while the latest
check run has an error-level failure,
before any check ran, or when the latest check run is stale (a load or a build after it, a
dataset it did not check, an unfinished or failed build), unless allow_failed_checks, which
marks every page as a draft and says why."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from report_warehouse import Site, add_check_run, add_failing_run
from support.warehouse import copy_warehouse

from core.errors import ConfigError, DataRejected
from reports.render import publish_gate, render
from trd.cli import main


def with_data(built_warehouse: Path, tmp_path: Path, *sql_or_fn) -> Path:
    """A copy of the fixture warehouse with some dq changes applied."""
    warehouse = copy_warehouse(built_warehouse, tmp_path)
    con = duckdb.connect(str(warehouse))
    try:
        for step in sql_or_fn:
            con.execute(step) if isinstance(step, str) else step(con)
    finally:
        con.close()
    return warehouse


@pytest.mark.slow
def test_refuses_with_exit_1_naming_the_failing_check_and_the_fix(
    built_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a newer check run in which adsl.age_at_most_90 (error) failed
    warehouse = with_data(built_warehouse, tmp_path, add_failing_run)
    out = tmp_path / "site"
    # when the report is rendered
    with pytest.raises(DataRejected) as raised:
        render(warehouse, out=out)
    # then it is refused with exit code 1, naming the check, where it failed and the fix
    message = str(raised.value)
    assert raised.value.exit_code == 1
    assert "run-2" in message and "adsl.age_at_most_90" in message
    assert "dataset TRIAL-A, table adsl, column age" in message
    assert "trd check" in message and "--allow-failed-checks" in message
    assert not out.exists()
    # and the CLI prints it without a traceback and exits 1
    assert main(["--warehouse", str(warehouse), "report", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("trd report: ") and "adsl.age_at_most_90" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_refuses_before_any_check_ran(built_warehouse: Path, tmp_path: Path) -> None:
    # given a warehouse whose dq.runs holds no 'check' run
    warehouse = with_data(built_warehouse, tmp_path, "delete from dq.runs")
    # then rendering is refused and the message says to run `trd check` first
    with pytest.raises(DataRejected, match=r"run `trd check` first") as raised:
        render(warehouse, out=tmp_path / "site")
    assert raised.value.exit_code == 1


@pytest.mark.slow
def test_a_newer_passing_run_lifts_the_gate(built_warehouse: Path, tmp_path: Path) -> None:
    # given a failing run followed by a passing one
    def passing_again(con: duckdb.DuckDBPyConnection) -> None:
        add_check_run(
            con,
            "run-3",
            datetime(2026, 11, 22, 8, 0),
            [
                (
                    "TRIAL-A",
                    "adsl",
                    "adsl.age_at_most_90",
                    "age",
                    "plausibility",
                    "error",
                    True,
                    0,
                    0.0,
                    "ADSL AGE is at most 90 (Safe Harbor)",
                )
            ],
        )

    warehouse = with_data(built_warehouse, tmp_path, add_failing_run, passing_again)
    # then the gate lets the report through without a banner
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert publish_gate(con, allow_failed_checks=False).banner is None


@pytest.mark.slow
def test_a_failed_ingest_run_does_not_block_the_report(
    built_warehouse: Path, tmp_path: Path
) -> None:
    # given a newer run of kind 'ingest' with an error-level failure (that load was rejected)
    def rejected_ingest(con: duckdb.DuckDBPyConnection) -> None:
        add_failing_run(con)
        con.execute("update dq.runs set kind = 'ingest' where run_id = 'run-2'")

    warehouse = with_data(built_warehouse, tmp_path, rejected_ingest)
    # then only check runs count: the latest one passed, so the gate opens
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert publish_gate(con, allow_failed_checks=False).banner is None


@pytest.mark.slow
def test_allow_failed_checks_puts_a_red_banner_on_every_page(draft_site: Site) -> None:
    # given the draft: the latest run has an error-level failure, rendered with the override
    assert sorted(draft_site.pages) == [
        "data-quality",
        "dataset-REG-B",
        "dataset-TRIAL-A",
        "dataset-TRIAL-C",
        "index",
        "methods",
    ]
    for name, html in draft_site.pages.items():
        # then every page opens with the banner, which names the failing check
        body = html.split("<body", 1)[1]
        first_div = body[body.index(">") + 1 :].lstrip()
        assert first_div.startswith('<div class="trd-banner" role="alert"'), name
        assert "background:#b91c1c" in first_div.split(">", 1)[0], name
        assert "NOT FOR PUBLICATION" in html and "adsl.age_at_most_90" in html, name
        # and it names no record count (3 failing ages would be a small cell on the page)
        assert "3 unexpected" not in html, name


@pytest.mark.slow
def test_empty_marts_render_no_eligible_episodes_instead_of_failing(draft_site: Site) -> None:
    # given marts without any row (no qualifying episode)
    index = draft_site.pages["index"]
    # then the stakeholder page says so in each results section, with no Python error
    assert "No finding to show" in index
    assert index.count("No eligible episodes") == 3  # time course, results by dataset, cohort
    assert "No registry comparison" in index
    assert "Traceback" not in index and "application/vnd.jupyter.stderr" not in index
    # and the attrition still shows where patients left
    assert "Table 4. Cohort attrition" in index
    # and the data-quality page shows the failing latest run
    assert "adsl.age_at_most_90" in draft_site.pages["data-quality"]


def test_a_missing_warehouse_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no warehouse at") as raised:
        render(tmp_path / "nowhere.duckdb")
    assert raised.value.exit_code == 2


def test_a_warehouse_without_reporting_views_asks_for_trd_build(tmp_path: Path) -> None:
    warehouse = tmp_path / "raw-only.duckdb"
    duckdb.connect(str(warehouse)).close()
    with pytest.raises(ConfigError, match="trd build") as raised:
        render(warehouse)
    assert raised.value.exit_code == 2


def _load_after_the_check(con: duckdb.DuckDBPyConnection) -> None:
    """The issue's case: another dataset is loaded after the latest check run (10:00)."""
    con.execute(
        "insert into raw.datasets (dataset_id, source, title, primary_analysis, config_sha256, "
        "_load_id, loaded_at) values ('ELEKT-D', 'trial', 'late trial', 'nri', "
        "'e1' || repeat('0', 62), 'L9', timestamp '2026-11-20 11:00')"
    )


def _build_after_the_check(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "insert into dq.builds values ('b-late', 'build', null, timestamp '2026-11-20 12:00', "
        "timestamp '2026-11-20 12:05', 'success', 500, 0)"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("change", "says", "fix"),
    [
        (
            _load_after_the_check,
            "dataset ELEKT-D was loaded after the latest build (started 2026-11-20 09:45:00 UTC), "
            "so the marts do not include it; the latest check run did not check the loaded "
            "version of dataset ELEKT-D",
            "run `trd build`, then `trd check`, then `trd report` again",
        ),
        (
            _build_after_the_check,
            "the latest check run (started 2026-11-20 10:00:00 UTC) is older than the latest "
            "build (started 2026-11-20 12:00:00 UTC)",
            "run `trd check`, then `trd report` again",
        ),
        (
            "update raw.datasets set _load_id = 'L1-reloaded' where dataset_id = 'TRIAL-A'",
            "the latest check run did not check the loaded version of dataset TRIAL-A",
            "run `trd check`, then `trd report` again",
        ),
        (
            "update dq.builds set status = 'running', finished_at = null",
            "the latest build (started 2026-11-20 09:45:00 UTC) did not finish",
            "run `trd build`, then `trd check`, then `trd report` again",
        ),
        (
            "update dq.builds set status = 'failed'",
            "the latest build (started 2026-11-20 09:45:00 UTC) failed",
            "run `trd build`, then `trd check`, then `trd report` again",
        ),
        (
            "delete from dq.builds",
            "no build of the marts is recorded in this warehouse",
            "run `trd build`, then `trd check`, then `trd report` again",
        ),
    ],
    ids=[
        "load_after_check",
        "build_after_check",
        "reloaded",
        "build_unfinished",
        "build_failed",
        "no_build",
    ],
)
def test_a_stale_check_run_does_not_publish_and_names_what_to_run(
    built_warehouse: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: object,
    says: str,
    fix: str,
) -> None:
    # given the fixture's passing check run, and then this change to the warehouse
    warehouse = with_data(built_warehouse, tmp_path, change)
    out = tmp_path / "site"
    # when the report is asked for
    code = main(["--warehouse", str(warehouse), "report", "--out", str(out)])
    # then it is refused (exit 1), saying why and naming the commands to run, and nothing is
    # written
    err = capsys.readouterr().err.replace("\n", " ")
    assert code == 1
    assert "does not vouch for the warehouse as it is" in err
    assert says in err
    assert f"Fix: {fix}" in err
    assert not out.exists()


@pytest.mark.slow
def test_allow_failed_checks_renders_a_stale_warehouse_with_a_banner_saying_so(
    built_warehouse: Path, tmp_path: Path
) -> None:
    # given a dataset loaded after the latest check run
    warehouse = with_data(built_warehouse, tmp_path, _load_after_the_check)
    # then the override renders a draft whose banner says the results are stale, and why
    with duckdb.connect(str(warehouse), read_only=True) as con:
        gate = publish_gate(con, allow_failed_checks=True)
    assert gate.banner is not None
    assert gate.banner.startswith("NOT VALIDATED: the data-quality results are stale (")
    assert "dataset ELEKT-D was loaded after the latest build" in gate.banner
    assert gate.banner.endswith("Rendered with --allow-failed-checks; do not publish.")
