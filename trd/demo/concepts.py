"""Concepts of the registry demo: the seed's code lists plus a small local drug vocabulary.

The concept ids of depression, drugs, scores and biomarkers are read at run time from
`seeds/concept_sets.csv` (SPEC 3.3), the single source of truth the dbt models also use, so the
demo never drifts from the code lists. Real exports record prescriptions as clinical drugs
(e.g. "sertraline 50 MG Oral Tablet"), not ingredients; the demo does the same with local concept
ids in the OMOP range reserved for site vocabularies (> 2,000,000,000) that roll up to the seed's
ingredient ids through `concept_ancestor`, which exercises the roll-up of SPEC 3.2.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from trd.errors import ConfigError
from trd.settings import REPO_ROOT

SEED_FILE = REPO_ROOT / "seeds" / "concept_sets.csv"
REQUIRED_SETS: tuple[str, ...] = (
    "mdd",
    "ketamine",
    "esketamine",
    "standard_ad",
    "augmentation",
    "phq9_total",
    "madrs_total",
    "crp",
    "il6",
    "tnfa",
    "complement_c3",
    "complement_c4",
)
DRUG_SETS: tuple[str, ...] = ("ketamine", "esketamine", "standard_ad", "augmentation")
MIN_STANDARD_ADS = 5
"""Distinct standard ADs a person may need: three prior trials, a current one, a new one."""

LOCAL_DRUG_ID_START = 2_100_000_001
"""First id of the demo's clinical drugs; above the seed's own local ids (2,000,000,xxx)."""
LOCAL_VOCABULARY = "TRD Demo"

# Standard OMOP CDM v5.4 concepts of the demographic, route, unit and type fields.
GENDER_FEMALE, GENDER_MALE = 8532, 8507
RACE = {"white": 8527, "black": 8516, "asian": 8515, "unknown": 0}
ETHNICITY_HISPANIC, ETHNICITY_NOT_HISPANIC = 38003563, 38003564
ROUTE_ORAL, ROUTE_IV, ROUTE_NASAL = 4132161, 4171047, 4262914
UNIT_MG_L, UNIT_MG_DL, UNIT_PG_ML, UNIT_G_L = 8751, 8840, 8845, 8636
TYPE_EHR, TYPE_EHR_PRESCRIPTION = 32817, 32838
HYPERTENSION, TYPE2_DIABETES = 320128, 201826
"""Common comorbidities, recorded so that condition_occurrence is not MDD only."""

FIXED_CONCEPTS: tuple[tuple[int, str, str, str, str, str], ...] = (
    # concept_id, name, domain_id, vocabulary_id, concept_class_id, concept_code
    (GENDER_FEMALE, "FEMALE", "Gender", "Gender", "Gender", "F"),
    (GENDER_MALE, "MALE", "Gender", "Gender", "Gender", "M"),
    (RACE["white"], "White", "Race", "Race", "Race", "5"),
    (RACE["black"], "Black or African American", "Race", "Race", "Race", "3"),
    (RACE["asian"], "Asian", "Race", "Race", "Race", "2"),
    (ETHNICITY_HISPANIC, "Hispanic or Latino", "Ethnicity", "Ethnicity", "Ethnicity", "Hispanic"),
    (
        ETHNICITY_NOT_HISPANIC,
        "Not Hispanic or Latino",
        "Ethnicity",
        "Ethnicity",
        "Ethnicity",
        "Not Hispanic",
    ),
    (ROUTE_ORAL, "Oral", "Route", "SNOMED", "Qualifier Value", "26643006"),
    (ROUTE_IV, "Intravenous", "Route", "SNOMED", "Qualifier Value", "47625008"),
    (ROUTE_NASAL, "Nasal", "Route", "SNOMED", "Qualifier Value", "46713006"),
    (UNIT_MG_L, "milligram per liter", "Unit", "UCUM", "Unit", "mg/L"),
    (UNIT_MG_DL, "milligram per deciliter", "Unit", "UCUM", "Unit", "mg/dL"),
    (UNIT_PG_ML, "picogram per milliliter", "Unit", "UCUM", "Unit", "pg/mL"),
    (UNIT_G_L, "gram per liter", "Unit", "UCUM", "Unit", "g/L"),
    (HYPERTENSION, "Essential hypertension", "Condition", "SNOMED", "Clinical Finding", "59621000"),
    (
        TYPE2_DIABETES,
        "Type 2 diabetes mellitus",
        "Condition",
        "SNOMED",
        "Clinical Finding",
        "44054006",
    ),
)

# Clinical-drug names per ingredient (RxNorm style); other ingredients get "<name> Oral Tablet".
PRODUCTS: dict[str, tuple[str, ...]] = {
    "sertraline": ("50 MG Oral Tablet", "100 MG Oral Tablet"),
    "fluoxetine": ("20 MG Oral Capsule",),
    "citalopram": ("20 MG Oral Tablet",),
    "escitalopram": ("10 MG Oral Tablet", "20 MG Oral Tablet"),
    "paroxetine": ("20 MG Oral Tablet",),
    "venlafaxine": ("75 MG 24HR Extended Release Oral Capsule",),
    "desvenlafaxine": ("50 MG 24HR Extended Release Oral Tablet",),
    "duloxetine": ("60 MG Delayed Release Oral Capsule",),
    "bupropion": ("150 MG 24HR Extended Release Oral Tablet",),
    "mirtazapine": ("15 MG Oral Tablet", "30 MG Oral Tablet"),
    "trazodone": ("100 MG Oral Tablet",),
    "amitriptyline": ("25 MG Oral Tablet",),
    "nortriptyline": ("25 MG Oral Capsule",),
    "vortioxetine": ("10 MG Oral Tablet",),
    "vilazodone": ("20 MG Oral Tablet",),
    "ketamine": ("50 MG/ML Injectable Solution",),
    "esketamine": ("28 MG Nasal Spray",),
    "aripiprazole": ("5 MG Oral Tablet",),
    "quetiapine": ("150 MG 24HR Extended Release Oral Tablet",),
    "lithium carbonate": ("300 MG Oral Capsule",),
}
ROUTES = {"ketamine": ROUTE_IV, "esketamine": ROUTE_NASAL}


@dataclass(frozen=True)
class Concept:
    concept_set: str
    concept_id: int
    name: str
    vocabulary_id: str
    code: str


@dataclass(frozen=True)
class Product:
    """A clinical drug of the demo vocabulary and the ingredient it rolls up to."""

    concept_id: int
    name: str
    ingredient: Concept
    route_concept_id: int


@dataclass(frozen=True)
class Vocabulary:
    sets: dict[str, tuple[Concept, ...]]
    products: dict[int, tuple[Product, ...]]
    """Clinical drugs per ingredient concept id."""

    def first(self, concept_set: str) -> Concept:
        return self.sets[concept_set][0]


def load_vocabulary(seed_file: Path = SEED_FILE) -> Vocabulary:
    """Read the code lists and build the demo's clinical drugs; fail clearly on a gap."""
    sets = read_concept_sets(seed_file)
    missing = [s for s in REQUIRED_SETS if s not in sets]
    if missing:
        raise ConfigError(
            f"concept set(s) {', '.join(missing)} missing from the seed; the registry demo "
            "needs every set it records",
            "complete seeds/concept_sets.csv (SPEC 3.3) and run `trd demo` again",
            file=str(seed_file),
            column="concept_set",
        )
    n_ads = len({c.name for c in sets["standard_ad"]})
    if n_ads < MIN_STANDARD_ADS:
        raise ConfigError(
            f"concept set standard_ad lists {n_ads} ingredients; the demo needs at least "
            f"{MIN_STANDARD_ADS} to build switching histories",
            "add the standard antidepressant ingredients to seeds/concept_sets.csv",
            file=str(seed_file),
        )
    return Vocabulary(sets=sets, products=_products(sets))


def read_concept_sets(seed_file: Path) -> dict[str, tuple[Concept, ...]]:
    """Concept sets in seed order; rows with a placeholder id (blank or <= 0) are skipped."""
    if not seed_file.is_file():
        raise ConfigError(
            "the concept-set seed is missing",
            "restore seeds/concept_sets.csv from the repository",
            file=str(seed_file),
        )
    rows = pl.read_csv(seed_file, infer_schema=False).with_columns(
        pl.col("concept_id").str.strip_chars().cast(pl.Int64, strict=False)
    )
    sets: dict[str, list[Concept]] = {}
    for row in rows.filter(pl.col("concept_id") > 0).iter_rows(named=True):
        concept = Concept(
            concept_set=row["concept_set"].strip(),
            concept_id=row["concept_id"],
            name=(row["concept_name"] or "").strip(),
            vocabulary_id=(row["vocabulary_id"] or "").strip(),
            code=(row["concept_code"] or "").strip(),
        )
        sets.setdefault(concept.concept_set, []).append(concept)
    return {name: tuple(concepts) for name, concepts in sets.items()}


def _products(sets: dict[str, tuple[Concept, ...]]) -> dict[int, tuple[Product, ...]]:
    seed_ids = {c.concept_id for concepts in sets.values() for c in concepts}
    next_id = LOCAL_DRUG_ID_START
    products: dict[int, tuple[Product, ...]] = {}
    for drug_set in DRUG_SETS:
        for ingredient in sets[drug_set]:
            forms = PRODUCTS.get(ingredient.name.lower(), ("Oral Tablet",))
            made = []
            for form in forms:
                if next_id in seed_ids:
                    raise ConfigError(
                        f"seed concept id {next_id} collides with the demo's local drug ids",
                        f"keep local seed ids below {LOCAL_DRUG_ID_START}",
                        file=str(SEED_FILE),
                    )
                route = ROUTES.get(drug_set, ROUTE_ORAL)
                made.append(Product(next_id, f"{ingredient.name} {form}", ingredient, route))
                next_id += 1
            products[ingredient.concept_id] = tuple(made)
    return products


def concept_table(vocab: Vocabulary) -> pl.DataFrame:
    """OMOP `concept` rows for every concept the demo writes (ids unique)."""
    domains = {"mdd": "Condition", **{s: "Drug" for s in DRUG_SETS}}
    rows: dict[int, tuple] = {}
    for concept_set, concepts in vocab.sets.items():
        domain = domains.get(concept_set, "Measurement")
        klass = "Ingredient" if domain == "Drug" else "Clinical Observation"
        for c in concepts:
            code = c.code or f"local-{c.concept_id}"
            rows.setdefault(
                c.concept_id, (c.concept_id, c.name, domain, c.vocabulary_id, klass, code)
            )
    for products in vocab.products.values():
        for p in products:
            rows[p.concept_id] = (
                p.concept_id,
                p.name,
                "Drug",
                LOCAL_VOCABULARY,
                "Clinical Drug",
                f"TRD{p.concept_id - LOCAL_DRUG_ID_START + 1:05d}",
            )
    for fixed in FIXED_CONCEPTS:
        rows.setdefault(fixed[0], fixed)
    frame = pl.DataFrame(
        sorted(rows.values()),
        schema=[
            ("concept_id", pl.Int64),
            ("concept_name", pl.String),
            ("domain_id", pl.String),
            ("vocabulary_id", pl.String),
            ("concept_class_id", pl.String),
            ("concept_code", pl.String),
        ],
        orient="row",
    )
    return frame.with_columns(
        standard_concept=pl.lit("S"),
        valid_start_date=pl.lit("1970-01-01"),
        valid_end_date=pl.lit("2099-12-31"),
        invalid_reason=pl.lit(None, pl.String),
    )


def concept_ancestor_table(vocab: Vocabulary) -> pl.DataFrame:
    """Ingredients are their own ancestors (level 0); clinical drugs sit one level below."""
    rows: set[tuple[int, int, int]] = set()
    for ingredient_id, products in vocab.products.items():
        rows.add((ingredient_id, ingredient_id, 0))
        rows.update((ingredient_id, p.concept_id, 1) for p in products)
    mdd = vocab.sets["mdd"]
    rows.update((mdd[0].concept_id, c.concept_id, int(c != mdd[0])) for c in mdd)
    frame = pl.DataFrame(
        sorted(rows),
        schema=[
            ("ancestor_concept_id", pl.Int64),
            ("descendant_concept_id", pl.Int64),
            ("min_levels_of_separation", pl.Int64),
        ],
        orient="row",
    )
    return frame.with_columns(max_levels_of_separation=pl.col("min_levels_of_separation"))
