"""Reference lists as SQL relations for the checks' queries (values lists a query can join).

The lists themselves come from the reference layer (`core.reference`: the dbt seeds and vars),
so a rule the models apply with `ref('<seed>')` is applied here to the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from core.reference import biomarker_plausible_max, biomarker_units
from expectations import dialect


def literal(value: object) -> str:
    """An SQL literal (null, numbers as they are, text quoted as the engine escapes it:
    `expectations.dialect`)."""
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    return dialect.string_literal(str(value))


def values_relation(rows: Iterable[Sequence[object]], columns: Sequence[str]) -> str:
    """A parenthesised relation of literal rows, usable after FROM or JOIN (empty when no rows)."""
    body = ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)
    if not body:
        nulls = ", ".join(f"null as {c}" for c in columns)
        return f"(select {nulls} where false)"
    return f"(select * from (values {body}) as v({', '.join(columns)}))"


def biomarker_units_relation() -> str:
    """Accepted units per biomarker concept set, with the factor to the marker's standard unit
    and its plausible maximum: (concept_set, unit, unit_concept_id, factor_to_standard,
    plausible_max)."""
    maxima = biomarker_plausible_max()
    return values_relation(
        [
            (u.marker, u.unit, u.unit_concept_id, u.factor_to_standard, maxima[u.marker])
            for u in biomarker_units()
        ],
        ("concept_set", "unit", "unit_concept_id", "factor_to_standard", "plausible_max"),
    )
