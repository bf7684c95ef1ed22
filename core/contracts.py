"""The input contract (docs/dataset-contract.md): every table a dataset may hold, its columns,
types and keys.

Declared once, as data. The reader uses it to pick and cast columns, the validator to decide
what is missing or uncastable, `create_raw_schema` to lay out the `raw` schema, the dbt sources
and the docs to describe it. Column names are lower-case here and in `raw`; input files may use
any case (ADaM files are upper-case, OMOP exports usually lower-case).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Source = Literal["trial", "registry"]
DuckType = Literal["VARCHAR", "INTEGER", "BIGINT", "DOUBLE", "DATE"]


@dataclass(frozen=True)
class Column:
    name: str
    type: DuckType
    required: bool = False
    """The file must have this column (docs/dataset-contract.md#trial-files-cdisc-adam / OMOP CDM
    v5.4 NOT NULL)."""
    not_null: bool = False
    """Every row must have a value (a required column may still allow nulls, e.g. ADQS AVAL)."""
    load: bool = True
    """False for key columns that are checked (unique) when present but not loaded into raw."""
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    source: Source
    columns: tuple[Column, ...]
    required: bool
    key: tuple[str, ...] = ()
    """Columns that must be unique within a dataset (duplicates reject the load)."""
    description: str = ""

    @property
    def loaded_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.load)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


AUDIT_COLUMNS: tuple[Column, ...] = (
    Column("_dataset_id", "VARCHAR", description="dataset_id from dataset.yml"),
    Column("_load_id", "VARCHAR", description="the load that wrote this row (raw.load_audit)"),
    Column("_source_file", "VARCHAR", description="file name the row came from"),
    Column("_row_number", "BIGINT", description="1-based data row in that file (header excluded)"),
)


def _c(name: str, type_: DuckType, req: bool = False, nn: bool | None = None, **kw) -> Column:
    return Column(name, type_, required=req, not_null=req if nn is None else nn, **kw)


TRIAL_TABLES: tuple[Table, ...] = (
    Table(
        "adsl",
        "trial",
        (
            _c("studyid", "VARCHAR", True),
            _c("usubjid", "VARCHAR", True),
            _c("trt01a", "VARCHAR", description="actual arm; required unless TRT01P is present"),
            _c("trt01p", "VARCHAR", description="planned arm, used where TRT01A is absent"),
            _c("saffl", "VARCHAR", True, nn=False),
            _c("age", "INTEGER", True, nn=False),
            _c("sex", "VARCHAR", True, nn=False),
            _c("ittfl", "VARCHAR"),
            _c("fasfl", "VARCHAR"),
            _c("race", "VARCHAR"),
            _c("ethnic", "VARCHAR"),
            _c("siteid", "VARCHAR"),
            _c("country", "VARCHAR"),
            _c("trdfl", "VARCHAR", description="Y/N: subject met the trial's TRD definition"),
            _c("nprfail", "INTEGER", description="failed adequate AD trials in current episode"),
        ),
        required=True,
        key=("usubjid",),
        description="ADaM subject-level analysis dataset: one row per subject.",
    ),
    Table(
        "adqs",
        "trial",
        (
            _c("studyid", "VARCHAR", True),
            _c("usubjid", "VARCHAR", True),
            _c("paramcd", "VARCHAR", True),
            _c("aval", "DOUBLE", True, nn=False, description="null = missed assessment"),
            _c("ady", "INTEGER", True, nn=False, description="analysis day; never 0 (checked)"),
            _c("avisit", "VARCHAR"),
            _c("avisitn", "DOUBLE"),
            _c("ablfl", "VARCHAR"),
            _c("anl01fl", "VARCHAR"),
            _c("atpt", "VARCHAR"),
            _c("adt", "DATE"),
            _c("param", "VARCHAR"),
            _c("dtype", "VARCHAR", description="non-null = sponsor-imputed row (not used)"),
            _c("base", "DOUBLE", description="sponsor baseline (consistency check only)"),
            _c("chg", "DOUBLE", description="sponsor change (consistency check only)"),
            _c("pchg", "DOUBLE", description="sponsor percent change (consistency check only)"),
        ),
        required=True,
        description="ADaM BDS questionnaire dataset: one row per subject, parameter, visit.",
    ),
    Table(
        "adlb",
        "trial",
        (
            _c("studyid", "VARCHAR", True),
            _c("usubjid", "VARCHAR", True),
            _c("paramcd", "VARCHAR", True),
            _c("aval", "DOUBLE", True, nn=False),
            _c("avalu", "VARCHAR", True, nn=False),
            _c("ady", "INTEGER", True, nn=False),
            _c("ablfl", "VARCHAR"),
            _c("avisit", "VARCHAR"),
            _c("adt", "DATE"),
            _c("param", "VARCHAR"),
        ),
        required=False,
        description="ADaM BDS laboratory dataset: immune biomarkers "
        "(CRP, IL-6, TNF-alpha, C3, C4).",
    ),
)


def _omop_event(table: str, prefix: str) -> Table:
    return Table(
        table,
        "registry",
        (
            _c(f"{prefix}_id", "BIGINT", True),
            _c("person_id", "BIGINT", True),
            _c(f"{prefix}_concept_id", "INTEGER", True),
            _c(f"{prefix}_date", "DATE", True),
            _c("value_as_number", "DOUBLE"),
            _c("unit_concept_id", "INTEGER"),
            _c("unit_source_value", "VARCHAR"),
            _c(f"{prefix}_source_value", "VARCHAR"),
        ),
        required=False,
        key=(f"{prefix}_id",),
        description=f"OMOP {table}: depression scores and biomarkers (at least one of "
        "measurement/observation must be present).",
    )


REGISTRY_TABLES: tuple[Table, ...] = (
    Table(
        "person",
        "registry",
        (
            _c("person_id", "BIGINT", True),
            _c("gender_concept_id", "INTEGER", True),
            _c("year_of_birth", "INTEGER", True),
            _c("race_concept_id", "INTEGER", True),
            _c("ethnicity_concept_id", "INTEGER", True),
        ),
        required=True,
        key=("person_id",),
        description="OMOP person: one row per person.",
    ),
    Table(
        "observation_period",
        "registry",
        (
            _c("observation_period_id", "BIGINT", load=False),
            _c("person_id", "BIGINT", True),
            _c("observation_period_start_date", "DATE", True),
            _c("observation_period_end_date", "DATE", True),
        ),
        required=True,
        key=("observation_period_id",),
        description="OMOP observation_period: spans in which a person's records are complete.",
    ),
    Table(
        "condition_occurrence",
        "registry",
        (
            _c("condition_occurrence_id", "BIGINT", load=False),
            _c("person_id", "BIGINT", True),
            _c("condition_concept_id", "INTEGER", True),
            _c("condition_start_date", "DATE", True),
            _c("condition_source_value", "VARCHAR"),
        ),
        required=True,
        key=("condition_occurrence_id",),
        description="OMOP condition_occurrence: diagnoses (MDD).",
    ),
    Table(
        "drug_exposure",
        "registry",
        (
            _c("drug_exposure_id", "BIGINT", True),
            _c("person_id", "BIGINT", True),
            _c("drug_concept_id", "INTEGER", True),
            _c("drug_exposure_start_date", "DATE", True),
            _c("drug_exposure_end_date", "DATE", description="may be null: days_supply is used"),
            _c("days_supply", "INTEGER"),
            _c("quantity", "DOUBLE"),
            _c("route_concept_id", "INTEGER"),
            _c("drug_source_value", "VARCHAR"),
        ),
        required=True,
        key=("drug_exposure_id",),
        description="OMOP drug_exposure: antidepressants, ketamine, esketamine, augmentation.",
    ),
    _omop_event("measurement", "measurement"),
    _omop_event("observation", "observation"),
    Table(
        "procedure_occurrence",
        "registry",
        (
            _c("procedure_occurrence_id", "BIGINT", True),
            _c("person_id", "BIGINT", True),
            _c("procedure_concept_id", "INTEGER", True),
            _c("procedure_date", "DATE", True),
            _c("procedure_source_value", "VARCHAR"),
        ),
        required=False,
        key=("procedure_occurrence_id",),
        description="OMOP procedure_occurrence (optional): ECT sessions for the `ect` class.",
    ),
    Table(
        "concept",
        "registry",
        (
            _c("concept_id", "INTEGER", True),
            _c("concept_name", "VARCHAR", True),
            _c("vocabulary_id", "VARCHAR", True),
            _c("concept_code", "VARCHAR", True),
            _c("domain_id", "VARCHAR", True),
        ),
        required=False,
        key=("concept_id",),
        description="OMOP vocabulary concept (optional).",
    ),
    Table(
        "concept_ancestor",
        "registry",
        (
            _c("ancestor_concept_id", "INTEGER", True),
            _c("descendant_concept_id", "INTEGER", True),
        ),
        required=False,
        key=("ancestor_concept_id", "descendant_concept_id"),
        description="OMOP concept_ancestor: rolls clinical drugs up to ingredients (optional).",
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in TRIAL_TABLES + REGISTRY_TABLES}
EVENT_TABLES_ONE_REQUIRED: tuple[str, ...] = ("measurement", "observation")
"""Registry datasets need at least one of these
(docs/dataset-contract.md#registry-files-omop-cdm-v54)."""


def tables_for(source: Source) -> tuple[Table, ...]:
    return TRIAL_TABLES if source == "trial" else REGISTRY_TABLES


def raw_table_ddl(table: Table, schema: str = "raw") -> str:
    cols = [f"{c.name} {c.type}" for c in table.loaded_columns + AUDIT_COLUMNS]
    return f"create table if not exists {schema}.{table.name} ({', '.join(cols)})"
