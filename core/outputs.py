"""Output paths checked before any work starts: a bad `--out`, `--junit` or Data Docs folder is a
`ConfigError` naming the path and the fix (exit 2), found before a check run is recorded or a
report rendered, never an `OSError` traceback at the end."""

from __future__ import annotations

import os
from pathlib import Path

from core.errors import ConfigError


def output_folder(path: Path, option: str) -> Path:
    """Create `path` as a folder (with its parents) and make sure it is writable."""
    path = Path(path).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ConfigError(
            f"{option} {path} is a file, but a folder is needed here",
            f"give a folder path for {option} (it is created if missing), or move the file away",
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError(
            f"cannot create the folder {path} given by {option} ({_reason(err)})",
            f"give {option} a folder you can write to",
        ) from err
    _require_writable(path, option)
    return path


def output_file(path: Path, option: str) -> Path:
    """A file path whose folder exists (or can be made) and is writable; not a folder itself."""
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        raise ConfigError(
            f"{option} {path} is a folder, but a file name is needed here",
            f"give a file path, e.g. {option} {path / 'junit.xml'}",
        )
    output_folder(path.parent, f"the folder of {option}")
    if path.exists() and not os.access(path, os.W_OK):
        raise ConfigError(
            f"{option} {path} exists and cannot be overwritten (permission denied)",
            f"give {option} a path you can write to",
        )
    return path


def _require_writable(folder: Path, option: str) -> None:
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(
            f"the folder {folder} given by {option} is not writable (permission denied)",
            f"give {option} a folder you can write to",
        )


def _reason(err: OSError) -> str:
    return err.strerror or type(err).__name__


def describe_os_error(err: OSError) -> str:
    """'cannot write /x/y: Permission denied' from any OSError, for the CLI's last resort."""
    target = err.filename or "a file"
    extra = f" -> {err.filename2}" if err.filename2 else ""
    return f"{target}{extra}: {_reason(err)}"
