"""The generated parts of the docs pages, one function per marker name.

Each function returns the Markdown that goes between `<!-- generated:<name> -->` and
`<!-- /generated -->` in a page under `docs/`. They read the project only through `sources`, so
that what the pages say about the contract, the checks, the seeds and the models is what the code
declares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from trd.docs import sources

KAHN_CATEGORY_OF_TEST: dict[str, str] = {
    "not_null": "completeness",
    "accepted_values": "conformance",
    "relationships": "conformance",
    "unique": "plausibility",
    "unique_combination_of_columns": "plausibility",
    "expression_is_true": "plausibility",
}
"""Kahn category of each kind of dbt data test: a value that must be present is completeness, a
value from a vocabulary or another table conformance, uniqueness and arithmetic rules
plausibility (Kahn et al. 2016 file uniqueness under plausibility)."""

RAW_METADATA_TABLES = (
    "datasets",
    "dataset_arms",
    "dataset_parameters",
    "dataset_visits",
    "dataset_remission",
    "load_audit",
)
"""The raw tables ingest writes besides the contract tables (their columns: dbt sources YAML)."""

SEED_ROWS_SHOWN = 60
"""Seeds longer than this (t_quantiles) are summarised, not listed."""


# ---- Markdown helpers ----------------------------------------------------------------------------


def cell(text: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def code(text: str) -> str:
    """An inline code span that survives backticks in `text` (`cell` escapes table pipes)."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def folded(summary: str, body: str) -> str:
    """A `<details>` block (GitHub renders Markdown inside it after a blank line)."""
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


# ---- dataset contract ----------------------------------------------------------------------------


def file_formats() -> str:
    return table(
        ("extension", "format"),
        ((code(ext), name) for ext, name in sources.file_formats()),
    )


def dataset_yml_keys() -> str:
    return table(
        ("key", "accepts", "default"),
        ((f"[{code(k.key)}](#{k.key})", k.allowed, k.default) for k in sources.dataset_keys()),
    )


def _contract_tables(tables: Sequence[sources.Table]) -> str:
    described = sources.source_descriptions()
    parts = []
    for t in tables:
        table_doc, column_docs = described.get(t.name, (t.description, {}))
        key = ", ".join(t.key) if t.key else "none"
        status = "required" if t.required else "optional"
        if t.name in sources.EVENT_TABLES_ONE_REQUIRED:
            others = " or ".join(sources.EVENT_TABLES_ONE_REQUIRED)
            status = f"at least one of {others} is required"
        parts.append(
            f"#### {t.name}\n\n{table_doc or t.description}\n\n"
            f"File: {status}. Unique key within a dataset: {key}.\n\n"
            + table(
                ("column", "type", "required", "never empty", "loaded", "meaning"),
                (
                    (
                        code(c.name),
                        c.type,
                        _yes(c.required),
                        _yes(c.not_null),
                        "yes" if c.load else "no: checked for duplicates only",
                        column_docs.get(c.name) or c.description,
                    )
                    for c in t.columns
                ),
            )
        )
    return "\n\n".join(parts)


def contract_trial() -> str:
    return _contract_tables(sources.TRIAL_TABLES)


def contract_registry() -> str:
    return _contract_tables(sources.REGISTRY_TABLES)


def contract_summary() -> str:
    """One line per table: the overview of the how-to page (the detail: `contract_trial`...)."""

    def names(table: sources.Table, columns: Iterable[sources.Column]) -> str:
        shown = [c.name.upper() if table.source == "trial" else c.name for c in columns]
        return ", ".join(shown)

    rows = []
    for t in (*sources.TRIAL_TABLES, *sources.REGISTRY_TABLES):
        status = "required" if t.required else "optional"
        if t.name in sources.EVENT_TABLES_ONE_REQUIRED:
            status = "one of " + " or ".join(sources.EVENT_TABLES_ONE_REQUIRED)
        rows.append(
            (
                f"[{code(t.name)}](dataset-contract.md#{t.name})",
                t.source,
                status,
                names(t, (c for c in t.columns if c.required)),
                names(t, (c for c in t.columns if not c.required)),
                names(t, (t.column(k) for k in t.key)),
            )
        )
    return table(
        ("table", "source", "file", "required columns", "optional columns", "unique"), rows
    )


def audit_columns() -> str:
    return table(
        ("column", "type", "meaning"),
        ((code(c.name), c.type, c.description) for c in sources.AUDIT_COLUMNS),
    )


# ---- seeds and parameters ------------------------------------------------------------------------


def _seed_table(name: str, columns: Sequence[tuple[str, str]]) -> str:
    """The rows of a seed: (column, header) pairs."""
    return table(
        [h for _, h in columns], ([r[c] for c, _ in columns] for r in sources.seed_rows(name))
    )


def treatment_classes() -> str:
    return _seed_table("treatment_classes", [("treatment_class", "class"), ("description", "what")])


def scales() -> str:
    return _seed_table(
        "scales",
        [
            ("scale", "scale"),
            ("description", "name"),
            ("score_min", "lowest score"),
            ("score_max", "highest score"),
            ("remission_threshold", "remission when score <="),
            ("pooling_preference", "pooling preference"),
        ],
    )


def scale_parameters() -> str:
    return _seed_table("scale_parameters", [("paramcd", "ADQS PARAMCD"), ("scale", "scale")])


def timepoints() -> str:
    return _seed_table(
        "timepoints",
        [
            ("timepoint", "timepoint"),
            ("target_day", "target day after index"),
            ("window_start", "window from day"),
            ("window_end", "window to day (inclusive; LOCF cut-off)"),
        ],
    )


def parameters() -> str:
    users = sources.var_users()
    return table(
        ("dbt var", "value", "read by"),
        (
            (
                code(name),
                value,
                ", ".join(code(u) for u in users.get(name, [])) or "the report pages only",
            )
            for name, value in sources.dbt_vars().items()
        ),
    )


def seeds() -> str:
    """Every seed: its description, columns and rows (long seeds summarised)."""
    docs = sources.seed_docs()
    parts = []
    for name in sources.seed_names():
        doc = docs.get(name, {})
        rows = sources.seed_rows(name)
        columns = [
            (c["name"], sources.one_line(c.get("description", ""))) for c in doc.get("columns", [])
        ]
        body = [
            f"### {name}",
            f"`seeds/{name}.csv`: {sources.one_line(doc.get('description', ''))}",
            table(("column", "meaning"), ((code(c), d) for c, d in columns)),
        ]
        if len(rows) > SEED_ROWS_SHOWN:
            body.append(f"{len(rows)} rows: see the file.")
        elif name == "concept_sets":
            body.append(_concept_sets(rows))
        else:
            body.append(
                folded(f"{len(rows)} rows", table(list(rows[0]), (r.values() for r in rows)))
            )
        parts.append("\n\n".join(body))
    return "\n\n".join(parts)


def _concept_sets(rows: list[dict[str, str]]) -> str:
    by_set: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_set.setdefault(r["concept_set"], []).append(r)
    shown = [c for c in rows[0] if c != "concept_set"]
    return "\n\n".join(
        folded(
            f"<code>{name}</code>: {len(members)} concepts",
            table(shown, ([r[c] for c in shown] for r in members)),
        )
        for name, members in by_set.items()
    )


# ---- outputs -------------------------------------------------------------------------------------


def raw_metadata() -> str:
    described = sources.source_descriptions()
    parts = []
    for name in RAW_METADATA_TABLES:
        doc, columns = described[name]
        parts.append(
            f"#### raw.{name}\n\n{doc}\n\n"
            + table(("column", "meaning"), ((code(c), d) for c, d in columns.items()))
        )
    return "\n\n".join(parts)


def _grain(model: sources.Model) -> str | None:
    for test in model.tests:
        if isinstance(test, dict) and "unique_combination_of_columns" in test:
            columns = test["unique_combination_of_columns"]["arguments"]["combination_of_columns"]
            return ", ".join(code(c) for c in columns)
    return None


def _models(folder: str, heading: Callable[[sources.Model], str]) -> str:
    parts = []
    for model in sources.models(folder):
        grain = _grain(model)
        lines = [f"### {heading(model)}", model.description]
        if grain:
            lines.append(f"One row per {grain}.")
        model_name = "" if model.relation.endswith(f".{model.name}") else f"Model `{model.name}`, "
        lines.append(f"{model_name}documented in `{model.yaml_file}`.".capitalize())
        lines.append(
            table(
                ("column", "meaning"),
                (
                    (code(c["name"]), sources.one_line(c.get("description", "")))
                    for c in model.columns
                ),
            )
        )
        parts.append("\n\n".join(lines))
    return "\n\n".join(parts)


def marts() -> str:
    return _models("marts", lambda m: m.name)


def reporting() -> str:
    return _models("reporting", lambda m: m.relation)


# ---- data quality --------------------------------------------------------------------------------


def _is_contract_check(check: sources.Check) -> bool:
    """The checks `contract_checks` derives from the contract: columns present, typed, filled."""
    suffix = check.check_id.split(".", 1)[1]
    return suffix == "required_columns_present" or (
        check.column is not None and suffix in (f"{check.column}_type", f"{check.column}_not_null")
    )


def _check_rows(checks: Iterable[sources.Check]) -> str:
    return table(
        ("check", "column", "category", "severity", "rule", "when it fails"),
        (
            (code(c.check_id), c.column or "", c.category, c.severity, c.description, c.fix)
            for c in checks
        ),
    )


def _checks(family: str) -> str:
    parts = []
    for suite in sources.check_suites()[family]:
        contract = [c for c in suite.checks if _is_contract_check(c)]
        declared = [c for c in suite.checks if not _is_contract_check(c)]
        title = suite.table if family != "marts" else f"marts.{suite.table}"
        body = [f"### {title}"]
        if declared:
            body.append(_check_rows(declared))
        if contract:
            body.append(
                folded(
                    f"{len(contract)} contract checks (columns present, typed, not empty)",
                    _check_rows(contract),
                )
            )
        parts.append("\n\n".join(body))
    return "\n\n".join(parts)


def checks_trial() -> str:
    return _checks("trial")


def checks_registry() -> str:
    return _checks("registry")


def checks_marts() -> str:
    return _checks("marts")


def check_counts() -> str:
    rows = []
    for family, suites in sources.check_suites().items():
        checks = [c for s in suites for c in s.checks]
        for severity in ("error", "warn"):
            for category in ("conformance", "completeness", "plausibility"):
                n = sum(1 for c in checks if c.severity == severity and c.category == category)
                if n:
                    rows.append((family, severity, category, n))
    return table(("suites", "severity", "category", "checks"), rows)


def _test_name_and_rule(test: Any) -> tuple[str, str]:
    if isinstance(test, str):
        return test, ""
    name, spec = next(iter(test.items()))
    args = (spec or {}).get("arguments", spec or {})
    if name == "accepted_values":
        return name, "one of " + ", ".join(map(str, args["values"]))
    if name == "relationships":
        return name, f"in {args['to']}.{args['field']}"
    if name == "expression_is_true":
        return name, code(args["expression"])
    if name == "unique_combination_of_columns":
        return name, "unique " + ", ".join(args["combination_of_columns"])
    return name, ""


def _severity(test: Any) -> str:
    if isinstance(test, dict):
        spec = next(iter(test.values())) or {}
        return str((spec.get("config") or {}).get("severity", "error")).lower()
    return "error"


def dbt_tests() -> str:
    parts = []
    for folder in ("marts", "reporting"):
        for model in sources.models(folder):
            rows = []
            for test in model.tests:
                name, rule = _test_name_and_rule(test)
                rows.append(
                    ("(row)", name, rule, KAHN_CATEGORY_OF_TEST.get(name, ""), _severity(test))
                )
            for column in model.columns:
                for test in column.get("data_tests", []):
                    name, rule = _test_name_and_rule(test)
                    rows.append(
                        (
                            code(column["name"]),
                            name,
                            rule,
                            KAHN_CATEGORY_OF_TEST.get(name, ""),
                            _severity(test),
                        )
                    )
            if rows:
                tags = ", ".join(code(t) for t in model.tags)
                parts.append(
                    folded(
                        f"<code>{model.relation}</code>: {len(rows)} tests"
                        + (f" (tags {', '.join(model.tags)})" if tags else ""),
                        table(("column", "test", "rule", "category", "severity"), rows),
                    )
                )
    return "\n\n".join(parts)


def test_categories() -> str:
    return table(
        ("dbt test", "category"),
        ((code(name), category) for name, category in KAHN_CATEGORY_OF_TEST.items()),
    )


# ---- privacy -------------------------------------------------------------------------------------


def identifier_names() -> str:
    kinds = [k for k in sources.identifier_kinds() if k.name_patterns]
    return table(
        ("kind", "column names matched (pattern over the normalised name)"),
        ((k.kind, "<br>".join(code(p) for p in k.name_patterns)) for k in kinds),
    ) + (
        "\n\nNever an identifier by name (three-digit ZIP codes): "
        + code(sources.identifier_name_exemptions())
        + "."
    )


def identifier_values() -> str:
    kinds = [k for k in sources.identifier_kinds() if k.value_patterns]
    return table(
        ("kind", "values matched (regular expression, searched in every text value)"),
        ((k.kind, "<br>".join(code(p) for p in k.value_patterns)) for k in kinds),
    )


def privacy_parameters() -> str:
    v = sources.dbt_vars()
    policies = sources.default_suppression()
    return table(
        ("what", "value", "set in"),
        (
            (
                "ADSL AGE above which a trial is rejected",
                sources.adsl_max_age(),
                "`ingest/deid.py`",
            ),
            (
                "implied registry age above which a warning is raised",
                sources.registry_max_age(),
                "`expectations/suites/registry.py`",
            ),
            ("age top-code in marts and reports", v["age_top_code"], "dbt var `age_top_code`"),
            (
                "small-cell threshold T: under `cms`, counts from 1 to T - 1 are hidden",
                v["small_cell_threshold"],
                "dbt var `small_cell_threshold`",
            ),
            *(
                (f"policy of a {source} without `suppression`", f"`{policy}`", "`ingest/config.py`")
                for source, policy in policies.items()
            ),
        ),
    )


SECTIONS: dict[str, Callable[[], str]] = {
    "file-formats": file_formats,
    "dataset-yml-keys": dataset_yml_keys,
    "contract-trial": contract_trial,
    "contract-registry": contract_registry,
    "contract-summary": contract_summary,
    "audit-columns": audit_columns,
    "treatment-classes": treatment_classes,
    "scales": scales,
    "scale-parameters": scale_parameters,
    "timepoints": timepoints,
    "parameters": parameters,
    "seeds": seeds,
    "raw-metadata": raw_metadata,
    "marts": marts,
    "reporting": reporting,
    "check-counts": check_counts,
    "checks-trial": checks_trial,
    "checks-registry": checks_registry,
    "checks-marts": checks_marts,
    "dbt-tests": dbt_tests,
    "test-categories": test_categories,
    "identifier-names": identifier_names,
    "identifier-values": identifier_values,
    "privacy-parameters": privacy_parameters,
}
"""Marker name -> the function that renders it."""
