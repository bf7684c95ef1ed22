"""Data quality (docs/data-quality.md): Great Expectations suites, run inside DuckDB.

In: a dataset staged by ingest (`raw_gate.run_raw_checks`, which rejects a load on any
error-level failure), or the whole warehouse after `trd build` (`check.check`, `trd check`).
Out: `CheckResult`s (`results.py`), the `dq` tables (`store.py`), local GX Data Docs and JUnit XML
(`junit.py`).

- `suites/` declares the checks as metadata rows, one module per table family (trial, registry,
  marts); `checks.py` turns a row into a GX expectation; `reference.py` reads the seeds they use.
- `runner.py` validates one dataset's tables through GX; `gx_duckdb.py` makes GX's SQL data
  source work on an open DuckDB connection (GX issue 11579).
"""
