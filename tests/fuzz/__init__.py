"""A seeded mutation fuzzer of `trd ingest` (docs/dataset-contract.md#what-gets-rejected: bad input
is loaded whole or rejected).

Valid trial and registry datasets (`bases.py`) are mutated (`mutators.py`: bytes, line ends,
encodings, CSV structure, values, dataset.yml, file kinds, symbolic links) and ingested, in
process, into a copy of a warehouse that already holds their valid versions (`harness.py`).
Each case must either load with every row of every contract file accounted for, or be rejected
with a message (exit 1 or 2) leaving the warehouse as it was: never a traceback, an internal
error, a hang or a changed warehouse. Every case is reproducible from (seed, case number).

    make fuzz N=10000                      # the long run (figures and defects printed)
    PYTHONPATH=tests .venv/bin/python -m fuzz --cases 300 --seed 7
    PYTHONPATH=tests .venv/bin/python -m fuzz --case 123 --seed 7 --keep /tmp/case123

`test_fuzz.py` runs a fast slice of 180 cases (about a minute) in `make test`.
"""
