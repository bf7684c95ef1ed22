"""Concepts of the registry demo: the seed's code lists plus a small clinical-drug vocabulary.

The concept ids of depression, drugs, procedures, exclusions, scores and biomarkers are read at
run time from `seeds/concept_sets.csv` (docs/code-lists.md), the single source of truth the dbt
models also
use, so the demo never drifts from the code lists (which hold the public OMOP ids a real CDM
holds). Real exports record prescriptions as clinical drugs (e.g. "sertraline 100 MG Oral
Tablet"), not ingredients; the demo does the same. Where a clinical drug's public OMOP id and
RxNorm code could be checked (the vocabulary of the OHDSI Synthea27Nj export in tests/data), the
demo uses it; every other product (the ketamine injectable solution, the esketamine nasal
spray, ...) gets a local id in the OMOP range for site vocabularies (> 2,000,000,000, vocabulary
`TRD Demo`). All of them roll up to the seed's ingredient ids through the demo's own
`concept_ancestor`, which exercises the roll-up of
docs/dataset-contract.md#registry-files-omop-cdm-v54; one ketamine product deliberately
does not (a vocabulary gap the concept-set diagnostics report as an orphan).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from core.errors import ConfigError
from core.settings import REPO_ROOT

SEED_FILE = REPO_ROOT / "seeds" / "concept_sets.csv"
REQUIRED_SETS: tuple[str, ...] = (
    "mdd",
    "trd_exclusion",
    "ect",
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
"""First id of the demo's local clinical drugs; above the seed's own local ids (2,000,000,xxx)."""
LOCAL_VOCABULARY = "TRD Demo"

# Local procedure and condition concepts of the demo (ids above its drugs').
ECT_BILATERAL = 2_100_100_001
"""A site's own ECT code, a descendant of the seed's ECT concept in the demo's concept_ancestor."""
PSYCHOTHERAPY = 2_100_100_002
"""Psychotherapy sessions: procedures that are not ECT (procedure_occurrence is not ECT only)."""
BIPOLAR_IN_REMISSION = 2_100_100_003
"""A site's own bipolar code missing from concept_ancestor: the exclusion step cannot see it; the
concept-set diagnostics report it as an orphan of trd_exclusion."""

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
    (
        ECT_BILATERAL,
        "Electroconvulsive therapy, bilateral electrode placement",
        "Procedure",
        LOCAL_VOCABULARY,
        "Procedure",
        "TRD-P001",
    ),
    (
        PSYCHOTHERAPY,
        "Individual psychotherapy session",
        "Procedure",
        LOCAL_VOCABULARY,
        "Procedure",
        "TRD-P002",
    ),
    (
        BIPOLAR_IN_REMISSION,
        "Bipolar disorder in remission",
        "Condition",
        LOCAL_VOCABULARY,
        "Clinical Finding",
        "TRD-C001",
    ),
)

PUBLIC_PRODUCTS: dict[str, tuple[tuple[int, str, str], ...]] = {
    # ingredient: (concept_id, name, RxNorm code) of public clinical drugs, as the OMOP vocabulary
    # of the OHDSI Synthea27Nj export (tests/data) holds them
    "sertraline": ((739207, "sertraline 100 MG Oral Tablet", "312938"),),
    "fluoxetine": ((19077463, "fluoxetine 20 MG Oral Capsule", "310385"),),
    "duloxetine": ((715294, "duloxetine 20 MG Delayed Release Oral Capsule", "596926"),),
}
# Local clinical-drug forms per ingredient (RxNorm style); other ingredients get "<name> Oral
# Tablet".
PRODUCTS: dict[str, tuple[str, ...]] = {
    "sertraline": ("50 MG Oral Tablet",),
    "fluoxetine": ("40 MG Oral Capsule",),
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
    "esketamine": ("28 MG per device Nasal Spray",),
    "aripiprazole": ("5 MG Oral Tablet",),
    "quetiapine": ("150 MG 24HR Extended Release Oral Tablet",),
    "lithium carbonate": ("300 MG Oral Capsule",),
}
ROUTES = {"ketamine": ROUTE_IV, "esketamine": ROUTE_NASAL}
ORPHAN_PRODUCT = ("ketamine", "10 MG/ML Injectable Solution")
"""A ketamine product of the local vocabulary left out of concept_ancestor (see the docstring)."""


@dataclass(frozen=True)
class Concept:
    concept_set: str
    concept_id: int
    name: str
    vocabulary_id: str
    code: str
    domain_id: str = ""


@dataclass(frozen=True)
class Product:
    """A clinical drug of the demo vocabulary and the ingredient it rolls up to."""

    concept_id: int
    name: str
    ingredient: Concept
    route_concept_id: int
    vocabulary_id: str = LOCAL_VOCABULARY
    code: str = ""


@dataclass(frozen=True)
class Vocabulary:
    sets: dict[str, tuple[Concept, ...]]
    products: dict[int, tuple[Product, ...]]
    """Clinical drugs per ingredient concept id (each one in concept_ancestor)."""
    orphan: Product
    """The ketamine product missing from concept_ancestor."""

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
            "complete seeds/concept_sets.csv (docs/code-lists.md) and run `trd demo` again",
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
    products = _products(sets)
    return Vocabulary(sets=sets, products=products, orphan=_orphan(sets, products))


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
            domain_id=(row.get("domain_id") or "").strip(),
        )
        sets.setdefault(concept.concept_set, []).append(concept)
    return {name: tuple(concepts) for name, concepts in sets.items()}


def _products(sets: dict[str, tuple[Concept, ...]]) -> dict[int, tuple[Product, ...]]:
    seed_ids = {c.concept_id for concepts in sets.values() for c in concepts}
    next_id = LOCAL_DRUG_ID_START
    products: dict[int, tuple[Product, ...]] = {}
    for drug_set in DRUG_SETS:
        for ingredient in sets[drug_set]:
            route = ROUTES.get(drug_set, ROUTE_ORAL)
            made = [
                Product(concept_id, name, ingredient, route, "RxNorm", code)
                for concept_id, name, code in PUBLIC_PRODUCTS.get(ingredient.name.lower(), ())
            ]
            forms = PRODUCTS.get(ingredient.name.lower(), ("Oral Tablet",))
            for form in forms:
                if next_id in seed_ids:
                    raise ConfigError(
                        f"seed concept id {next_id} collides with the demo's local drug ids",
                        f"keep local seed ids below {LOCAL_DRUG_ID_START}",
                        file=str(SEED_FILE),
                    )
                made.append(
                    Product(
                        next_id,
                        f"{ingredient.name} {form}",
                        ingredient,
                        route,
                        code=_local_code(next_id),
                    )
                )
                next_id += 1
            products[ingredient.concept_id] = tuple(made)
    return products


def _orphan(
    sets: dict[str, tuple[Concept, ...]], products: dict[int, tuple[Product, ...]]
) -> Product:
    """The next local id after the drugs: a ketamine product without its ancestor row."""
    next_id = 1 + max(p.concept_id for group in products.values() for p in group)
    name, form = ORPHAN_PRODUCT
    ingredient = next(c for c in sets[name] if c.name.lower() == name)
    return Product(next_id, f"{name} {form}", ingredient, ROUTE_IV, code=_local_code(next_id))


def _local_code(concept_id: int) -> str:
    return f"TRD{concept_id - LOCAL_DRUG_ID_START + 1:05d}"


CONCEPT_CLASSES = {
    "Drug": "Ingredient",
    "Condition": "Clinical Finding",
    "Procedure": "Procedure",
    "Observation": "Survey",
    "Measurement": "Lab Test",
}


def concept_table(vocab: Vocabulary) -> pl.DataFrame:
    """OMOP `concept` rows for every concept the demo writes (ids unique), named and coded as
    the code lists name and code them (the warn-level vocabulary check finds nothing to say)."""
    rows: dict[int, tuple] = {}
    for concepts in vocab.sets.values():
        for c in concepts:
            domain = c.domain_id or "Measurement"
            code = c.code or f"local-{c.concept_id}"
            klass = CONCEPT_CLASSES.get(domain, "Clinical Observation")
            rows.setdefault(
                c.concept_id, (c.concept_id, c.name, domain, c.vocabulary_id, klass, code)
            )
    for p in (*(p for group in vocab.products.values() for p in group), vocab.orphan):
        rows[p.concept_id] = (
            p.concept_id,
            p.name,
            "Drug",
            p.vocabulary_id,
            "Clinical Drug",
            p.code,
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
    """Ingredients are their own ancestors (level 0); clinical drugs sit one level below (all
    but the orphan product); the MDD subtype and the recurrent-MDD concepts under MDD (as in
    SNOMED), the local ECT code under ECT, and each
    exclusion is its own ancestor (the local bipolar code is missing, on purpose)."""
    rows: set[tuple[int, int, int]] = set()
    for ingredient_id, products in vocab.products.items():
        rows.add((ingredient_id, ingredient_id, 0))
        rows.update((ingredient_id, p.concept_id, 1) for p in products)
    mdd = vocab.sets["mdd"]
    recurrent = vocab.sets.get("mdd_recurrent", ())
    rows.update((mdd[0].concept_id, c.concept_id, int(c != mdd[0])) for c in (*mdd, *recurrent))
    rows.update((c.concept_id, c.concept_id, 0) for c in recurrent)
    ect = vocab.first("ect").concept_id
    rows.update({(ect, ect, 0), (ect, ECT_BILATERAL, 1)})
    rows.update((c.concept_id, c.concept_id, 0) for c in vocab.sets["trd_exclusion"])
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
