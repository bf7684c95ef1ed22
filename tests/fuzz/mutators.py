"""Mutations of a dataset folder, each a small function of (folder, random stream).

A mutation returns a short description of what it did (the case's record), or None when it
does not apply to this folder (e.g. a CSV-only change on a folder without CSV files), in which
case the harness draws another. Categories follow the issue: bytes, line ends, encodings, CSV
structure, values, dataset.yml, file kinds, symbolic links.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

Mutate = Callable[["Context"], str | None]


@dataclass
class Context:
    folder: Path
    rng: random.Random
    scratch: Path
    """A folder outside the dataset folder, for symbolic-link targets."""


@dataclass(frozen=True)
class Mutation:
    name: str
    category: str
    apply: Mutate


# ---- helpers ---------------------------------------------------------------------------------


def _files(ctx: Context, *suffixes: str) -> list[Path]:
    return sorted(
        p
        for p in ctx.folder.iterdir()
        if p.is_file()
        and not p.is_symlink()
        and p.name != "dataset.yml"
        and (not suffixes or p.suffix.lower() in suffixes)
    )


def _pick(ctx: Context, *suffixes: str) -> Path | None:
    files = _files(ctx, *suffixes)
    return ctx.rng.choice(files) if files else None


def _read_csv(path: Path) -> list[list[str]] | None:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            return list(csv.reader(f))
    except (UnicodeDecodeError, csv.Error):
        return None


def _write_csv(path: Path, rows: list[list[str]], **kw: object) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n", **kw).writerows(rows)  # type: ignore[arg-type]


def _csv_rows(ctx: Context) -> tuple[Path, list[list[str]]] | None:
    """A CSV file of the folder as rows of equal length (short rows padded with empty fields,
    as an earlier mutation may have left them), or None."""
    path = _pick(ctx, ".csv")
    rows = _read_csv(path) if path else None
    if not path or not rows or len(rows[0]) < 2:
        return None
    width = max(len(r) for r in rows)
    return path, [r + [""] * (width - len(r)) for r in rows if r]


# ---- bytes -----------------------------------------------------------------------------------


def _bytes_op(op: Callable[[bytearray, random.Random], str]) -> Mutate:
    def apply(ctx: Context) -> str | None:
        path = _pick(ctx)
        if path is None:
            return None
        data = bytearray(path.read_bytes())
        if not data:
            return None
        what = op(data, ctx.rng)
        path.write_bytes(bytes(data))
        return f"{path.name}: {what}"

    return apply


def _flip(data: bytearray, rng: random.Random) -> str:
    i = rng.randrange(len(data))
    data[i] ^= 1 << rng.randrange(8)
    return f"bit flipped at byte {i}"


def _insert(data: bytearray, rng: random.Random) -> str:
    i = rng.randrange(len(data) + 1)
    chunk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    data[i:i] = chunk
    return f"{chunk!r} inserted at byte {i}"


def _delete(data: bytearray, rng: random.Random) -> str:
    i = rng.randrange(len(data))
    n = rng.randint(1, 20)
    del data[i : i + n]
    return f"{n} bytes deleted at {i}"


def _truncate(data: bytearray, rng: random.Random) -> str:
    i = rng.randrange(len(data))
    del data[i:]
    return f"truncated to {i} bytes"


def _nul(data: bytearray, rng: random.Random) -> str:
    i = rng.randrange(len(data) + 1)
    data[i:i] = b"\x00"
    return f"NUL inserted at byte {i}"


def _bad_utf8(data: bytearray, rng: random.Random) -> str:
    i = rng.randrange(len(data) + 1)
    chunk = rng.choice([b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf"])
    data[i:i] = chunk
    return f"invalid UTF-8 {chunk!r} at byte {i}"


def _duplicate_span(data: bytearray, rng: random.Random) -> str:
    i = rng.randrange(len(data))
    n = rng.randint(1, 40)
    data[i:i] = data[i : i + n]
    return f"{n} bytes at {i} repeated"


# ---- line ends -------------------------------------------------------------------------------


def _line_ends(style: str) -> Mutate:
    def apply(ctx: Context) -> str | None:
        path = _pick(ctx, ".csv")
        if path is None:
            return None
        lines = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        ends = {
            "cr": lambda i: b"\r",
            "crlf": lambda i: b"\r\n",
            "lf": lambda i: b"\n",
            "mixed": lambda i: ctx.rng.choice([b"\r", b"\n", b"\r\n"]),
            "cr_header": lambda i: b"\r" if i == 0 else b"\r\n",
        }[style]
        body = b"".join(line + ends(i) for i, line in enumerate(lines[:-1])) + lines[-1]
        path.write_bytes(body)
        return f"{path.name}: {style} line ends"

    return apply


def _final_newline(ctx: Context) -> str | None:
    path = _pick(ctx, ".csv")
    if path is None:
        return None
    data = path.read_bytes()
    choice = ctx.rng.choice(["strip", "double", "crlf_pair"])
    data = {
        "strip": data.rstrip(b"\r\n"),
        "double": data + b"\n",
        "crlf_pair": data + b"\r\n\r\n",
    }[choice]
    path.write_bytes(data)
    return f"{path.name}: final newline {choice}"


def _blank_lines(ctx: Context) -> str | None:
    path = _pick(ctx, ".csv")
    if path is None:
        return None
    lines = path.read_bytes().split(b"\n")
    i = ctx.rng.randrange(1, max(2, len(lines)))
    filler = ctx.rng.choice([b"", b"\r", b"   ", b",,", b"\t"])
    lines[i:i] = [filler] * ctx.rng.randint(1, 3)
    path.write_bytes(b"\n".join(lines))
    return f"{path.name}: {filler!r} lines inserted at line {i + 1}"


# ---- encodings -------------------------------------------------------------------------------


def _reencode(encoding: str, bom: bytes = b"") -> Mutate:
    def apply(ctx: Context) -> str | None:
        path = _pick(ctx, ".csv")
        if path is None:
            return None
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            return None
        if encoding in ("latin-1", "cp1252"):
            text = text.replace("oral", "oràl").replace("total", "tötal")
        try:
            path.write_bytes(bom + text.encode(encoding))
        except UnicodeEncodeError:
            return None
        return f"{path.name}: re-encoded as {encoding}{' with BOM' if bom else ''}"

    return apply


def _unicode_values(ctx: Context) -> str | None:
    found = _csv_rows(ctx)
    if found is None:
        return None
    path, rows = found
    r, c = ctx.rng.randrange(1, len(rows)) if len(rows) > 1 else 0, ctx.rng.randrange(len(rows[0]))
    value = ctx.rng.choice(["Zoë Ünïcødé", "日本語", "emoji 😀", "Ångström", "a\u200bb", "\u00a0x"])
    if r == 0:
        return None
    rows[r][c] = value
    _write_csv(path, rows)
    return f"{path.name}: row {r} column {rows[0][c]} = {value!r}"


# ---- CSV structure ---------------------------------------------------------------------------


def _delimiter(ctx: Context) -> str | None:
    found = _csv_rows(ctx)
    if found is None:
        return None
    path, rows = found
    delimiter = ctx.rng.choice([";", "\t", "|"])
    _write_csv(path, rows, delimiter=delimiter)
    return f"{path.name}: delimiter {delimiter!r}"


def _quote_all(ctx: Context) -> str | None:
    found = _csv_rows(ctx)
    if found is None:
        return None
    path, rows = found
    _write_csv(path, rows, quoting=csv.QUOTE_ALL)
    return f"{path.name}: every field quoted"


def _stray_quote(ctx: Context) -> str | None:
    path = _pick(ctx, ".csv")
    if path is None:
        return None
    data = path.read_bytes()
    i = ctx.rng.randrange(len(data) + 1)
    path.write_bytes(data[:i] + b'"' + data[i:])
    return f"{path.name}: a double quote inserted at byte {i}"


def _field_count(ctx: Context) -> str | None:
    found = _csv_rows(ctx)
    if found is None or len(found[1]) < 2:
        return None
    path, rows = found
    r = ctx.rng.randrange(1, len(rows))
    if ctx.rng.random() < 0.5:
        rows[r].append("extra")
        what = "a field added"
    else:
        rows[r].pop()
        what = "a field removed"
    _write_csv(path, rows)
    return f"{path.name}: row {r}: {what}"


def _header(ctx: Context) -> str | None:
    found = _csv_rows(ctx)
    if found is None:
        return None
    path, rows = found
    header = rows[0]
    choice = ctx.rng.choice(["upper", "lower", "title", "spaces", "duplicate", "swap_case_dup"])
    if choice == "upper":
        rows[0] = [h.upper() for h in header]
    elif choice == "lower":
        rows[0] = [h.lower() for h in header]
    elif choice == "title":
        rows[0] = [h.title() for h in header]
    elif choice == "spaces":
        rows[0] = [f" {h} " for h in header]
    elif choice == "duplicate":
        i = ctx.rng.randrange(len(header))
        j = (i + 1) % len(header)
        rows[0][j] = header[i]
    else:
        i = ctx.rng.randrange(len(header))
        rows[0] = [*header, header[i].swapcase()]
        rows[1:] = [[*row, "x"] for row in rows[1:]]
    _write_csv(path, rows)
    return f"{path.name}: header {choice}"


def _reorder_columns(ctx: Context) -> str | None:
    found = _csv_rows(ctx)
    if found is None:
        return None
    path, rows = found
    order = list(range(len(rows[0])))
    ctx.rng.shuffle(order)
    _write_csv(path, [[row[i] if i < len(row) else "" for i in order] for row in rows])
    return f"{path.name}: columns reordered"


def _drop_column(ctx: Context) -> str | None:
    found = _csv_rows(ctx)
    if found is None:
        return None
    path, rows = found
    i = ctx.rng.randrange(len(rows[0]))
    name = rows[0][i]
    _write_csv(path, [row[:i] + row[i + 1 :] for row in rows])
    return f"{path.name}: column {name} dropped"


def _add_column(ctx: Context) -> str | None:
    found = _csv_rows(ctx)
    if found is None:
        return None
    path, rows = found
    name = ctx.rng.choice(
        ["notes", "extra_flag", "email", "patient_name", "zip", "phone", "MRN", "comment"]
    )
    value = ctx.rng.choice(["", "free text", "jane@example.org", "555-123-4567", "x"])
    _write_csv(path, [[*rows[0], name], *[[*row, value] for row in rows[1:]]])
    return f"{path.name}: column {name} = {value!r} added"


def _embedded_newline(ctx: Context) -> str | None:
    found = _csv_rows(ctx)
    if found is None or len(found[1]) < 2:
        return None
    path, rows = found
    r, c = ctx.rng.randrange(1, len(rows)), ctx.rng.randrange(len(rows[0]))
    rows[r][c] = rows[r][c] + ctx.rng.choice(["\nmore", "\r\nmore", "\rmore"])
    _write_csv(path, rows)
    return f"{path.name}: row {r} column {rows[0][c]}: a line end inside the quoted value"


def _empty_or_header_only(ctx: Context) -> str | None:
    path = _pick(ctx)
    if path is None:
        return None
    choice = ctx.rng.choice(["empty", "newline_only", "header_only"])
    if choice == "header_only":
        rows = _read_csv(path) if path.suffix == ".csv" else None
        if not rows:
            return None
        _write_csv(path, rows[:1])
    else:
        path.write_bytes(b"" if choice == "empty" else b"\n")
    return f"{path.name}: {choice}"


# ---- values ----------------------------------------------------------------------------------

JUNK = (
    "",
    " ",
    "NA",
    "NULL",
    ".",
    "abc",
    "1e308",
    "1e400",
    "-0",
    "NaN",
    "Inf",
    "2024-13-45",
    "2024-02-30",
    "12/31/2020",
    "9999999999999999999",
    "3.5",
    "-1",
    "0",
    "91",
    "jane@example.org",
    "123-45-6789",
    "(555) 123-4567",
    "http://example.org",
    "O'Brien",
    '"quoted"',
    "x" * 5000,
    "2020-01-01T10:00:00Z",
    " 42 ",
    "4.0",
    "Y",
    "N",
    "X",
)


def _set_value(ctx: Context) -> str | None:
    found = _csv_rows(ctx)
    if found is None or len(found[1]) < 2:
        return None
    path, rows = found
    r, c = ctx.rng.randrange(1, len(rows)), ctx.rng.randrange(len(rows[0]))
    value = ctx.rng.choice(JUNK)
    rows[r][c] = value
    _write_csv(path, rows)
    return f"{path.name}: row {r} column {rows[0][c]} = {value[:30]!r}"


def _rows(ctx: Context) -> str | None:
    found = _csv_rows(ctx)
    if found is None or len(found[1]) < 2:
        return None
    path, rows = found
    choice = ctx.rng.choice(["duplicate", "delete", "shuffle", "delete_all"])
    r = ctx.rng.randrange(1, len(rows))
    if choice == "duplicate":
        rows.insert(r, list(rows[r]))
    elif choice == "delete":
        del rows[r]
    elif choice == "shuffle":
        body = rows[1:]
        ctx.rng.shuffle(body)
        rows[1:] = body
    else:
        rows = rows[:1]
    _write_csv(path, rows)
    return f"{path.name}: rows {choice} (at {r})"


def _parquet_value(ctx: Context) -> str | None:
    path = _pick(ctx, ".parquet")
    if path is None:
        return None
    try:
        frame = pl.read_parquet(path)
    except Exception:  # noqa: BLE001 (a parquet file an earlier mutation broke)
        return None
    if frame.height == 0:
        return None
    column = ctx.rng.choice(frame.columns)
    choice = ctx.rng.choice(["null", "to_text", "to_float", "huge"])
    if choice == "null":
        frame = frame.with_columns(pl.lit(None).cast(frame.schema[column]).alias(column))
    elif choice == "to_text":
        frame = frame.with_columns(pl.col(column).cast(pl.String).str.replace(r"$", " x"))
    elif choice == "to_float":
        frame = frame.with_columns(pl.col(column).cast(pl.Float64, strict=False) + 0.5)
    else:
        frame = frame.with_columns(pl.lit(1e300).alias(column))
    frame.write_parquet(path)
    return f"{path.name}: column {column} {choice}"


# ---- dataset.yml -----------------------------------------------------------------------------


def _yaml(ctx: Context) -> str | None:
    path = ctx.folder / "dataset.yml"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    choice = ctx.rng.choice(
        [
            "delete",
            "empty",
            "not_yaml",
            "unknown_key",
            "arms_list",
            "new_id",
            "bad_id",
            "no_source",
            "source_omop",
            "duplicate_key",
            "latin1",
            "crlf",
            "bom",
            "analysis",
            "remission",
            "long_title",
            "tab_indent",
            "list_document",
        ]
    )
    if choice == "delete":
        path.unlink()
        return "dataset.yml deleted"
    replacements = {
        "empty": "",
        "not_yaml": text + "\n: : [unclosed\n",
        "unknown_key": text + "arm: {}\n",
        "arms_list": text + "visits: [1, 2]\n",
        "new_id": text.replace("dataset_id: FUZZ-", "dataset_id: NEW-", 1),
        "bad_id": text.replace("dataset_id: FUZZ-", "dataset_id: 'FUZZ id/../", 1) + "",
        "no_source": "\n".join(ln for ln in text.splitlines() if not ln.startswith("source")),
        "source_omop": text.replace("source: ", "source: omop #", 1),
        "duplicate_key": text + "title: again\n",
        "latin1": text.replace("Fuzz", "Fùzz"),
        "crlf": text.replace("\n", "\r\n"),
        "bom": "\ufeff" + text,
        "analysis": text + "primary_analysis: itt\n",
        "remission": text.replace("MADRS: 12", "MADRS: 99") + "",
        "long_title": text.replace("title: Fuzz", "title: " + "Fuzz " * 3000, 1),
        "tab_indent": text.replace("  ", "\t", 1),
        "list_document": "- " + text.replace("\n", "\n  "),
    }
    new = replacements[choice]
    path.write_bytes(new.encode("latin-1" if choice == "latin1" else "utf-8"))
    return f"dataset.yml: {choice}"


# ---- file kinds ------------------------------------------------------------------------------


def _kind(ctx: Context) -> str | None:
    path = _pick(ctx)
    if path is None:
        return None
    choice = ctx.rng.choice(
        [
            "rename_ext",
            "uppercase_name",
            "second_file",
            "to_parquet",
            "to_xpt",
            "gzip",
            "zip",
            "unsupported_extra",
            "non_contract_table",
            "folder_named_like_table",
            "truncated_parquet",
        ]
    )
    stem, suffix = path.stem, path.suffix
    if choice == "rename_ext":
        target = path.with_suffix(ctx.rng.choice([".parquet", ".xpt", ".csv", ".sas7bdat"]))
        if target.exists():
            return None
        path.rename(target)
        return f"{path.name} renamed {target.name}"
    if choice == "uppercase_name":
        target = path.with_name(stem.upper() + suffix.upper())
        path.rename(target)
        return f"{path.name} renamed {target.name}"
    if choice == "second_file":
        other = path.with_name(stem.upper() + (".parquet" if suffix != ".parquet" else ".csv"))
        other.write_bytes(path.read_bytes())
        return f"{path.name} copied to {other.name}"
    if choice in ("to_parquet", "to_xpt"):
        if suffix != ".csv":
            return None
        try:
            frame = pl.read_csv(path, infer_schema_length=None)
        except Exception:  # noqa: BLE001 (an earlier mutation broke it)
            return None
        path.unlink()
        from fuzz.bases import write_parquet, write_xpt

        target = path.with_suffix(".parquet" if choice == "to_parquet" else ".xpt")
        try:
            (write_parquet if choice == "to_parquet" else write_xpt)(target, frame.to_dicts())
        except Exception:  # noqa: BLE001 (pyreadstat refuses some frames: a write failure)
            return None
        return f"{path.name} converted to {target.name}"
    if choice == "gzip":
        path.write_bytes(gzip.compress(path.read_bytes()))
        return f"{path.name}: gzip-compressed, name kept"
    if choice == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr(path.name, path.read_bytes())
        path.write_bytes(buffer.getvalue())
        return f"{path.name}: zipped, name kept"
    if choice == "unsupported_extra":
        (ctx.folder / "README.md").write_text("notes\n")
        (ctx.folder / f"{stem}.xlsx").write_bytes(b"PK\x03\x04 not really")
        return "README.md and an .xlsx added"
    if choice == "non_contract_table":
        (ctx.folder / "location.csv").write_text("location_id,address_1\n1,742 Evergreen Terrace\n")
        return "location.csv added"
    if choice == "folder_named_like_table":
        path.unlink()
        path.mkdir()
        return f"{path.name} replaced by a folder"
    if suffix != ".parquet":
        return None
    data = path.read_bytes()
    path.write_bytes(data[: ctx.rng.randrange(len(data))])
    return f"{path.name}: truncated Parquet"


# ---- symbolic links --------------------------------------------------------------------------


def _symlink(ctx: Context) -> str | None:
    path = _pick(ctx)
    if path is None:
        return None
    choice = ctx.rng.choice(["to_copy", "dangling", "loop", "to_folder", "to_dev_null", "yml"])
    if choice == "yml":
        yml = ctx.folder / "dataset.yml"
        if not yml.is_file() or yml.is_symlink():
            return None
        target = ctx.scratch / "dataset.yml"
        target.write_bytes(yml.read_bytes())
        yml.unlink()
        yml.symlink_to(target)
        return "dataset.yml is a link to a copy"
    if choice == "to_copy":
        target = ctx.scratch / path.name
        target.write_bytes(path.read_bytes())
    elif choice == "dangling":
        target = ctx.scratch / f"missing-{path.name}"
    elif choice == "loop":
        target = path  # a link to itself
    elif choice == "to_folder":
        target = ctx.scratch
    else:
        target = Path(os.devnull)
    path.unlink()
    path.symlink_to(target)
    return f"{path.name}: symbolic link ({choice})"


# ---- names -----------------------------------------------------------------------------------


def _names(ctx: Context) -> str | None:
    """Folder and file names a user's disk may hold: spaces, accents, bytes that are not UTF-8
    (Python keeps those as surrogates, which a strict UTF-8 terminal or DuckDB refuses)."""
    choice = ctx.rng.choice(["folder_spaces", "folder_unicode", "folder_bytes", "file_bytes"])
    if choice == "file_bytes":
        name = os.fsencode(ctx.folder) + b"/notes-\xff\xfe.txt"
        with open(name, "wb") as f:
            f.write(b"not a table\n")
        return "a file whose name is not UTF-8 added"
    new = {
        "folder_spaces": "my dataset (copy)",
        "folder_unicode": "données-ünïcødé",
        "folder_bytes": os.fsdecode(b"data-\xff\xfe"),
    }[choice]
    target = ctx.folder.with_name(new)
    ctx.folder.rename(target)
    ctx.folder = target
    return f"dataset folder renamed {new!r}"


MUTATIONS: tuple[Mutation, ...] = (
    Mutation("flip_bit", "bytes", _bytes_op(_flip)),
    Mutation("insert_bytes", "bytes", _bytes_op(_insert)),
    Mutation("delete_bytes", "bytes", _bytes_op(_delete)),
    Mutation("truncate", "bytes", _bytes_op(_truncate)),
    Mutation("insert_nul", "bytes", _bytes_op(_nul)),
    Mutation("invalid_utf8", "bytes", _bytes_op(_bad_utf8)),
    Mutation("duplicate_span", "bytes", _bytes_op(_duplicate_span)),
    Mutation("cr", "line ends", _line_ends("cr")),
    Mutation("crlf", "line ends", _line_ends("crlf")),
    Mutation("lf", "line ends", _line_ends("lf")),
    Mutation("mixed", "line ends", _line_ends("mixed")),
    Mutation("cr_header", "line ends", _line_ends("cr_header")),
    Mutation("final_newline", "line ends", _final_newline),
    Mutation("blank_lines", "line ends", _blank_lines),
    Mutation("latin1", "encodings", _reencode("latin-1")),
    Mutation("cp1252", "encodings", _reencode("cp1252")),
    Mutation("utf16le_bom", "encodings", _reencode("utf-16-le", b"\xff\xfe")),
    Mutation("utf16be_bom", "encodings", _reencode("utf-16-be", b"\xfe\xff")),
    Mutation("utf8_bom", "encodings", _reencode("utf-8", b"\xef\xbb\xbf")),
    Mutation("unicode_values", "encodings", _unicode_values),
    Mutation("delimiter", "CSV structure", _delimiter),
    Mutation("quote_all", "CSV structure", _quote_all),
    Mutation("stray_quote", "CSV structure", _stray_quote),
    Mutation("field_count", "CSV structure", _field_count),
    Mutation("header", "CSV structure", _header),
    Mutation("reorder_columns", "CSV structure", _reorder_columns),
    Mutation("drop_column", "CSV structure", _drop_column),
    Mutation("add_column", "CSV structure", _add_column),
    Mutation("embedded_newline", "CSV structure", _embedded_newline),
    Mutation("empty_or_header_only", "CSV structure", _empty_or_header_only),
    Mutation("set_value", "values", _set_value),
    Mutation("rows", "values", _rows),
    Mutation("parquet_value", "values", _parquet_value),
    Mutation("dataset_yml", "dataset.yml", _yaml),
    Mutation("file_kind", "file kinds", _kind),
    Mutation("symlink", "symbolic links", _symlink),
    Mutation("names", "names", _names),
)
