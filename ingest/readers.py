"""Find a dataset's data files and read them in bounded-memory batches (docs/dataset-contract.md).

Enters: a dataset folder. Leaves: the contract files it holds (`discover`) and, per file, its
lower-cased column names and an iterator of Polars batches with 1-based data-row numbers
(`open_data_file`). Nothing here casts to contract types (that is `validate.py`): CSV columns are
all read as text, so that a bad value can later be named with its row; Parquet, XPT and SAS7BDAT
keep their stored types, with SAS date formats read as dates.

A file that cannot be read is a `DataRejected` naming what it really is: an empty file, a CSV
separated by ';', a CSV that is not UTF-8 (with the byte offset and line) or is UTF-16, a CSV row
with more or fewer fields than its header, a truncated Parquet file, or a file whose content is
not the format its extension claims.

No row is lost silently: each file's rows are counted independently of the reader that loads
them (CSV: `csv_layout.scan_csv` from the bytes; Parquet: its footer; SAS7BDAT: its header), and
`OpenedFile.batches` rejects the file when the reader yields a different number of rows. The
count is `raw.load_audit.rows_read`. CSV files with bare-CR line ends or blank lines are read
from a normalised temporary copy (LF line ends, no blank lines), since Polars misreads both.
"""

from __future__ import annotations

import contextlib
import csv
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat

from core import console
from core.contracts import Source, tables_for
from core.errors import DataRejected
from ingest.config import CONFIG_FILE
from ingest.csv_layout import normalise, scan_csv

FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".xpt": "xpt",
    ".sas7bdat": "sas7bdat",
}
FORMAT_NAMES: dict[str, str] = {
    "csv": "CSV text",
    "parquet": "Parquet",
    "xpt": "SAS transport (XPT)",
    "sas7bdat": "SAS7BDAT",
    "zip": "ZIP archive (or an Excel .xlsx workbook)",
    "gzip": "gzip-compressed file",
    "binary": "binary (not text) file",
    "utf16": "UTF-16 text file (not UTF-8)",
}
BATCH_ROWS = 500_000
"""Rows per batch: large enough for fast inserts, small enough to bound memory (~100 MB)."""
PROGRESS_EVERY = 1_000_000
"""With -v, print progress on stderr each time this many more rows of one file have been read;
on a terminal, files at least this long get a progress bar."""
SNIFF_BYTES = 8192
XPT_MAGIC = b"HEADER RECORD*******LIB"
"""SAS transport v5 (`LIBRARY HEADER RECORD`) and v8 (`LIBV8   HEADER RECORD`) files start so."""
SAS7BDAT_MAGIC = bytes.fromhex("000000000000000000000000c2ea8160b31411cfbd92080009c7318c181f1011")
DELIMITERS = {";": "';'", "\t": "a tab", "|": "'|'"}


@dataclass(frozen=True)
class DataFile:
    """One contract table's file in a dataset folder."""

    table: str
    path: Path
    format: str

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Discovery:
    files: tuple[DataFile, ...]
    ignored: tuple[str, ...]
    """Files of tables outside the contract of this source (printed as a notice)."""
    unsupported: tuple[str, ...]
    """Files whose extension is not a supported format (printed as a notice)."""
    problems: tuple[DataRejected, ...] = ()
    """Contract-table names that cannot be read as one file: two files for one table, a
    folder, a broken symbolic link, a device or pipe."""


@dataclass(frozen=True)
class Batch:
    frame: pl.DataFrame
    """Columns lower-cased, as read (CSV: all text)."""
    first_row: int
    """1-based data row (header excluded) of the frame's first row."""
    is_last: bool
    """No rows follow: counts of offending rows in this batch are counts for the file."""


@dataclass
class OpenedFile:
    """A readable data file: its columns and a one-shot iterator of batches."""

    data_file: DataFile
    dataset: str
    columns: tuple[str, ...]
    sas_dates: bool
    """Numbers in contract date columns are SAS dates (days since 1960-01-01)."""
    _frames: Iterable[pl.DataFrame] = field(repr=False)
    expected_rows: int | None = None
    """The file's rows counted independently of the reader (None: no such count, XPT)."""
    rows_read: int = 0
    """Rows the reader has yielded so far."""

    def batches(self) -> Iterator[Batch]:
        """Batches with row numbers and progress; read errors become `DataRejected`, and so
        does a reader that yields another number of rows than the file holds."""
        progress = _Progress(self.dataset, self.data_file.name, self.expected_rows)
        first_row = 1
        pending: pl.DataFrame | None = None
        with progress:
            for frame in _translate_errors(self._frames, self.data_file, self.dataset):
                frame = _lower_names(frame)
                if pending is not None:
                    yield Batch(pending, first_row, is_last=False)
                    first_row += pending.height
                pending = frame
                self.rows_read = first_row - 1 + frame.height
                progress.update(self.rows_read)
            self._reconcile()
            if pending is not None:
                yield Batch(pending, first_row, is_last=True)
            progress.done(self.rows_read)

    def _reconcile(self) -> None:
        if self.expected_rows is None or self.expected_rows == self.rows_read:
            return
        raise DataRejected(
            f"the file holds {self.expected_rows:,} data rows but the reader read "
            f"{self.rows_read:,}; nothing of it is loaded rather than part of it",
            "check the file's quoting and line ends (or export it again); if it looks right, "
            "please report this file's layout as a trd bug",
            dataset=self.dataset,
            file=self.data_file.name,
        )


def discover(folder: Path, source: Source, dataset: str) -> Discovery:
    """The top-level files of `folder` that hold contract tables of `source`.

    Symbolic links to files are followed. An entry named like a contract table's file that is
    not a readable regular file (a folder, a broken link, a pipe) is a problem, not a file
    silently skipped, and so is a second file for one table."""
    contract = {t.name for t in tables_for(source)}
    found: dict[str, DataFile] = {}
    ignored: list[str] = []
    unsupported: list[str] = []
    problems: list[DataRejected] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
        if path.name.startswith(".") or path.name == CONFIG_FILE:
            continue
        fmt = FORMATS.get(path.suffix.lower())
        table = path.stem.lower()
        if not path.is_file():
            if fmt is not None and table in contract:
                problems.append(_not_a_file(path, dataset))
            continue
        if fmt is None:
            unsupported.append(path.name)
        elif table not in contract:
            ignored.append(path.name)
        elif table in found:
            problems.append(
                DataRejected(
                    f"two files hold table {table}: {found[table].name} and {path.name}",
                    "keep one file per table in the dataset folder (move the other one out)",
                    dataset=dataset,
                    file=path.name,
                )
            )
        else:
            found[table] = DataFile(table, path, fmt)
    return Discovery(tuple(found.values()), tuple(ignored), tuple(unsupported), tuple(problems))


def _not_a_file(path: Path, dataset: str) -> DataRejected:
    if path.is_symlink() and not path.exists():
        what = f"a symbolic link to {path.readlink()}, which does not exist (or loops)"
    elif path.is_dir():
        what = "a folder, not a file (only the top level of a dataset folder is read)"
    else:
        what = "not a regular file (a pipe, socket or device)"
    return DataRejected(
        f"{path.name} is {what}",
        "put the table's data file itself in the dataset folder (or a link to it)",
        dataset=dataset,
        file=path.name,
    )


def open_data_file(data_file: DataFile, dataset: str, workdir: Path) -> OpenedFile:
    """Check the file is what its extension claims and read its header. `workdir`: where a
    normalised copy of a CSV file, or a link to a file, may be written (removed by the
    caller); its path is UTF-8."""
    _check_content(data_file, dataset)
    data_file = _utf8_path(data_file, workdir)
    match data_file.format:
        case "csv":
            return _open_csv(data_file, dataset, workdir)
        case "parquet":
            return _open_parquet(data_file, dataset)
        case _:
            return _open_sas(data_file, dataset)


def is_utf8(path: Path) -> bool:
    """Python keeps bytes of a file name that are not UTF-8 as surrogates; Polars, pyarrow and
    pyreadstat cannot open such a path (Polars raised a TypeError: found by the fuzz suite)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _utf8_path(data_file: DataFile, workdir: Path) -> DataFile:
    """The file itself, or, when its path is not UTF-8 (a folder named in Latin-1, say), a
    symbolic link to it under `workdir` with the same file name."""
    if is_utf8(data_file.path):
        return data_file
    links = workdir / "links"
    links.mkdir(exist_ok=True)
    link = links / data_file.path.name
    link.symlink_to(data_file.path.resolve())
    return DataFile(data_file.table, link, data_file.format)


def sniff(path: Path) -> str:
    """What a file really holds, from its first bytes: a key of FORMAT_NAMES, or 'empty'."""
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    if not head.strip():
        return "empty"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(XPT_MAGIC):
        return "xpt"
    if head.startswith(SAS7BDAT_MAGIC):
        return "sas7bdat"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf16"
    return "binary" if b"\x00" in head else "csv"


def _check_content(data_file: DataFile, dataset: str) -> None:
    actual = sniff(data_file.path)
    if actual == "empty":
        raise DataRejected(
            "the file is empty (no header line, no rows)",
            "export the table again; a table without rows still needs its header line "
            "(CSV) or its columns (Parquet, XPT)",
            dataset=dataset,
            file=data_file.name,
        )
    if actual != data_file.format:
        ext = next((e for e, f in FORMATS.items() if f == actual), None)
        rename = f", or rename it to {data_file.path.stem}{ext}" if ext else ""
        utf8 = " (in Excel: CSV UTF-8; or `iconv -f utf-16 -t utf-8`)" if actual == "utf16" else ""
        raise DataRejected(
            f"the file is not {FORMAT_NAMES[data_file.format]} as its extension claims: "
            f"its content looks like a {FORMAT_NAMES[actual]}",
            f"export the table again as {FORMAT_NAMES[data_file.format]}{rename}{utf8}",
            dataset=dataset,
            file=data_file.name,
        )


def _open_csv(data_file: DataFile, dataset: str, workdir: Path) -> OpenedFile:
    """Header and delimiter first (the most telling message), then the layout scan, then
    Polars on the file, or on its normalised copy."""
    try:
        header = _csv_header(data_file.path)
    except (UnicodeDecodeError, csv.Error) as err:
        raise _csv_error(data_file, dataset, err) from err
    _check_delimiter(header, data_file, dataset)
    layout = scan_csv(data_file.path, dataset=dataset, file=data_file.name)
    source = data_file.path
    try:
        if layout.needs_normalising:
            source = normalise(data_file.path, workdir / f"{data_file.table}.normalised.csv")
        lazy = pl.scan_csv(source, infer_schema=False, raise_if_empty=True)
        read_names = lazy.collect_schema().names()
    except (pl.exceptions.PolarsError, UnicodeDecodeError, csv.Error) as err:
        raise _csv_error(data_file, dataset, err) from err
    if not len(read_names) == len(header) == layout.header_fields:
        raise DataRejected(
            f"the header line reads as {len(header)} column(s) by one CSV parser and "
            f"{len(read_names)} by another (the file's quoting or line ends are ambiguous)",
            "export the file again as plain comma-separated UTF-8 text",
            dataset=dataset,
            file=data_file.name,
        )
    columns = _checked_names(header, data_file, dataset)
    frames = lazy.collect_batches(chunk_size=BATCH_ROWS)
    return OpenedFile(
        data_file, dataset, columns, sas_dates=False, _frames=frames, expected_rows=layout.data_rows
    )


def _check_delimiter(header: tuple[str, ...], data_file: DataFile, dataset: str) -> None:
    """A one-column header holding ';', a tab or '|' is a CSV with another separator."""
    if len(header) == 1:
        for delimiter, label in DELIMITERS.items():
            if delimiter in header[0]:
                raise DataRejected(
                    f"the header has a single column {header[0][:60]!r}: looks like the "
                    f"delimiter is {label}, but a CSV file must be comma-separated",
                    "export it again with ',' as the separator (in Excel: CSV UTF-8 "
                    "(Comma delimited))",
                    dataset=dataset,
                    file=data_file.name,
                )


def _csv_header(path: Path) -> tuple[str, ...]:
    """The header as written (Polars renames a repeated name, which would hide it)."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        return tuple(next(csv.reader(f), []))


def _open_parquet(data_file: DataFile, dataset: str) -> OpenedFile:
    try:
        parquet = pq.ParquetFile(data_file.path)
    except Exception as err:  # noqa: BLE001 (a corrupt footer raises ArrowException, OSError,
        # or UnicodeDecodeError for a column name that is not UTF-8, found by the fuzz suite)
        raise DataRejected(
            f"the Parquet file cannot be read, it is truncated or corrupt ({_first_line(err)})",
            "copy or export the file again and check that the copy is complete",
            dataset=dataset,
            file=data_file.name,
        ) from err
    columns = _checked_names(tuple(parquet.schema_arrow.names), data_file, dataset)
    frames = (
        _strings_from_categoricals(pl.from_arrow(batch))
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS)
    )
    return OpenedFile(
        data_file,
        dataset,
        columns,
        sas_dates=False,
        _frames=frames,
        expected_rows=parquet.metadata.num_rows,
    )


def _open_sas(data_file: DataFile, dataset: str) -> OpenedFile:
    read = pyreadstat.read_xport if data_file.format == "xpt" else pyreadstat.read_sas7bdat
    try:
        _, meta = read(str(data_file.path), metadataonly=True)
    except Exception as err:  # pyreadstat raises bare ReadstatError/PyreadstatError
        raise DataRejected(
            f"the file cannot be read as {FORMAT_NAMES[data_file.format]} ({_first_line(err)})",
            "export the table again from SAS (XPORT engine v5/v8 for .xpt) and copy it whole",
            dataset=dataset,
            file=data_file.name,
        ) from err
    columns = _checked_names(tuple(meta.column_names), data_file, dataset)
    chunks = pyreadstat.read_file_in_chunks(
        read, str(data_file.path), chunksize=BATCH_ROWS, output_format="polars"
    )
    frames = (chunk for chunk, _ in chunks)
    return OpenedFile(
        data_file,
        dataset,
        columns,
        sas_dates=True,
        _frames=frames,
        expected_rows=meta.number_rows,  # XPT files do not record it: None
    )


def _checked_names(names: tuple[str, ...], data_file: DataFile, dataset: str) -> tuple[str, ...]:
    """Lower-cased column names; two columns differing only in case are ambiguous."""
    lowered = tuple(n.strip().lower() for n in names)
    seen: set[str] = set()
    for name in lowered:
        if name in seen:
            raise DataRejected(
                "two columns have the same name (column names are case-insensitive)",
                "rename or drop one of them",
                dataset=dataset,
                file=data_file.name,
                column=name,
            )
        seen.add(name)
    return lowered


def _lower_names(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.rename({n: n.strip().lower() for n in frame.columns})


def _strings_from_categoricals(frame: pl.DataFrame | pl.Series) -> pl.DataFrame:
    """Dictionary-encoded Parquet strings arrive as Categorical: screen and cast them as text."""
    assert isinstance(frame, pl.DataFrame)
    categorical = [n for n, t in frame.schema.items() if isinstance(t, pl.Categorical | pl.Enum)]
    return frame.with_columns(pl.col(categorical).cast(pl.String)) if categorical else frame


def _translate_errors(
    frames: Iterable[pl.DataFrame], data_file: DataFile, dataset: str
) -> Iterator[pl.DataFrame]:
    """Re-raise a reader's failure mid-file as a `DataRejected` about that file."""
    try:
        yield from frames
    except pl.exceptions.PolarsError as err:
        raise _csv_error(data_file, dataset, err) from err
    except (pa.ArrowException, OSError) as err:
        raise DataRejected(
            f"the file cannot be read, it is truncated or corrupt ({_first_line(err)})",
            "copy or export the file again and check that the copy is complete",
            dataset=dataset,
            file=data_file.name,
        ) from err
    except Exception as err:  # pyreadstat's errors have no common base class, nor pyarrow's
        if data_file.format == "parquet":
            raise DataRejected(
                f"the Parquet file cannot be read, it is truncated or corrupt ({_first_line(err)})",
                "copy or export the file again and check that the copy is complete",
                dataset=dataset,
                file=data_file.name,
            ) from err
        if data_file.format not in ("xpt", "sas7bdat"):
            raise
        raise DataRejected(
            f"the file cannot be read as {FORMAT_NAMES[data_file.format]} ({_first_line(err)})",
            "export the table again from SAS and copy it whole",
            dataset=dataset,
            file=data_file.name,
        ) from err


def _csv_error(data_file: DataFile, dataset: str, err: Exception) -> DataRejected:
    """Locate a CSV parse failure: bad UTF-8 by byte offset and line (ragged rows and unclosed
    quotes are found before the parse, by `csv_layout.scan_csv`)."""
    if data_file.format != "csv":
        return DataRejected(
            f"the file cannot be read ({_first_line(err)})",
            "export the table again and copy it whole",
            dataset=dataset,
            file=data_file.name,
        )
    bad_byte = _first_invalid_utf8(data_file.path)
    if bad_byte is not None:
        offset, line = bad_byte
        return DataRejected(
            f"the file is not UTF-8 text: byte offset {offset} (line {line}, data row "
            f"{line - 1}) is not valid UTF-8 (often a Latin-1 or Windows-1252 export)",
            "re-save the file as UTF-8 (in Excel: CSV UTF-8; or `iconv -f latin1 -t utf-8`)",
            dataset=dataset,
            file=data_file.name,
            rows=(line - 1,),
        )
    return DataRejected(
        f"the file cannot be parsed as CSV ({_first_line(err)})",
        "export it again as comma-separated UTF-8 text with one header line",
        dataset=dataset,
        file=data_file.name,
    )


def _first_invalid_utf8(path: Path) -> tuple[int, int] | None:
    """(byte offset, 1-based line) of the first byte that is not UTF-8, or None."""
    base = 0
    newlines = 0
    carry = b""
    with path.open("rb") as f:
        while data := carry + (chunk := f.read(1 << 20)):
            good = len(data)
            carry = b""
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as err:
                if not (chunk and err.reason == "unexpected end of data"):
                    return base + err.start, newlines + data.count(b"\n", 0, err.start) + 1
                good, carry = err.start, data[err.start :]
            newlines += data.count(b"\n", 0, good)
            base += good
    return None


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:200] if text else type(err).__name__


class _Progress:
    """A file's reading progress: a bar on a terminal for files of PROGRESS_EVERY rows or more,
    and with -v a line on stderr per PROGRESS_EVERY rows ('  DS: file.csv: 3,000,000 rows read
    (412,000 rows/s)')."""

    def __init__(self, dataset: str, file: str, total: int | None) -> None:
        self.label = f"  {dataset}: {file}"
        self.start = time.perf_counter()
        self.next_report = PROGRESS_EVERY
        self.shown = 0
        big = total is not None and total >= PROGRESS_EVERY
        self._bar = console.progress(f"{dataset}: {file}", total, "rows") if big else None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self.bar = self._stack.enter_context(self._bar)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def update(self, rows: int) -> None:
        if self._bar is not None:
            self.bar.update(rows - self.shown)
            self.shown = rows
        if rows >= self.next_report:
            if console.verbose():
                console.warn(f"{self.label}: {rows:,} rows read ({self._rate(rows)})")
            self.next_report = (rows // PROGRESS_EVERY + 1) * PROGRESS_EVERY

    def done(self, rows: int) -> None:
        if rows >= PROGRESS_EVERY and console.verbose():
            console.warn(f"{self.label}: done, {rows:,} rows ({self._rate(rows)})")

    def _rate(self, rows: int) -> str:
        seconds = max(time.perf_counter() - self.start, 1e-9)
        return f"{rows / seconds:,.0f} rows/s"
