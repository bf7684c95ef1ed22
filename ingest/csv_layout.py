"""A CSV file's records counted from its bytes, before Polars reads it
(docs/dataset-contract.md#what-gets-rejected: no silent loss).

Polars splits rows on LF (and CRLF) only, pads a row that is short of fields with nulls, and
reads a blank line as a row of nulls. So a file whose header ends in a bare CR (old Mac line
ends) loaded no row at all, and a line broken in two by an unquoted line end loaded two padded
rows. This module counts, independently of Polars and in bounded memory, what the file holds:
records end at LF, CRLF or a bare CR outside double quotes; a record's fields are its commas
outside quotes plus one. It rejects, with the data row and line:
- a record whose number of fields differs from the header's (a broken line, an unquoted comma,
  or a last row cut off by a truncated copy),
- a double quote that opens a value and is never closed.

Blank lines are not rows (as in pandas and R). A file with blank lines or bare-CR line ends is
rewritten to a temporary LF copy without blank lines (`normalise`), which is what Polars then
reads; every other file is read as it is. `CsvLayout.data_rows` is the count every load is
reconciled against (`raw.load_audit.rows_read`).

The scan runs in numpy on 16 MiB chunks: a few hundred MB/s, a fraction of Polars' read.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import DataRejected

CHUNK_BYTES = 1 << 24
QUOTE, COMMA, LF, CR = ord('"'), ord(","), ord("\n"), ord("\r")


@dataclass(frozen=True)
class CsvLayout:
    header_fields: int
    data_rows: int
    """Records after the header, blank lines excluded: what a correct read must yield."""
    blank_lines: int
    bare_cr: int
    """Line ends that are a lone CR (classic Mac OS), outside quoted values."""

    @property
    def needs_normalising(self) -> bool:
        """Polars would misread this file as it is (bare CR line ends, blank lines)."""
        return self.blank_lines > 0 or self.bare_cr > 0


@dataclass
class _State:
    in_quote: bool = False
    records: int = 0
    """Records completed so far, the header and blank lines included."""
    data_rows: int = 0
    blank_lines: int = 0
    bare_cr: int = 0
    header_fields: int | None = None
    tail_commas: int = 0
    """Commas outside quotes in the record not yet ended."""
    tail_bytes: int = 0
    """Bytes of the record not yet ended (its content, line ends excluded)."""
    last_quote_record: int = 0
    """Record index holding the last double quote seen (where an unclosed quote opened)."""


def scan_csv(path: Path, *, dataset: str, file: str) -> CsvLayout:
    """Count records and check that each has the header's fields; `DataRejected` if not."""
    state = _State()
    carry = b""
    with path.open("rb") as f:
        while True:
            chunk = f.read(CHUNK_BYTES)
            at_end = not chunk
            data = carry + chunk
            carry = b""
            if not at_end and data.endswith(b"\r"):
                data, carry = data[:-1], b"\r"  # is it CRLF? the next chunk tells
            if data:
                _scan_chunk(np.frombuffer(data, dtype=np.uint8), state, at_end, dataset, file)
            if at_end:
                break
    return _finish(state, dataset, file)


def _scan_chunk(a: np.ndarray, s: _State, at_end: bool, dataset: str, file: str) -> None:
    quotes = np.flatnonzero(a == QUOTE)
    parity_at_start = int(s.in_quote)

    def outside(positions: np.ndarray) -> np.ndarray:
        if not quotes.size and not parity_at_start:
            return positions
        before = np.searchsorted(quotes, positions) + parity_at_start
        return positions[(before & 1) == 0]

    lf = np.flatnonzero(a == LF)
    cr = np.flatnonzero(a == CR)
    following = np.append(a, 0 if at_end else LF)[cr + 1] if cr.size else cr
    bare = outside(cr[following != LF]) if cr.size else cr
    ends = np.sort(np.concatenate((outside(lf), bare))) if bare.size else outside(lf)
    commas = outside(np.flatnonzero(a == COMMA))
    commas_before = np.searchsorted(commas, ends)  # per line end: commas before it
    per_record = np.diff(commas_before, prepend=0, append=commas.size)
    if ends.size:
        starts = np.concatenate(([-1], ends[:-1]))
        lengths = ends - starts - 1
        lengths[0] += s.tail_bytes
        crlf = (a[ends] == LF) & (ends > 0) & (a[np.maximum(ends - 1, 0)] == CR)
        lengths -= crlf & (ends - 1 > starts)
        fields = per_record[:-1].copy()
        fields[0] += s.tail_commas
        fields += 1
        _check_records(fields, lengths == 0, s, dataset, file)
        s.tail_commas = int(per_record[-1])
        s.tail_bytes = int(a.size - ends[-1] - 1)
    else:
        s.tail_commas += int(per_record[-1])
        s.tail_bytes += int(a.size)
    s.bare_cr += int(bare.size)
    if quotes.size:
        s.last_quote_record = s.records - ends.size + int(np.searchsorted(ends, quotes[-1]))
        s.in_quote = bool((quotes.size + parity_at_start) & 1)


def _check_records(
    fields: np.ndarray, blank: np.ndarray, s: _State, dataset: str, file: str
) -> None:
    """Account for the records that ended in this chunk; the first ragged one rejects."""
    first = 0
    if s.header_fields is None:
        if blank[0]:
            raise DataRejected(
                "the first line is empty: a CSV file must start with its header line",
                "remove the empty line(s) before the header and load again",
                dataset=dataset,
                file=file,
            )
        s.header_fields = int(fields[0])
        first = 1
    data_blank = blank[first:]
    data_fields = fields[first:]
    ragged = np.flatnonzero(~data_blank & (data_fields != s.header_fields))
    if ragged.size:
        i = int(ragged[0])
        row = s.data_rows + int(np.count_nonzero(~data_blank[:i])) + 1
        line = s.records + first + i + 1
        raise _ragged(int(data_fields[i]), s.header_fields, row, line, dataset, file)
    s.blank_lines += int(np.count_nonzero(data_blank))
    s.data_rows += int(np.count_nonzero(~data_blank))
    s.records += int(fields.size)


def _finish(s: _State, dataset: str, file: str) -> CsvLayout:
    if s.in_quote:
        raise DataRejected(
            f"a double quote that opens a value on line {s.last_quote_record + 1} is never "
            "closed, so every line after it would be read as part of that value",
            'close the quoted value, or write a double quote inside a value as two ("")',
            dataset=dataset,
            file=file,
        )
    if s.tail_bytes or s.tail_commas:  # a last record without a line end
        fields = s.tail_commas + 1
        if s.header_fields is None:
            s.header_fields = fields
        elif fields != s.header_fields:
            row, line = s.data_rows + 1, s.records + 1
            if fields < s.header_fields:
                raise DataRejected(
                    f"the last row has {fields} of the header's {s.header_fields} fields and "
                    "no line end: the file looks truncated (cut off mid-row)",
                    "copy or export the file again and check that the copy is complete",
                    dataset=dataset,
                    file=file,
                    rows=(row,),
                )
            raise _ragged(fields, s.header_fields, row, line, dataset, file)
        else:
            s.data_rows += 1
    if s.header_fields is None:
        raise DataRejected(
            "the file has no header line",
            "export the table again with its header line (column names) first",
            dataset=dataset,
            file=file,
        )
    return CsvLayout(s.header_fields, s.data_rows, s.blank_lines, s.bare_cr)


def _ragged(
    n_fields: int, n_header: int, row: int, line: int, dataset: str, file: str
) -> DataRejected:
    cause = (
        "a line end inside an unquoted value splits a row, or a row was cut short"
        if n_fields < n_header
        else "a value holds a comma without being quoted"
    )
    return DataRejected(
        f"data row {row} (line {line}) has {n_fields} field{'s' if n_fields != 1 else ''} but "
        f"the header has {n_header} (usually {cause})",
        "quote values that contain commas or line ends, and make every row have the header's "
        "fields",
        dataset=dataset,
        file=file,
        rows=(row,),
    )


def normalise(path: Path, target: Path) -> Path:
    """An LF copy of `path` without blank lines (bare CR and CRLF line ends become LF).

    Python's csv module splits records on LF, CRLF and CR alike outside quotes and keeps quoted
    values whole; values are written back unchanged (re-quoted only where needed). The caller
    has checked the bytes decode as UTF-8 (a BOM is kept out)."""
    with (
        path.open(newline="", encoding="utf-8-sig") as source,
        target.open("w", newline="", encoding="utf-8") as out,
    ):
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows(row for row in csv.reader(source, strict=True) if row)
    return target
