"""`python -m fuzz` (with tests/ on PYTHONPATH): run fuzz cases and print their figures.

The cases run in worker processes of `CHUNK` cases each (a crash or a leak in one case cannot
take the run down or skew the next); each worker writes one JSON line per case. A worker that
dies mid-case makes that case a defect ("crash") and the run goes on with the next case.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

CHUNK = 250


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__)
    p.add_argument("--cases", type=int, default=300, help="how many cases (default 300)")
    p.add_argument("--seed", type=int, default=14, help="random stream (default 14)")
    p.add_argument("--first", type=int, default=0, help="number of the first case")
    p.add_argument("--case", type=int, help="run this one case only (and show it)")
    p.add_argument("--keep", type=Path, help="with --case: keep its folder and warehouse here")
    p.add_argument("--report", type=Path, help="also write every outcome here (JSON lines)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return _worker(args.seed, args.first, args.cases)
    if args.case is not None:
        return _one(args.seed, args.case, args.keep)
    outcomes = run(args.seed, args.first, args.cases, args.report)
    figures = summarise(outcomes)
    print_figures(figures, outcomes)
    return 1 if figures["defects"] else 0


def run(seed: int, first: int, cases: int, report: Path | None = None) -> list[dict]:
    """Every case's outcome (as JSON dicts), in chunks run by worker processes; `report`
    receives each chunk's outcomes as they come (JSON lines), so a long run can be followed."""
    outcomes: list[dict] = []
    started = time.perf_counter()
    if report:
        report.write_text("")
    case = first
    while case < first + cases:
        done = _chunk(seed, case, min(CHUNK, first + cases - case))
        outcomes += done
        if report:
            with report.open("a") as f:
                f.writelines(json.dumps(o) + "\n" for o in done)
        case = first + len(outcomes)
        rate = len(outcomes) / max(time.perf_counter() - started, 1e-9)
        print(f"fuzz: {len(outcomes)}/{cases} cases ({rate:.1f}/s)", file=sys.stderr, flush=True)
    return outcomes


def _chunk(seed: int, first: int, n: int) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": _pythonpath(), "DO_NOT_TRACK": "1"}
    command = [sys.executable, "-m", "fuzz", "--worker", "--seed", str(seed)]
    proc = subprocess.run(
        [*command, "--first", str(first), "--cases", str(n)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    outcomes = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if len(outcomes) < n:  # the worker died in case first + len(outcomes)
        crashed = first + len(outcomes)
        outcomes.append(
            {
                "case": crashed,
                "base": "?",
                "mutations": [],
                "categories": [],
                "code": proc.returncode,
                "result": "defect",
                "defects": [f"crash: the worker exited {proc.returncode}: {proc.stderr[-300:]}"],
                "rows_lost": 0,
                "message": "",
                "seconds": 0.0,
            }
        )
    return outcomes


def _pythonpath() -> str:
    tests = str(Path(__file__).resolve().parent.parent)
    return os.pathsep.join(p for p in (tests, os.environ.get("PYTHONPATH", "")) if p)


def _worker(seed: int, first: int, cases: int) -> int:
    from fuzz.harness import prepare, run_case

    with tempfile.TemporaryDirectory(prefix="trd-fuzz-") as tmp:
        pristine = prepare(Path(tmp) / "pristine")
        for case in range(first, first + cases):
            outcome = run_case(seed, case, Path(tmp) / "case", pristine)
            sys.stdout.write(json.dumps(outcome.to_json()) + "\n")
            sys.stdout.flush()
    return 0


def _one(seed: int, case: int, keep: Path | None) -> int:
    from fuzz.harness import prepare, run_case

    with tempfile.TemporaryDirectory(prefix="trd-fuzz-") as tmp:
        work = keep or Path(tmp) / "case"
        outcome = run_case(seed, case, work, prepare(Path(tmp) / "pristine"))
    print(json.dumps(outcome.to_json(), indent=2))
    return 1 if outcome.defects else 0


def summarise(outcomes: list[dict]) -> dict:
    """The run's figures: results, and per defect kind the number of cases showing it."""
    results = Counter(o["result"] for o in outcomes)
    kinds = Counter(
        kind for o in outcomes for kind in {d.split(":")[0] for d in o["defects"]} if kind
    )
    return {
        "cases": len(outcomes),
        "loaded": results["loaded"],
        "unchanged": results["unchanged"],
        "rejected": results["rejected"] + results["config"],
        "rejected_data": results["rejected"],
        "rejected_config": results["config"],
        "tracebacks": kinds["traceback"] + kinds["crash"],
        "hangs": kinds["hang"],
        "changed_warehouses": kinds["changed warehouse"],
        "rows_lost": sum(o["rows_lost"] for o in outcomes),
        "cases_losing_rows": kinds["rows lost"],
        "malformed_files_loaded": kinds["loaded malformed"],
        "rejected_without_message": kinds["no message"],
        "defects": sum(bool(o["defects"]) for o in outcomes),
        "by_category": dict(Counter(c for o in outcomes for c in set(o["categories"]))),
        "seconds_in_cases": round(sum(o["seconds"] for o in outcomes), 1),
    }


def print_figures(figures: dict, outcomes: list[dict]) -> None:
    print(json.dumps(figures, indent=2))
    for o in outcomes:
        if o["defects"]:
            print(f"DEFECT case {o['case']} ({o['base']}): {'; '.join(o['mutations'])}")
            for d in o["defects"]:
                print(f"    {d}")


if __name__ == "__main__":
    sys.exit(main())
