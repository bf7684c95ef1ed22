"""REGISTRY-OMOP: a synthetic OMOP CDM v5.4 export of adults treated for depression
(docs/dataset-contract.md#registry-files-omop-cdm-v54).

Each person gets an antidepressant history, then one *index treatment*: a ketamine infusion
series, an esketamine course, a new standard AD, an augmentation agent added to a current AD, or
a course of electroconvulsive therapy (ECT, in `procedure_occurrence`).
Histories are built from 30-day fills, with late refills that merge into one era (gap <= 30 days)
or split it (gap > 30), switches and cross-tapers, so that the era and TRD rules of
docs/derivations.md#registry-cohort have real
work to do. About half the persons meet the TRD rule (>= 2 distinct standard ADs with adequate
>= 42-day eras in the 730 days before index); the others fail it for the reasons real data fail it:
one trial only, a trial too short, a trial too old, no prior AD, no MDD diagnosis (or one only
after index), an observation period that began < 365 days before index, or a bipolar,
schizophrenia or psychotic-disorder record on or before index (the TRD phenotype's exclusions;
some such records come only after index, which does not exclude). Drugs are clinical drugs that
roll up to their ingredients through the dataset's own concept_ancestor (`concepts.py`).

Outcomes are PHQ-9 totals in `observation` (as Synthea-based CDMs store them) and, for a subset,
MADRS totals in `measurement`, on the latent-improvement model of `outcomes.py`: a baseline in the
30 days before index and follow-ups near days 1, 7, 14, 28, 42, 56 and 84 with jitter and missed
visits. Ketamine and esketamine act within a day; standard ADs and augmentation over weeks.
Baseline CRP, IL-6, TNF-alpha, C3 and C4 are in `measurement` (CRP partly in mg/dL), and ketamine
response depends on inflammation as in the KETAMINE-MIDAZOLAM trial.

The registry is generated in chunks of persons with vectorised numpy and written chunk by chunk,
so memory stays bounded (~0.5 GB) and 1,000,000 persons take about half a minute.
"""

from demo.registry.assembly import chunk_tables, write_registry
from demo.registry.design import DATASET_ID

__all__ = ["DATASET_ID", "chunk_tables", "write_registry"]
