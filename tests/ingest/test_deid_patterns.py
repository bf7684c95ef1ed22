"""The de-identification patterns (docs/privacy.md#de-identification-gate) in isolation: what they
catch and, as important, what
they must let through (dates, LOINC and ICD codes, decimals, UUIDs, study ids)."""

from __future__ import annotations

import polars as pl
import pytest

from core.contracts import TABLES
from core.errors import DataRejected
from ingest.deid import (
    check_column_names,
    identifier_kind_of_name,
    screen_values,
    value_identifier_kind,
)


@pytest.mark.parametrize(
    "value",
    [
        "2014-04-22",
        "2014-04-22 00:00:00",
        "2022-07-08T10:00:00Z",
        "44261-6",
        "48.1",
        "-3.25",
        "1007c05b-8d20-8fe6-6790-44622f8316df",
        "F32.9",
        "01-701-1015",
        "CDISCPILOT01",
        "1.2.840.10008.1",
        "0002-3227-30",
        "12345-6789-01",
        "PHQ-9 total score [Reported]",
        "1 ML Ketamine 50 MG/ML Injection",
        "mg/dL: 120",
        "Brand Name: Prozac",
        "Device: pump",
        "Policy of care",
        "555-1234",
        "999.99.99.999",
        "Week 12",
    ],
)
def test_ordinary_clinical_values_are_not_identifiers(value: str) -> None:
    assert value_identifier_kind(value) is None


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("jane.doe@example.org", "email address"),
        ("123-45-6789", "social security number"),
        ("SSN 123456789", "social security number"),
        ("Fax: (555) 123-4567", "fax number"),
        ("555.123.4567", "phone number"),
        ("+1 555 123 4567", "phone number"),
        ("www.example.com/x", "URL"),
        ("192.168.1.20", "IP address"),
        ("MRN 00012345", "medical record number"),
        ("Medicaid #: 12345678", "health plan beneficiary number"),
        ("acct# 99887766", "account number"),
        ("Driver's license: S123-456-789", "licence number"),
        ("License plate: 7ABC123", "vehicle identifier"),
        ("UDI: 00844588003288", "device identifier"),
        ("Princeton NJ 08540-1234", "full ZIP code"),
        ("12 Main St", "street address"),
        ("Last name = Doe", "person name"),
    ],
)
def test_identifying_values_are_recognised_by_kind(value: str, kind: str) -> None:
    assert value_identifier_kind(value) == kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("PatientName", "person name"),
        ("SURNAME", "person name"),
        ("name", "person name"),
        ("EMAIL_ADDRESS", "email address"),
        ("ipAddress", "IP address"),
        ("address_line_1", "street address"),
        ("zip5", "full ZIP code"),
        ("home-phone", "phone number"),
        ("MEDICARE_NO", "health plan beneficiary number"),
        ("serial_number", "device identifier"),
    ],
)
def test_identifier_column_names_are_recognised_in_any_spelling(name: str, kind: str) -> None:
    assert identifier_kind_of_name(name) == kind


@pytest.mark.parametrize(
    "name",
    [
        "drug_name",
        "studyname",
        "INVNAM",
        "zip3",
        "ZIP_3",
        "provider_id",
        "lot_number",
        "AGEU",
        "location_id",
        "ipdose",
    ],
)
def test_ordinary_column_names_are_not_identifiers(name: str) -> None:
    assert identifier_kind_of_name(name) is None


def test_contract_columns_are_never_identifiers_by_name() -> None:
    for table in TABLES.values():
        # given a file with every column of its table's contract, and one named like a name
        contract = [column.name for column in table.columns]
        # when its column names are screened, then only the non-contract column is rejected
        assert (
            check_column_names(
                table, contract, source_value_exempt=False, dataset="D", file="t.csv"
            )
            is None
        )
        with pytest.raises(DataRejected, match=r"'patient_name'|patient_name"):
            check_column_names(
                table,
                [*contract, "patient_name"],
                source_value_exempt=False,
                dataset="D",
                file="t.csv",
            )


def test_omop_source_value_columns_are_exempt_by_name_only_in_registry_files() -> None:
    # a non-contract OMOP *_source_value column (in LOCATION its name would read as an address)
    check_column_names(
        TABLES["person"],
        ["person_id", "address_source_value"],
        source_value_exempt=True,
        dataset="D",
        file="person.csv",
    )
    with pytest.raises(DataRejected, match=r"named like a direct identifier \(street address\)"):
        check_column_names(
            TABLES["adsl"],
            ["usubjid", "address_source_value"],
            source_value_exempt=False,
            dataset="D",
            file="adsl.csv",
        )


def test_value_screen_names_rows_and_kind_of_the_first_hit_column_but_not_the_value() -> None:
    frame = pl.DataFrame(
        {
            "ok": ["a", "b", "c", "d"],
            "notes": ["fine", "call 555-123-4567", None, "mail x@y.org"],
        }
    )

    with pytest.raises(DataRejected) as caught:
        screen_values(
            frame, ["ok", "notes"], first_row=11, exact_count=True, dataset="D", file="f.csv"
        )

    message = str(caught.value)
    assert message.startswith("dataset D, file f.csv, column notes, rows 12: ")
    assert "(phone number)" in message
    assert "555-123-4567" not in message and "x@y.org" not in message
