"""`trd`: the command line of the warehouse (SPEC 2).

Each subcommand calls one stage; stage modules are imported lazily so `trd --help` is instant.
Exit codes: 0 success, 1 data rejected or an error-level check failed, 2 usage/configuration.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from expectations.results import RawGateRun
from trd.errors import TrdError
from trd.settings import data_docs_dir, warehouse_path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="trd",
        description="TRD Outcomes Warehouse: ingest trial (ADaM) and registry (OMOP) data, "
        "derive response and remission, check data quality, render reports.",
    )
    p.add_argument(
        "--warehouse",
        help="DuckDB file (default: $TRD_WAREHOUSE, else warehouse.duckdb in the working dir)",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("ingest", help="load dataset folders into raw (atomic, contract-checked)")
    s.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="dataset folder(s)")

    s = sub.add_parser("build", help="run dbt: staging -> intermediate -> marts -> reporting")
    s.add_argument("--select", help="dbt selection (default: everything)")

    s = sub.add_parser("check", help="run the data-quality suites on raw and marts")
    s.add_argument("--junit", type=Path, help="also write JUnit XML here (for CI)")

    s = sub.add_parser("report", help="render the stakeholder reports (HTML)")
    _report_args(s)

    s = sub.add_parser("run", help="ingest DIR..., build, check and report")
    s.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="dataset folder(s)")
    s.add_argument("--junit", type=Path, help="also write JUnit XML here (for CI)")
    _report_args(s)

    s = sub.add_parser("demo", help="generate the demo datasets and run everything on them")
    s.add_argument("--data", type=Path, default=Path("demo_data"), help="where to write them")
    s.add_argument("--persons", type=int, default=5000, help="registry size (default 5000)")
    s.add_argument("--seed", type=int, default=20261127, help="random seed (deterministic)")
    s.add_argument("--data-only", action="store_true", help="only generate the files")
    _report_args(s)
    return p


def _report_args(s: argparse.ArgumentParser) -> None:
    s.add_argument("--out", type=Path, help="report folder (default: reports/_site)")
    s.add_argument(
        "--allow-failed-checks",
        action="store_true",
        help="render despite error-level data-quality failures (a banner says so on every page)",
    )
    s.add_argument(
        "--suppression",
        choices=("cms",),
        help="apply the cms small-cell policy (counts 1-10 shown as <11) to every dataset in this "
        "render, whatever its dataset.yml `suppression` says",
    )


def _ingest(dirs: Sequence[Path], warehouse: Path, gate_run: RawGateRun | None = None) -> int:
    from ingest.load import ingest_datasets

    return ingest_datasets(dirs, warehouse, gate_run)


def _build(warehouse: Path, select: str | None = None) -> int:
    from trd.build import build

    return build(warehouse, select=select)


def _check(warehouse: Path, junit: Path | None, gate_run: RawGateRun | None = None) -> int:
    from expectations.check import check

    return check(warehouse, junit=junit, gate_run=gate_run)


def _report(warehouse: Path, args: argparse.Namespace) -> int:
    from reports.render import render

    return render(
        warehouse,
        out=args.out,
        allow_failed_checks=args.allow_failed_checks,
        suppression=args.suppression,
    )


def _pipeline(dirs: Sequence[Path], warehouse: Path, args: argparse.Namespace) -> int:
    """Stages one after another (DuckDB allows one writer); stop at the first failure.

    The check stage reuses the raw-gate results of the datasets the ingest stage has just
    loaded (same suites, same rows) instead of running those suites a second time.
    """
    gate_run = RawGateRun(data_docs_dir(warehouse))
    for stage in (
        lambda: _ingest(dirs, warehouse, gate_run),
        lambda: _build(warehouse),
        lambda: _check(warehouse, getattr(args, "junit", None), gate_run),
        lambda: _report(warehouse, args),
    ):
        code = stage()
        if code != 0:
            return code
    return 0


def _demo(warehouse: Path, args: argparse.Namespace) -> int:
    from trd.demo import generate

    dirs = generate(args.data, persons=args.persons, seed=args.seed)
    if args.data_only:
        return 0
    return _pipeline(dirs, warehouse, args)


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    args = _parser().parse_args(argv)
    warehouse = warehouse_path(args.warehouse)
    try:
        match args.command:
            case "ingest":
                return _ingest(args.dirs, warehouse)
            case "build":
                return _build(warehouse, args.select)
            case "check":
                return _check(warehouse, args.junit)
            case "report":
                return _report(warehouse, args)
            case "run":
                return _pipeline(args.dirs, warehouse, args)
            case "demo":
                return _demo(warehouse, args)
    except TrdError as err:
        print(f"trd {args.command}: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print(f"trd {args.command}: interrupted; nothing half-written was kept", file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
