"""The seven demo trials, each modelled on a published design (docs/dataset-contract.md: trial
files and dataset.yml).

Sizes, visits, arms and rates mimic the cited papers; rates are the *observed-case* targets the
latent model is calibrated to (see `outcomes.py`), chosen so that each trial's primary analysis
lands near the published figure. Each trial also carries one or more of the irregularities real
ADaM deliveries have (see `adam.py`), so the demo exercises every branch of the derivation rules.

- TRANSFORM-2 (Popova et al., Am J Psychiatry 2019;176:428): esketamine 56/84 mg + new oral AD
  vs placebo + new oral AD, 227 randomised, MADRS, day 28 response 69.3% vs 52.0% and remission
  (MADRS <= 12) 52.5% vs 31.0%, reported on observed cases -> `primary_analysis: oc`.
- KETAMINE-MIDAZOLAM (Murrough et al., Am J Psychiatry 2013;170:1134): one IV ketamine
  0.5 mg/kg infusion vs midazolam 0.045 mg/kg (active placebo), 2:1, 73 randomised, MADRS 24 h
  response 64% vs 28%, 46% vs 18% at day 7; baseline inflammation modifies ketamine response
  (Yang et al., Transl Psychiatry 2015; Chen et al., 2018).
- ELEKT-D (Anand et al., N Engl J Med 2023;388:2315): IV ketamine vs ECT, 403 randomised
  (38 never treated, most in the ECT arm), QIDS-SR16 response at end of treatment (week 3)
  55.4% vs 41.2% over all treated patients -> `primary_analysis: nri`.
- ESCAPE-TRD (Reif et al., N Engl J Med 2023;389:1298): esketamine vs quetiapine XR, both
  added to an SSRI/SNRI, 676 randomised, MADRS remission (<= 10) at week 8 27.1% vs 17.6% with
  discontinuation counted as non-remission -> `primary_analysis: nri`.
- TRANSFORM-1 (Fedgchin et al., Int J Neuropsychopharmacol 2019;22:616): fixed-dose
  esketamine 56 mg or 84 mg + new oral AD vs placebo + new oral AD, 346 randomised 1:1:1 (342
  treated), MADRS, day 28 response 54.1% (56 mg), 53.1% (84 mg) vs 38.9% and remission
  (MADRS <= 12) 36.0%, 38.8% vs 30.6%, observed cases -> `primary_analysis: oc`. Both doses map
  to the class `esketamine`: one comparison per trial, the shared control counted once.
- TRANSFORM-3 (Ochs-Ross et al., Am J Geriatr Psychiatry 2020;28:121): flexible esketamine +
  new oral AD vs placebo + new oral AD in patients aged 65 and over, 138 randomised, MADRS day 28
  response about 27% vs 13% and remission about 17.5% vs 6.7% (observed cases).
- KETAMINE-MIDAZOLAM-2 (Phillips et al., Am J Psychiatry 2019;176:401): single IV ketamine
  0.5 mg/kg vs midazolam 0.045 mg/kg in 41 TRD patients, a crossover of which the demo keeps the
  first infusion as a parallel comparison (21 ketamine first, 20 midazolam first); MADRS 24 h
  (primary), day 3 and day 7; a single infusion roughly doubled response over midazolam at 24 h
  (the paper's 59% came only after six repeated infusions, which the demo leaves out).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from demo.adam import Arm, TrialDesign, Visit, simulate_trial
from demo.writers import write_dataset_yml, write_table

US_RACES = (0.74, 0.15, 0.05, 0.01, 0.02, 0.03)
"""Weights of adam.RACES in US psychiatric trials (white, black, asian, AI/AN, multiple, NR)."""
EU_RACES = (0.93, 0.02, 0.01, 0.0, 0.01, 0.03)

# --- TRANSFORM-2 (Popova 2019) -------------------------------------------------------------
TRANSFORM_2 = TrialDesign(
    study_id="TRANSFORM-2",
    paramcd="MADRSTOT",
    param="MADRS Total Score",
    score_max=60,
    remission_threshold=12,  # TRANSFORM defined remission as MADRS <= 12
    baseline_mean=37.1,  # baseline MADRS 37.0 (SD 5.7); inclusion MADRS >= 28
    baseline_sd=5.7,
    baseline_min=28,
    screening=Visit("Screening", -14),  # end of the prospective oral-AD screening phase
    baseline=Visit("Baseline", 1),
    visits=(
        Visit("Day 2", 2),
        Visit("Day 8", 8),
        Visit("Day 15", 15),
        Visit("Day 22", 22),
        Visit("Day 28", 28),
    ),
    key_visit="Day 28",
    arms=(
        Arm(
            label="Esketamine 56/84 mg + oral AD",
            treatment_class="esketamine",
            treatment="esketamine_nasal_56_84mg",
            n_randomised=116,  # 114 treated in the full analysis set
            n_not_treated=2,
            response=0.66,  # 69.3% observed cases
            remission=0.50,  # 52.5%
            shape=(0.50, 0.68, 0.80, 0.92, 1.0),  # day 2 response 17% vs 9% (Turkoz 2021)
            dropout=0.10,
        ),
        Arm(
            label="Placebo + oral AD",
            treatment_class="standard_ad",
            treatment="new_oral_ad",
            n_randomised=111,  # 109 treated
            n_not_treated=2,
            response=0.47,  # 52.0%
            remission=0.30,  # 31.0%
            shape=(0.42, 0.55, 0.70, 0.88, 1.0),
            dropout=0.12,
        ),
    ),
    sites=(
        ("0101", "USA"),
        ("0102", "USA"),
        ("0103", "USA"),
        ("0104", "USA"),
        ("0201", "DEU"),
        ("0202", "DEU"),
        ("0301", "FRA"),
        ("0401", "BEL"),
        ("0501", "POL"),
        ("0601", "ESP"),
    ),
    race_weights=(0.89, 0.05, 0.02, 0.0, 0.01, 0.03),
    age_mean=46.0,  # 18-64 years
    age_sd=11.5,
    age_min=18,
    age_max=64,
    female_share=0.62,
    first_dose_from=dt.date(2015, 8, 3),
    enrolment_days=900,
    items=True,  # MADRS01..MADRS10, ignored downstream
    missing_rows="locf",  # the sponsor's LOCF rows (DTYPE = 'LOCF') for dropouts
    retest_share=0.03,  # re-rated visits; ANL01FL = 'Y' on the retest
    lab_visits=(Visit("Baseline", 1), Visit("Day 28", 28)),
    crp_mg_dl_site="0102",  # this site's lab reports CRP in mg/dL
)

# --- KETAMINE-MIDAZOLAM (Murrough 2013) ----------------------------------------------------
KETAMINE_MIDAZOLAM = TrialDesign(
    study_id="KETAMINE-MIDAZOLAM",
    paramcd="MADRSTOT",
    param="MADRS Total Score",
    score_max=60,
    remission_threshold=10,
    baseline_mean=32.0,  # baseline MADRS ~32
    baseline_sd=5.5,
    baseline_min=22,
    baseline=Visit("Baseline", 1),  # pre-infusion rating on the infusion day
    visits=(Visit("24 hours", 2), Visit("Day 7", 8)),
    key_visit="24 hours",
    arms=(
        Arm(
            label="Ketamine 0.5 mg/kg IV",
            treatment_class="ketamine",
            treatment="ketamine_iv_single",
            n_randomised=48,
            n_not_treated=1,
            response=0.45,  # non-inflamed; overall ~58% (published 64%)
            response_inflamed=0.82,  # CRP >= 3 mg/L or IL-6 >= 3 pg/mL
            shape=(1.0, 0.75),  # the 24-h effect fades by day 7 (46%)
            dropout=0.02,
        ),
        Arm(
            label="Midazolam 0.045 mg/kg IV",
            treatment_class="placebo",
            treatment="midazolam",
            n_randomised=25,
            n_not_treated=1,
            response=0.25,  # 28%; no inflammation interaction
            response_inflamed=0.25,
            shape=(1.0, 0.90),  # placebo response holds better (18% at day 7)
            dropout=0.0,
        ),
    ),
    sites=(("0101", "USA"), ("0201", "USA")),
    race_weights=US_RACES,
    age_mean=46.0,  # 21-80 years
    age_sd=12.0,
    age_min=21,
    age_max=80,
    female_share=0.50,
    first_dose_from=dt.date(2011, 4, 4),
    enrolment_days=800,
    lab_visits=(Visit("Baseline", 1), Visit("24 hours", 2)),
    nprfail=True,  # >= 2 failed trials for most, a few with 1 (TRDFL = 'N')
)

# --- ELEKT-D (Anand 2023) ------------------------------------------------------------------
ELEKT_D = TrialDesign(
    study_id="ELEKT-D",
    paramcd="QIDSTOT",
    param="QIDS-SR16 Total Score",
    score_max=27,
    remission_threshold=5,
    baseline_mean=19.5,  # QIDS-SR16 ~19-20 at baseline
    baseline_sd=3.2,
    baseline_min=11,
    baseline=Visit("Baseline", 1),
    visits=(Visit("Week 1", 8), Visit("Week 2", 15), Visit("Week 3", 22)),
    key_visit="Week 3",  # end of the 3-week treatment phase
    arms=(
        Arm(
            label="IV ketamine 0.5 mg/kg twice weekly",
            treatment_class="ketamine",
            treatment="ketamine_iv_series",
            n_randomised=200,
            n_not_treated=5,  # 195 started ketamine
            response=0.59,  # -> ~55% with missing counted as non-response
            remission=0.35,  # remission (QIDS <= 5) 32% reported
            shape=(0.75, 0.92, 1.0),
            dropout=0.05,
        ),
        Arm(
            label="ECT three times weekly",
            treatment_class="ect",
            treatment="ect",
            n_randomised=203,
            n_not_treated=33,  # 170 started ECT
            response=0.465,  # -> ~41%
            remission=0.22,  # 20% reported
            shape=(0.45, 0.78, 1.0),
            dropout=0.08,
        ),
    ),
    sites=(("0101", "USA"), ("0201", "USA"), ("0301", "USA"), ("0401", "USA"), ("0501", "USA")),
    race_weights=US_RACES,
    age_mean=46.0,  # 21-75 years
    age_sd=14.5,
    age_min=21,
    age_max=75,
    female_share=0.53,
    first_dose_from=dt.date(2017, 4, 7),
    enrolment_days=1900,
    missing_rows="null",  # missed assessments are rows with a null AVAL
    missed_share=0.03,
)

# --- ESCAPE-TRD (Reif 2023) ----------------------------------------------------------------
ESCAPE_TRD = TrialDesign(
    study_id="ESCAPE-TRD",
    paramcd="MADRSTOT",
    param="MADRS Total Score",
    score_max=60,
    remission_threshold=10,
    baseline_mean=31.5,  # baseline MADRS ~31.5
    baseline_sd=5.4,
    baseline_min=20,
    screening=Visit("Screening", -7),
    baseline=Visit("Day 1", 1),  # no ABLFL: baseline is the last record with ADY <= 1
    visits=(Visit("Week 2", 15), Visit("Week 4", 29), Visit("Week 6", 43), Visit("Week 8", 57)),
    key_visit="Week 8",
    arms=(
        Arm(
            label="Esketamine nasal spray + SSRI/SNRI",
            treatment_class="esketamine",
            treatment="esketamine_nasal_flexible",
            n_randomised=336,
            n_not_treated=2,
            response=0.50,  # -> ~45% when dropouts count as non-response
            remission=0.30,  # -> ~27% (27.1%)
            shape=(0.55, 0.78, 0.92, 1.0),
            dropout=0.10,
        ),
        Arm(
            label="Quetiapine XR + SSRI/SNRI",
            treatment_class="augmentation",
            treatment="quetiapine_xr",
            n_randomised=340,
            n_not_treated=6,
            response=0.41,  # -> ~33%
            remission=0.225,  # -> ~18% (17.6%)
            shape=(0.50, 0.75, 0.90, 1.0),
            dropout=0.20,  # more early discontinuation on quetiapine
        ),
    ),
    sites=(
        ("1001", "DEU"),
        ("1002", "DEU"),
        ("1101", "ESP"),
        ("1201", "FRA"),
        ("1301", "ITA"),
        ("1401", "POL"),
        ("1501", "GBR"),
        ("1601", "NLD"),
        ("1701", "SWE"),
        ("1801", "CZE"),
        ("1901", "BEL"),
        ("2001", "AUT"),
    ),
    race_weights=EU_RACES,
    age_mean=45.0,  # 18-74 years
    age_sd=12.5,
    age_min=18,
    age_max=74,
    female_share=0.66,
    first_dose_from=dt.date(2020, 8, 3),
    enrolment_days=650,
    ablfl=False,
    anl01fl=False,
    lab_visits=(Visit("Day 1", 1), Visit("Week 8", 57)),
    trdfl_all=True,
)


# --- TRANSFORM-1 (Fedgchin 2019) ------------------------------------------------------------
TRANSFORM_1 = TrialDesign(
    study_id="TRANSFORM-1",
    paramcd="MADRSTOT",
    param="MADRS Total Score",
    score_max=60,
    remission_threshold=12,
    baseline_mean=37.9,  # baseline MADRS 37.9 (SD 5.3); inclusion MADRS >= 28
    baseline_sd=5.3,
    baseline_min=28,
    screening=Visit("Screening", -14),  # end of the prospective oral-AD screening phase
    baseline=Visit("Baseline", 1),
    visits=(
        Visit("Day 2", 2),
        Visit("Day 8", 8),
        Visit("Day 15", 15),
        Visit("Day 22", 22),
        Visit("Day 28", 28),
    ),
    key_visit="Day 28",
    arms=(
        Arm(
            label="Esketamine 56 mg + oral AD",
            treatment_class="esketamine",
            treatment="esketamine_nasal_56mg",
            n_randomised=117,  # 115 in the full analysis set
            n_not_treated=2,
            response=0.54,  # 54.1% observed cases
            remission=0.36,  # 36.0%
            shape=(0.48, 0.66, 0.78, 0.92, 1.0),
            dropout=0.08,
        ),
        Arm(
            label="Esketamine 84 mg + oral AD",
            treatment_class="esketamine",
            treatment="esketamine_nasal_84mg",
            n_randomised=116,  # 114
            n_not_treated=2,
            response=0.53,  # 53.1%
            remission=0.39,  # 38.8%
            shape=(0.50, 0.68, 0.80, 0.92, 1.0),
            dropout=0.16,  # more discontinuation at the higher dose
        ),
        Arm(
            label="Placebo + oral AD",
            treatment_class="standard_ad",
            treatment="new_oral_ad",
            n_randomised=113,
            n_not_treated=0,
            response=0.39,  # 38.9%
            remission=0.30,  # 30.6%
            shape=(0.40, 0.55, 0.70, 0.88, 1.0),
            dropout=0.07,
        ),
    ),
    sites=(
        ("0101", "USA"),
        ("0102", "USA"),
        ("0103", "USA"),
        ("0201", "BRA"),
        ("0301", "CAN"),
        ("0401", "FRA"),
        ("0501", "POL"),
        ("0601", "SVK"),
    ),
    race_weights=(0.77, 0.12, 0.02, 0.0, 0.06, 0.03),
    age_mean=46.3,  # 18-64 years
    age_sd=11.2,
    age_min=18,
    age_max=64,
    female_share=0.69,
    first_dose_from=dt.date(2015, 8, 10),
    enrolment_days=820,
)

# --- TRANSFORM-3 (Ochs-Ross 2020) ----------------------------------------------------------
TRANSFORM_3 = TrialDesign(
    study_id="TRANSFORM-3",
    paramcd="MADRSTOT",
    param="MADRS Total Score",
    score_max=60,
    remission_threshold=12,
    baseline_mean=35.5,  # baseline MADRS ~35 in the elderly
    baseline_sd=5.9,
    baseline_min=24,
    baseline=Visit("Baseline", 1),
    visits=(
        Visit("Day 2", 2),
        Visit("Day 8", 8),
        Visit("Day 15", 15),
        Visit("Day 22", 22),
        Visit("Day 28", 28),
    ),
    key_visit="Day 28",
    arms=(
        Arm(
            label="Esketamine 28-84 mg + oral AD",
            treatment_class="esketamine",
            treatment="esketamine_nasal_flexible",
            n_randomised=72,
            n_not_treated=0,
            response=0.27,  # ~27.0% observed cases
            remission=0.175,  # ~17.5%
            shape=(0.35, 0.55, 0.72, 0.90, 1.0),  # slower titration from 28 mg in the elderly
            dropout=0.12,
        ),
        Arm(
            label="Placebo + oral AD",
            treatment_class="standard_ad",
            treatment="new_oral_ad",
            n_randomised=66,
            n_not_treated=1,  # 137 treated
            response=0.135,  # ~13.3%
            remission=0.07,  # ~6.7%
            shape=(0.30, 0.50, 0.68, 0.88, 1.0),
            dropout=0.09,
        ),
    ),
    sites=(
        ("0101", "USA"),
        ("0102", "USA"),
        ("0201", "BEL"),
        ("0301", "BRA"),
        ("0401", "FRA"),
        ("0501", "ZAF"),
    ),
    race_weights=(0.93, 0.04, 0.0, 0.0, 0.01, 0.02),
    age_mean=70.0,  # 65-86 years
    age_sd=4.5,
    age_min=65,
    age_max=86,
    female_share=0.62,
    first_dose_from=dt.date(2015, 8, 24),
    enrolment_days=840,
    missing_rows="null",  # missed assessments as rows with a null AVAL
    missed_share=0.02,
    trdfl_all=True,
)

# --- KETAMINE-MIDAZOLAM-2 (Phillips 2019), first period of the crossover ---------------------
KETAMINE_MIDAZOLAM_2 = TrialDesign(
    study_id="KETAMINE-MIDAZOLAM-2",
    paramcd="MADRSTOT",
    param="MADRS Total Score",
    score_max=60,
    remission_threshold=10,
    baseline_mean=33.0,  # baseline MADRS ~33
    baseline_sd=4.8,
    baseline_min=25,  # inclusion MADRS >= 25
    baseline=Visit("Pre-infusion", 1),  # no ABLFL: the last record with ADY <= 1
    visits=(Visit("24 hours", 2), Visit("Day 3", 4), Visit("Day 7", 8)),
    key_visit="24 hours",
    arms=(
        Arm(
            label="Ketamine 0.5 mg/kg IV (first period)",
            treatment_class="ketamine",
            treatment="ketamine_iv_single",
            n_randomised=21,
            n_not_treated=0,
            response=0.30,  # a single infusion: about a third respond at 24 h
            shape=(1.0, 0.90, 0.80),  # fades over the week
            dropout=0.0,
        ),
        Arm(
            label="Midazolam 0.045 mg/kg IV (first period)",
            treatment_class="placebo",
            treatment="midazolam",
            n_randomised=20,
            n_not_treated=0,
            response=0.15,
            shape=(1.0, 1.0, 0.95),
            dropout=0.0,
        ),
    ),
    sites=(("0101", "CAN"),),  # single site (Ottawa)
    race_weights=(0.90, 0.02, 0.03, 0.0, 0.02, 0.03),
    age_mean=43.0,  # 18-65 years
    age_sd=12.0,
    age_min=18,
    age_max=65,
    female_share=0.56,
    first_dose_from=dt.date(2012, 9, 4),
    enrolment_days=1500,
    ablfl=False,
    anl01fl=False,
)


@dataclass(frozen=True)
class TrialDataset:
    design: TrialDesign
    title: str
    citation: str
    """The publication the design mimics (written into dataset.yml as a comment)."""
    formats: dict[str, str]
    """File format per table: csv, parquet or xpt."""
    population: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    """dataset.yml keys after `arms`: parameters, visits, remission, primary_analysis, reference."""

    @property
    def dataset_id(self) -> str:
        return self.design.study_id

    @property
    def config(self) -> dict[str, Any]:
        """dataset.yml content in the key order of docs/dataset-contract.md#datasetyml; arms come
        from the design, stated once."""
        config: dict[str, Any] = {"dataset_id": self.dataset_id, "source": "trial"}
        config["title"] = self.title
        if self.population:
            config["population"] = self.population
        config["arms"] = {
            a.label: {"treatment_class": a.treatment_class, "treatment": a.treatment}
            for a in self.design.arms
        }
        return config | self.options


TRIALS: tuple[TrialDataset, ...] = (
    TrialDataset(
        TRANSFORM_2,
        title="Esketamine + new oral AD vs placebo + new oral AD (modelled on TRANSFORM-2)",
        citation="Popova et al., Am J Psychiatry 2019;176:428 (TRANSFORM-2)",
        formats={"adsl": "csv", "adqs": "csv", "adlb": "csv"},
        population="trd",
        options={
            "parameters": {"MADRSTOT": "MADRS"},
            "visits": {"Day 2": "H24", "Day 8": "D7", "Day 15": "W2", "Day 28": "D28"},
            "remission": {"MADRS": 12},
            "primary_analysis": "oc",
            "reference": "standard_ad",
        },
    ),
    TrialDataset(
        KETAMINE_MIDAZOLAM,
        title="Single IV ketamine vs midazolam active placebo (modelled on Murrough 2013)",
        citation="Murrough et al., Am J Psychiatry 2013;170:1134",
        formats={"adsl": "xpt", "adqs": "xpt", "adlb": "xpt"},
    ),
    TrialDataset(
        ELEKT_D,
        title="IV ketamine vs electroconvulsive therapy (modelled on ELEKT-D)",
        citation="Anand et al., N Engl J Med 2023;388:2315 (ELEKT-D)",
        formats={"adsl": "parquet", "adqs": "parquet"},
        population="trd",
        options={"primary_analysis": "nri", "reference": "ect"},
    ),
    TrialDataset(
        ESCAPE_TRD,
        title="Esketamine vs quetiapine XR added to an SSRI/SNRI (modelled on ESCAPE-TRD)",
        citation="Reif et al., N Engl J Med 2023;389:1298 (ESCAPE-TRD)",
        formats={"adsl": "xpt", "adqs": "parquet", "adlb": "csv"},
        options={"primary_analysis": "nri", "reference": "augmentation"},
    ),
    # appended after the first four, so their random streams (one per position) stay the same
    TrialDataset(
        TRANSFORM_1,
        title="Esketamine 56 or 84 mg + new oral AD vs placebo + new oral AD "
        "(modelled on TRANSFORM-1)",
        citation="Fedgchin et al., Int J Neuropsychopharmacol 2019;22:616 (TRANSFORM-1)",
        formats={"adsl": "parquet", "adqs": "parquet"},
        population="trd",
        options={
            "visits": {"Day 2": "H24", "Day 8": "D7", "Day 15": "W2", "Day 28": "D28"},
            "remission": {"MADRS": 12},
            "primary_analysis": "oc",
        },
    ),
    TrialDataset(
        TRANSFORM_3,
        title="Esketamine + new oral AD vs placebo + new oral AD, aged 65 and over "
        "(modelled on TRANSFORM-3)",
        citation="Ochs-Ross et al., Am J Geriatr Psychiatry 2020;28:121 (TRANSFORM-3)",
        formats={"adsl": "csv", "adqs": "csv"},
        population="trd",
        options={
            "visits": {"Day 2": "H24", "Day 8": "D7", "Day 15": "W2", "Day 28": "D28"},
            "remission": {"MADRS": 12},
            "primary_analysis": "oc",
        },
    ),
    TrialDataset(
        KETAMINE_MIDAZOLAM_2,
        title="Single IV ketamine vs midazolam, first infusion of a crossover "
        "(modelled on Phillips 2019)",
        citation="Phillips et al., Am J Psychiatry 2019;176:401",
        formats={"adsl": "xpt", "adqs": "csv"},
        population="trd",
    ),
)


def write_trial(trial: TrialDataset, folder: Path, rng: np.random.Generator, seed: int) -> None:
    """Simulate one trial and write its ADaM files and dataset.yml into `folder`."""
    tables = simulate_trial(trial.design, rng)
    for name, frame in (("adsl", tables.adsl), ("adqs", tables.adqs), ("adlb", tables.adlb)):
        if frame is not None and name in trial.formats:
            write_table(frame, folder, name, trial.formats[name])
    write_dataset_yml(
        folder,
        trial.config,
        f"Demo dataset generated by `trd demo` (seed {seed}); synthetic, no real patient.\n"
        f"Modelled on {trial.citation}; see docs/demo-data.md.",
    )
