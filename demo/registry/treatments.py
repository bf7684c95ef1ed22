"""Persons, their latent severity and improvement, and their treatments: antidepressant
histories of 30-day fills (the eras and TRD rules of docs/derivations.md#registry-cohort have
real work to do), the index treatment, and the procedures (ECT courses, psychotherapy)."""

from __future__ import annotations

import numpy as np
import polars as pl

from demo import concepts as cx
from demo.outcomes import calibrate, inflammation_panel
from demo.registry.design import (
    AGE_ABOVE_90_SHARE,
    CPT_ECT,
    CPT_PSYCHOTHERAPY,
    CURRENT_AD_SHARE,
    ECT_CONTINUATION_SHARE,
    ECT_LOCAL_CODE_SHARE,
    ECT_SESSIONS,
    ESKETAMINE_SESSIONS,
    EXCLUSION_AFTER_SHARE,
    EXCLUSION_BEFORE_SHARE,
    FILL_DAYS,
    INDEX_CLASS_SHARES,
    INDEX_CLASSES,
    INDEX_FIRST,
    INDEX_LAST,
    KETAMINE_RESPONSE_INFLAMED,
    MDD_AFTER_INDEX_SHARE,
    NO_MDD_SHARE,
    NULL_END_DATE_SHARE,
    ORPHAN_EXCLUSION_SHARE,
    ORPHAN_KETAMINE_SHARE,
    PHQ9_BASELINE,
    PRIOR_ECT_SHARE,
    PROFILE_SHARES,
    PROFILES,
    PSYCHOTHERAPY_SHARE,
    RESPONSE_D28,
    SEVERITY_LOG_ODDS,
    SEVERITY_RESPONSE_CORRELATION,
    SHORT_OBSERVATION_SHARE,
    Catalogue,
    Exposures,
    People,
    Procedures,
    _dates,
    _visit_ids,
)

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
