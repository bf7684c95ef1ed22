"""A fingerprint of every mart and reporting table: has a change altered what the warehouse says?

    .venv/bin/python -m benchmarks.fingerprint [--warehouse W] [--out FILE] [--compare OLD.json]

Without `--warehouse`, the default demo (`demo`-equivalent: generate, ingest, build; no
check or report) is built into a temporary folder first. Each table of the `marts` and
`reporting` schemas gets its row count and an order-independent hash of its rows, without the
columns of each load's, build's and check run's own identity and time (`is_identity`): every
value as text, doubles rounded to 12 significant digits (DuckDB's parallel sums differ at about
1e-14 from run to run, which is not a change of behaviour), rows hashed one by one and the
hashes summed. `--compare` prints the tables whose count or hash differ from an earlier fingerprint
and exits 1 when any does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

import duckdb

SCHEMAS = ("marts", "reporting")
SIGNIFICANT = 12
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


def is_identity(column: str) -> bool:
    """A load's, build's or check run's own id or time (`*load_id`, `*_at`, `build_id`,
    `run_id`): two runs on the same files never share them, so a fingerprint (and the engines'
    parity tests) leaves them out."""
    return column.endswith("load_id") or column.endswith("_at") or column in ("build_id", "run_id")


def _value(value: object, is_float: bool) -> str:
    if value is None:
        return "∅"
    if is_float:
        return format(float(value), f".{SIGNIFICANT}g")  # type: ignore[arg-type]
    return repr(value)


def table_fingerprint(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, object]:
    """Row count and the sum (mod 2**64) of the rows' sha256 prefixes: order does not matter."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    columns = [(name, kind) for name, kind in columns if not is_identity(name)]
    floats = [any(t in str(kind).upper() for t in FLOAT_TYPES) for _, kind in columns]
    names = ", ".join(f'"{name}"' for name, _ in columns)
    total, rows = 0, 0
    for row in con.execute(f'select {names} from "{schema}"."{table}"').fetchall():
        text = "\x1f".join(_value(v, f) for v, f in zip(row, floats, strict=True))
        total = (total + int.from_bytes(hashlib.sha256(text.encode()).digest()[:8])) % 2**64
        rows += 1
    return {"rows": rows, "columns": len(columns), "hash": f"{total:016x}"}


def fingerprint(warehouse: Path) -> dict[str, dict[str, object]]:
    """Every table and view of the mart and reporting schemas, by `schema.table`."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in ({', '.join('?' for _ in SCHEMAS)}) order by 1, 2",
            list(SCHEMAS),
        ).fetchall()
        return {f"{s}.{t}": table_fingerprint(con, s, t) for s, t in tables}
    finally:
        con.close()


def build_demo(root: Path) -> Path:
    """The default demo datasets ingested and built (what `trd demo` does before its checks)."""
    from demo import generate
    from expectations.gate import RawChecks
    from ingest.load import ingest_datasets
    from trd.build import build

    warehouse = root / "warehouse.duckdb"
    folders = generate(root / "data")
    if ingest_datasets(folders, warehouse, RawChecks()) != 0 or build(warehouse) != 0:
        sys.exit("the demo did not ingest and build")
    return warehouse


def compare(old: dict[str, dict[str, object]], new: dict[str, dict[str, object]]) -> list[str]:
    """One line per table that is missing on one side or differs."""
    lines = []
    for name in sorted(set(old) | set(new)):
        if name not in new:
            lines.append(f"{name}: gone")
        elif name not in old:
            lines.append(f"{name}: new ({new[name]['rows']} rows)")
        elif old[name] != new[name]:
            lines.append(f"{name}: {old[name]} -> {new[name]}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="an existing warehouse (default: the demo)")
    parser.add_argument("--out", type=Path, help="write the fingerprint as JSON here")
    parser.add_argument("--compare", type=Path, help="an earlier fingerprint to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = args.warehouse or build_demo(Path(tmp))
        prints = fingerprint(warehouse)
    text = json.dumps(prints, indent=1, sort_keys=True)
    if args.out:
        args.out.write_text(text + "\n")
    for name, entry in prints.items():
        print(f"{name:<48} {entry['rows']:>8} rows  {entry['hash']}")
    if args.compare:
        differences = compare(json.loads(args.compare.read_text()), prints)
        print("\n".join(differences) or f"identical to {args.compare}: {len(prints)} tables")
        sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
