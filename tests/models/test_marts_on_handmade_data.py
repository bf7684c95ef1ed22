"""The marts on small hand-made datasets, every expected number worked out by hand below.

Given three trials (ADY windows; a visits map; an explicit reference class) and a small OMOP
registry, loaded into raw with plain inserts; when `trd.build.build` runs once for the module;
then every row of marts.response_rates, and the key rows of the other marts, are the ones the
comments next to the data derive from docs/derivations.md.
"""

from __future__ import annotations

import math
import statistics
from datetime import date
from pathlib import Path

import duckdb
import pytest
from support.reference_stats import newcombe, wilson
from support.warehouse import RawWriter, Row, new_warehouse, query

from trd.build import build

pytestmark = pytest.mark.slow

Z = 1.96
"""statsmodels takes alpha; this one makes its z exactly the 1.96 the macros use."""

KETAMINE_ARM = "Ketamine 0.5 mg/kg IV"
SERTRALINE_ARM = "Sertraline"


def adsl(usubjid: str, arm: str | None, **columns: object) -> Row:
    return {"studyid": usubjid[:1], "usubjid": usubjid, "trt01a": arm, "age": 40, "sex": "F"} | {
        "saffl": "Y",
        **columns,
    }


def qs(usubjid: str, ady: int, aval: float | None, paramcd: str = "MADRSTOT", **flags: str) -> Row:
    return {"studyid": usubjid[:1], "usubjid": usubjid, "paramcd": paramcd, "aval": aval} | {
        "ady": ady,
        **flags,
    }


# ---- TRIAL-A: ADY windows, default reference (standard_ad), primary analysis nri -----------
# Days after index: ADY - 1 for ADY >= 1. Windows: H24 [1,1] D7 [4,10] D28 [21,35].
TRIAL_A_ADSL = [
    adsl("A01", KETAMINE_ARM, trdfl="Y"),  # TRD by TRDFL
    adsl("A02", KETAMINE_ARM, trdfl="N", nprfail=2),  # TRD by NPRFAIL >= 2
    adsl("A03", KETAMINE_ARM, trdfl="N", nprfail=1),  # not TRD: in the cohort, in no rate
    adsl("A04", KETAMINE_ARM, trdfl="Y", saffl="N"),  # outside the safety population
    adsl("A05", " ", trt01p=KETAMINE_ARM, trdfl="y"),  # blank TRT01A: arm from TRT01P
    adsl("A06", KETAMINE_ARM, trdfl="Y"),  # baseline 0: unusable
    adsl("A07", SERTRALINE_ARM, trdfl="Y", age=92, sex="m"),  # age top-coded to 90
    adsl("A08", SERTRALINE_ARM, trdfl="Y"),
    adsl("A09", SERTRALINE_ARM, trdfl="Y"),  # no baseline record at all
    adsl("A10", None, trdfl="Y"),  # no arm: not mapped
]
TRIAL_A_ADQS = [
    # A01 ketamine, baseline 30 (ABLFL wins over the later ADY 1 record)
    qs("A01", -3, 30, ablfl="Y"),
    qs("A01", 1, 32),
    qs("A01", 2, 14),  # H24: 28 <= 30 responder
    qs("A01", 8, 15),  # D7 day 7: 30 <= 30 responder (exactly 50%)
    qs("A01", 10, 20),  # D7 day 9: farther from day 7, not used
    qs("A01", 29, 10),  # D28 day 28: responder and remitter (<= 10)
    qs("A01", 43, 9, dtype="LOCF"),  # sponsor-imputed: never used, so W6 has no value
    qs("A01", 5, 3, paramcd="MADRS01"),  # item score: ignored
    qs("A01", -3, 20, paramcd="HAMDTOT", ablfl="Y"),  # HAMD17 through the default map
    qs("A01", 8, 10, paramcd="HAMDTOT"),  # D7: 20 <= 20 responder, 10 > 7 no remission
    # A02 ketamine, no ABLFL: baseline = last record with ADY <= 1 (36)
    qs("A02", -7, 40),
    qs("A02", 1, 36),
    qs("A02", 2, 18),  # H24: 36 <= 36 responder
    qs("A02", 5, 20),  # D7 day 4 and day 10 are both 3 days off: the earlier wins (20)
    qs("A02", 11, 25),
    qs("A02", 36, 17),  # D28 day 35 (window end, inclusive): 34 <= 36 responder
    qs("A02", 43, None),  # missed assessment: not a value
    # A03 ketamine, not TRD: its W2 value does not make W2 a reported timepoint
    qs("A03", 1, 30, ablfl="Y"),
    qs("A03", 2, 10),
    qs("A03", 15, 12),
    # A05 ketamine, odd baseline 31
    qs("A05", 1, 31, ablfl="Y"),
    qs("A05", 2, 15),  # H24: 30 <= 31 responder
    qs("A05", 8, 10),  # D7 day 7, but ...
    qs("A05", 11, 16, anl01fl="Y"),  # ... the ANL01FL record wins: 32 > 31 not a responder
    qs("A05", 21, 5),  # day 20, one day before D28: no D28 value; LOCF carries it
    # A06 ketamine, baseline 0
    qs("A06", 1, 0, ablfl="Y"),
    qs("A06", 2, 0),
    # A07 sertraline
    qs("A07", 1, 30, ablfl="Y"),
    qs("A07", 2, 16),  # H24: 32 > 30 no
    qs("A07", 22, 15),  # D28 day 21 (window start, inclusive): 30 <= 30 responder
    # A08 sertraline
    qs("A08", 1, 28, ablfl="Y"),
    qs("A08", 8, 14),  # D7: 28 <= 28 responder
    # A09 sertraline without baseline
    qs("A09", 2, 10),
    # A04 (not in the safety population) has values that must count nowhere
    qs("A04", 1, 30, ablfl="Y"),
    qs("A04", 2, 1),
]

# ---- TRIAL-B: visits map, population trd, MADRS remission <= 12, primary oc, ------------
# ---- own PARAMCD map, no standard_ad arm: reference falls back to placebo ---------------
TRIAL_B_VISITS = {"Day 2": "H24", "Day 29": "D28"}
TRIAL_B_ADSL = [
    adsl("B01", "Esketamine 56 mg"),
    adsl("B02", "Esketamine 56 mg"),
    adsl("B03", "Placebo"),
    adsl("B04", "Placebo"),
]
TRIAL_B_ADQS = [
    qs("B01", 1, 34, paramcd="MADRS", ablfl="Y", avisit="Baseline"),
    qs("B01", 2, 20, paramcd="MADRS", avisit="Day 2"),  # H24: 40 > 34 no; 20 > 12 no
    qs("B01", 8, 12, paramcd="MADRS", avisit="Day 8"),  # unmapped visit: no timepoint
    qs("B01", 30, 12, paramcd="MADRS", avisit="Day 29"),  # D28: responder, remitter (<= 12)
    qs("B02", 1, 30, paramcd="MADRS", ablfl="Y", avisit="Baseline"),
    qs("B02", 16, 11, paramcd="MADRS", avisit="Day 15"),  # unmapped: carried to D28 by LOCF
    qs("B03", 1, 32, paramcd="MADRS", ablfl="Y", avisit="Baseline"),
    qs("B03", 2, 30, paramcd="MADRS", avisit="Day 2"),  # H24: no, no
    qs("B03", 40, 16, paramcd="MADRS", avisit="Day 29"),  # day 39 but AVISIT says D28: 32 <= 32
    qs("B04", 1, 28, paramcd="MADRS", ablfl="Y", avisit="Baseline"),
    qs("B04", 2, 12, paramcd="MADRS", avisit="Day 2"),  # H24: 24 <= 28 yes; 12 <= 12 yes
]

# ---- TRIAL-C: explicit reference ketamine (although a standard_ad arm exists) -------------
TRIAL_C_ADSL = [adsl("C01", KETAMINE_ARM, trdfl="Y"), adsl("C02", SERTRALINE_ARM, trdfl="Y")]
TRIAL_C_ADQS = [
    qs("C01", 1, 20, ablfl="Y"),
    qs("C01", 2, 10),  # H24: responder, remitter
    qs("C02", 1, 20, paramcd="madrstot", ablfl="y"),  # codes and flags in any case
    qs("C02", 2, 12, paramcd=" madrstot"),  # H24: 24 > 20 no, 12 > 10 no
]

# ---- REG-1: OMOP registry. Two persons with MDD, two adequate standard-AD trials (sertraline
# ---- 91 days, fluoxetine 77 days) in the 730 days before a first ketamine exposure on
# ---- 2021-01-10 (index), observed since 2018. PHQ-9 (3042932) in observation, remission <= 4.
SERTRALINE, FLUOXETINE, KETAMINE, MDD, PHQ9_TOTAL = 739138, 755695, 785649, 4152280, 3042932
REG_PERSONS = [1, 2]


def registry_rows() -> dict[str, list[Row]]:
    tables: dict[str, list[Row]] = {
        "person": [],
        "observation_period": [],
        "condition_occurrence": [],
        "drug_exposure": [],
        "observation": [],
    }
    for person in REG_PERSONS:
        tables["person"].append(
            {
                "person_id": person,
                "gender_concept_id": 8532,
                "year_of_birth": 1970,
                "race_concept_id": 0,
                "ethnicity_concept_id": 0,
            }
        )
        tables["observation_period"].append(
            {
                "person_id": person,
                "observation_period_start_date": "2018-01-01",
                "observation_period_end_date": "2023-12-31",
            }
        )
        tables["condition_occurrence"].append(
            {"person_id": person, "condition_concept_id": MDD, "condition_start_date": "2019-01-01"}
        )
        for n, (drug, start, end) in enumerate(
            [
                (SERTRALINE, "2020-01-01", "2020-03-31"),
                (FLUOXETINE, "2020-04-15", "2020-06-30"),
                (KETAMINE, "2021-01-10", "2021-01-10"),
            ]
        ):
            tables["drug_exposure"].append(
                {
                    "drug_exposure_id": person * 10 + n,
                    "person_id": person,
                    "drug_concept_id": drug,
                    "drug_exposure_start_date": start,
                    "drug_exposure_end_date": end,
                }
            )
    scores = {
        1: [("2021-01-05", 20), ("2021-01-11", 8), ("2021-02-07", 4)],  # baseline, day 1, day 28
        2: [("2021-01-05", 15), ("2021-02-07", 10)],  # baseline, day 28
    }
    for person, dated in scores.items():
        for n, (day, value) in enumerate(dated):
            tables["observation"].append(
                {
                    "observation_id": person * 10 + n,
                    "person_id": person,
                    "observation_concept_id": PHQ9_TOTAL,
                    "observation_date": day,
                    "value_as_number": value,
                }
            )
    return tables


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = new_warehouse(tmp_path_factory.mktemp("handmade") / "warehouse.duckdb")
    con = duckdb.connect(str(path))
    write_handmade_datasets(con)
    con.close()
    assert build(path) == 0
    return path


def write_handmade_datasets(con: duckdb.DuckDBPyConnection) -> None:
    """TRIAL-A, TRIAL-B, TRIAL-C and REG-1 into `con`'s raw tables (also the Spark parity
    test's data, tests/spark)."""
    raw = RawWriter(con)
    raw.dataset(
        "TRIAL-A",
        "trial",
        arms={KETAMINE_ARM: "ketamine", SERTRALINE_ARM: "standard_ad"},
    )
    raw.table("adsl", "TRIAL-A", TRIAL_A_ADSL)
    raw.table("adqs", "TRIAL-A", TRIAL_A_ADQS)
    raw.dataset(
        "TRIAL-B",
        "trial",
        population="trd",
        primary_analysis="oc",
        arms={"Esketamine 56 mg": "esketamine", "Placebo": "placebo"},
        parameters={"MADRS": "MADRS"},
        visits=TRIAL_B_VISITS,
        remission={"MADRS": 12},
    )
    raw.table("adsl", "TRIAL-B", TRIAL_B_ADSL)
    raw.table("adqs", "TRIAL-B", TRIAL_B_ADQS)
    raw.dataset(
        "TRIAL-C",
        "trial",
        reference="ketamine",
        arms={KETAMINE_ARM: "ketamine", SERTRALINE_ARM: "standard_ad"},
    )
    raw.table("adsl", "TRIAL-C", TRIAL_C_ADSL)
    raw.table("adqs", "TRIAL-C", TRIAL_C_ADQS)
    raw.dataset("REG-1", "registry")
    for table, rows in registry_rows().items():
        raw.table(table, "REG-1", rows)


# (dataset, class, scale, timepoint, analysis) -> (n, responders, remitters), from the comments
EXPECTED_RATES: dict[tuple[str, str, str, str, str], tuple[int, int, int]] = {
    # TRIAL-A MADRS ketamine: A01 (30), A02 (36), A05 (31); A03 not TRD, A06 baseline 0
    ("TRIAL-A", "ketamine", "MADRS", "H24", "oc"): (3, 3, 0),
    ("TRIAL-A", "ketamine", "MADRS", "H24", "nri"): (3, 3, 0),
    ("TRIAL-A", "ketamine", "MADRS", "H24", "locf"): (3, 3, 0),
    ("TRIAL-A", "ketamine", "MADRS", "D7", "oc"): (3, 1, 0),  # 15 yes, 20 no, 16 (ANL01) no
    ("TRIAL-A", "ketamine", "MADRS", "D7", "nri"): (3, 1, 0),
    ("TRIAL-A", "ketamine", "MADRS", "D7", "locf"): (3, 1, 0),
    ("TRIAL-A", "ketamine", "MADRS", "D28", "oc"): (2, 2, 1),  # A01 10, A02 17
    ("TRIAL-A", "ketamine", "MADRS", "D28", "nri"): (3, 2, 1),  # A05 missing = failure
    ("TRIAL-A", "ketamine", "MADRS", "D28", "locf"): (3, 3, 2),  # A05 carries 5 (day 20)
    # TRIAL-A MADRS standard_ad: A07 (30), A08 (28); A09 has no baseline
    ("TRIAL-A", "standard_ad", "MADRS", "H24", "oc"): (1, 0, 0),
    ("TRIAL-A", "standard_ad", "MADRS", "H24", "nri"): (2, 0, 0),
    ("TRIAL-A", "standard_ad", "MADRS", "H24", "locf"): (1, 0, 0),  # A08: nothing by day 1
    ("TRIAL-A", "standard_ad", "MADRS", "D7", "oc"): (1, 1, 0),
    ("TRIAL-A", "standard_ad", "MADRS", "D7", "nri"): (2, 1, 0),
    ("TRIAL-A", "standard_ad", "MADRS", "D7", "locf"): (2, 1, 0),  # A07 carries 16
    ("TRIAL-A", "standard_ad", "MADRS", "D28", "oc"): (1, 1, 0),
    ("TRIAL-A", "standard_ad", "MADRS", "D28", "nri"): (2, 1, 0),
    ("TRIAL-A", "standard_ad", "MADRS", "D28", "locf"): (2, 2, 0),  # A08 carries 14
    # TRIAL-A HAMD17 (HAMDTOT): A01 only
    ("TRIAL-A", "ketamine", "HAMD17", "D7", "oc"): (1, 1, 0),
    ("TRIAL-A", "ketamine", "HAMD17", "D7", "nri"): (1, 1, 0),
    ("TRIAL-A", "ketamine", "HAMD17", "D7", "locf"): (1, 1, 0),
    # TRIAL-B MADRS (remission <= 12): esketamine B01 (34), B02 (30); placebo B03 (32), B04 (28)
    ("TRIAL-B", "esketamine", "MADRS", "H24", "oc"): (1, 0, 0),
    ("TRIAL-B", "esketamine", "MADRS", "H24", "nri"): (2, 0, 0),
    ("TRIAL-B", "esketamine", "MADRS", "H24", "locf"): (1, 0, 0),
    ("TRIAL-B", "esketamine", "MADRS", "D28", "oc"): (1, 1, 1),
    ("TRIAL-B", "esketamine", "MADRS", "D28", "nri"): (2, 1, 1),
    ("TRIAL-B", "esketamine", "MADRS", "D28", "locf"): (2, 2, 2),  # B02 carries 11 (Day 15)
    ("TRIAL-B", "placebo", "MADRS", "H24", "oc"): (2, 1, 1),
    ("TRIAL-B", "placebo", "MADRS", "H24", "nri"): (2, 1, 1),
    ("TRIAL-B", "placebo", "MADRS", "H24", "locf"): (2, 1, 1),
    ("TRIAL-B", "placebo", "MADRS", "D28", "oc"): (1, 1, 0),
    ("TRIAL-B", "placebo", "MADRS", "D28", "nri"): (2, 1, 0),
    ("TRIAL-B", "placebo", "MADRS", "D28", "locf"): (2, 2, 1),  # B04 carries 12 (day 1)
    # TRIAL-C
    ("TRIAL-C", "ketamine", "MADRS", "H24", "oc"): (1, 1, 1),
    ("TRIAL-C", "ketamine", "MADRS", "H24", "nri"): (1, 1, 1),
    ("TRIAL-C", "ketamine", "MADRS", "H24", "locf"): (1, 1, 1),
    ("TRIAL-C", "standard_ad", "MADRS", "H24", "oc"): (1, 0, 0),
    ("TRIAL-C", "standard_ad", "MADRS", "H24", "nri"): (1, 0, 0),
    ("TRIAL-C", "standard_ad", "MADRS", "H24", "locf"): (1, 0, 0),
    # REG-1 PHQ9 ketamine: person 1 (20: day 1 8, day 28 4), person 2 (15: day 28 10)
    ("REG-1", "ketamine", "PHQ9", "H24", "oc"): (1, 1, 0),
    ("REG-1", "ketamine", "PHQ9", "H24", "nri"): (2, 1, 0),
    ("REG-1", "ketamine", "PHQ9", "H24", "locf"): (1, 1, 0),
    ("REG-1", "ketamine", "PHQ9", "D28", "oc"): (2, 1, 1),
    ("REG-1", "ketamine", "PHQ9", "D28", "nri"): (2, 1, 1),
    ("REG-1", "ketamine", "PHQ9", "D28", "locf"): (2, 1, 1),
}
PRIMARY = {"TRIAL-A": "nri", "TRIAL-B": "oc", "TRIAL-C": "nri", "REG-1": "nri"}


def test_response_rates_hold_exactly_the_hand_computed_rows(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select dataset_id, treatment_class, scale, timepoint, analysis, "
        "n, n_responders, n_remitters from marts.response_rates",
    )
    actual = {tuple(r[:5]): tuple(r[5:]) for r in rows}
    assert len(rows) == len(actual)
    assert actual == EXPECTED_RATES


def test_response_rates_carry_wilson_intervals_source_and_primary_flag(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select source, dataset_id, treatment_class, scale, timepoint, analysis, is_primary, "
        "n, n_responders, response_rate, response_ci_low, response_ci_high, "
        "n_remitters, remission_rate, remission_ci_low, remission_ci_high "
        "from marts.response_rates",
    )
    assert rows
    for source, dataset, _, _, _, analysis, is_primary, n, x, rate, low, high, *rem in rows:
        assert source == ("registry" if dataset.startswith("REG") else "trial")
        assert is_primary == (analysis == PRIMARY[dataset])
        assert rate == pytest.approx(x / n, abs=1e-12)
        assert (low, high) == pytest.approx(wilson(x, n), abs=1e-12)
        x_rem, rem_rate, rem_low, rem_high = rem
        assert rem_rate == pytest.approx(x_rem / n, abs=1e-12)
        assert (rem_low, rem_high) == pytest.approx(wilson(x_rem, n), abs=1e-12)


def test_comparisons_pair_each_class_with_its_datasets_reference(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select distinct dataset_id, treatment_class, reference_class "
        "from marts.response_comparisons order by 1",
    )
    assert rows == [
        ("TRIAL-A", "ketamine", "standard_ad"),  # default reference
        ("TRIAL-B", "esketamine", "placebo"),  # no standard_ad arm: placebo
        ("TRIAL-C", "standard_ad", "ketamine"),  # explicit `reference`
    ]
    counts = query(
        warehouse, "select dataset_id, count(*) from marts.response_comparisons group by 1"
    )
    # one row per shared (scale, timepoint, analysis) and outcome: A 3x3x2, B 2x3x2, C 1x3x2
    assert dict(counts) == {"TRIAL-A": 18, "TRIAL-B": 12, "TRIAL-C": 6}


@pytest.mark.parametrize(
    ("dataset", "timepoint", "analysis", "outcome", "x1", "n1", "x0", "n0"),
    [
        ("TRIAL-A", "D28", "locf", "response", 3, 3, 2, 2),
        ("TRIAL-A", "D7", "nri", "response", 1, 3, 1, 2),
        ("TRIAL-A", "D28", "nri", "remission", 1, 3, 0, 2),
        ("TRIAL-B", "D28", "locf", "remission", 2, 2, 1, 2),
        ("TRIAL-C", "H24", "oc", "response", 0, 1, 1, 1),
    ],
)
def test_comparison_rows_match_newcombe_and_log_rr(
    warehouse: Path,
    dataset: str,
    timepoint: str,
    analysis: str,
    outcome: str,
    x1: int,
    n1: int,
    x0: int,
    n0: int,
) -> None:
    (row,) = query(
        warehouse,
        "select risk_difference, risk_difference_ci_low, risk_difference_ci_high, "
        "risk_ratio, risk_ratio_ci_low, risk_ratio_ci_high from marts.response_comparisons "
        f"where dataset_id = '{dataset}' and timepoint = '{timepoint}' "
        f"and analysis = '{analysis}' and outcome = '{outcome}'",
    )
    assert row[:3] == pytest.approx(newcombe(x1, n1, x0, n0), abs=1e-12)
    if x1 == 0 or x0 == 0:
        assert row[3:] == (None, None, None)
    else:
        rr = (x1 / n1) / (x0 / n0)
        se = math.sqrt(1 / x1 - 1 / n1 + 1 / x0 - 1 / n0)
        expected = (rr, math.exp(math.log(rr) - Z * se), math.exp(math.log(rr) + Z * se))
        assert row[3:] == pytest.approx(expected, abs=1e-12)


def test_cohort_episodes_hold_safety_population_of_mapped_arms_and_registry_episodes(
    warehouse: Path,
) -> None:
    rows = query(
        warehouse,
        "select source, dataset_id, person_key, treatment_class, index_day, index_date, "
        "age, sex, prior_failures, is_trd from marts.cohort_episodes "
        "where dataset_id in ('TRIAL-A', 'REG-1') order by dataset_id, person_key",
    )
    by_key = {(r[1], r[2]): r for r in rows}
    assert sorted(by_key) == [
        ("REG-1", "1"),
        ("REG-1", "2"),
        ("TRIAL-A", "A01"),
        ("TRIAL-A", "A02"),
        ("TRIAL-A", "A03"),
        ("TRIAL-A", "A05"),
        ("TRIAL-A", "A06"),
        ("TRIAL-A", "A07"),
        ("TRIAL-A", "A08"),
        ("TRIAL-A", "A09"),
    ]
    assert by_key[("TRIAL-A", "A05")][3] == "ketamine"  # from TRT01P
    assert by_key[("TRIAL-A", "A07")][6:8] == (90, "M")  # age 92 top-coded
    assert by_key[("TRIAL-A", "A02")][8:] == (2, True)
    assert by_key[("TRIAL-A", "A03")][8:] == (1, False)
    assert by_key[("TRIAL-A", "A01")][4:6] == (1, None)
    reg = by_key[("REG-1", "1")]
    assert reg[3:6] == ("ketamine", None, date(2021, 1, 10))
    assert reg[9] is True


def test_every_trial_b_subject_is_trd_by_population(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select bool_and(is_trd), count(*) from marts.cohort_episodes where dataset_id = 'TRIAL-B'",
    )
    assert rows == [(True, 4)]


@pytest.mark.parametrize(
    ("person", "timepoint", "expected"),
    [
        # baseline, value, locf_value, pct_change, responder, remitter, responder_locf,
        # remitter_locf, evaluable oc / nri / locf
        (
            "A01",
            "H24",
            (30, 14, 14, 100 * (14 - 30) / 30, True, False, True, False, True, True, True),
        ),
        ("A05", "D28", (31, None, 5, None, None, None, True, True, False, True, True)),
        ("A06", "H24", (0, 0, 0, None, None, True, None, True, False, False, False)),
        ("A08", "H24", (28, None, None, None, None, None, None, None, False, True, False)),
        ("A03", "D7", (30, None, 10, None, None, None, True, True, False, True, True)),
    ],
)
def test_episode_outcomes_flag_each_analysis(
    warehouse: Path, person: str, timepoint: str, expected: tuple
) -> None:
    (row,) = query(
        warehouse,
        "select baseline, value, locf_value, pct_change, responder, remitter, responder_locf, "
        "remitter_locf, evaluable_oc, evaluable_nri, evaluable_locf from marts.episode_outcomes "
        f"where person_key = '{person}' and scale = 'MADRS' and timepoint = '{timepoint}'",
    )
    assert row == pytest.approx(expected)


def test_episode_outcomes_cover_only_reported_timepoints(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select dataset_id, scale, list(distinct timepoint order by timepoint), count(*) "
        "from marts.episode_outcomes group by 1, 2 order by 1, 2",
    )
    assert rows == [
        ("REG-1", "PHQ9", ["D28", "H24"], 4),
        ("TRIAL-A", "HAMD17", ["D7"], 1),
        # A01 A02 A03 A05 A06 A07 A08 x 3: no W2 (only non-TRD A03), no W6 (DTYPE, null AVAL)
        ("TRIAL-A", "MADRS", ["D28", "D7", "H24"], 21),
        ("TRIAL-B", "MADRS", ["D28", "H24"], 8),
        ("TRIAL-C", "MADRS", ["H24"], 2),
    ]


def test_attrition_counts_each_step(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select step, n_remaining, n_excluded from marts.attrition "
        "where dataset_id = 'TRIAL-A' order by step",
    )
    # 10 in ADSL; A04 not SAFFL; A10 no arm; A03 not TRD; A06 baseline 0 and A09 none
    assert rows == [(1, 10, 0), (2, 9, 1), (3, 8, 1), (4, 7, 1), (5, 5, 2)]
    datasets = query(warehouse, "select distinct dataset_id from marts.attrition order by 1")
    assert datasets == [("REG-1",), ("TRIAL-A",), ("TRIAL-B",), ("TRIAL-C",)]


def test_agg_pct_change_summarises_observed_cases(warehouse: Path) -> None:
    (row,) = query(
        warehouse,
        "select n, mean_pct_change, sd_pct_change, ci_low, ci_high from marts.agg_pct_change "
        "where dataset_id = 'TRIAL-A' and treatment_class = 'ketamine' and scale = 'MADRS' "
        "and timepoint = 'H24'",
    )
    changes = [100 * (14 - 30) / 30, 100 * (18 - 36) / 36, 100 * (15 - 31) / 31]
    mean, sd = statistics.mean(changes), statistics.stdev(changes)
    half = Z * sd / math.sqrt(3)
    assert row == pytest.approx((3, mean, sd, mean - half, mean + half))
    (single,) = query(
        warehouse,
        "select n, ci_low, ci_high from marts.agg_pct_change where dataset_id = 'TRIAL-C' "
        "and treatment_class = 'standard_ad'",
    )
    assert single == (1, None, None)
