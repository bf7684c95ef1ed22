"""Ctrl-C that cannot be lost: the signal is remembered, and stages look at it at safe points.

Python turns Ctrl-C into a KeyboardInterrupt wherever the main thread happens to be. Some
libraries swallow it: Polars (Rust) converts the exception raised inside a lazy `import` it
makes (e.g. of pyarrow in `DataFrame.to_arrow`) into an error it handles, and dbt turns it into
a failed result. So `trd` installs a handler that also records the press, and each stage calls
`check()` where stopping is safe and cheap: between batches, before a commit, between datasets.
A press is thus honoured within one batch (well under a second), never lost, and never
followed by a commit.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

_pressed = threading.Event()


def install() -> None:
    """Handle SIGINT in Python (main thread only), remembering each press."""
    _pressed.clear()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_ctrl_c)


def _on_ctrl_c(signum: int, frame: FrameType | None) -> None:
    _pressed.set()
    raise KeyboardInterrupt


def pressed() -> bool:
    return _pressed.is_set()


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed, even if something swallowed it."""
    if _pressed.is_set():
        raise KeyboardInterrupt
