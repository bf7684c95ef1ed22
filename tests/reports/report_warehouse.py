"""A small warehouse for the report tests: mart rows stated here, reporting views built by dbt.

The marts hold small cells on purpose (docs/privacy.md#small-cell-suppression): the rows below
state every count, so a test can say which numbers must never reach a report. Only the rows are
written here: the mart tables are laid out by the dbt project's YAML (support.marts), `raw` by
ingest's DDL, `dq` by the data-quality stage's, and the reporting views are built by dbt. The
pytest fixtures that build and render it once per session are in conftest.py.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import duckdb
from support.dbt import dbt_run
from support.marts import create_mart_tables, insert_rows

from core.reference import small_cell_threshold
from expectations.concept_diagnostics import DDL as CONCEPT_DIAGNOSTICS_DDL
from expectations.store import create_dq_schema
from ingest.schema import create_raw_schema
from reports.render import render

THRESHOLD = small_cell_threshold()


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float, float]:
    """Rate and Wilson 95% interval, so fixture rows look like the marts' rows."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return p, centre - half, centre + half


@dataclass(frozen=True)
class Rate:
    """One marts.response_rates row, stated by its counts."""

    source: str
    dataset_id: str
    treatment_class: str
    scale: str
    timepoint: str
    analysis: str
    is_primary: bool
    n: int
    n_responders: int
    n_remitters: int

    def row(self) -> dict[str, object]:
        """The row as {column: value}, with the rates and Wilson intervals of the counts."""
        response, response_low, response_high = wilson(self.n_responders, self.n)
        remission, remission_low, remission_high = wilson(self.n_remitters, self.n)
        return {
            **asdict(self),
            "response_rate": response,
            "response_ci_low": response_low,
            "response_ci_high": response_high,
            "remission_rate": remission,
            "remission_ci_low": remission_low,
            "remission_ci_high": remission_high,
        }


def _r(ds: str, cls: str, tp: str, an: str, n: int, resp: int, rem: int) -> Rate:
    source = "trial" if ds.startswith("TRIAL") else "registry"
    primary = an == ("nri" if source == "trial" else "oc")
    return Rate(
        source, ds, cls, "MADRS" if source == "trial" else "PHQ9", tp, an, primary, n, resp, rem
    )


RATES: tuple[Rate, ...] = (
    # TRIAL-A, D28: esketamine's oc non-responders are 6 (R3), which also hides its nri and
    # locf responders (R4: nri counts the same 55 responders); standard_ad has 5 responders.
    _r("TRIAL-A", "esketamine", "D28", "oc", 61, 55, 31),
    _r("TRIAL-A", "esketamine", "D28", "nri", 84, 55, 31),
    _r("TRIAL-A", "esketamine", "D28", "locf", 77, 58, 33),
    _r("TRIAL-A", "standard_ad", "D28", "oc", 64, 5, 0),
    _r("TRIAL-A", "standard_ad", "D28", "nri", 81, 5, 0),
    _r("TRIAL-A", "standard_ad", "D28", "locf", 75, 5, 0),
    # TRIAL-A, H24: everything large enough: shown as is.
    _r("TRIAL-A", "esketamine", "H24", "oc", 80, 27, 13),
    _r("TRIAL-A", "esketamine", "H24", "nri", 84, 27, 13),
    _r("TRIAL-A", "esketamine", "H24", "locf", 80, 27, 13),
    _r("TRIAL-A", "standard_ad", "H24", "oc", 79, 12, 14),
    _r("TRIAL-A", "standard_ad", "H24", "nri", 81, 12, 14),
    _r("TRIAL-A", "standard_ad", "H24", "locf", 79, 12, 14),
    # REG-B, W6: ketamine has 7 episodes (R1); esketamine is the next smallest class (R2).
    _r("REG-B", "ketamine", "W6", "oc", 7, 4, 3),
    _r("REG-B", "esketamine", "W6", "oc", 37, 19, 12),
    _r("REG-B", "standard_ad", "W6", "oc", 146, 52, 29),
    # REG-B, D7: all shown, so the time course and forest plot have something to draw.
    _r("REG-B", "ketamine", "D7", "oc", 23, 13, 11),
    _r("REG-B", "esketamine", "D7", "oc", 29, 12, 11),
    _r("REG-B", "standard_ad", "D7", "oc", 131, 20, 12),
    # TRIAL-C, D28: both arms large; only its flow holds a small count (4 fail SAFFL).
    _r("TRIAL-C", "esketamine", "D28", "oc", 45, 25, 14),
    _r("TRIAL-C", "esketamine", "D28", "nri", 60, 25, 14),
    _r("TRIAL-C", "standard_ad", "D28", "oc", 40, 13, 11),
    _r("TRIAL-C", "standard_ad", "D28", "nri", 56, 13, 11),
)

ATTRITION_COLUMNS = ("dataset_id", "step", "description", "n_remaining", "n_excluded")
ATTRITION: tuple[tuple[str, int, str, int, int], ...] = (
    # REG-B: steps 3 and 4 exclude 6 and 2 persons, so every count above step 4's remaining 804
    # is hidden (A2, with the 5000 rows of person.csv in the provenance table); 804 and the
    # steps below show. The classes of the cohort summary add up to steps 6 and 7
    # (7 + 37 + 720 = 764).
    ("REG-B", 1, "Persons in the dataset", 5000, 0),
    ("REG-B", 2, "Persons with a major depressive disorder diagnosis", 812, 4188),
    ("REG-B", 3, "Persons with a new-user index", 806, 6),
    ("REG-B", 4, "Index with >= 365 days of prior observation", 804, 2),
    ("REG-B", 5, "Persons meeting the TRD rule", 790, 14),
    ("REG-B", 6, "Without a TRD exclusion on or before index", 764, 26),
    ("REG-B", 7, "Persons with an episode", 764, 0),
    ("REG-B", 8, "With a baseline score", 213, 551),
    # TRIAL-A: 3 outside the safety population and 8 non-TRD (the last small exclusion) hide
    # steps 1 to 3 (A2); the classes add up to step 3 (88 + 85), a hidden count (X1), and step 4
    # (84 + 81 TRD), their nri n to step 5.
    ("TRIAL-A", 1, "Subjects in ADSL", 176, 0),
    ("TRIAL-A", 2, "In the safety population (SAFFL = Y)", 173, 3),
    ("TRIAL-A", 3, "Arm mapped to a treatment class", 173, 0),
    ("TRIAL-A", 4, "TRD", 165, 8),
    ("TRIAL-A", 5, "With a non-zero baseline", 165, 0),
    # TRIAL-C: the common trial case: 4 randomised subjects fail SAFFL, nothing else is small.
    # The classes add up to steps 3 to 5 (60 + 56 = 116).
    ("TRIAL-C", 1, "Subjects in ADSL", 120, 0),
    ("TRIAL-C", 2, "In the safety population (SAFFL = Y)", 116, 4),
    ("TRIAL-C", 3, "Arm mapped to a treatment class", 116, 0),
    ("TRIAL-C", 4, "TRD", 116, 0),
    ("TRIAL-C", 5, "With a non-zero baseline", 116, 0),
)


def comparisons() -> list[dict[str, object]]:
    """marts.response_comparisons rows for every class against its dataset's reference."""
    by_key = {(r.dataset_id, r.timepoint, r.analysis, r.treatment_class): r for r in RATES}
    rows = []
    for r in RATES:
        ref = by_key[(r.dataset_id, r.timepoint, r.analysis, "standard_ad")]
        if r.treatment_class == "standard_ad":
            continue
        for outcome, k1, k0 in (
            ("response", r.n_responders, ref.n_responders),
            ("remission", r.n_remitters, ref.n_remitters),
        ):
            p1, p0 = k1 / r.n, k0 / ref.n
            rd = p1 - p0
            half = 1.96 * math.sqrt(p1 * (1 - p1) / r.n + p0 * (1 - p0) / ref.n)
            if k1 and k0:
                rr = p1 / p0
                se = math.sqrt(1 / k1 - 1 / r.n + 1 / k0 - 1 / ref.n)
                rr_ci = (rr * math.exp(-1.96 * se), rr * math.exp(1.96 * se))
            else:
                rr, rr_ci = None, (None, None)
            rows.append(
                {
                    "dataset_id": r.dataset_id,
                    "scale": r.scale,
                    "timepoint": r.timepoint,
                    "analysis": r.analysis,
                    "outcome": outcome,
                    "treatment_class": r.treatment_class,
                    "reference_class": "standard_ad",
                    "risk_difference": rd,
                    "risk_difference_ci_low": rd - half,
                    "risk_difference_ci_high": rd + half,
                    "risk_ratio": rr,
                    "risk_ratio_ci_low": rr_ci[0],
                    "risk_ratio_ci_high": rr_ci[1],
                }
            )
    return rows


def episodes() -> list[dict[str, object]]:
    """marts.cohort_episodes: REG-B has 7 ketamine episodes (C1); TRIAL-A 4 non-TRD per class
    (C3), and 88 - 84 = 4 esketamine episodes (85 - 81 standard_ad) outside its nri n (D1);
    TRIAL-C's 60 + 56 episodes are all TRD and all in the nri n."""
    rows: list[dict[str, object]] = []
    plan = {
        ("registry", "REG-B", "ketamine"): 7,
        ("registry", "REG-B", "esketamine"): 37,
        ("registry", "REG-B", "standard_ad"): 720,
        ("trial", "TRIAL-A", "esketamine"): 88,
        ("trial", "TRIAL-A", "standard_ad"): 85,
        ("trial", "TRIAL-C", "esketamine"): 60,
        ("trial", "TRIAL-C", "standard_ad"): 56,
    }
    for (source, ds, cls), count in plan.items():
        for i in range(count):
            rows.append(
                {
                    "source": source,
                    "dataset_id": ds,
                    "person_key": f"{cls}-{i}",
                    "treatment_class": cls,
                    "treatment": cls,
                    "age": 30 + i % 50,
                    "sex": "F" if i % 3 else "M",
                    "prior_failures": None if source == "registry" else 2,
                    "is_trd": not (ds == "TRIAL-A" and i < 4),
                }
            )
    return rows


PCT_CHANGE_COLUMNS = (
    "source", "dataset_id", "treatment_class", "scale", "timepoint", "n", "mean_pct_change",
    "ci_low", "ci_high",
)  # fmt: skip
PCT_CHANGE: tuple[tuple[str, str, str, str, str, int, float, float, float], ...] = (
    ("trial", "TRIAL-A", "esketamine", "MADRS", "H24", 80, -38.2, -42.0, -34.4),
    ("trial", "TRIAL-A", "esketamine", "MADRS", "D28", 61, -61.7, -66.0, -57.4),
    ("trial", "TRIAL-A", "standard_ad", "MADRS", "H24", 79, -9.1, -12.5, -5.7),
    ("trial", "TRIAL-A", "standard_ad", "MADRS", "D28", 64, -31.4, -36.0, -26.8),
    ("registry", "REG-B", "ketamine", "PHQ9", "D7", 23, -44.6, -52.0, -37.2),
    ("registry", "REG-B", "ketamine", "PHQ9", "W6", 7, -57.3, -70.0, -44.6),
    ("registry", "REG-B", "esketamine", "PHQ9", "D7", 29, -35.5, -41.0, -30.0),
    ("registry", "REG-B", "esketamine", "PHQ9", "W6", 37, -47.1, -53.0, -41.2),
    ("registry", "REG-B", "standard_ad", "PHQ9", "D7", 131, -12.2, -15.0, -9.4),
    ("registry", "REG-B", "standard_ad", "PHQ9", "W6", 146, -36.8, -40.1, -33.5),
)


ADJUSTED: tuple[tuple, ...] = (
    # REG-B D7 (shown): ketamine balanced after weighting, esketamine not (smd_after 0.14).
    # (class, outcome, imbalanced, max |SMD| before, after, weighted rates, RD and CI, RR and
    # CI, E-value and E-value of the CI bound nearer to 1)
    (
        "ketamine",
        "response",
        False,
        0.42,
        0.06,
        0.52,
        0.17,
        0.35,
        0.14,
        0.56,
        3.06,
        1.9,
        4.9,
        5.57,
        3.2,
    ),
    (
        "ketamine",
        "remission",
        False,
        0.42,
        0.06,
        0.45,
        0.09,
        0.36,
        0.16,
        0.56,
        5.0,
        2.6,
        9.6,
        9.47,
        4.63,
    ),
    (
        "esketamine",
        "response",
        True,
        0.55,
        0.14,
        0.38,
        0.16,
        0.22,
        0.03,
        0.41,
        2.375,
        1.3,
        4.3,
        4.18,
        1.92,
    ),
    (
        "esketamine",
        "remission",
        True,
        0.55,
        0.14,
        0.30,
        0.10,
        0.20,
        0.02,
        0.38,
        3.0,
        1.4,
        6.4,
        5.45,
        2.15,
    ),
)
"""marts.adjusted_comparisons of REG-B at D7 (oc); the same rows at W6 are hidden with their
crude comparison (ketamine's 7 episodes)."""
ADJUSTED_ESTIMATES = (
    "max_abs_smd_before", "max_abs_smd_after", "weighted_rate_treated",
    "weighted_rate_reference", "risk_difference", "risk_difference_ci_low",
    "risk_difference_ci_high", "risk_ratio", "risk_ratio_ci_low", "risk_ratio_ci_high",
    "e_value", "e_value_ci",
)  # fmt: skip
"""The columns of ADJUSTED after its class, outcome and imbalance flag."""

BALANCE: tuple[tuple[str, int, float, float], ...] = (
    ("age", 1, 0.30, 0.04),
    ("baseline", 3, 0.42, 0.06),
    ("prior_adequate_trials", 4, 0.25, 0.02),
)
"""marts.covariate_balance of REG-B D7 ketamine vs standard_ad (esketamine: smd_after + 0.08)."""


def create_adjusted_marts(con: duckdb.DuckDBPyConnection) -> None:
    """marts.adjusted_comparisons, covariate_balance and propensity_overlap of REG-B (issue 16)."""
    create_mart_tables(con, "adjusted_comparisons", "covariate_balance", "propensity_overlap")
    n = {r.treatment_class: r.n for r in RATES if r.dataset_id == "REG-B" and r.timepoint == "D7"}
    comparison = 0
    for cls in ("ketamine", "esketamine"):
        model = 1 if cls == "ketamine" else 2
        for timepoint in ("D7", "W6"):
            comparison += 1
            keys = {
                "comparison_id": comparison,
                "model_id": model,
                "dataset_id": "REG-B",
                "scale": "PHQ9",
                "timepoint": timepoint,
                "analysis": "oc",
                "treatment_class": cls,
                "reference_class": "standard_ad",
            }
            counts = {"n_treated": n[cls], "n_reference": n["standard_ad"]}
            insert_rows(
                con,
                "marts.adjusted_comparisons",
                [
                    {
                        **keys,
                        "outcome": a[1],
                        **counts,
                        "ps_status": "fitted",
                        "is_imbalanced": a[2],
                        **dict(zip(ADJUSTED_ESTIMATES, a[3:], strict=True)),
                    }
                    for a in ADJUSTED
                    if a[0] == cls
                ],
            )
            shift = 0.0 if cls == "ketamine" else 0.08
            insert_rows(
                con,
                "marts.covariate_balance",
                [
                    {
                        **keys,
                        "covariate": covariate,
                        "covariate_order": order,
                        **counts,
                        "mean_treated_before": 0.5,
                        "mean_reference_before": 0.4,
                        "smd_before": before,
                        "mean_treated_after": 0.45,
                        "mean_reference_after": 0.44,
                        "smd_after": after + shift,
                    }
                    for covariate, order, before, after in BALANCE
                ],
            )
            insert_rows(
                con,
                "marts.propensity_overlap",
                [
                    {
                        **keys,
                        "ps_status": "fitted",
                        **counts,
                        "ps_min_treated": 0.05,
                        "ps_max_treated": 0.8,
                        "ps_min_reference": 0.01,
                        "ps_max_reference": 0.7,
                        "overlap_low": 0.05,
                        "overlap_high": 0.7,
                        "n_treated_outside_overlap": 0,
                        "n_reference_outside_overlap": 12,
                        "weight_truncation_low": 0.2,
                        "weight_truncation_high": 9.0,
                        "n_weights_truncated": 2,
                        "ess_treated": 20.0,
                        "ess_reference": 120.0,
                    }
                ],
            )


def create_marts(con: duckdb.DuckDBPyConnection, empty: bool = False) -> None:
    """The five core marts, laid out by their dbt YAML; `empty` leaves them without rows (no
    episode)."""
    create_mart_tables(
        con, "response_rates", "response_comparisons", "attrition", "cohort_episodes",
        "agg_pct_change",
    )  # fmt: skip
    if empty:
        return
    insert_rows(con, "marts.response_rates", [r.row() for r in RATES])
    insert_rows(con, "marts.response_comparisons", comparisons())
    insert_rows(
        con, "marts.attrition", [dict(zip(ATTRITION_COLUMNS, a, strict=True)) for a in ATTRITION]
    )
    insert_rows(con, "marts.cohort_episodes", episodes())
    insert_rows(
        con,
        "marts.agg_pct_change",
        [
            {**dict(zip(PCT_CHANGE_COLUMNS, row, strict=True)), "sd_pct_change": 20.0}
            for row in PCT_CHANGE
        ],
    )


def create_provenance(con: duckdb.DuckDBPyConnection) -> None:
    """raw.datasets and raw.load_audit rows for the two datasets (ingest's own DDL)."""
    create_raw_schema(con)
    loaded = datetime(2026, 11, 20, 9, 30)
    con.executemany(
        "insert into raw.datasets values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                "TRIAL-A",
                "trial",
                "Esketamine vs oral AD (fixture)",
                "trd",
                "nri",
                None,
                "c0ffee" * 10 + "abcd",
                "L1",
                loaded,
                "cms",  # a trial whose dataset.yml asks for CMS suppression (docs/privacy.md)
                False,
            ),
            (
                "TRIAL-C",
                "trial",
                "Esketamine vs oral AD, 4 outside SAFFL (fixture)",
                "trd",
                "nri",
                None,
                "c1" * 32,
                "L3",
                loaded,
                "cms",
                False,
            ),
            (
                "REG-B",
                "registry",
                "OMOP registry (fixture)",
                None,
                "oc",
                None,
                "bead" * 16,
                "L2",
                loaded,
                "cms",  # the registry default
                False,
            ),
        ],
    )
    con.executemany(
        "insert into raw.load_audit (load_id, dataset_id, file, sha256, rows, status, started_at, "
        "finished_at, message) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("L1", "TRIAL-A", "adsl.xpt", "a1" * 32, 176, "loaded", loaded, loaded, None),
            ("L1", "TRIAL-A", "adqs.xpt", "a2" * 32, 4102, "loaded", loaded, loaded, None),
            ("L1", "TRIAL-A", "adlb.csv", "a3" * 32, 7, "loaded", loaded, loaded, None),
            ("L3", "TRIAL-C", "adsl.xpt", "c1" * 32, 120, "loaded", loaded, loaded, None),
            ("L2", "REG-B", "person.csv", "b1" * 32, 5000, "loaded", loaded, loaded, None),
            ("L2", "REG-B", "drug_exposure.csv", "b2" * 32, 91234, "loaded", loaded, loaded, None),
        ],
    )


def create_dq(con: duckdb.DuckDBPyConnection) -> None:
    """dq.runs and dq.check_results, laid out by the data-quality stage's own DDL, with one
    passing check run."""
    create_dq_schema(con)
    add_check_run(
        con,
        "run-1",
        datetime(2026, 11, 20, 10, 0),
        [
            (
                "TRIAL-A",
                "adqs",
                "adqs.ady_not_null_or_zero",
                "ady",
                "conformance",
                "error",
                True,
                0,
                0.0,
                "ADY is neither null nor 0",
            ),
            (
                "REG-B",
                "observation",
                "observation.in_observation_period",
                "observation_date",
                "plausibility",
                "warn",
                False,
                7,
                0.35,
                "records dated inside an observation period",
            ),
            (
                "REG-B",
                "person",
                "person.age_at_most_90",
                "year_of_birth",
                "plausibility",
                "warn",
                True,
                0,
                0.0,
                "implied age at most 90",
            ),
            (
                None,
                "marts.response_rates",
                "marts.rates_in_unit_interval",
                "response_rate",
                "plausibility",
                "error",
                True,
                0,
                0.0,
                "rates lie in [0, 1]",
            ),
        ],
    )

    # what REG-B's code lists found in run-1: a ketamine product (a descendant), an orphan
    # ketamine product with 7 records of 3 persons (to be hidden), a bipolar exclusion record
    con.execute(CONCEPT_DIAGNOSTICS_DDL)
    con.executemany(
        "insert into dq.concept_set_diagnostics values "
        "('run-1', 'REG-B', ?, ?, ?, ?, 'TRD Demo', ?, ?, ?, ?, ?, ?)",
        [
            (
                "ketamine",
                "matched",
                2100000001,
                "ketamine 50 MG/ML Injectable Solution",
                "TRD1",
                785649,
                "ketamine",
                "ancestor",
                120,
                40,
            ),
            (
                "ketamine",
                "orphan",
                2100000002,
                "ketamine 10 MG/ML Injectable Solution",
                "TRD2",
                785649,
                "ketamine",
                None,
                7,
                3,
            ),
            (
                "trd_exclusion",
                "matched",
                436665,
                "Bipolar disorder",
                "13746004",
                436665,
                "Bipolar disorder",
                "seed",
                250,
                200,
            ),
        ],
    )


def add_check_run(
    con: duckdb.DuckDBPyConnection, run_id: str, started: datetime, checks: Sequence[tuple]
) -> None:
    """Append a 'check' run with its results; counts in dq.runs follow the results. It covers
    every dataset raw.datasets holds (dq.check_inputs), as `trd check` would."""
    failed_error = sum(1 for c in checks if c[5] == "error" and not c[6])
    failed_warn = sum(1 for c in checks if c[5] == "warn" and not c[6])
    con.execute(
        "insert into dq.runs values (?, 'check', ?, ?, ?, ?, ?, '1.24.1')",
        [run_id, started, started, len(checks), failed_error, failed_warn],
    )
    con.executemany(
        "insert into dq.check_results (run_id, dataset_id, table_name, check_id, column_name, "
        "category, severity, success, unexpected_count, unexpected_percent, failing_keys, "
        "description, fix) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'SUBJ-0042; SUBJ-0077', ?, ?)",
        [
            (run_id, ds, table, check, col, cat, sev, ok, k, p, desc, f"correct {col} at source")
            for ds, table, check, col, cat, sev, ok, k, p, desc in checks
        ],
    )
    con.execute(
        "insert into dq.check_inputs select ?, dataset_id, _load_id from raw.datasets", [run_id]
    )


BUILT_AT = datetime(2026, 11, 20, 9, 45)
"""When the fixture's marts were built: after its loads (09:30), before its check run (10:00)."""


def date_builds(warehouse: Path, started: datetime = BUILT_AT) -> None:
    """Put the build the fixture's dbt run recorded (dq.builds, now) on the fixture's timeline."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            "update dq.builds set started_at = ?, finished_at = ? + interval 5 minute",
            [started, started],
        )
    finally:
        con.close()


# ---- fixtures --------------------------------------------------------------------------------


def build_reporting_views(warehouse: Path) -> None:
    """Run the repo's dbt project on `warehouse`: the seeds the views join, the pooled marts
    (computed by dbt from the fixture's rates: TRIAL-A and TRIAL-C both compare esketamine with
    standard_ad at D28) and the views, with their data tests (through the harness's dbt runner:
    target/ and logs/ in the session's scratch folder, not in the checkout).
    The biomarker views read marts this fixture does not build, so they are left out; the
    adjusted marts are written by `create_adjusted_marts`."""
    dbt_run(
        warehouse,
        "timepoints treatment_classes stg_meta__datasets scales t_quantiles "
        "adjustment_covariates pooled_comparison_inputs pooled_comparisons "
        "path:models/reporting",
        "build",
        "--exclude",
        "rpt_biomarker_*",
        "--indirect-selection",
        "cautious",
    )


class Page(HTMLParser):
    """What a page holds: every tag with its attributes, table rows as cell texts, the cells
    marked as counts, and all text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.rows: list[list[str]] = []
        self.count_cells: list[str] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self._cell_is_count = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if tag == "br" and self._cell is not None:
            self._cell.append(" ")  # a line break separates words, as in the browser
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
            self._cell_is_count = "count" in attributes.get("class", "").split()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            self.rows[-1].append(text)
            if tag == "td" and self._cell_is_count:
                self.count_cells.append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def attribute_values(self) -> list[str]:
        return [v for _, attrs in self.tags for v in attrs.values()]


@dataclass(frozen=True)
class Site:
    """A rendered report: its folder, what render() printed, and each page's HTML."""

    out: Path
    stdout: str
    pages: dict[str, str]


def render_site(warehouse: Path, out: Path, allow_failed_checks: bool = False) -> Site:
    """Render with the built-in fallback (CI has no Quarto; the tests check its HTML)."""
    buffer = io.StringIO()
    saved = os.environ.get("TRD_NO_QUARTO")
    os.environ["TRD_NO_QUARTO"] = "1"
    try:
        with contextlib.redirect_stdout(buffer):
            code = render(warehouse, out=out, allow_failed_checks=allow_failed_checks)
    finally:
        if saved is None:
            os.environ.pop("TRD_NO_QUARTO")
        else:
            os.environ["TRD_NO_QUARTO"] = saved
    assert code == 0
    pages = {p.stem: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.html"))}
    return Site(out, buffer.getvalue(), pages)


def add_failing_run(con: duckdb.DuckDBPyConnection) -> None:
    """A check run, newer than the fixture's passing one, where an error-level check fails."""
    add_check_run(
        con,
        "run-2",
        datetime(2026, 11, 21, 8, 0),
        [
            (
                "TRIAL-A",
                "adsl",
                "adsl.age_at_most_90",
                "age",
                "plausibility",
                "error",
                False,
                3,
                1.75,
                "ADSL AGE is at most 90 (Safe Harbor)",
            ),
            (
                "TRIAL-A",
                "adqs",
                "adqs.ady_not_null_or_zero",
                "ady",
                "conformance",
                "error",
                True,
                0,
                0.0,
                "ADY is neither null nor 0",
            ),
        ],
    )
