"""Sections of the report pages, one module per page or part of a page, as HTML strings built
from the `reporting.*` views (small-cell suppression already applied there, in SQL).

Each function reads what it needs through `_common.query` and returns HTML for `_common.show`,
so a page is a sequence of headings and one-line cells. Counts are printed only through the
views' `*_display` columns (`_common.shown`); no rule of suppression lives in Python.

- `layout`: what every page shares (dataset headings, folded blocks, the demo-data banner).
- `findings`: the answer first (index): per question, pooled trial and registry estimates.
- `outcomes`: rates, comparisons and the forest plot (index and the per-dataset pages).
- `adjusted`: crude beside propensity-score adjusted registry comparisons, Love plot, E-values.
- `cohort`: episodes and attrition.
- `biomarkers`: response by inflammation and marker change.
- `data_quality`: status line, every check, concept-set diagnostics.
- `provenance`: datasets, files, code and tool versions.
- `methods`: the seeds and dbt vars the methods page prints.
"""
