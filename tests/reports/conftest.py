"""Session fixtures of the report tests: the warehouse is built by dbt once and rendered once
(plus one draft render); tests that change data work on copies."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from report_warehouse import (
    Site,
    add_failing_run,
    build_reporting_views,
    create_adjusted_marts,
    create_dq,
    create_marts,
    create_provenance,
    date_builds,
    render_site,
)
from support.warehouse import copy_warehouse


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Marts with small cells, provenance, one passing dq run, and the reporting views by dbt.

    Session-scoped and never written to by tests (they copy it): the dbt run is the slow part.
    """
    work = tmp_path_factory.mktemp("warehouse")
    warehouse = work / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        create_marts(con)
        create_adjusted_marts(con)
        create_provenance(con)
        create_dq(con)
    finally:
        con.close()
    build_reporting_views(warehouse)
    date_builds(warehouse)
    return warehouse


@pytest.fixture(scope="session")
def site(built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The pages (three site pages, one per dataset) rendered from the fixture warehouse
    (fallback renderer, no Quarto)."""
    return render_site(built_warehouse, tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="session")
def draft_site(built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """A draft: no eligible episode (marts empty but for the attrition, as for a registry
    without TRD patients) and a newer check run with an error-level failure, rendered with
    allow_failed_checks. One render serves the banner and the empty-marts tests, for speed."""
    warehouse = copy_warehouse(built_warehouse, tmp_path_factory.mktemp("draft"))
    con = duckdb.connect(str(warehouse))
    try:
        for table in (
            "response_rates",
            "response_comparisons",
            "cohort_episodes",
            "agg_pct_change",
            "adjusted_comparisons",
            "covariate_balance",
            "propensity_overlap",
        ):
            con.execute(f"delete from marts.{table}")
        add_failing_run(con)
    finally:
        con.close()
    return render_site(warehouse, warehouse.parent / "site", allow_failed_checks=True)


@pytest.fixture(scope="session")
def open_site(built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The fixture warehouse with the defaults of docs/privacy.md#small-cell-suppression (trials
    `suppression: none`, so both trials' day-28 comparisons show and pool) and REG-B marked as
    demo data (`synthetic`)."""
    warehouse = copy_warehouse(built_warehouse, tmp_path_factory.mktemp("open"))
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("update raw.datasets set suppression = 'none' where source = 'trial'")
        con.execute("update raw.datasets set synthetic = true where dataset_id = 'REG-B'")
    finally:
        con.close()
    return render_site(warehouse, warehouse.parent / "site")
