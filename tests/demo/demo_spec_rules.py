"""The derivation rules (docs/derivations.md) re-derived in plain Polars, to check what the demo
files imply (not the dbt models).

The demo tests must not depend on the ingest stage or the dbt models, which are written
concurrently; these small re-derivations of the derivation rules read the generated files directly,
so
a test can state "this registry holds TRD-qualifying episodes with ~50% ketamine response".
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl
import pyreadstat

from demo.concepts import Vocabulary

DATASETS = (
    "TRANSFORM-2",
    "KETAMINE-MIDAZOLAM",
    "ELEKT-D",
    "ESCAPE-TRD",
    "TRANSFORM-1",
    "TRANSFORM-3",
    "KETAMINE-MIDAZOLAM-2",
    "REGISTRY-OMOP",
)
ERA_GAP, ADEQUATE, LOOKBACK, WASHOUT, PRIOR_OBS, BASELINE_DAYS = 30, 42, 730, 365, 365, 30


def read_table(folder: Path, table: str) -> pl.DataFrame:
    """A dataset table by stem, whatever its format (column names as in the file)."""
    (path,) = [p for p in folder.iterdir() if p.stem.lower() == table]
    return _read(path)


@cache
def _read(path: Path) -> pl.DataFrame:
    """Read once per session: many tests look at the same default demo files."""
    if path.suffix == ".csv":
        frame = pl.read_csv(path, infer_schema_length=None)
        dates = [c for c in frame.columns if c.endswith(("_date", "ADT", "TRTSDT"))]
        return frame.with_columns(pl.col(dates).str.to_date("%Y-%m-%d"))
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    frame, _ = pyreadstat.read_xport(path, output_format="polars")
    return frame.with_columns(pl.col(pl.String).replace("", None))


# --- trials --------------------------------------------------------------------------------


def trial_rates(
    folder: Path, paramcd: str, ady: int, threshold: float, analysis: str
) -> dict[str, tuple[int, float, float]]:
    """Response and remission at the visit on study day `ady`, by TRT01A: (n, response, remission).

    SAFFL = 'Y' subjects who are TRD (TRDFL, when the trial has it), sponsor rows (DTYPE)
    dropped, baseline = ABLFL record or the last record with ADY <= 1, the visit's record with
    ANL01FL = 'Y' when flagged. `analysis` is 'oc' (assessed only) or 'nri' (missing = failure).
    """
    adsl = read_table(folder, "adsl").filter(pl.col("SAFFL") == "Y")
    if "TRDFL" in adsl.columns:
        adsl = adsl.filter(pl.col("TRDFL") == "Y")
    scores = read_table(folder, "adqs").filter(pl.col("PARAMCD") == paramcd)
    if "DTYPE" in scores.columns:
        scores = scores.filter(pl.col("DTYPE").is_null())
    if "ABLFL" in scores.columns:
        base = scores.filter(pl.col("ABLFL") == "Y")
    else:
        base = scores.filter(pl.col("ADY") <= 1).sort("ADY").group_by("USUBJID").last()
    visit = scores.filter(pl.col("ADY").is_between(ady, ady + 1) & pl.col("AVAL").is_not_null())
    if "ANL01FL" in visit.columns:
        visit = visit.filter(pl.col("ANL01FL") == "Y")
    rows = (
        adsl.select("USUBJID", "TRT01A")
        .join(base.select("USUBJID", baseline="AVAL"), on="USUBJID")
        .filter(pl.col("baseline") > 0)
        .join(visit.select("USUBJID", value="AVAL"), on="USUBJID", how="left")
    )
    if analysis == "oc":
        rows = rows.filter(pl.col("value").is_not_null())
    rows = rows.with_columns(
        response=(2 * pl.col("value") <= pl.col("baseline")).fill_null(False),
        remission=(pl.col("value") <= threshold).fill_null(False),
    )
    summary = rows.group_by("TRT01A").agg(
        n=pl.len(), response=pl.col("response").mean(), remission=pl.col("remission").mean()
    )
    return {
        r["TRT01A"]: (r["n"], r["response"], r["remission"]) for r in summary.iter_rows(named=True)
    }


# --- registry ------------------------------------------------------------------------------


def registry_episodes(folder: Path, vocab: Vocabulary) -> pl.DataFrame:
    """Qualifying episodes (person_id, treatment_class, index_date) by the rules of
    docs/derivations.md#qualification:
    drug eras and ECT courses (sessions at most 30 days apart, the same reading as eras), the
    365-day washout, MDD, prior observation, >= 2 other adequate trials, and no TRD exclusion
    (or a descendant) on or before index."""
    exposures = pl.concat([_exposures(folder, vocab), _ect_sessions(folder, vocab)])
    eras = _eras(exposures)
    candidates = _candidates(eras, exposures)
    adequate = eras.filter(
        (pl.col("class") == "standard_ad") & (pl.col("length") >= ADEQUATE)
    ).select("person_id", drug_prior="drug", era_start_prior="era_start", era_end_prior="era_end")
    prior = (
        candidates.join(adequate, on="person_id")
        .filter(
            (pl.col("drug_prior") != pl.col("drug"))
            & (pl.col("era_start_prior") >= pl.col("index_date") - pl.duration(days=LOOKBACK))
            & (pl.col("era_end_prior") <= pl.col("index_date"))
        )
        .group_by("person_id", "class", "drug", "index_date")
        .agg(n_prior=pl.col("drug_prior").n_unique())
        .filter(pl.col("n_prior") >= 2)
    )
    mdd_ids = [c.concept_id for c in vocab.sets["mdd"]]
    first_mdd = (
        read_table(folder, "condition_occurrence")
        .filter(pl.col("condition_concept_id").is_in(mdd_ids))
        .group_by("person_id")
        .agg(first_mdd=pl.col("condition_start_date").min())
    )
    periods = read_table(folder, "observation_period")
    qualified = (
        prior.join(first_mdd, on="person_id")
        .filter(pl.col("first_mdd") <= pl.col("index_date"))
        .join(periods, on="person_id")
        .filter(
            pl.col("index_date").is_between(
                pl.col("observation_period_start_date"), pl.col("observation_period_end_date")
            )
            & (
                pl.col("observation_period_start_date")
                <= pl.col("index_date") - pl.duration(days=PRIOR_OBS)
            )
        )
    )
    excluded = _first_exclusion(folder, vocab)
    qualified = qualified.join(excluded, on="person_id", how="left").filter(
        pl.col("first_exclusion").is_null() | (pl.col("first_exclusion") > pl.col("index_date"))
    )
    return (
        qualified.sort("index_date")
        .group_by("person_id", "class", maintain_order=True)
        .first()
        .select("person_id", "class", "index_date")
    )


def _descendants(folder: Path, ids: list[int]) -> list[int]:
    """The ids and their descendants in the dataset's concept_ancestor."""
    ancestor = read_table(folder, "concept_ancestor").filter(
        pl.col("ancestor_concept_id").is_in(ids)
    )
    return sorted({*ids, *ancestor["descendant_concept_id"].to_list()})


def _ect_sessions(folder: Path, vocab: Vocabulary) -> pl.DataFrame:
    """ECT procedures as one-day exposures of class and drug 'ect'."""
    ids = _descendants(folder, [c.concept_id for c in vocab.sets["ect"]])
    return (
        read_table(folder, "procedure_occurrence")
        .filter(pl.col("procedure_concept_id").is_in(ids))
        .select(
            "person_id",
            pl.lit("ect").alias("class"),
            pl.lit("ect").alias("drug"),
            start=pl.col("procedure_date"),
            end=pl.col("procedure_date"),
        )
    )


def _first_exclusion(folder: Path, vocab: Vocabulary) -> pl.DataFrame:
    """Each person's first bipolar, schizophrenia or psychotic-disorder record (descendants too)."""
    ids = _descendants(folder, [c.concept_id for c in vocab.sets["trd_exclusion"]])
    return (
        read_table(folder, "condition_occurrence")
        .filter(pl.col("condition_concept_id").is_in(ids))
        .group_by("person_id")
        .agg(first_exclusion=pl.col("condition_start_date").min())
    )


def _exposures(folder: Path, vocab: Vocabulary) -> pl.DataFrame:
    """Drug exposures rolled up to (class, drug): ingredient for standard ADs, else the class."""
    sets = [
        (c.concept_id, name, str(c.concept_id) if name == "standard_ad" else name)
        for name in ("ketamine", "esketamine", "standard_ad", "augmentation")
        for c in vocab.sets[name]
    ]
    ingredients = pl.DataFrame(sets, schema=["ancestor_concept_id", "class", "drug"], orient="row")
    rollup = read_table(folder, "concept_ancestor").join(ingredients, on="ancestor_concept_id")
    return (
        read_table(folder, "drug_exposure")
        .join(rollup, left_on="drug_concept_id", right_on="descendant_concept_id")
        .select(
            "person_id",
            "class",
            "drug",
            start=pl.col("drug_exposure_start_date"),
            end=pl.coalesce(
                "drug_exposure_end_date",
                pl.col("drug_exposure_start_date")
                + pl.duration(days=pl.col("days_supply").fill_null(1) - 1),
            ),
        )
    )


def _eras(exposures: pl.DataFrame) -> pl.DataFrame:
    """Exposures joined when the next starts <= 30 days after the era so far ends."""
    key = ["person_id", "class", "drug"]
    ordered = exposures.sort([*key, "start"])
    previous_end = pl.col("end").cum_max().shift(1).over(key)
    new_era = previous_end.is_null() | ((pl.col("start") - previous_end).dt.total_days() > ERA_GAP)
    return (
        ordered.with_columns(era=new_era.cast(pl.Int32).cum_sum().over(key))
        .group_by([*key, "era"])
        .agg(era_start=pl.col("start").min(), era_end=pl.col("end").max())
        .with_columns(length=(pl.col("era_end") - pl.col("era_start")).dt.total_days() + 1)
    )


def _candidates(eras: pl.DataFrame, exposures: pl.DataFrame) -> pl.DataFrame:
    """Era starts with no exposure to the same drug in the 365 days before."""
    key = ["person_id", "class", "drug"]
    starts = eras.select(*key, index_date="era_start").unique()
    recent = (
        starts.join(exposures, on=key)
        .filter(
            (pl.col("end") >= pl.col("index_date") - pl.duration(days=WASHOUT))
            & (pl.col("start") < pl.col("index_date"))
        )
        .select(*key, "index_date")
        .unique()
    )
    return starts.join(recent, on=[*key, "index_date"], how="anti")


def registry_rates(
    folder: Path, episodes: pl.DataFrame, concept_id: int, timepoint: tuple[int, int, int]
) -> dict[str, tuple[int, float]]:
    """Observed-case response at a timepoint (target, window) by class: (n, response)."""
    target, low, high = timepoint
    scores = read_table(folder, "observation").filter(
        pl.col("observation_concept_id") == concept_id
    )
    joined = episodes.join(scores, on="person_id").with_columns(
        day=(pl.col("observation_date") - pl.col("index_date")).dt.total_days()
    )
    base = (
        joined.filter(pl.col("day").is_between(-BASELINE_DAYS, 0))
        .sort("day")
        .group_by("person_id", "class")
        .agg(baseline=pl.col("value_as_number").last())
        .filter(pl.col("baseline") > 0)
    )
    value = (
        joined.filter(pl.col("day").is_between(low, high))
        .sort((pl.col("day") - target).abs(), "day")
        .group_by("person_id", "class")
        .agg(value=pl.col("value_as_number").first())
    )
    rows = base.join(value, on=["person_id", "class"]).with_columns(
        response=2 * pl.col("value") <= pl.col("baseline")
    )
    summary = rows.group_by("class").agg(n=pl.len(), response=pl.col("response").mean())
    return {r["class"]: (r["n"], r["response"]) for r in summary.iter_rows(named=True)}
