"""The clinical records of each person: diagnoses (MDD, recurrent MDD, the TRD exclusions),
observation periods, PHQ-9 and MADRS totals on the outcome model, and baseline biomarkers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from demo import concepts as cx
from demo.concepts import Vocabulary
from demo.outcomes import scores
from demo.registry.design import (
    BASELINE_PRESENT,
    DATA_CUTOFF,
    EARLIER_SCORE_SHARE,
    EXCLUSION_ICD10,
    EXCLUSION_MIX,
    FOLLOW_UP_DAYS,
    FOLLOW_UP_JITTER,
    INDEX_CLASSES,
    LOST_AFTER_D28,
    MADRS_BASELINE,
    MADRS_SEVERITY_CORRELATION,
    MADRS_SHARE,
    MDD_ICD10,
    OUTSIDE_OBSERVATION_SHARE,
    PHQ9_BASELINE,
    RECURRENT_MDD_SHARE,
    SHAPES,
    VISIT_PRESENT,
    ZERO_BASELINE_SHARE,
    People,
    _dates,
    _visit_ids,
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
