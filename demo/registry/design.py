"""The design of the synthetic registry: shares, rates and timings taken from the literature
(each with its source), the catalogue of concepts it draws from, and the containers one chunk
of persons fills."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from demo import concepts as cx
from demo.concepts import Vocabulary
from demo.outcomes import Panel

DATASET_ID = "REGISTRY-OMOP"
CHUNK_PERSONS = 50_000
"""Persons per generated chunk: bounds memory (a chunk is ~2M rows) whatever `--persons` is."""
EPOCH = dt.date(1970, 1, 1)


def _day(date: dt.date) -> int:
    return (date - EPOCH).days


INDEX_FIRST, INDEX_LAST = _day(dt.date(2016, 1, 1)), _day(dt.date(2023, 12, 31))
DATA_CUTOFF = _day(dt.date(2024, 12, 31))

# Index treatments (shares of persons) and their D28 response rates on PHQ-9 (observed cases).
# Real-world cohorts: ketamine 45-55% (McInnes 2022 review of community clinics), esketamine
# 40-50% (Martinotti 2022, REAL-ESK), a new standard AD after >= 2 failures 25-35% (STAR*D level
# 3; Rush 2006), augmentation ~30% (Mohamed 2017, VAST-D).
# ECT ~50% (Heijnen 2010 meta-analysis: 48% response after medication failure).
INDEX_CLASSES = ("ketamine", "esketamine", "standard_ad", "augmentation", "ect")
INDEX_CLASS_SHARES = (0.20, 0.18, 0.34, 0.18, 0.10)
RESPONSE_D28 = {
    "ketamine": 0.40,
    "esketamine": 0.45,
    "standard_ad": 0.30,
    "augmentation": 0.32,
    "ect": 0.50,
}
# Confounding by severity (indication), for the adjusted comparisons to remove: each person has a
# latent severity (standard normal) that the baseline scores measure, that steers the choice of
# index treatment (the sicker are given ketamine, esketamine or ECT, the less sick a new standard
# AD) and that lowers the chance of response whatever the treatment. Crude comparisons of the
# rapid treatments with standard ADs are then biased towards the null; the response rates of
# RESPONSE_D28 stay the crude (within-class) rates, as the literature reports them.
SEVERITY_LOG_ODDS = {
    "ketamine": 0.4,
    "esketamine": 0.4,
    "standard_ad": -0.4,
    "augmentation": 0.0,
    "ect": 0.6,
}
"""Log-odds, per SD of severity, of being given each index treatment (relative to the shares)."""
SEVERITY_RESPONSE_CORRELATION = 0.5
"""Correlation, within a class, of severity with a lower latent improvement."""
MADRS_SEVERITY_CORRELATION = 0.8
"""PHQ-9 baselines measure severity itself; MADRS baselines, a different rater, correlate 0.8."""
KETAMINE_RESPONSE_INFLAMED = 0.68
"""Ketamine response when CRP >= 3 mg/L or IL-6 >= 3 pg/mL (`RESPONSE_D28` is then the
non-inflamed rate): the interaction of the KETAMINE-MIDAZOLAM trial."""
# Improvement at each follow-up day as a fraction of day 28's (the time course of each class).
FOLLOW_UP_DAYS = (1, 7, 14, 28, 42, 56, 84)
FOLLOW_UP_JITTER = (0, 2, 2, 4, 4, 5, 6)
SHAPES = {
    "ketamine": (0.85, 0.90, 0.95, 1.0, 0.92, 0.85, 0.75),  # rapid; fades after the series
    "esketamine": (0.60, 0.75, 0.85, 1.0, 1.0, 1.0, 1.0),  # rapid; maintained by weekly doses
    "standard_ad": (0.05, 0.40, 0.65, 1.0, 1.15, 1.22, 1.28),  # weeks to act
    "augmentation": (0.05, 0.45, 0.70, 1.0, 1.10, 1.15, 1.20),
    "ect": (0.05, 0.35, 0.65, 1.0, 1.05, 1.0, 0.95),  # builds over the course, then holds
}
VISIT_PRESENT = {  # chance that each follow-up visit took place
    "ketamine": (0.70, 0.85, 0.85, 0.85, 0.80, 0.80, 0.75),
    "esketamine": (0.70, 0.85, 0.85, 0.85, 0.80, 0.80, 0.75),
    "standard_ad": (0.0, 0.30, 0.80, 0.85, 0.80, 0.80, 0.75),
    "augmentation": (0.0, 0.30, 0.80, 0.85, 0.80, 0.80, 0.75),
    "ect": (0.0, 0.60, 0.85, 0.85, 0.80, 0.80, 0.75),
}
LOST_AFTER_D28 = 0.10
BASELINE_PRESENT = 0.92
EARLIER_SCORE_SHARE = 0.30
"""Persons with an older PHQ-9 (40-120 days before index), which must not be the baseline."""
ZERO_BASELINE_SHARE = 0.002
"""Data-entry zeros: a baseline of 0 is unusable (docs/derivations.md#trial-baselines) and counted
by a warn-level check."""
MADRS_SHARE = {
    "ketamine": 0.25,
    "esketamine": 0.25,
    "standard_ad": 0.10,
    "augmentation": 0.10,
    "ect": 0.30,
}
PHQ9_BASELINE = (18.0, 4.0, 10)  # mean, SD, minimum of TRD outpatients
MADRS_BASELINE = (31.0, 6.0, 16)

# Antidepressant histories: each profile is one way to meet or miss the TRD rule of
# docs/derivations.md.
PROFILES = ("trd_two", "trd_three", "one_trial", "too_short", "too_old", "first_line")
PROFILE_SHARES = (0.42, 0.08, 0.15, 0.10, 0.10, 0.15)
CURRENT_AD_SHARE = {
    "ketamine": 0.40,
    "esketamine": 0.90,
    "standard_ad": 0.0,
    "augmentation": 1.0,
    "ect": 0.60,
}
"""Index treatments given on top of an ongoing AD (esketamine's label; augmentation by nature)."""
NO_MDD_SHARE = 0.04
MDD_AFTER_INDEX_SHARE = 0.02
SHORT_OBSERVATION_SHARE = 0.03
OUTSIDE_OBSERVATION_SHARE = 0.01
"""Persons with a record dated after their observation period ends (real exports have some)."""
AGE_ABOVE_90_SHARE = 0.004
FILL_DAYS = 30
NULL_END_DATE_SHARE = 0.12
AD_PRESCRIBING_WEIGHTS = {  # relative US prescribing volume of the seed's standard ADs
    "sertraline": 16,
    "escitalopram": 14,
    "fluoxetine": 10,
    "bupropion": 10,
    "citalopram": 9,
    "venlafaxine": 8,
    "duloxetine": 8,
    "trazodone": 5,
    "mirtazapine": 5,
    "paroxetine": 4,
    "desvenlafaxine": 3,
    "vortioxetine": 3,
    "vilazodone": 2,
    "amitriptyline": 2,
    "nortriptyline": 2,
}
AUGMENTATION_WEIGHTS = {"aripiprazole": 45, "quetiapine": 35, "lithium carbonate": 15}
OTHER_WEIGHT = 0.3
ESKETAMINE_SESSIONS = (0, 3, 7, 10, 14, 17, 21, 24, 28, 35, 42, 49)
"""Twice weekly for four weeks, then weekly (Spravato label)."""
ECT_SESSIONS = (0, 2, 4, 7, 9, 11, 14, 16, 18, 21, 23, 25)
"""Three times a week for four weeks (an acute course)."""
ECT_CONTINUATION_SHARE = 0.30
"""Persons given two continuation sessions 28 days apart after the acute course (same course:
every gap <= 30 days)."""
ECT_LOCAL_CODE_SHARE = 0.30
"""Sessions recorded with the site's own ECT code (a descendant of the seed concept)."""
PRIOR_ECT_SHARE = 0.06
"""ECT persons with an earlier course 120-330 days before index: not a new ECT user (washout)."""
PSYCHOTHERAPY_SHARE = 0.20
EXCLUSION_BEFORE_SHARE = 0.05
EXCLUSION_AFTER_SHARE = 0.02
"""A bipolar, schizophrenia or psychotic-disorder record on or before index (excluded), or first
recorded after index (not excluded)."""
EXCLUSION_MIX = (0.60, 0.15, 0.25)
"""Bipolar disorder, schizophrenia, psychotic disorder, as the seed's trd_exclusion rows."""
ORPHAN_EXCLUSION_SHARE = 0.005
"""Persons whose bipolar disorder is recorded only with the site's code missing from
concept_ancestor: not excluded by the rules (a vocabulary gap the diagnostics show)."""
ORPHAN_KETAMINE_SHARE = 0.04
"""Ketamine persons whose infusions are recorded with the product missing from concept_ancestor:
their ketamine series is invisible to the rules (an orphan in the diagnostics)."""
CPT_ECT, CPT_PSYCHOTHERAPY = "90870", "90834"
MDD_ICD10 = ("F32.2", "F33.1", "F33.2", "F32.1", "F33.9")
RECURRENT_MDD_SHARE = 0.45
"""Diagnosed persons with a record of recurrent major depression (code list mdd_recurrent, a
descendant of MDD) between their first diagnosis and index: a covariate of the adjustment."""
EXCLUSION_ICD10 = ("F31.9", "F20.9", "F29")
"""Source codes of the exclusion records, in the seed's trd_exclusion order."""


@dataclass(frozen=True)
class Catalogue:
    """Ingredients the registry prescribes and their clinical drugs, as arrays."""

    product_offset: np.ndarray
    product_count: np.ndarray
    product_ids: np.ndarray
    product_routes: np.ndarray
    product_names: pl.Series
    ketamine: int
    esketamine: int
    ketamine_orphan: int
    """Index of the pseudo-ingredient whose only product is the orphan ketamine product."""
    augmentation: np.ndarray
    standard_weights: np.ndarray
    augmentation_weights: np.ndarray


def catalogue(vocab: Vocabulary) -> Catalogue:
    standard = list(vocab.sets["standard_ad"])
    augmentation = list(vocab.sets["augmentation"])
    ingredients = [*standard, vocab.first("ketamine"), vocab.first("esketamine"), *augmentation]
    products = [vocab.products[c.concept_id] for c in ingredients] + [(vocab.orphan,)]
    counts = np.array([len(p) for p in products])
    flat = [p for group in products for p in group]

    def weights(concepts: list[cx.Concept], table: dict[str, float]) -> np.ndarray:
        w = np.array([table.get(c.name.lower(), OTHER_WEIGHT) for c in concepts], dtype=float)
        return w / w.sum()

    return Catalogue(
        product_offset=np.cumsum(counts) - counts,
        product_count=counts,
        product_ids=np.array([p.concept_id for p in flat]),
        product_routes=np.array([p.route_concept_id for p in flat]),
        product_names=pl.Series([p.name for p in flat]),
        ketamine=len(standard),
        esketamine=len(standard) + 1,
        ketamine_orphan=len(ingredients),
        augmentation=np.arange(len(standard) + 2, len(ingredients)),
        standard_weights=weights(standard, AD_PRESCRIBING_WEIGHTS),
        augmentation_weights=weights(augmentation, AUGMENTATION_WEIGHTS),
    )


@dataclass
class People:
    """One chunk of persons: who they are, what they were given, how they respond."""

    person_id: np.ndarray
    index_class: np.ndarray
    severity: np.ndarray
    """Latent depression severity (standard normal): see SEVERITY_LOG_ODDS."""
    profile: np.ndarray
    index_day: np.ndarray
    age: np.ndarray
    female: np.ndarray
    panel: Panel
    latent: np.ndarray
    mdd: np.ndarray
    """0: diagnosed before index; 1: never; 2: only after index."""
    short_observation: np.ndarray
    current_ad: np.ndarray
    ads: np.ndarray
    """(n, 5) standard-AD ingredient per person: prior slots 0-2, current AD, new index AD."""
    exclusion: np.ndarray
    """0: none; 1: an exclusion record before index; 2: first recorded after index; 3: only the
    site's unmapped bipolar code, before index."""

    def __len__(self) -> int:
        return self.person_id.size

    def is_class(self, name: str) -> np.ndarray:
        return self.index_class == INDEX_CLASSES.index(name)


@dataclass
class Exposures:
    """Drug exposures collected process by process, one array per field and process."""

    person: list[np.ndarray] = field(default_factory=list)
    ingredient: list[np.ndarray] = field(default_factory=list)
    start: list[np.ndarray] = field(default_factory=list)
    days_supply: list[np.ndarray] = field(default_factory=list)
    quantity: list[np.ndarray] = field(default_factory=list)

    def add(
        self,
        person: np.ndarray,
        ingredient: np.ndarray | int,
        start: np.ndarray,
        days_supply: np.ndarray | int,
        quantity: np.ndarray | float,
    ) -> None:
        n = np.size(person)
        self.person.append(np.asarray(person))
        self.ingredient.append(np.broadcast_to(ingredient, n).astype(np.int64))
        self.start.append(np.asarray(start, dtype=np.int64))
        self.days_supply.append(np.broadcast_to(days_supply, n).astype(np.int64))
        self.quantity.append(np.broadcast_to(quantity, n).astype(np.float64))

    def array(self, name: str) -> np.ndarray:
        return np.concatenate(getattr(self, name))


@dataclass
class Procedures:
    """Procedure records (ECT sessions, psychotherapy), one array per field and process."""

    person: list[np.ndarray] = field(default_factory=list)
    concept: list[np.ndarray] = field(default_factory=list)
    day: list[np.ndarray] = field(default_factory=list)
    source: list[np.ndarray] = field(default_factory=list)

    def add(
        self, person: np.ndarray, concept: np.ndarray | int, day: np.ndarray, source: str
    ) -> None:
        n = np.size(person)
        self.person.append(np.asarray(person, dtype=np.int64))
        self.concept.append(np.broadcast_to(concept, n).astype(np.int64))
        self.day.append(np.asarray(day, dtype=np.int64))
        self.source.append(np.full(n, source))

    def array(self, name: str) -> np.ndarray:
        return np.concatenate(getattr(self, name))


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)


def _visit_ids(person_id: np.ndarray, days: np.ndarray) -> np.ndarray:
    """One visit per person and date, as in real exports where same-day records share a visit."""
    return person_id * 100_000 + np.asarray(days) % 100_000


TABLE_IDS = {
    "person": None,
    "observation_period": "observation_period_id",
    "condition_occurrence": "condition_occurrence_id",
    "drug_exposure": "drug_exposure_id",
    "measurement": "measurement_id",
    "observation": "observation_id",
    "procedure_occurrence": "procedure_occurrence_id",
}
DATE_COLUMNS = {
    "person": None,
    "observation_period": "observation_period_start_date",
    "condition_occurrence": "condition_start_date",
    "drug_exposure": "drug_exposure_start_date",
    "measurement": "measurement_date",
    "observation": "observation_date",
    "procedure_occurrence": "procedure_date",
}
