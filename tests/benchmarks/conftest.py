"""The benchmark tests compare with the demo registry ingested and built once per session
(`registry_build`, tests/conftest.py).

`benchmarks/` is a folder of scripts run from the repo root (`python -m benchmarks.run`), not
an installed package, so the repo root is put on the import path here.
"""

from __future__ import annotations

import sys

from core.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT))
