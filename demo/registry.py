"""REGISTRY-OMOP: a synthetic OMOP CDM v5.4 export of adults treated for depression (SPEC 3.2).

Each person gets an antidepressant history, then one *index treatment*: a ketamine infusion
series, an esketamine course, a new standard AD, an augmentation agent added to a current AD, or
a course of electroconvulsive therapy (ECT, in `procedure_occurrence`).
Histories are built from 30-day fills, with late refills that merge into one era (gap <= 30 days)
or split it (gap > 30), switches and cross-tapers, so that SPEC 5's era and TRD rules have real
work to do. About half the persons meet the TRD rule (>= 2 distinct standard ADs with adequate
>= 42-day eras in the 730 days before index); the others fail it for the reasons real data fail it:
one trial only, a trial too short, a trial too old, no prior AD, no MDD diagnosis (or one only
after index), an observation period that began < 365 days before index, or a bipolar,
schizophrenia or psychotic-disorder record on or before index (the TRD phenotype's exclusions;
some such records come only after index, which does not exclude). Drugs are clinical drugs that
roll up to their ingredients through the dataset's own concept_ancestor (`concepts.py`).

Outcomes are PHQ-9 totals in `observation` (as Synthea-based CDMs store them) and, for a subset,
MADRS totals in `measurement`, on the latent-improvement model of `outcomes.py`: a baseline in the
30 days before index and follow-ups near days 1, 7, 14, 28, 42, 56 and 84 with jitter and missed
visits. Ketamine and esketamine act within a day; standard ADs and augmentation over weeks.
Baseline CRP, IL-6, TNF-alpha, C3 and C4 are in `measurement` (CRP partly in mg/dL), and ketamine
response depends on inflammation as in the KETAMINE-MIDAZOLAM trial.

The registry is generated in chunks of persons with vectorised numpy and written chunk by chunk,
so memory stays bounded (~0.5 GB) and 1,000,000 persons take about half a minute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl

from demo import concepts as cx
from demo.concepts import Vocabulary
from demo.outcomes import Panel, calibrate, inflammation_panel, scores
from demo.writers import append_csv, write_dataset_yml, write_table

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
"""Data-entry zeros: a baseline of 0 is unusable (SPEC 5) and counted by a warn-level check."""
MADRS_SHARE = {
    "ketamine": 0.25,
    "esketamine": 0.25,
    "standard_ad": 0.10,
    "augmentation": 0.10,
    "ect": 0.30,
}
PHQ9_BASELINE = (18.0, 4.0, 10)  # mean, SD, minimum of TRD outpatients
MADRS_BASELINE = (31.0, 6.0, 16)

# Antidepressant histories: each profile is one way to meet or miss the TRD rule of SPEC 5.
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


# --- persons -------------------------------------------------------------------------------


def _people(rng: np.random.Generator, n: int, first_id: int, cat: Catalogue) -> People:
    # severity comes from a child stream (spawning draws nothing from `rng`), so every other
    # draw of the registry is the one it was before confounding was planted
    severity = rng.spawn(1)[0].standard_normal(n)
    index_class = _index_classes(rng, severity)
    panel = inflammation_panel(rng, n)
    age = np.clip(np.rint(rng.normal(47, 14, n)), 18, 85)
    very_old = rng.uniform(size=n) < AGE_ABOVE_90_SHARE
    age = np.where(very_old, rng.integers(91, 97, n), age).astype(np.int64)
    mdd = rng.choice(
        3, size=n, p=(1 - NO_MDD_SHARE - MDD_AFTER_INDEX_SHARE, NO_MDD_SHARE, MDD_AFTER_INDEX_SHARE)
    )
    current_share = np.array([CURRENT_AD_SHARE[c] for c in INDEX_CLASSES])[index_class]
    people = People(
        person_id=np.arange(first_id, first_id + n, dtype=np.int64),
        index_class=index_class,
        severity=severity,
        profile=rng.choice(len(PROFILES), size=n, p=PROFILE_SHARES),
        index_day=rng.integers(INDEX_FIRST, INDEX_LAST + 1, n),
        age=age,
        female=rng.uniform(size=n) < 0.65,
        panel=panel,
        latent=np.zeros(n),
        mdd=mdd,
        short_observation=rng.uniform(size=n) < SHORT_OBSERVATION_SHARE,
        current_ad=rng.uniform(size=n) < current_share,
        ads=_distinct_choices(rng, cat.standard_weights, n, 5),
        exclusion=rng.choice(
            4,
            size=n,
            p=(
                1 - EXCLUSION_BEFORE_SHARE - EXCLUSION_AFTER_SHARE - ORPHAN_EXCLUSION_SHARE,
                EXCLUSION_BEFORE_SHARE,
                EXCLUSION_AFTER_SHARE,
                ORPHAN_EXCLUSION_SHARE,
            ),
        ),
    )
    people.latent = _latent(rng, people)
    return people


def _index_classes(rng: np.random.Generator, severity: np.ndarray) -> np.ndarray:
    """Index treatment per person: the shares of INDEX_CLASS_SHARES tilted by severity (one
    uniform per person, read against the person's cumulative shares as `rng.choice` does)."""
    slope = np.array([SEVERITY_LOG_ODDS[c] for c in INDEX_CLASSES])
    odds = np.array(INDEX_CLASS_SHARES)[None, :] * np.exp(severity[:, None] * slope[None, :])
    cumulative = np.cumsum(odds / odds.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(severity.size)
    return np.minimum((cumulative <= u[:, None]).sum(axis=1), len(INDEX_CLASSES) - 1)


def _distinct_choices(rng: np.random.Generator, weights: np.ndarray, n: int, k: int) -> np.ndarray:
    """k distinct weighted picks per person (Gumbel top-k), so switches are real switches."""
    keys = np.log(weights)[None, :] + rng.gumbel(size=(n, weights.size))
    return np.argsort(-keys, axis=1, kind="stable")[:, :k]


def _latent(rng: np.random.Generator, people: People) -> np.ndarray:
    """Latent day-28 improvement per person (ketamine: by inflammation), lower for the more
    severe within each class (severity standardised within the class, so that the class's
    response rate stays on target)."""
    u = np.zeros(len(people))
    noise = rng.standard_normal(len(people))
    r = SEVERITY_RESPONSE_CORRELATION
    z = np.zeros(len(people))
    for name in INDEX_CLASSES:
        members = people.is_class(name)
        s = people.severity[members]
        spread = s.std() if s.size > 1 and s.std() > 0 else 1.0
        z[members] = -r * (s - s.mean()) / spread + np.sqrt(1 - r * r) * noise[members]
        groups = [(members, RESPONSE_D28[name])]
        if name == "ketamine":
            inflamed = people.panel.inflamed
            groups = [
                (members & inflamed, KETAMINE_RESPONSE_INFLAMED),
                (members & ~inflamed, RESPONSE_D28[name]),
            ]
        for mask, response in groups:
            latent = calibrate(response, PHQ9_BASELINE[0])
            u[mask] = latent.mu + latent.sigma * z[mask]
    return u


# --- drug histories -----------------------------------------------------------------------


def _late_refills(rng: np.random.Generator, n: int, splits: np.ndarray) -> np.ndarray:
    """Days a refill came after the previous supply ran out: mostly on time, some late enough
    to merge only through the 30-day persistence window, a few so late they split the era."""
    kind = rng.choice(3, size=n, p=(0.72, 0.22, 0.06))
    on_time = rng.integers(0, 6, n)
    late = np.where(kind == 1, rng.integers(6, 30, n), on_time)
    return np.where((kind == 2) & splits, rng.integers(31, 76, n), late)


def _fill_series(
    rng: np.random.Generator, n_fills: np.ndarray, splits: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Consecutive 30-day fills per course: (course of each fill, day offset, course length)."""
    course = np.repeat(np.arange(n_fills.size), n_fills)
    first = np.cumsum(n_fills) - n_fills
    k = np.arange(course.size) - first[course]
    size = n_fills[course]
    late = _late_refills(rng, course.size, splits & (k >= 2) & (k <= size - 2))
    late[k == 0] = 0
    running = np.cumsum(late)
    offset = FILL_DAYS * k + running - running[first[course]]
    length = np.zeros(n_fills.size, dtype=np.int64)
    last = k == size - 1
    length[course[last]] = offset[last] + FILL_DAYS
    return course, offset, length


def _slot_fills(rng: np.random.Generator, profile: np.ndarray) -> np.ndarray:
    """Fills of the (up to) three prior AD trials per person, most recent first."""
    n = profile.size
    adequate = rng.integers(2, 6, (n, 3))  # 60-150 days: adequate (>= 42 days)
    fills = np.zeros((n, 3), dtype=np.int64)
    p = {name: profile == i for i, name in enumerate(PROFILES)}
    two = p["trd_two"] | p["too_old"] | p["too_short"]
    fills[two, :2] = adequate[two, :2]
    fills[p["trd_three"]] = np.minimum(adequate[p["trd_three"]], 3)
    fills[p["one_trial"], 0] = adequate[p["one_trial"], 0]
    short_slot = rng.integers(0, 2, n)
    rows = np.flatnonzero(p["too_short"])
    fills[rows, short_slot[rows]] = 1  # one 30-day fill: not an adequate trial
    return fills


def _histories(rng: np.random.Generator, people: People, exposures: Exposures) -> np.ndarray:
    """Prior AD trials and the current AD; returns each person's first AD day."""
    n = len(people)
    index = people.index_day
    current_start = index - rng.integers(56, 151, n)
    anchor = np.where(people.current_ad, current_start, index)
    overlap = people.current_ad & (rng.uniform(size=n) < 0.2)  # cross-taper into the current AD
    end = anchor - np.where(overlap, -rng.integers(0, 15, n), rng.integers(1, 31, n))
    first_day = np.where(people.current_ad, current_start, index)
    fills = _slot_fills(rng, people.profile)
    too_old = people.profile == PROFILES.index("too_old")
    for slot in range(3):
        course, offset, length = _fill_series(rng, fills[:, slot], splits=True)
        start = end - length + 1
        if slot == 1:
            old_start = index - 730 - rng.integers(30, 400, n)
            start = np.where(too_old, np.minimum(start, old_start), start)
        has = fills[:, slot] > 0
        first_day = np.where(has, np.minimum(first_day, start), first_day)
        exposures.add(course, people.ads[course, slot], start[course] + offset, FILL_DAYS, 30.0)
        end = np.where(has, start - rng.integers(1, 46, n), end)
    _current_ad(rng, people, current_start, exposures)
    return first_day


def _current_ad(
    rng: np.random.Generator, people: People, start: np.ndarray, exposures: Exposures
) -> None:
    """The AD a person is on at index (continued 2-5 months past it)."""
    who = np.flatnonzero(people.current_ad)
    until = people.index_day[who] + rng.integers(60, 151, who.size)
    n_fills = np.ceil((until - start[who]) / FILL_DAYS).astype(np.int64)
    course, offset, _ = _fill_series(rng, n_fills, splits=False)
    exposures.add(
        who[course], people.ads[who[course], 3], start[who][course] + offset, FILL_DAYS, 30.0
    )


def _index_treatments(
    rng: np.random.Generator,
    people: People,
    cat: Catalogue,
    exposures: Exposures,
    procedures: Procedures,
    ect_concept: int,
) -> None:
    _ect_course(rng, people, procedures, ect_concept)
    _ketamine_series(rng, people, cat, exposures)
    _esketamine_course(rng, people, cat, exposures)
    _oral_start(rng, people, "standard_ad", people.ads[:, 4], exposures)
    augment = cat.augmentation[
        rng.choice(cat.augmentation.size, size=len(people), p=cat.augmentation_weights)
    ]
    _oral_start(rng, people, "augmentation", augment, exposures)


def _ect_course(
    rng: np.random.Generator, people: People, procedures: Procedures, ect_concept: int
) -> None:
    """An acute ECT course three times a week (15% stop after 6-9 sessions), continuation
    sessions for some, an earlier course within the washout for a few; 30% of sessions coded
    with the site's own ECT code."""
    who = np.flatnonzero(people.is_class("ect"))
    sessions = np.array(ECT_SESSIONS)
    n_given = np.where(
        rng.uniform(size=who.size) < 0.15, rng.integers(6, 10, who.size), sessions.size
    )
    given = np.arange(sessions.size)[None, :] < n_given[:, None]
    person = [np.broadcast_to(who[:, None], given.shape)[given]]
    day = [(people.index_day[who][:, None] + sessions[None, :])[given]]
    more = rng.uniform(size=who.size) < ECT_CONTINUATION_SHARE
    last = people.index_day[who] + sessions[n_given - 1]
    person.append(np.repeat(who[more], 2))
    day.append(np.repeat(last[more], 2) + np.tile([28, 56], int(more.sum())))
    prior = rng.uniform(size=who.size) < PRIOR_ECT_SHARE
    prior_start = people.index_day[who[prior]] - rng.integers(120, 331, int(prior.sum()))
    person.append(np.repeat(who[prior], 6))
    day.append(np.repeat(prior_start, 6) + np.tile(sessions[:6], int(prior.sum())))
    persons, days = np.concatenate(person), np.concatenate(day)
    local = rng.uniform(size=persons.size) < ECT_LOCAL_CODE_SHARE
    procedures.add(persons, np.where(local, cx.ECT_BILATERAL, ect_concept), days, CPT_ECT)


def _psychotherapy(rng: np.random.Generator, people: People, procedures: Procedures) -> None:
    """Weekly psychotherapy (4-10 sessions) for some persons before index: not ECT."""
    who = np.flatnonzero(rng.uniform(size=len(people)) < PSYCHOTHERAPY_SHARE)
    k = rng.integers(4, 11, who.size)
    person = np.repeat(who, k)
    first = np.repeat(people.index_day[who] - rng.integers(80, 400, who.size), k)
    week = np.arange(person.size) - np.repeat(np.cumsum(k) - k, k)
    procedures.add(person, cx.PSYCHOTHERAPY, first + 7 * week, CPT_PSYCHOTHERAPY)


def _procedure_occurrence(people: People, procedures: Procedures) -> pl.DataFrame:
    person = procedures.array("person")
    day = procedures.array("day")
    n = person.size
    return pl.DataFrame(
        {
            "person_id": people.person_id[person],
            "procedure_concept_id": procedures.array("concept"),
            "procedure_date": _dates(day),
            "procedure_type_concept_id": np.full(n, cx.TYPE_EHR),
            "modifier_concept_id": np.zeros(n, dtype=np.int64),
            "quantity": np.ones(n, dtype=np.int64),
            "visit_occurrence_id": _visit_ids(people.person_id[person], day),
            "procedure_source_value": procedures.array("source"),
            "procedure_source_concept_id": np.zeros(n, dtype=np.int64),
        }
    )


def _ketamine_series(
    rng: np.random.Generator, people: People, cat: Catalogue, exposures: Exposures
) -> None:
    """Six IV infusions 2-4 days apart (~2-3 weeks); some stop after 3-5."""
    who = np.flatnonzero(people.is_class("ketamine"))
    unmapped = rng.uniform(size=who.size) < ORPHAN_KETAMINE_SHARE
    offsets = np.concatenate(
        [
            np.zeros((who.size, 1), dtype=np.int64),
            np.cumsum(rng.integers(2, 5, (who.size, 5)), axis=1),
        ],
        axis=1,
    )
    n_given = np.where(rng.uniform(size=who.size) < 0.10, rng.integers(3, 6, who.size), 6)
    given = np.arange(6)[None, :] < n_given[:, None]
    person = np.broadcast_to(who[:, None], offsets.shape)[given]
    start = (people.index_day[who][:, None] + offsets)[given]
    product = np.where(unmapped, cat.ketamine_orphan, cat.ketamine)
    exposures.add(person, np.broadcast_to(product[:, None], offsets.shape)[given], start, 1, 1.0)


def _esketamine_course(
    rng: np.random.Generator, people: People, cat: Catalogue, exposures: Exposures
) -> None:
    """Nasal esketamine sessions (56 or 84 mg: 2 or 3 devices); a quarter stop early."""
    who = np.flatnonzero(people.is_class("esketamine"))
    sessions = np.array(ESKETAMINE_SESSIONS)
    stop = rng.uniform(size=who.size)
    n_given = np.where(
        stop < 0.15, 8, np.where(stop < 0.25, rng.integers(4, 8, who.size), sessions.size)
    )
    given = np.arange(sessions.size)[None, :] < n_given[:, None]
    person = np.broadcast_to(who[:, None], given.shape)[given]
    start = (people.index_day[who][:, None] + sessions[None, :])[given]
    devices = rng.choice([2.0, 3.0], size=who.size, p=(0.4, 0.6))
    exposures.add(
        person, cat.esketamine, start, 1, np.broadcast_to(devices[:, None], given.shape)[given]
    )


def _oral_start(
    rng: np.random.Generator,
    people: People,
    name: str,
    ingredient: np.ndarray,
    exposures: Exposures,
) -> None:
    """A new oral drug from index: 30-day fills, some stopped after the first."""
    who = np.flatnonzero(people.is_class(name))
    n_fills = np.where(rng.uniform(size=who.size) < 0.15, 1, rng.integers(2, 7, who.size))
    course, offset, _ = _fill_series(rng, n_fills, splits=False)
    exposures.add(
        who[course],
        ingredient[who][course],
        people.index_day[who][course] + offset,
        FILL_DAYS,
        30.0,
    )


def _drug_exposure(
    rng: np.random.Generator, people: People, cat: Catalogue, exposures: Exposures
) -> pl.DataFrame:
    person = exposures.array("person")
    ingredient = exposures.array("ingredient")
    product = cat.product_offset[ingredient] + (
        rng.uniform(size=person.size) * cat.product_count[ingredient]
    ).astype(np.int64)
    start = exposures.array("start")
    supply = exposures.array("days_supply")
    no_end = pl.Series(rng.uniform(size=person.size) < NULL_END_DATE_SHARE)
    oral = supply > 1
    frame = pl.DataFrame(
        {
            "person_id": people.person_id[person],
            "drug_concept_id": cat.product_ids[product],
            "drug_exposure_start_date": _dates(start),
            "drug_exposure_end_date": _dates(start + supply - 1),
            "drug_type_concept_id": np.full(person.size, cx.TYPE_EHR_PRESCRIPTION),
            "refills": pl.Series(np.where(oral, rng.integers(0, 6, person.size), 0)),
            "quantity": exposures.array("quantity"),
            "days_supply": supply,
            "route_concept_id": cat.product_routes[product],
            "visit_occurrence_id": _visit_ids(people.person_id[person], start),
            "drug_source_value": cat.product_names.gather(product),
            "drug_source_concept_id": np.zeros(person.size, dtype=np.int64),
        }
    )
    return frame.with_columns(
        drug_exposure_end_date=pl.when(no_end).then(None).otherwise("drug_exposure_end_date")
    )


# --- diagnoses and observation periods -------------------------------------------------------


def _observation_periods(
    rng: np.random.Generator, people: People, first_day: np.ndarray
) -> tuple[pl.DataFrame, tuple[np.ndarray, np.ndarray]]:
    """Enrolment spans: most begin years before the first AD, a few < 365 days before index."""
    n = len(people)
    earliest = np.minimum(first_day, people.index_day - 400)
    start = earliest - rng.integers(180, 2500, n)
    start = np.where(people.short_observation, people.index_day - rng.integers(200, 341, n), start)
    end = np.minimum(people.index_day + rng.integers(150, 2500, n), DATA_CUTOFF)
    earlier = rng.uniform(size=n) < 0.08  # an earlier, separate enrolment
    e_end = start - rng.integers(60, 300, n)
    e_start = e_end - rng.integers(300, 1500, n)
    person = np.concatenate([people.person_id[earlier], people.person_id])
    frame = pl.DataFrame(
        {
            "person_id": person,
            "observation_period_start_date": _dates(np.concatenate([e_start[earlier], start])),
            "observation_period_end_date": _dates(np.concatenate([e_end[earlier], end])),
            "period_type_concept_id": np.full(person.size, cx.TYPE_EHR),
        }
    )
    return frame, (start, end)


def _conditions(
    rng: np.random.Generator,
    people: People,
    vocab: Vocabulary,
    first_day: np.ndarray,
    observed: tuple[np.ndarray, np.ndarray],
) -> pl.DataFrame:
    """MDD diagnoses (first one before the first AD; repeated at later visits) and comorbidities."""
    n = len(people)
    mdd_ids = [c.concept_id for c in vocab.sets["mdd"]]
    person, day, concept, source = [], [], [], []
    diagnosed = np.flatnonzero(people.mdd == 0)
    first_dx = first_day[diagnosed] - rng.integers(0, 181, diagnosed.size)
    repeats = rng.integers(0, 4, diagnosed.size)
    rep_person = np.repeat(diagnosed, repeats)
    span = (people.index_day[rep_person] + 90) - np.repeat(first_dx, repeats)
    rep_day = np.repeat(first_dx, repeats) + (rng.uniform(size=rep_person.size) * span).astype(
        np.int64
    )
    late = np.flatnonzero(people.mdd == 2)
    late_day = people.index_day[late] + rng.integers(5, 121, late.size)
    for p, d in ((diagnosed, first_dx), (rep_person, rep_day), (late, late_day)):
        person.append(p)
        day.append(d)
        subtype = rng.uniform(size=p.size) < 0.10 if len(mdd_ids) > 1 else np.zeros(p.size, bool)
        concept.append(np.where(subtype, mdd_ids[-1], mdd_ids[0]))
        source.append(np.array(MDD_ICD10)[rng.integers(0, len(MDD_ICD10), p.size)])
    recurrent_ids = [c.concept_id for c in vocab.sets.get("mdd_recurrent", ())]
    if recurrent_ids:  # from a child stream, like severity: the other records stay as they were
        extra = rng.spawn(1)[0]
        chosen = extra.uniform(size=diagnosed.size) < RECURRENT_MDD_SHARE
        p, first = diagnosed[chosen], first_dx[chosen]
        span = people.index_day[p] - first + 1
        person.append(p)
        day.append(first + (extra.uniform(size=p.size) * span).astype(np.int64))
        concept.append(np.full(p.size, recurrent_ids[0]))
        source.append(np.full(p.size, "F33.9"))
    for concept_id, code, share in (
        (cx.HYPERTENSION, "I10", 0.30),
        (cx.TYPE2_DIABETES, "E11.9", 0.12),
    ):
        p = np.flatnonzero(rng.uniform(size=n) < share)
        person.append(p)
        obs_start, obs_end = observed
        span = obs_end[p] - obs_start[p]
        day.append(obs_start[p] + (rng.uniform(size=p.size) * span).astype(np.int64))
        concept.append(np.full(p.size, concept_id))
        source.append(np.full(p.size, code))
    obs_start, obs_end = observed
    exclusion_ids = np.array([c.concept_id for c in vocab.sets["trd_exclusion"]])
    mix = np.array(EXCLUSION_MIX) if exclusion_ids.size == len(EXCLUSION_MIX) else None
    for kind in (1, 2, 3):  # before index, first after index, unmapped code before index
        p = np.flatnonzero(people.exclusion == kind)
        if kind == 2:
            d = np.minimum(people.index_day[p] + rng.integers(5, 400, p.size), obs_end[p])
        else:
            d = np.maximum(people.index_day[p] - rng.integers(0, 1500, p.size), obs_start[p])
        which = rng.choice(exclusion_ids.size, size=p.size, p=mix)
        person.append(p)
        day.append(d)
        concept.append(
            np.full(p.size, cx.BIPOLAR_IN_REMISSION) if kind == 3 else exclusion_ids[which]
        )
        source.append(np.array(EXCLUSION_ICD10)[which] if kind != 3 else np.full(p.size, "F31.7"))
    outside = np.flatnonzero(rng.uniform(size=n) < OUTSIDE_OBSERVATION_SHARE)
    person.append(outside)
    day.append(observed[1][outside] + rng.integers(10, 300, outside.size))
    concept.append(np.full(outside.size, cx.HYPERTENSION))
    source.append(np.full(outside.size, "I10"))
    rows = np.concatenate(person)
    days = np.concatenate(day)
    return pl.DataFrame(
        {
            "person_id": people.person_id[rows],
            "condition_concept_id": np.concatenate(concept),
            "condition_start_date": _dates(days),
            "condition_type_concept_id": np.full(rows.size, cx.TYPE_EHR),
            "condition_status_concept_id": np.zeros(rows.size, dtype=np.int64),
            "visit_occurrence_id": _visit_ids(people.person_id[rows], days),
            "condition_source_value": np.concatenate(source),
            "condition_source_concept_id": np.zeros(rows.size, dtype=np.int64),
        }
    )


# --- scores and biomarkers ----------------------------------------------------------------


@dataclass(frozen=True)
class Visits:
    """Scheduled score records: person row, day relative to index, follow-up slot (-1 baseline,
    -2 an older score, 0.. index into FOLLOW_UP_DAYS)."""

    person: np.ndarray
    day: np.ndarray
    slot: np.ndarray


def _score_visits(rng: np.random.Generator, people: People) -> Visits:
    n = len(people)
    person, day, slot = [], [], []

    def add(mask: np.ndarray, offset: np.ndarray, code: int) -> None:
        who = np.flatnonzero(mask)
        person.append(who)
        day.append(offset[who])
        slot.append(np.full(who.size, code))

    add(rng.uniform(size=n) < EARLIER_SCORE_SHARE, -rng.integers(40, 121, n), -2)
    add(rng.uniform(size=n) < BASELINE_PRESENT, -rng.integers(0, 22, n), -1)
    present = np.array([VISIT_PRESENT[c] for c in INDEX_CLASSES])[people.index_class]
    lost = rng.uniform(size=n) < LOST_AFTER_D28
    for k, (target, jitter) in enumerate(zip(FOLLOW_UP_DAYS, FOLLOW_UP_JITTER, strict=True)):
        here = rng.uniform(size=n) < present[:, k]
        if target > 28:
            here &= ~lost
        add(here, target + rng.integers(-jitter, jitter + 1, n), k)
    return Visits(np.concatenate(person), np.concatenate(day), np.concatenate(slot))


def _score_values(
    rng: np.random.Generator, people: People, visits: Visits, baseline: np.ndarray, score_max: int
) -> np.ndarray:
    """Scores on the latent model: baseline, an older score near it, follow-ups improving."""
    shapes = np.array([SHAPES[c] for c in INDEX_CLASSES])
    p = visits.person
    shape = shapes[people.index_class[p], np.maximum(visits.slot, 0)]
    follow = scores(baseline[p], shape * people.latent[p], rng, score_max)
    older = np.clip(baseline[p] + rng.integers(-3, 3, p.size), 0, score_max)
    return np.select([visits.slot == -1, visits.slot == -2], [baseline[p], older], follow)


def _baseline_scores(
    rng: np.random.Generator,
    severity: np.ndarray,
    correlation: float,
    params: tuple[float, float, int],
    score_max: int,
) -> np.ndarray:
    """Baseline scores measuring severity (with `correlation`; 1 is the severity itself)."""
    mean, sd, low = params
    z = correlation * severity + np.sqrt(1 - correlation**2) * rng.standard_normal(severity.size)
    return np.clip(np.rint(mean + sd * z), low, score_max).astype(np.int64)


def _observation(
    rng: np.random.Generator, people: People, vocab: Vocabulary
) -> tuple[pl.DataFrame, Visits]:
    """PHQ-9 totals, stored in `observation` as Synthea-based CDMs do."""
    visits = _score_visits(rng, people)
    baseline = _baseline_scores(rng, people.severity, 1.0, PHQ9_BASELINE, 27)
    baseline = np.where(rng.uniform(size=len(people)) < ZERO_BASELINE_SHARE, 0, baseline)
    values = _score_values(rng, people, visits, baseline, 27)
    phq9 = vocab.first("phq9_total")
    days = people.index_day[visits.person] + visits.day
    frame = pl.DataFrame(
        {
            "person_id": people.person_id[visits.person],
            "observation_concept_id": np.full(visits.person.size, phq9.concept_id),
            "observation_date": _dates(days),
            "observation_type_concept_id": np.full(visits.person.size, cx.TYPE_EHR),
            "value_as_number": values.astype(np.float64),
            "value_as_string": pl.Series([None] * visits.person.size, dtype=pl.String),
            "unit_concept_id": np.zeros(visits.person.size, dtype=np.int64),
            "visit_occurrence_id": _visit_ids(people.person_id[visits.person], days),
            "observation_source_value": np.full(visits.person.size, phq9.code or "PHQ-9"),
            "unit_source_value": np.full(visits.person.size, "{score}"),
        }
    )
    return frame, visits


def _measurement(
    rng: np.random.Generator, people: People, vocab: Vocabulary, visits: Visits
) -> pl.DataFrame:
    """MADRS totals for a subset (specialist clinics) and the baseline biomarker panel."""
    return pl.concat([_madrs(rng, people, vocab, visits), _biomarkers(rng, people, vocab)])


def _measurement_frame(
    person: np.ndarray, day: np.ndarray, concept_id, value, unit_id, source, unit_source
) -> pl.DataFrame:
    n = person.size
    return pl.DataFrame(
        {
            "person_id": person,
            "measurement_concept_id": np.broadcast_to(concept_id, n).astype(np.int64),
            "measurement_date": _dates(day),
            "measurement_type_concept_id": np.full(n, cx.TYPE_EHR),
            "value_as_number": np.asarray(value, dtype=np.float64),
            "unit_concept_id": np.broadcast_to(unit_id, n).astype(np.int64),
            "visit_occurrence_id": _visit_ids(person, day),
            "measurement_source_value": np.broadcast_to(np.asarray(source, dtype=object), n).astype(
                str
            ),
            "unit_source_value": np.broadcast_to(np.asarray(unit_source, dtype=object), n).astype(
                str
            ),
        }
    )


def _madrs(
    rng: np.random.Generator, people: People, vocab: Vocabulary, visits: Visits
) -> pl.DataFrame:
    share = np.array([MADRS_SHARE[c] for c in INDEX_CLASSES])[people.index_class]
    rated = rng.uniform(size=len(people)) < share
    keep = rated[visits.person] & (visits.slot != -2)
    sub = Visits(visits.person[keep], visits.day[keep], visits.slot[keep])
    baseline = _baseline_scores(
        rng, people.severity, MADRS_SEVERITY_CORRELATION, MADRS_BASELINE, 60
    )
    values = _score_values(rng, people, sub, baseline, 60)
    madrs = vocab.first("madrs_total")
    days = people.index_day[sub.person] + sub.day
    return _measurement_frame(
        people.person_id[sub.person],
        days,
        madrs.concept_id,
        values,
        0,
        madrs.code or "MADRS",
        "{score}",
    )


def _biomarkers(rng: np.random.Generator, people: People, vocab: Vocabulary) -> pl.DataFrame:
    """Baseline panel for 70%: CRP (12% reported in mg/dL, 15% as hs-CRP), IL-6, TNF-a, C3, C4."""
    n = len(people)
    drawn = rng.uniform(size=n) < 0.70
    day = people.index_day - rng.integers(0, 15, n)
    frames = []
    crp_sets = vocab.sets["crp"]
    who = np.flatnonzero(drawn)
    hs = (rng.uniform(size=who.size) < 0.15) & (len(crp_sets) > 1)
    mg_dl = rng.uniform(size=who.size) < 0.12
    crp = people.panel.crp[who]
    frames.append(
        _measurement_frame(
            people.person_id[who],
            day[who],
            np.where(hs, crp_sets[-1].concept_id, crp_sets[0].concept_id),
            np.where(mg_dl, np.round(crp / 10, 2), crp),
            np.where(mg_dl, cx.UNIT_MG_DL, cx.UNIT_MG_L),
            np.where(hs, crp_sets[-1].code, crp_sets[0].code),
            np.where(mg_dl, "mg/dL", "mg/L"),
        )
    )
    for name, attribute, share, unit_id, unit in (
        ("il6", "il6", 0.80, cx.UNIT_PG_ML, "pg/mL"),
        ("tnfa", "tnfa", 0.60, cx.UNIT_PG_ML, "pg/mL"),
        ("complement_c3", "c3", 0.50, cx.UNIT_G_L, "g/L"),
        ("complement_c4", "c4", 0.50, cx.UNIT_G_L, "g/L"),
    ):
        who = np.flatnonzero(drawn & (rng.uniform(size=n) < share))
        concept = vocab.first(name)
        value = getattr(people.panel, attribute)[who]
        frames.append(
            _measurement_frame(
                people.person_id[who],
                day[who],
                concept.concept_id,
                value,
                unit_id,
                concept.code,
                unit,
            )
        )
    return pl.concat(frames)


def _person(rng: np.random.Generator, people: People) -> pl.DataFrame:
    n = len(people)
    index_year = (
        people.index_day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    )
    race = rng.choice(4, size=n, p=(0.75, 0.13, 0.06, 0.06))
    race_names = np.array(["white", "black", "asian", "unknown"])
    hispanic = rng.uniform(size=n) < 0.10
    source = rng.integers(0, 2**63 - 1, n, dtype=np.int64)
    return pl.DataFrame(
        {
            "person_id": people.person_id,
            "gender_concept_id": np.where(people.female, cx.GENDER_FEMALE, cx.GENDER_MALE),
            "year_of_birth": index_year - people.age - rng.integers(0, 2, n),
            "month_of_birth": rng.integers(1, 13, n),
            "day_of_birth": rng.integers(1, 29, n),
            "race_concept_id": np.array([cx.RACE[r] for r in race_names])[race],
            "ethnicity_concept_id": np.where(
                hispanic, cx.ETHNICITY_HISPANIC, cx.ETHNICITY_NOT_HISPANIC
            ),
            "person_source_value": np.char.mod("%016x", source),
            "gender_source_value": np.where(people.female, "F", "M"),
            "race_source_value": race_names[race],
            "ethnicity_source_value": np.where(hispanic, "hispanic", "nonhispanic"),
        }
    )


# --- assembly ------------------------------------------------------------------------------


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


def chunk_tables(
    rng: np.random.Generator, n: int, first_id: int, vocab: Vocabulary, cat: Catalogue
) -> dict[str, pl.DataFrame]:
    """All OMOP tables for persons first_id .. first_id + n - 1 (without record ids)."""
    people = _people(rng, n, first_id, cat)
    exposures = Exposures()
    procedures = Procedures()
    first_day = _histories(rng, people, exposures)
    _index_treatments(rng, people, cat, exposures, procedures, vocab.first("ect").concept_id)
    _psychotherapy(rng, people, procedures)
    periods, observed = _observation_periods(rng, people, first_day)
    observation, visits = _observation(rng, people, vocab)
    return {
        "person": _person(rng, people),
        "observation_period": periods,
        "condition_occurrence": _conditions(rng, people, vocab, first_day, observed),
        "drug_exposure": _drug_exposure(rng, people, cat, exposures),
        "measurement": _measurement(rng, people, vocab, visits),
        "observation": observation,
        "procedure_occurrence": _procedure_occurrence(people, procedures),
    }


def write_registry(
    folder: Path,
    persons: int,
    seed: int,
    vocab: Vocabulary,
    progress: Callable[[str], None] = print,
) -> None:
    """Generate the registry chunk by chunk into CSV files, plus vocabulary and dataset.yml."""
    cat = catalogue(vocab)
    next_id = dict.fromkeys(TABLE_IDS, 1)
    handles: dict[str, BinaryIO] = {t: (folder / f"{t}.csv").open("wb") for t in TABLE_IDS}
    try:
        for chunk, first in enumerate(range(0, persons, CHUNK_PERSONS)):
            n = min(CHUNK_PERSONS, persons - first)
            rng = np.random.default_rng([seed, 100, chunk])
            for table, frame in chunk_tables(rng, n, first + 1, vocab, cat).items():
                frame = _with_ids(frame, table, next_id)
                append_csv(frame, handles[table], header=chunk == 0)
            progress(f"  {DATASET_ID}: {first + n:,}/{persons:,} persons")
    finally:
        for handle in handles.values():
            handle.close()
    write_table(cx.concept_table(vocab), folder, "concept", "csv")
    write_table(cx.concept_ancestor_table(vocab), folder, "concept_ancestor", "csv")
    write_table(_cdm_source(), folder, "cdm_source", "csv")
    write_dataset_yml(
        folder,
        {
            "dataset_id": DATASET_ID,
            "source": "registry",
            "title": "Synthetic OMOP CDM v5.4 registry of adults treated for depression",
            "primary_analysis": "oc",
        },
        f"Demo dataset generated by `trd demo` (seed {seed}, {persons} persons); synthetic.\n"
        "Observed cases are primary: in routine care a missed visit is not a non-response.",
    )


def _with_ids(frame: pl.DataFrame, table: str, next_id: dict[str, int]) -> pl.DataFrame:
    """Sort by person and date, then number the rows (ids ascend through the file)."""
    date = DATE_COLUMNS[table]
    frame = frame.sort(["person_id", date] if date else ["person_id"], maintain_order=True)
    id_column = TABLE_IDS[table]
    if id_column is None:
        return frame
    ids = pl.int_range(next_id[table], next_id[table] + frame.height, dtype=pl.Int64, eager=True)
    next_id[table] += frame.height
    return frame.select(ids.alias(id_column), pl.all())


def _cdm_source() -> pl.DataFrame:
    """A table outside the contract, as every export has; ingest ignores it with a notice."""
    return pl.DataFrame(
        {
            "cdm_source_name": ["TRD demo registry (synthetic)"],
            "cdm_source_abbreviation": [DATASET_ID],
            "cdm_holder": ["TRD Outcomes Warehouse demo"],
            "source_description": ["Generated by trd demo; no real patient."],
            "source_release_date": ["2025-01-31"],
            "cdm_release_date": ["2025-01-31"],
            "cdm_version": ["v5.4"],
            "vocabulary_version": ["concept_sets seed + public clinical drugs + TRD Demo local"],
        }
    )
