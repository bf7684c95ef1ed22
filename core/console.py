"""What `trd` prints: one line per stage by default, details with `-v`, progress bars on a terminal.

Stages call `say` for the line a user needs (what was done, where the output is), `detail` for
what only helps when something is slow or odd (per-step timings, per-table check lines), and
`progress` for work that takes long enough to wonder whether it is still running. Bars are drawn
on stderr only when stderr is a terminal; in a CI log or a pipe nothing but plain lines appear,
and no colour codes (nor when NO_COLOR is set).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

_verbose = False


def set_verbose(on: bool) -> None:
    """`-v`: show the details (and dbt's node lines) as well."""
    global _verbose
    _verbose = on


def verbose() -> bool:
    return _verbose


def say(message: str) -> None:
    """A line the user needs, on stdout."""
    print(printable(message), flush=True)


def detail(message: str) -> None:
    """A line shown with `-v` only, on stdout."""
    if _verbose:
        print(printable(message), flush=True)


def warn(message: str) -> None:
    """A notice on stderr (always shown)."""
    print(printable(message), file=sys.stderr, flush=True)


def printable(text: str) -> str:
    """`text` with bytes that are not UTF-8 (Python keeps them in file names as surrogates)
    shown as U+FFFD: a strict UTF-8 terminal or a database would refuse them."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def is_terminal(stream: object = None) -> bool:
    """Whether `stream` (default stdout) is an interactive terminal."""
    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def use_colour() -> bool:
    """Colour codes only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return is_terminal() and "NO_COLOR" not in os.environ


class Progress(Protocol):
    def update(self, n: int = 1) -> object: ...

    def set_total(self, total: int) -> None: ...


class _NoBar:
    def update(self, n: int = 1) -> None:
        return None

    def set_total(self, total: int) -> None:
        return None


class _Bar:
    """A tqdm bar on stderr whose total may be learnt after it starts (dbt says it late)."""

    def __init__(self, bar: object) -> None:
        self._bar = bar

    def update(self, n: int = 1) -> None:
        self._bar.update(n)  # type: ignore[attr-defined]

    def set_total(self, total: int) -> None:
        self._bar.total = total  # type: ignore[attr-defined]
        self._bar.refresh()  # type: ignore[attr-defined]


@contextmanager
def progress(description: str, total: int | None = None, unit: str = "it") -> Iterator[Progress]:
    """A progress bar on stderr when it is a terminal (and not with -v, whose lines would
    interleave with it); otherwise nothing. The bar is removed when done."""
    if not is_terminal(sys.stderr) or _verbose:
        yield _NoBar()
        return
    from tqdm import tqdm

    bar = tqdm(
        total=total,
        desc=description,
        unit=unit,
        unit_scale=unit == "rows",
        leave=False,
        file=sys.stderr,
        dynamic_ncols=True,
        colour=None,
    )
    try:
        yield _Bar(bar)
    finally:
        bar.close()
