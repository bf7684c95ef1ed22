"""Simulate a randomised trial and lay it out as CDISC ADaM ADSL, ADQS and ADLB
(docs/dataset-contract.md#trial-files-cdisc-adam).

`simulate_trial` takes a `TrialDesign` (arms, visits, published rates; see `trials.py`) and does
what a sponsor's ADaM programmers would hand over: one ADSL row per randomised subject, ADQS
records per subject and visit with the sponsor's own BASE/CHG/PCHG, and immune biomarkers in
ADLB. The untidy parts of real ADaM deliveries are switchable per trial, because the pipeline
must handle each of them: screening records, missing ABLFL, dropouts shown as absent rows, as
null AVAL rows or as sponsor LOCF rows (DTYPE = 'LOCF'), retests with ANL01FL marking the record
to analyse, item-level parameters, and one site reporting CRP in mg/dL instead of mg/L.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from demo.outcomes import (
    Panel,
    calibrate,
    inflammation_panel,
    scores,
    stratified_normal,
)

MissingRows = Literal["absent", "null", "locf"]
RACES = (
    "WHITE",
    "BLACK OR AFRICAN AMERICAN",
    "ASIAN",
    "AMERICAN INDIAN OR ALASKA NATIVE",
    "MULTIPLE",
    "NOT REPORTED",
)
MADRS_ITEMS = (
    "Apparent Sadness",
    "Reported Sadness",
    "Inner Tension",
    "Reduced Sleep",
    "Reduced Appetite",
    "Concentration Difficulties",
    "Lassitude",
    "Inability to Feel",
    "Pessimistic Thoughts",
    "Suicidal Thoughts",
)
LAB_PARAMS = (
    # PARAMCD, PARAM, unit, Panel attribute
    ("CRP", "C-Reactive Protein", "mg/L", "crp"),
    ("IL6", "Interleukin 6", "pg/mL", "il6"),
    ("TNFA", "Tumor Necrosis Factor Alpha", "pg/mL", "tnfa"),
    ("C3", "Complement C3", "g/L", "c3"),
    ("C4", "Complement C4", "g/L", "c4"),
)


@dataclass(frozen=True)
class Visit:
    avisit: str
    ady: int


@dataclass(frozen=True)
class Arm:
    label: str
    """TRT01P/TRT01A text, mapped by the dataset's `arms`."""
    treatment_class: str
    treatment: str
    n_randomised: int
    n_not_treated: int
    """Randomised but never dosed: SAFFL = 'N', TRT01A blank."""
    response: float
    """Response rate at the key visit among assessed subjects (the non-inflamed ones when
    `response_inflamed` is set)."""
    shape: tuple[float, ...]
    """Improvement at each post-baseline visit as a fraction of the key visit's."""
    dropout: float
    """Share of treated subjects who stop before the key visit."""
    remission: float | None = None
    response_inflamed: float | None = None
    """Inflammation-by-treatment interaction: response rate of inflamed subjects."""


@dataclass(frozen=True)
class TrialDesign:
    study_id: str
    paramcd: str
    param: str
    score_max: int
    remission_threshold: int
    baseline_mean: float
    baseline_sd: float
    baseline_min: int
    baseline: Visit
    visits: tuple[Visit, ...]
    key_visit: str
    arms: tuple[Arm, ...]
    sites: tuple[tuple[str, str], ...]
    """(SITEID, COUNTRY)."""
    race_weights: tuple[float, ...]
    """Weights of `RACES`."""
    age_mean: float
    age_sd: float
    age_min: int
    age_max: int
    female_share: float
    first_dose_from: dt.date
    enrolment_days: int
    screening: Visit | None = None
    ablfl: bool = True
    anl01fl: bool = True
    items: bool = False
    missing_rows: MissingRows = "absent"
    missed_share: float = 0.0
    """Intermittent missed assessments (null AVAL rows) among completers' post-baseline visits."""
    retest_share: float = 0.0
    lab_visits: tuple[Visit, ...] = ()
    """Biomarker visits; the first is the baseline draw."""
    crp_mg_dl_site: str | None = None
    nprfail: bool = False
    """ADSL NPRFAIL (mostly >= 2, a few 1) and TRDFL derived from it."""
    trdfl_all: bool = False
    """ADSL TRDFL = 'Y' for everyone (the trial enrolled TRD only)."""

    @property
    def n_randomised(self) -> int:
        return sum(a.n_randomised for a in self.arms)

    @property
    def key_index(self) -> int:
        return next(i for i, v in enumerate(self.visits) if v.avisit == self.key_visit)


@dataclass(frozen=True)
class TrialTables:
    adsl: pl.DataFrame
    adqs: pl.DataFrame
    adlb: pl.DataFrame | None


def simulate_trial(design: TrialDesign, rng: np.random.Generator) -> TrialTables:
    """Subjects, their trajectories, and the three ADaM tables of one trial."""
    subjects = _subjects(design, rng)
    panel = inflammation_panel(rng, subjects.height)
    latent = _latent_improvement(design, subjects, panel, rng)
    last_visit = _last_observed_visit(design, subjects, rng)
    adqs = _adqs(design, subjects, latent, last_visit, rng)
    adlb = _adlb(design, subjects, panel, last_visit, rng) if design.lab_visits else None
    return TrialTables(adsl=_adsl(design, subjects, rng), adqs=adqs, adlb=adlb)


def _subjects(design: TrialDesign, rng: np.random.Generator) -> pl.DataFrame:
    """Randomised subjects: arm, site, enrolment, demographics, treated flag, baseline score."""
    arm = np.concatenate([np.full(a.n_randomised, i) for i, a in enumerate(design.arms)])
    arm = rng.permutation(arm)
    n = arm.size
    treated = np.ones(n, dtype=bool)
    for i, a in enumerate(design.arms):
        never = rng.choice(np.flatnonzero(arm == i), size=a.n_not_treated, replace=False)
        treated[never] = False
    site = rng.integers(0, len(design.sites), n)
    first_dose = rng.integers(0, design.enrolment_days, n)
    age = np.clip(
        np.rint(rng.normal(design.age_mean, design.age_sd, n)), design.age_min, design.age_max
    )
    baseline = np.clip(
        np.rint(rng.normal(design.baseline_mean, design.baseline_sd, n)),
        design.baseline_min,
        design.score_max,
    )
    weights = np.asarray(design.race_weights) / np.sum(design.race_weights)
    frame = pl.DataFrame(
        {
            "arm": arm,
            "siteid": [design.sites[s][0] for s in site],
            "country": [design.sites[s][1] for s in site],
            "first_dose_day": first_dose,
            "treated": treated,
            "age": age.astype(np.int64),
            "sex": np.where(rng.uniform(size=n) < design.female_share, "F", "M"),
            "race": [RACES[r] for r in rng.choice(len(RACES), size=n, p=weights)],
            "baseline": baseline.astype(np.int64),
            "screening": np.clip(baseline + rng.integers(-1, 4, n), 0, design.score_max).astype(
                np.int64
            ),
        }
    ).with_row_index("subject")
    subject_no = pl.col("first_dose_day").rank("ordinal").over("siteid").cast(pl.Int64) + 10_000
    return frame.with_columns(
        usubjid=pl.format(
            "{}-{}-{}",
            pl.lit(design.study_id),
            pl.col("siteid"),
            subject_no.cast(pl.String).str.slice(1),
        ),
        first_dose=pl.lit(design.first_dose_from) + pl.duration(days=pl.col("first_dose_day")),
    )


def _latent_improvement(
    design: TrialDesign, subjects: pl.DataFrame, panel: Panel, rng: np.random.Generator
) -> np.ndarray:
    """Latent improvement per treated subject, calibrated per arm (and inflammation group)."""
    arm = np.where(subjects["treated"].to_numpy(), subjects["arm"].to_numpy(), -1)
    inflamed = panel.inflamed
    u = np.zeros(subjects.height)
    for i, a in enumerate(design.arms):
        groups = [(arm == i, a.response, a.remission)]
        if a.response_inflamed is not None:
            groups = [
                ((arm == i) & inflamed, a.response_inflamed, None),
                ((arm == i) & ~inflamed, a.response, None),
            ]
        for mask, response, remission in groups:
            latent = calibrate(
                response, design.baseline_mean, remission, design.remission_threshold
            )
            members = np.flatnonzero(mask)
            u[members] = latent.mu + latent.sigma * stratified_normal(rng, members.size)
    return u


def _last_observed_visit(
    design: TrialDesign, subjects: pl.DataFrame, rng: np.random.Generator
) -> np.ndarray:
    """Index of each subject's last assessed post-baseline visit (-1: baseline only)."""
    last = np.full(subjects.height, len(design.visits) - 1)
    arm = subjects["arm"].to_numpy()
    treated = subjects["treated"].to_numpy()
    last[~treated] = -1
    for i, a in enumerate(design.arms):
        members = np.flatnonzero((arm == i) & treated)
        quitters = rng.choice(members, size=round(a.dropout * members.size), replace=False)
        last[quitters] = rng.integers(-1, design.key_index, quitters.size)
    return last


def _adqs(
    design: TrialDesign,
    subjects: pl.DataFrame,
    latent: np.ndarray,
    last_visit: np.ndarray,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Total-score records (plus items, retests and sponsor rows) with BASE/CHG/PCHG."""
    records = _score_records(design, subjects, latent, last_visit, rng).with_columns(
        item=pl.lit(None, pl.Int32)
    )
    if design.items:
        records = pl.concat([records, _item_records(records, rng)])
    return _finish_adqs(design, subjects, records)


def _score_records(
    design: TrialDesign,
    subjects: pl.DataFrame,
    latent: np.ndarray,
    last_visit: np.ndarray,
    rng: np.random.Generator,
) -> pl.DataFrame:
    baseline = subjects["baseline"].to_numpy()
    n = subjects.height
    frames = []
    if design.screening:
        frames.append(_visit_frame(design.screening, np.arange(n), subjects["screening"], "pre"))
    frames.append(_visit_frame(design.baseline, np.arange(n), baseline, "baseline"))
    last_value = baseline.copy()
    for k, visit in enumerate(design.visits):
        seen = np.flatnonzero(last_visit >= k)
        value = scores(
            baseline[seen],
            _shape_at(design, subjects, k)[seen] * latent[seen],
            rng,
            design.score_max,
        )
        observed = pl.Series(value, dtype=pl.Float64)
        if design.missing_rows == "null" and design.missed_share:
            missed = rng.uniform(size=seen.size) < design.missed_share
            observed = pl.Series(np.where(missed, np.nan, value)).fill_nan(None)
            value = np.where(missed, last_value[seen], value)
        retest = (rng.uniform(size=seen.size) < design.retest_share) & (
            observed.is_not_null().to_numpy()
        )
        frames.append(_visit_frame(visit, seen, observed, "post", analysed=~retest))
        if retest.any():
            value, retests = _retest(design, value, retest, rng)
            frames.append(_visit_frame(visit, seen[retest], retests, "post", day_offset=1))
        last_value[seen] = value
        gone = np.flatnonzero((last_visit < k) & subjects["treated"].to_numpy())
        if design.missing_rows == "null":
            frames.append(
                _visit_frame(visit, gone, pl.Series([None] * gone.size, dtype=pl.Float64), "post")
            )
        elif design.missing_rows == "locf":
            frames.append(_visit_frame(visit, gone, last_value[gone], "locf"))
    return pl.concat(frames)


def _shape_at(design: TrialDesign, subjects: pl.DataFrame, k: int) -> np.ndarray:
    """Each subject's improvement fraction at post-baseline visit k (their arm's time course)."""
    per_arm = np.array([a.shape[k] for a in design.arms])
    return per_arm[subjects["arm"].to_numpy()]


def _retest(
    design: TrialDesign,
    value: np.ndarray,
    retest: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """A visit re-rated the next day (e.g. an incomplete first rating): the retest, within a
    few points of the first rating, is the record to analyse and the one carried forward."""
    shift = rng.choice([-3, -2, -1, 1, 2, 3], size=int(retest.sum()))
    retests = np.clip(value[retest] + shift, 0, design.score_max)
    value = value.copy()
    value[retest] = retests
    return value, retests


def _visit_frame(
    visit: Visit,
    subject: np.ndarray,
    aval: pl.Series | np.ndarray,
    kind: str,
    analysed: np.ndarray | None = None,
    day_offset: int = 0,
) -> pl.DataFrame:
    """Records of one visit; `analysed` False clears ANL01FL (a superseded rating)."""
    anl = np.full(subject.size, kind != "pre") if analysed is None else analysed
    return pl.DataFrame(
        {
            "subject": pl.Series(subject, dtype=pl.UInt32),
            "aval": pl.Series(aval).cast(pl.Float64),
            "ady": pl.Series([visit.ady + day_offset] * subject.size, dtype=pl.Int64),
            "avisit": [visit.avisit] * subject.size,
            "avisitn": pl.Series([float(visit.ady)] * subject.size, dtype=pl.Float64),
            "kind": [kind] * subject.size,
            "anl": pl.Series(anl, dtype=pl.Boolean),
        }
    )


def _item_records(records: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """MADRS items 1-10 (0-6 each) summing to each observed total; downstream ignores them."""
    totals = records.filter(pl.col("aval").is_not_null() & (pl.col("kind") != "locf"))
    weights = rng.dirichlet(np.full(10, 4.0), size=totals.height)
    items = np.vstack(
        [_split_total(int(t), w) for t, w in zip(totals["aval"], weights, strict=True)]
    )
    frames = [
        totals.with_columns(
            aval=pl.Series(items[:, i], dtype=pl.Float64), item=pl.lit(i + 1, pl.Int32)
        )
        for i in range(10)
    ]
    return pl.concat(frames)


def _split_total(total: int, weights: np.ndarray) -> np.ndarray:
    """Largest-remainder split of a total into ten 0-6 item scores."""
    raw = weights * total
    items = np.minimum(np.floor(raw).astype(int), 6)
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    i = 0
    while items.sum() < total:
        j = order[i % 10]
        if items[j] < 6:
            items[j] += 1
        i += 1
    return items


def _finish_adqs(
    design: TrialDesign, subjects: pl.DataFrame, records: pl.DataFrame
) -> pl.DataFrame:
    paramcd = (
        pl.when(pl.col("item").is_null())
        .then(pl.lit(design.paramcd))
        .otherwise(pl.format("MADRS{}", pl.col("item").cast(pl.String).str.zfill(2)))
    )
    param = (
        pl.when(pl.col("item").is_null())
        .then(pl.lit(design.param))
        .otherwise(
            pl.format(
                "MADRS Item {} - {}",
                pl.col("item"),
                pl.col("item").replace_strict(
                    list(range(1, 11)), list(MADRS_ITEMS), return_dtype=pl.String
                ),
            )
        )
    )
    is_baseline = pl.col("kind") == "baseline"
    base = pl.col("aval").filter(is_baseline).first().over("subject", "paramcd")
    is_post = pl.col("kind").is_in(["post", "locf"])
    frame = (
        records.join(subjects.select("subject", "usubjid", "first_dose"), on="subject")
        .with_columns(paramcd=paramcd, param=param)
        .with_columns(base=base)
        .with_columns(
            chg=pl.when(is_post).then(pl.col("aval") - pl.col("base")),
            adt=pl.col("first_dose")
            + pl.duration(
                days=pl.when(pl.col("ady") > 0).then(pl.col("ady") - 1).otherwise(pl.col("ady"))
            ),
        )
        .with_columns(
            pchg=pl.when(pl.col("base") > 0).then((100 * pl.col("chg") / pl.col("base")).round(2))
        )
        .sort("usubjid", "item", "ady", "kind", nulls_last=False)
    )
    columns = [
        pl.lit(design.study_id).alias("STUDYID"),
        pl.col("usubjid").alias("USUBJID"),
        pl.col("paramcd").alias("PARAMCD"),
        pl.col("param").alias("PARAM"),
        pl.col("aval").alias("AVAL"),
        pl.col("ady").alias("ADY"),
        pl.col("avisit").alias("AVISIT"),
        pl.col("avisitn").alias("AVISITN"),
        pl.col("adt").alias("ADT"),
    ]
    if design.ablfl:
        columns.append(pl.when(is_baseline).then(pl.lit("Y")).alias("ABLFL"))
    if design.anl01fl:
        columns.append(pl.when(pl.col("anl")).then(pl.lit("Y")).alias("ANL01FL"))
    if design.missing_rows == "locf":
        columns.append(pl.when(pl.col("kind") == "locf").then(pl.lit("LOCF")).alias("DTYPE"))
    columns += [
        pl.col("base").alias("BASE"),
        pl.col("chg").alias("CHG"),
        pl.col("pchg").alias("PCHG"),
    ]
    return frame.select(columns)


def _adlb(
    design: TrialDesign,
    subjects: pl.DataFrame,
    panel: Panel,
    last_visit: np.ndarray,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Immune biomarkers at baseline (all randomised) and later visits (subjects still in)."""
    frames = []
    baseline_visit, *later = design.lab_visits
    visit_ady = np.array([design.baseline.ady] + [v.ady for v in design.visits])
    last_ady = visit_ady[last_visit + 1]
    draws = [(baseline_visit, panel, np.ones(subjects.height, dtype=bool))]
    for visit in later:
        still_in = subjects["treated"].to_numpy() & (last_ady >= visit.ady)
        draws.append((visit, panel.drift(rng), still_in))
    mg_dl = (subjects["siteid"] == (design.crp_mg_dl_site or "")).to_numpy()
    for visit, values, present in draws:
        for paramcd, param, unit, attribute in LAB_PARAMS:
            aval = getattr(values, attribute)
            units = np.full(subjects.height, unit, dtype=object)
            if paramcd == "CRP":
                aval = np.where(mg_dl, np.round(aval / 10, 2), aval)
                units = np.where(mg_dl, "mg/dL", units)
            rows = np.flatnonzero(present)
            frames.append(
                pl.DataFrame(
                    {
                        "subject": pl.Series(rows, dtype=pl.UInt32),
                        "PARAMCD": [paramcd] * rows.size,
                        "PARAM": [f"{param} ({u})" for u in units[rows]],
                        "AVAL": aval[rows].astype(np.float64),
                        "AVALU": units[rows].astype(str),
                        "ADY": pl.Series([visit.ady] * rows.size, dtype=pl.Int64),
                        "AVISIT": [visit.avisit] * rows.size,
                        "baseline": [visit is baseline_visit] * rows.size,
                    }
                )
            )
    lab = pl.concat(frames).join(subjects.select("subject", "usubjid", "first_dose"), on="subject")
    columns = [
        pl.lit(design.study_id).alias("STUDYID"),
        pl.col("usubjid").alias("USUBJID"),
        "PARAMCD",
        "PARAM",
        "AVAL",
        "AVALU",
        "ADY",
        "AVISIT",
        (pl.col("first_dose") + pl.duration(days=pl.col("ADY") - 1)).alias("ADT"),
    ]
    if design.ablfl:
        columns.append(pl.when(pl.col("baseline")).then(pl.lit("Y")).alias("ABLFL"))
    return lab.sort("usubjid", "ADY", "PARAMCD").select(columns)


def _adsl(design: TrialDesign, subjects: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    labels = [a.label for a in design.arms]
    arm_label = pl.col("arm").replace_strict(
        list(range(len(labels))), labels, return_dtype=pl.String
    )
    yes_no = pl.when(pl.col("treated")).then(pl.lit("Y")).otherwise(pl.lit("N"))
    columns = [
        pl.lit(design.study_id).alias("STUDYID"),
        pl.col("usubjid").alias("USUBJID"),
        pl.col("siteid").alias("SITEID"),
        pl.col("country").alias("COUNTRY"),
        arm_label.alias("TRT01P"),
        pl.when(pl.col("treated")).then(arm_label).alias("TRT01A"),
        pl.when(pl.col("treated")).then(pl.col("first_dose")).alias("TRTSDT"),
        pl.lit("Y").alias("ITTFL"),
        yes_no.alias("SAFFL"),
        yes_no.alias("FASFL"),
        pl.col("age").alias("AGE"),
        pl.lit("YEARS").alias("AGEU"),
        pl.col("sex").alias("SEX"),
        pl.col("race").alias("RACE"),
    ]
    frame = subjects
    if design.nprfail:
        nprfail = np.where(
            rng.uniform(size=subjects.height) < 0.07, 1, 2 + rng.poisson(1.2, subjects.height)
        )
        frame = frame.with_columns(nprfail=pl.Series(nprfail, dtype=pl.Int64))
        columns += [
            pl.col("nprfail").alias("NPRFAIL"),
            pl.when(pl.col("nprfail") >= 2).then(pl.lit("Y")).otherwise(pl.lit("N")).alias("TRDFL"),
        ]
    elif design.trdfl_all:
        columns.append(pl.lit("Y").alias("TRDFL"))
    return frame.sort("usubjid").select(columns)
