"""docs/outputs.md lists every column of every mart and reporting view, and of the raw tables
ingest writes besides the contract: it is generated from the dbt YAML, so the YAML must document
exactly the columns the build produces.

Given a warehouse built by dbt (empty marts); when its columns are compared with the YAML; then
every column is documented, with a description, and no documented column is missing.
"""

from __future__ import annotations

import pytest
from support.dbt import BareBuild
from support.warehouse import query

from trd.docs.sections import RAW_METADATA_TABLES
from trd.docs.sources import models, source_descriptions

pytestmark = pytest.mark.slow


def built_columns(build: BareBuild, schema: str) -> dict[str, list[str]]:
    rows = query(
        build.warehouse,
        "select table_name, column_name from information_schema.columns "
        f"where table_schema = '{schema}' order by table_name, ordinal_position",
    )
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


@pytest.mark.parametrize("schema", ["marts", "reporting"])
def test_every_built_column_is_documented_and_every_documented_column_built(
    bare_build: BareBuild, schema: str
) -> None:
    built = built_columns(bare_build, schema)
    documented = {m.relation.split(".")[1]: m for m in models(schema)}
    assert sorted(documented) == sorted(built)
    gaps = {}
    for table, columns in built.items():
        described = {c["name"] for c in documented[table].columns if c.get("description")}
        undocumented = sorted(set(columns) - described)
        not_built = sorted({c["name"] for c in documented[table].columns} - set(columns))
        if undocumented or not_built:
            gaps[table] = {"undocumented": undocumented, "documented, not built": not_built}
    assert gaps == {}


def test_the_raw_tables_of_dataset_settings_and_audit_are_documented(
    bare_build: BareBuild,
) -> None:
    built = built_columns(bare_build, "raw")
    described = source_descriptions()
    for table in RAW_METADATA_TABLES:
        assert sorted(described[table][1]) == sorted(built[table]), table
