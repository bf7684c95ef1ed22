"""`trd`: the command line of the warehouse (docs/architecture.md).

Each subcommand calls one stage; stage modules are imported lazily so `trd --help` is instant.
Every failure a user can act on is a message with the fix and an exit code (below), never a
traceback; `--warehouse` and `-v` are accepted before or after the subcommand.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path

from core import console, interrupts
from core.errors import Exit, TrdError
from core.outputs import describe_os_error
from core.reference import small_cell_threshold
from core.settings import ENGINES, data_docs_dir, engine, warehouse_path
from expectations.results import RawGateRun

EXIT_CODES = """exit codes:
  0    success
  1    data rejected, an error-level data-quality check failed, or the report was refused
  2    usage or configuration error (arguments, paths, dataset.yml)
  75   the warehouse is busy (another process has it open): retry later
  130  interrupted (Ctrl-C): a load keeps nothing; the report will not use a cut build or check
  70   an internal error of trd (a bug: please report it with the output of `trd -v ...`)"""


INTERRUPTED = {
    "ingest": "the dataset being loaded was left as it was (nothing half-loaded is kept)",
    "build": "the build did not finish (dq.builds records it so): run `trd build` again",
    "check": "no check run was recorded",
    "report": "the report folder may be incomplete: run `trd report` again",
    "run": "stopped in the stage that was running: run the command again",
    "demo": "stopped in the stage that was running: run the command again",
}
"""What Ctrl-C leaves behind, per command."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="trd",
        description="TRD Outcomes Warehouse: ingest trial (ADaM) and registry (OMOP) data, "
        "derive response and remission, check data quality, render reports.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _global_args(p, argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = _subcommand(sub, "ingest", "load dataset folders into raw (atomic, contract-checked)")
    s.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="dataset folder(s)")

    s = _subcommand(sub, "build", "run dbt: staging -> intermediate -> marts -> reporting")
    s.add_argument("--select", help="dbt selection (default: everything)")

    s = _subcommand(sub, "check", "run the data-quality suites on raw and marts")
    s.add_argument("--junit", type=Path, help="also write JUnit XML to this file (for CI)")

    s = _subcommand(sub, "report", "render the stakeholder reports (HTML)")
    _report_args(s)

    s = _subcommand(sub, "run", "ingest DIR..., build, check and report")
    s.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="dataset folder(s)")
    s.add_argument("--junit", type=Path, help="also write JUnit XML to this file (for CI)")
    _report_args(s)

    s = _subcommand(sub, "demo", "generate the demo datasets and run everything on them")
    s.add_argument("--data", type=Path, default=Path("demo_data"), help="where to write them")
    s.add_argument("--persons", type=int, default=5000, help="registry size (default 5000)")
    s.add_argument("--seed", type=int, default=20261127, help="random seed (deterministic)")
    s.add_argument("--data-only", action="store_true", help="only generate the files")
    _report_args(s)
    return p


def _subcommand(sub: argparse._SubParsersAction, name: str, help_: str) -> argparse.ArgumentParser:
    s = sub.add_parser(
        name,
        help=help_,
        description=help_,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _global_args(s, argparse.SUPPRESS)
    return s


def _global_args(p: argparse.ArgumentParser, default: object) -> None:
    """The same options on the main parser and on each subcommand, so either place works;
    SUPPRESS keeps a subcommand from overwriting a value given before it."""
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default=default,
        help="where the warehouse runs: duckdb (a file) or spark (a folder; "
        "docs/scale-out.md); default: $TRD_ENGINE, else duckdb",
    )
    p.add_argument(
        "--warehouse",
        default=default,
        help="DuckDB file (default: $TRD_WAREHOUSE, else warehouse.duckdb in the working dir); "
        "with --engine spark a folder (default: $TRD_SPARK_WAREHOUSE, else spark-warehouse)",
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default,
        help="show details: per-step timings, per-table checks, dbt's node log",
    )


def _report_args(s: argparse.ArgumentParser) -> None:
    s.add_argument("--out", type=Path, help="report folder (default: reports/_site)")
    s.add_argument(
        "--allow-failed-checks",
        action="store_true",
        help="render despite failed or stale data-quality checks (a banner says so on every page)",
    )
    threshold = small_cell_threshold()
    s.add_argument(
        "--suppression",
        choices=("cms",),
        help=f"apply the cms small-cell policy (counts 1-{threshold - 1} shown as <{threshold}) "
        "to every dataset in this render, whatever its dataset.yml `suppression` says",
    )


def _ingest(
    dirs: Sequence[Path], warehouse: Path, engine_name: str, gate_run: RawGateRun | None = None
) -> int:
    from expectations.gate import RawChecks
    from ingest.load import ingest_datasets

    return ingest_datasets(dirs, warehouse, RawChecks(gate_run), engine_name)


def _build(warehouse: Path, engine_name: str, select: str | None = None) -> int:
    from trd.build import build

    return build(warehouse, select=select, engine=engine_name)


def _check(
    warehouse: Path, engine_name: str, junit: Path | None, gate_run: RawGateRun | None = None
) -> int:
    from expectations.check import check

    return check(warehouse, junit=junit, gate_run=gate_run, engine=engine_name)


def _report(warehouse: Path, engine_name: str, args: argparse.Namespace) -> int:
    from reports.render import render

    return render(
        warehouse,
        out=args.out,
        allow_failed_checks=args.allow_failed_checks,
        suppression=args.suppression,
        engine=engine_name,
    )


def _pipeline(
    dirs: Sequence[Path], warehouse: Path, engine_name: str, args: argparse.Namespace
) -> int:
    """Stages one after another (DuckDB allows one writer); stop at the first failure.

    The check stage reuses the raw-gate results of the datasets the ingest stage has just
    loaded (same suites, same rows) instead of running those suites a second time. Output
    paths are checked before the first stage, so a bad --out fails in seconds, not at the end.
    """
    _check_outputs(args)
    gate_run = RawGateRun(data_docs_dir(warehouse))
    for stage in (
        lambda: _ingest(dirs, warehouse, engine_name, gate_run),
        lambda: _build(warehouse, engine_name),
        lambda: _check(warehouse, engine_name, getattr(args, "junit", None), gate_run),
        lambda: _report(warehouse, engine_name, args),
    ):
        code = stage()
        if code != 0:
            return code
    return 0


def _check_outputs(args: argparse.Namespace) -> None:
    from core.outputs import output_file, output_folder

    if getattr(args, "junit", None) is not None:
        args.junit = output_file(args.junit, "--junit")
    if getattr(args, "out", None) is not None:
        args.out = output_folder(args.out, "--out")


def _demo(warehouse: Path, engine_name: str, args: argparse.Namespace) -> int:
    from demo import generate

    if not args.data_only:
        _check_outputs(args)
    dirs = generate(args.data, persons=args.persons, seed=args.seed)
    if args.data_only:
        return 0
    return _pipeline(dirs, warehouse, engine_name, args)


def _dispatch(args: argparse.Namespace, warehouse: Path, engine_name: str) -> int:
    match args.command:
        case "ingest":
            return _ingest(args.dirs, warehouse, engine_name)
        case "build":
            return _build(warehouse, engine_name, args.select)
        case "check":
            return _check(warehouse, engine_name, args.junit)
        case "report":
            return _report(warehouse, engine_name, args)
        case "run":
            return _pipeline(args.dirs, warehouse, engine_name, args)
        case "demo":
            return _demo(warehouse, engine_name, args)
    return Exit.USAGE


def _python_handles_ctrl_c() -> None:
    """Give Ctrl-C back to Python (core/interrupts.py: raise KeyboardInterrupt, and remember).

    Polars installs a SIGINT handler of its own when imported (polars PR 20961); a Ctrl-C
    pressed while a Polars call runs only sets a flag that the call may never look at, so
    `trd ingest` went on loading (measured: 2 of 12 interrupts lost). Polars is imported here
    first, so that no later import can put its handler back, with Ctrl-C held back meanwhile
    (a Ctrl-C pressed during the import is raised as soon as Python's handler is back)."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        import polars  # noqa: F401 (imported for that side effect)

        interrupts.install()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `trd` command; returns its exit code (see EXIT_CODES)."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    args = _parser().parse_args(argv)
    console.set_verbose(bool(getattr(args, "verbose", False)))
    command = f"trd {args.command}"
    try:
        _python_handles_ctrl_c()
        engine_name = engine(getattr(args, "engine", None))
        warehouse = warehouse_path(getattr(args, "warehouse", None), engine_name)
        return _dispatch(args, warehouse, engine_name)
    except KeyboardInterrupt:
        return _interrupted(command, args.command)
    except TrdError as err:
        if interrupts.pressed():  # e.g. DuckDB's "Query interrupted", turned into a message
            return _interrupted(command, args.command)
        console.warn(f"{command}: {err}")
        return err.exit_code
    except OSError as err:
        if interrupts.pressed():
            return _interrupted(command, args.command)
        console.warn(
            f"{command}: cannot read or write {describe_os_error(err)}. Fix: check that the "
            "path exists, is of the right kind (file or folder) and that you may write there"
        )
        return Exit.USAGE
    except Exception as err:  # noqa: BLE001 (the last resort: a message, not a traceback)
        if interrupts.pressed():  # DuckDB raises RuntimeError("Query interrupted")
            return _interrupted(command, args.command)
        if console.verbose():
            traceback.print_exc()
        console.warn(
            f"{command}: internal error ({type(err).__name__}: {str(err)[:300]}). This is a "
            "bug in trd, not a problem with your data: please report it with the output of "
            f"the same command run with -v"
        )
        return Exit.BUG


def _interrupted(command: str, subcommand: str) -> int:
    console.warn(f"{command}: interrupted; {INTERRUPTED[subcommand]}")
    return Exit.INTERRUPTED


def entry() -> None:
    """The `trd` console script: exit with main's code at once.

    After Ctrl-C, background threads (Great Expectations' import, a reader, dbt's workers)
    may still be busy; the interpreter would wait for them at exit. Everything that must be
    cleaned up was cleaned up before main returned, so exit without waiting.
    """
    code = main()
    if code == Exit.INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
