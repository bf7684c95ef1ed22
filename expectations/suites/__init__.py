"""The check suites, one module per table family: `trial` (ADaM), `registry` (OMOP), `marts`.

Each module declares its checks as rows (`expectations.checks.Check`) and returns them grouped by
table (`suites()`); `references(...)` gives the reference relations (scale ranges, concept sets,
units) that its SQL rules join to.
"""
