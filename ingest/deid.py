"""De-identification gate (docs/privacy.md#de-identification-gate): reject direct identifiers
before anything is written.

Enters: the column names of a contract table's file, its batches as read (every text column,
loaded or not) and ADSL ages. Leaves: nothing, or a `DataRejected` that names the file, column,
first rows and the kind of identifier, and never repeats the identifying value itself.

Three screens:
- column names: the name is normalised to tokens (`PatientName`, `PATIENT_NAME` and
  `patient-name` all become `_patient_name_`) and matched against the HIPAA Safe Harbor
  identifiers docs/privacy.md#de-identification-gate lists. Contract columns are never identifiers
  by name (`concept_name`),
  nor are OMOP's own `*_source_value` columns; their values are screened like any other.
- values: one combined regular expression per text column and batch (fast), and only when it
  hits, each pattern on its own to name the kind and the rows. The patterns need separators or
  labels (`555-123-4567`, `MRN: 123456`), so ISO dates, LOINC codes (`44261-6`), decimals, UUIDs
  and ICD codes (`F32.9`) pass. Names and most numbers (health plan, licence, ...) cannot be
  recognised by shape; they are caught by their column name or by a label in the value
  (`Account: 0012345`).
- ADSL AGE above 90 (Safe Harbor top-codes ages at 90).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from core.contracts import Table
from core.errors import DataRejected
from core.reference import age_top_code

_L = r"(?:^|[^\w-])"
"""Left edge of a number: start of text or a character that is neither a word character nor '-'
(so parts of UUIDs, codes and longer numbers never match)."""
_R = r"(?:$|[^\w-])"
_PHONE = r"(?:\+?1[-. ])?(?:\(\d{3}\) ?|\d{3}[-. ])\d{3}[-. ]\d{4}"
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_LABEL_SUFFIX = r"(?: id| identifier| number| no\.?| #)?)\s*[:#=]\s*[\w-]*\d{3}"
"""A label is followed by ':' (or '#', '=') and a code holding at least three digits."""
_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|"
    r"Terrace|Way|Highway|Hwy|Parkway|Pkwy|Circle|Cir)"
)

VALUE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("email address", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    ("social security number", _L + r"\d{3}-\d{2}-\d{4}" + _R),
    ("social security number", r"(?i:\b(?:SSN|social security(?: number| no\.?)?))\W{0,3}\d{9}\b"),
    ("fax number", r"(?i:\bfax\b)\W{0,4}" + _PHONE),
    ("phone number", _L + _PHONE + _R),
    ("URL", r"(?i:\bhttps?://|\bwww\.)\S"),
    ("IP address", r"(?:^|[^\w.])" + _OCTET + r"(?:\." + _OCTET + r"){3}(?:$|[^\w.])"),
    (
        "medical record number",
        r"(?i:\b(?:MRN|medical record(?: number| no\.?| #)?))\s*[:#]?\s*\w*\d{3}",
    ),
    (
        "health plan beneficiary number",
        r"(?i:\b(?:health plan|member|beneficiary|subscriber|policy|insurance|medicaid|medicare)"
        + _LABEL_SUFFIX,
    ),
    ("account number", r"(?i:\b(?:account|acct)" + _LABEL_SUFFIX),
    (
        "vehicle identifier",
        r"(?i:\b(?:VIN|vehicle|licen[cs]e plate|plate)" + _LABEL_SUFFIX,
    ),
    ("licence number", r"(?i:\b(?:licen[cs]e|driver'?s? licen[cs]e)" + _LABEL_SUFFIX),
    ("device identifier", r"(?i:\b(?:device|serial|UDI|IMEI)" + _LABEL_SUFFIX),
    ("full ZIP code", _L + r"\d{5}-\d{4}" + _R),
    ("street address", r"\b\d{1,6} (?:[NSEW]\.? )?(?:[A-Z][a-z]+ ){1,3}" + _STREET_SUFFIX + r"\b"),
    (
        "person name",
        r"(?i:\b(?:patient|first|last|given|family|maiden|full|sur) ?_?name)\s*[:=]\s*[A-Za-z]{2}",
    ),
)
"""(kind, regular expression) screened in every text value; order decides the kind shown."""
ANY_IDENTIFIER = "|".join(f"(?:{regex})" for _, regex in VALUE_PATTERNS)

_QUALIFIER = r"(?:_?(?:id|number|no|num|identifier))?\d*_"
NAME_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(regex))
    for kind, regex in (
        ("email address", r"_e_?mail(?:_?addr(?:ess)?)?" + _QUALIFIER),
        ("IP address", r"_ip_?(?:addr(?:ess)?|v4|v6)" + _QUALIFIER),
        ("URL", r"_(?:url|uri|web_?site|web_?page|home_?page|web_?addr(?:ess)?)" + _QUALIFIER),
        ("social security number", r"_(?:ssn|soc_?sec|social_?security)" + _QUALIFIER),
        ("medical record number", r"_(?:mrn|medical_?record)" + _QUALIFIER),
        (
            "health plan beneficiary number",
            r"_(?:health_?plan|hicn|mbi|medicaid|medicare)"
            + _QUALIFIER
            + r"|_(?:member|beneficiary|subscriber|insurance|insurer|policy)"
            + r"_?(?:id|number|no|num)\d*_",
        ),
        ("account number", r"_(?:bank_?)?(?:account|acct)" + _QUALIFIER),
        ("vehicle identifier", r"_(?:vin|vehicle|licen[cs]e_?plate|plate_?number)" + _QUALIFIER),
        ("licence number", r"_(?:drivers?_?)?licen[cs]e" + _QUALIFIER + r"|_dln_"),
        (
            "device identifier",
            r"_device_?(?:id|identifier|serial|number|no|num)\d*_|_(?:serial|udi|imei)"
            + _QUALIFIER,
        ),
        ("fax number", r"_fax" + _QUALIFIER),
        (
            "phone number",
            r"_(?:tele?phone|phone|tel|cell_?phone|mobile|mobile_?phone|home_?phone|work_?phone)"
            + _QUALIFIER,
        ),
        ("full ZIP code", r"_(?:zip|zip_?code|zip_?5|postal|postal_?code|post_?code)\d*_"),
        ("street address", r"_(?:street|address|addr|address_?line|street_?address)\d*_"),
        (
            "person name",
            r"^_name\d*_$|_(?:first|last|middle|given|family|maiden|full|patient|pt|subject|"
            r"person|mother|father|sur|fore)_?name\d*_|_(?:surname|forename|fname|lname|"
            r"patname|initials)\d*_",
        ),
    )
)
"""(kind, pattern over the normalised name `_token_token_`); order decides the kind shown."""
SAFE_NAMES = re.compile(r"_zip_?3(?:_?digits?)?_|_3_?digits?_?zip")
"""Three-digit ZIP codes are allowed by Safe Harbor (for areas above 20,000 people)."""
MAX_AGE = age_top_code()
"""Ages above it identify (HIPAA Safe Harbor, docs/privacy.md#ages; dbt var `age_top_code`)."""
ROWS_SHOWN = 5


def normalise_name(name: str) -> str:
    """`PatientName`, `PATIENT_NAME`, `patient-name` -> `_patient_name_`."""
    split_camel = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    tokens = [t for t in re.split(r"[^a-z0-9]+", split_camel.lower()) if t]
    return "_" + "_".join(tokens) + "_"


def identifier_kind_of_name(name: str) -> str | None:
    """The kind of direct identifier a column name suggests, or None."""
    normalised = normalise_name(name)
    if SAFE_NAMES.search(normalised):
        return None
    return next((kind for kind, pattern in NAME_PATTERNS if pattern.search(normalised)), None)


def check_column_names(
    table: Table, columns: Iterable[str], *, source_value_exempt: bool, dataset: str, file: str
) -> None:
    """Reject a file whose non-contract column is named like a direct identifier."""
    contract = {c.name for c in table.columns}
    for column in columns:
        if column in contract or (source_value_exempt and column.endswith("_source_value")):
            continue
        kind = identifier_kind_of_name(column)
        if kind:
            raise DataRejected(
                f"the column is named like a direct identifier ({kind}); the de-identification "
                "gate (docs/privacy.md#column-names) admits no such column, loaded or not",
                "drop the column from the export (it is not part of the contract) and load "
                "again; nothing from this file was loaded",
                dataset=dataset,
                file=file,
                column=column,
            )


def value_identifier_kind(value: str) -> str | None:
    """The kind of identifier a single text value looks like, or None."""
    series = pl.Series([value], dtype=pl.String)
    if not series.str.contains(ANY_IDENTIFIER).any():
        return None
    return next(kind for kind, regex in VALUE_PATTERNS if series.str.contains(regex).any())


def screen_values(
    frame: pl.DataFrame,
    columns: Iterable[str],
    *,
    first_row: int,
    exact_count: bool,
    dataset: str,
    file: str,
) -> None:
    """Reject the batch when a value of a text column looks like a direct identifier.

    One combined expression per column runs on every batch; the per-kind search runs only on a
    hit, to report the kind and the rows of the first offending column (in file order).
    """
    text = [c for c in columns if frame.schema[c] == pl.String]
    if not text:
        return
    hits = frame.select(pl.col(c).str.contains(ANY_IDENTIFIER).any() for c in text).row(0)
    hit_column = next((c for c, hit in zip(text, hits, strict=True) if hit), None)
    if hit_column is None:
        return
    kind, rows = _first_kind(frame[hit_column])
    raise identifier_rejection(
        kind,
        [first_row + r for r in rows[:ROWS_SHOWN]],
        len(rows) if exact_count else None,
        dataset=dataset,
        file=file,
        column=hit_column,
    )


def identifier_rejection(
    kind: str, rows: list[int], n_rows: int | None, *, dataset: str, file: str, column: str
) -> DataRejected:
    """The rejection for identifying values: where and what kind, never the value."""
    return DataRejected(
        f"values look like a direct identifier ({kind}), which the de-identification gate "
        "(docs/privacy.md#values) rejects in any text column, loaded or not (the values are not "
        "shown here)",
        "remove or replace those values with non-identifying codes (or drop the column if it "
        "is not part of the contract), then load again; nothing from this file was loaded",
        dataset=dataset,
        file=file,
        column=column,
        rows=rows,
        n_rows=n_rows,
    )


def _first_kind(values: pl.Series) -> tuple[str, list[int]]:
    """The kind matched at the earliest row, and every 0-based row of that kind."""
    best: tuple[int, str, list[int]] | None = None
    for kind, regex in VALUE_PATTERNS:
        rows = values.str.contains(regex).fill_null(False).arg_true().to_list()
        if rows and (best is None or rows[0] < best[0]):
            best = (rows[0], kind, rows)
    assert best is not None, "the combined pattern matched, so one of its parts does"
    return best[1], best[2]


def check_ages(
    ages: pl.Series, *, first_row: int, exact_count: bool, dataset: str, file: str
) -> None:
    """ADSL AGE above MAX_AGE identifies (Safe Harbor): reject, without showing the ages."""
    rows = (ages > MAX_AGE).fill_null(False).arg_true().to_list()
    if rows:
        raise DataRejected(
            f"AGE above {MAX_AGE}: ages over {MAX_AGE - 1} identify a person under HIPAA Safe "
            "Harbor (docs/privacy.md#ages; the ages are not shown here)",
            f"top-code AGE at {MAX_AGE} (set every AGE above {MAX_AGE} to {MAX_AGE}) in the "
            "export and load again; nothing from this file was loaded",
            dataset=dataset,
            file=file,
            column="age",
            rows=[first_row + r for r in rows[:ROWS_SHOWN]],
            n_rows=len(rows) if exact_count else None,
        )
