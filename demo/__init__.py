"""Demo datasets: seven trials (CDISC ADaM) and a registry (OMOP CDM v5.4), all synthetic.

`generate` writes one folder per dataset under `out`, each with its `dataset.yml`
(docs/dataset-contract.md), and
returns the folders in load order. It is what `trd demo` runs before the pipeline, and what
benchmarks use at scale (`--persons 1000000`). See `README.md` here and `docs/demo-data.md`.

Same seed, same bytes: every dataset draws from its own random stream derived from the seed, so
one generator's changes never shift another's numbers, and a re-run replaces the folders cleanly.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

import numpy as np

from core import console
from core.errors import ConfigError
from core.outputs import output_folder
from demo.concepts import load_vocabulary
from demo.registry import DATASET_ID as REGISTRY_ID
from demo.registry import write_registry
from demo.trials import TRIALS, write_trial
from demo.writers import replace_folder

DEFAULT_PERSONS = 5000
DEFAULT_SEED = 20261127

__all__ = ["generate"]


def generate(out: Path, persons: int = DEFAULT_PERSONS, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the demo datasets under `out`; return their folders (trials first, then registry)."""
    if persons < 1:
        raise ConfigError(
            f"--persons must be at least 1 (got {persons})",
            "pass a positive registry size, e.g. --persons 5000",
        )
    vocab = load_vocabulary()  # fail on an incomplete seed before writing anything
    out = output_folder(Path(out), "--data")
    started = time.perf_counter()
    console.say(f"trd demo: writing demo datasets to {out} (seed {seed})")
    folders = []
    for stream, trial in enumerate(TRIALS):
        rng = np.random.default_rng([seed, stream])
        folders.append(
            replace_folder(out / trial.dataset_id, partial(write_trial, trial, rng=rng, seed=seed))
        )
        console.detail(f"  {trial.dataset_id}: {trial.design.n_randomised} subjects randomised")
    registry = partial(
        write_registry, persons=persons, seed=seed, vocab=vocab, progress=console.say
    )
    folders.append(replace_folder(out / REGISTRY_ID, registry))
    console.say(f"trd demo: {len(folders)} datasets in {time.perf_counter() - started:.1f} s")
    return folders
