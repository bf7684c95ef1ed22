"""Registry-scale benchmark of every `trd` stage against DuckDB's physical baseline.

    .venv/bin/python -m benchmarks.run [--persons 100000 1000000] [--skip-5m] [--repeat N]

For each registry size: generate the demo datasets (`trd demo --data-only`, cached under
`--data`; same seed, same bytes), then time each stage as a whole process with
`/usr/bin/time -v` (wall, CPU user + sys, peak RSS): `trd ingest` (trials, then the registry),
`trd build`, `trd check`, `trd report`, and the baselines of benchmarks/baselines.py: (a)
DuckDB's read_csv of the registry files, (b) the raw checks as one query, (c) the D28
response-rate mart as one query, cross-checked against `marts.response_rates`. Last, `trd run`
of all five datasets into a fresh warehouse (the end-to-end target). Results go to
`benchmarks/results/` as JSON, a Markdown table and a PNG; docs/performance.md explains them.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.settings import ENGINES, REPO_ROOT
from ingest.publish import STORE

RESULTS = REPO_ROOT / "benchmarks" / "results"
PYTHON = sys.executable
TRD = str(Path(PYTHON).with_name("trd"))
REGISTRY = "REGISTRY-OMOP"
FIVE_MILLION = 5_000_000
TARGETS = {
    "ingest / read_csv (a)": 1.5,
    "check / hand checks (b)": 3.0,
    "build / hand mart (c)": 3.0,
}
E2E_SECONDS, E2E_RSS_GB = 180.0, 6.0
SCALE_SECONDS, SCALE_RSS_GB = 720.0, 12.0
"""The scale run's targets (`--scale`, 10M persons): `trd run` within 12 minutes, 12 GiB."""
INT_TABLES = ("drug_exposures", "drug_eras", "index_candidates", "episodes", "assessments")
"""Registry model sizes reported with each build (what bench_registry_scale.py printed)."""


@dataclass(frozen=True)
class Timing:
    """One process as /usr/bin/time -v saw it."""

    stage: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    exit_code: int
    steps: dict[str, float] = field(default_factory=dict)
    """Seconds of the process's parts as it reported them (see `parse_steps`)."""
    load_average: tuple[float, ...] = ()
    """The machine's 1-, 5- and 15-minute load averages when the process started (others'
    work on the 2 shared cores: a timing means little without it)."""
    spill_mb: float = 0.0
    """The largest size DuckDB's spill folder (`<warehouse>.tmp/`) reached while it ran."""


def timed(stage: str, command: list[str], log: Path) -> Timing:
    """Run `command` under /usr/bin/time -v; its output goes to `log`, the timing is parsed.
    While it runs, the size of DuckDB's spill folder beside its warehouse is sampled."""
    report = log.with_suffix(".time")
    is_ingest = "ingest" in command
    warehouse = _warehouse_of(command)
    loads_before = _load_ids(warehouse) if is_ingest and warehouse else set()
    load_average = tuple(round(x, 2) for x in os.getloadavg())
    spill_mb = 0.0
    with log.open("w") as out:
        process = subprocess.Popen(
            ["/usr/bin/time", "-v", "-o", str(report), *command],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "DO_NOT_TRACK": "1"},
            cwd=REPO_ROOT,
        )
        while process.poll() is None:
            spill_mb = max(spill_mb, _size_mb(_spill_folder(warehouse)))
            time.sleep(1.0)
    timing = parse_time_report(stage, report.read_text(), process.returncode)
    steps = ingest_steps(command, loads_before) if is_ingest else parse_steps(log.read_text())
    timing = dataclasses.replace(
        timing, steps=steps, load_average=load_average, spill_mb=round(spill_mb, 1)
    )
    print(
        f"  {stage:<24} {timing.wall_s:7.1f} s wall {timing.cpu_s:7.1f} s CPU "
        f"{timing.peak_rss_mb:7.0f} MB  spill {timing.spill_mb:6.0f} MB  exit "
        f"{timing.exit_code}  (load average {' '.join(map(str, load_average))})",
        flush=True,
    )
    if process.returncode != 0:
        raise SystemExit(f"{stage} failed (exit {process.returncode}); see {log}")
    return timing


def _spill_folder(warehouse: Path | None) -> Path | None:
    """DuckDB's default temp_directory of a database file: `<file>.tmp` beside it."""
    return None if warehouse is None else warehouse.with_name(warehouse.name + ".tmp")


def _size_mb(path: Path | None) -> float:
    """The size of a file, or of every file under a folder (a spill folder, a Spark warehouse
    folder), in MB; 0 when it is missing, and files that vanish while it is read count 0."""
    if path is None:
        return 0.0
    if path.is_file():
        return path.stat().st_size / 2**20
    total = 0
    try:
        for entry in path.rglob("*"):
            with contextlib.suppress(FileNotFoundError):
                total += entry.stat().st_size if entry.is_file() else 0
    except FileNotFoundError:
        return 0.0
    return total / 2**20


def parse_steps(log: str) -> dict[str, float]:
    """The seconds a baseline reported for its parts (the "seconds" of its JSON line)."""
    steps: dict[str, float] = {}
    for line in log.splitlines():
        line = line.strip()
        if line.startswith("{") and '"seconds"' in line:
            steps = json.loads(line)["seconds"]
    return steps


def _warehouse_of(command: list[str]) -> Path | None:
    """The warehouse a `trd` command works on, or the file a baseline's arguments name."""
    if "--warehouse" in command:
        return Path(command[command.index("--warehouse") + 1])
    duckdb_files = [Path(a) for a in command if a.endswith(".duckdb")]
    return duckdb_files[-1] if duckdb_files else None


def _audit_file(warehouse: Path) -> Path:
    """Where `raw.load_audit` is: the DuckDB warehouse, or a Spark folder's load store."""
    return warehouse / STORE if warehouse.is_dir() else warehouse


def _load_ids(warehouse: Path) -> set[str]:
    audit = _audit_file(warehouse)
    if not audit.exists():
        return set()
    con = duckdb.connect(str(audit), read_only=True)
    try:
        return {r[0] for r in con.execute("select distinct load_id from raw.load_audit").fetchall()}
    finally:
        con.close()


def ingest_steps(command: list[str], loads_before: set[str]) -> dict[str, float]:
    """The seconds of each step of the loads a `trd ingest` process committed, summed over its
    datasets, as ingest recorded them (raw.load_audit.phase_seconds), not as it printed them."""
    con = duckdb.connect(str(_audit_file(_warehouse_of(command))), read_only=True)
    try:
        rows = con.execute(
            "select load_id, any_value(phase_seconds) from raw.load_audit "
            "where status = 'loaded' group by load_id order by min(started_at)"
        ).fetchall()
    finally:
        con.close()
    steps: dict[str, float] = {}
    for load_id, recorded in rows:
        if load_id in loads_before or not recorded:
            continue
        for name, seconds in json.loads(recorded).items():
            steps[name] = round(steps.get(name, 0.0) + seconds, 2)
    return steps


def parse_time_report(stage: str, text: str, exit_code: int) -> Timing:
    """Wall, user + sys CPU and peak RSS out of GNU time's verbose report."""

    def field(label: str) -> str:
        match = re.search(rf"^\s*{re.escape(label)}.*?: (\S+)$", text, re.MULTILINE)
        if not match:
            raise ValueError(f"no '{label}' in the /usr/bin/time report:\n{text}")
        return match.group(1)

    wall = 0.0
    for part in field("Elapsed (wall clock) time").split(":"):
        wall = wall * 60 + float(part)
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    rss_mb = int(field("Maximum resident set size (kbytes)")) / 1024
    return Timing(stage, round(wall, 2), round(cpu, 2), round(rss_mb, 1), exit_code)


def dataset_folders(data: Path, persons: int) -> list[Path]:
    """The demo datasets of this size, generated once (deterministic: reuse is exact)."""
    folder = data / f"persons_{persons}"
    marker = folder / ".complete"
    if not marker.exists():
        print(f"generating the demo datasets with {persons:,} persons in {folder}", flush=True)
        subprocess.run(
            [TRD, "demo", "--data", str(folder), "--persons", str(persons), "--data-only"],
            check=True,
            cwd=REPO_ROOT,
        )
        marker.touch()
    folders = sorted(p for p in folder.iterdir() if (p / "dataset.yml").is_file())
    return [p for p in folders if p.name != REGISTRY] + [folder / REGISTRY]


def bench_size(persons: int, data: Path, work: Path, repeat: int) -> dict[str, object]:
    """Every stage and baseline at one registry size; ratios within this one run."""
    folders = dataset_folders(data, persons)
    trials, registry = folders[:-1], folders[-1]
    run_dir = work / f"persons_{persons}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    warehouse = run_dir / "warehouse.duckdb"
    trd = [TRD, "--warehouse", str(warehouse)]
    print(f"== {persons:,} persons (load average {os.getloadavg()[0]:.2f})", flush=True)
    load_before = os.getloadavg()
    t: dict[str, list[Timing]] = {}

    def add(stage: str, command: list[str]) -> Timing:
        timing = timed(stage, command, run_dir / f"{stage}.log")
        t.setdefault(stage, []).append(timing)
        return timing

    add("ingest trials", [*trd, "ingest", *map(str, trials)])
    for i in range(repeat):
        if i:  # a changed load id is all it takes to load again: drop the registry's audit
            _forget_dataset(warehouse, REGISTRY)
        add("ingest", [*trd, "ingest", str(registry)])
        native = run_dir / "native.duckdb"
        native.unlink(missing_ok=True)
        add(
            "read_csv (a)",
            [PYTHON, "-m", "benchmarks.baselines", "read-csv", str(registry), str(native)],
        )
        native.unlink(missing_ok=True)
    for _ in range(repeat):
        add("build", [*trd, "build"])
        add(
            "hand mart (c)",
            [
                PYTHON,
                "-m",
                "benchmarks.baselines",
                "mart",
                str(warehouse),
                str(run_dir / "hand_mart.json"),
            ],
        )
        add("check", [*trd, "check"])
        add("hand checks (b)", [PYTHON, "-m", "benchmarks.baselines", "checks", str(warehouse)])
        add(
            "GX registry raw suites",
            [PYTHON, "-m", "benchmarks.baselines", "gx-checks", str(warehouse)],
        )
    add("report", [*trd, "report", "--out", str(run_dir / "site")])
    cross_check = compare_marts(warehouse, json.loads((run_dir / "hand_mart.json").read_text()))
    sizes = _model_sizes(warehouse)
    e2e_warehouse = run_dir / "e2e.duckdb"
    add(
        "trd run (end to end)",
        [
            TRD,
            "--warehouse",
            str(e2e_warehouse),
            "run",
            *map(str, folders),
            "--out",
            str(run_dir / "site_e2e"),
        ],
    )
    e2e_warehouse.unlink(missing_ok=True)
    return {
        "persons": persons,
        "input_mb": round(sum(f.stat().st_size for p in folders for f in p.iterdir()) / 2**20, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "timings": {stage: [asdict(x) for x in runs] for stage, runs in t.items()},
        "ratios": _ratios(t),
        "cpu_ratios": _cpu_ratios(t),
        "part_ratios": _part_ratios(t),
        "cross_check_d28_oc": cross_check,
        "registry_model_rows": sizes,
    }


def scale_run(
    persons: int, data: Path, work: Path, e2e: bool = True, engine: str = "duckdb"
) -> dict[str, object]:
    """How far one machine goes (docs/scale-out.md#how-far-one-machine-goes): the data's
    generation (timed apart: not part of the pipeline), each stage as its own process on one
    warehouse, then `trd run` of all datasets into a fresh one (the target). No baselines: at
    this size the question is whether each stage fits the machine, not its ratio to DuckDB.
    `engine="spark"` runs the same commands with `--engine spark` on a warehouse folder (the
    point there is that the same code path works at size, not speed)."""
    folder = data / f"persons_{persons}"
    run_dir = work / _scale_name(persons, engine)
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    generation = _generated(folder, persons, run_dir)
    folders = dataset_folders(data, persons)
    trials, registry = folders[:-1], folders[-1]
    warehouse = run_dir / ("warehouse.duckdb" if engine == "duckdb" else "spark-warehouse")
    trd = [TRD, "--engine", engine, "--warehouse", str(warehouse)]
    print(
        f"== scale run, {persons:,} persons on {engine} (load average {os.getloadavg()[0]:.2f})",
        flush=True,
    )
    stages = [
        timed("ingest trials", [*trd, "ingest", *map(str, trials)], run_dir / "trials.log"),
        timed("ingest", [*trd, "ingest", str(registry)], run_dir / "ingest.log"),
        timed("build", [*trd, "build"], run_dir / "build.log"),
    ]
    # on Spark target/run_results.json holds only the last of the build's three dbt runs
    slowest = slowest_nodes(REPO_ROOT / "target" / "run_results.json") if engine == "duckdb" else []
    stages += [
        timed("check", [*trd, "check"], run_dir / "check.log"),
        timed("report", [*trd, "report", "--out", str(run_dir / "site")], run_dir / "report.log"),
    ]
    rows = _model_sizes(warehouse) if engine == "duckdb" else {}
    warehouse_mb = round(_size_mb(warehouse))
    _remove(warehouse)  # the disk is shared: one 10M warehouse at a time
    end_to_end = _end_to_end(folders, run_dir, engine) if e2e else None
    return {
        "persons": persons,
        "engine": engine,
        "input_mb": round(sum(f.stat().st_size for p in folders for f in p.iterdir()) / 2**20),
        "registry_rows": _registry_rows(run_dir / "ingest.log"),
        "warehouse_mb": warehouse_mb,
        "generation": asdict(generation) if generation else None,
        "stages": [asdict(t) for t in stages],
        "end_to_end": asdict(end_to_end) if end_to_end else None,
        "slowest_build_nodes": slowest,
        "registry_model_rows": rows,
        "targets": {
            "wall_s": SCALE_SECONDS,
            "peak_rss_gb": SCALE_RSS_GB,
            "met": end_to_end is not None
            and end_to_end.wall_s <= SCALE_SECONDS
            and end_to_end.peak_rss_mb / 1024 <= SCALE_RSS_GB,
        },
    }


def _end_to_end(folders: list[Path], run_dir: Path, engine: str = "duckdb") -> Timing:
    """`trd run` of every dataset into a fresh warehouse, deleted afterwards."""
    warehouse = run_dir / ("e2e.duckdb" if engine == "duckdb" else "e2e-spark")
    command = [TRD, "--engine", engine, "--warehouse", str(warehouse), "run", *map(str, folders)]
    try:
        return timed(
            "trd run (end to end)",
            [*command, "--out", str(run_dir / "site_e2e")],
            run_dir / "e2e.log",
        )
    finally:
        _remove(warehouse)


def _scale_name(persons: int, engine: str) -> str:
    """scale_10000000 (DuckDB, as before the engine option), scale_1000000_spark."""
    return f"scale_{persons}" + ("" if engine == "duckdb" else f"_{engine}")


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _generated(folder: Path, persons: int, run_dir: Path) -> Timing | None:
    """Generate the datasets under /usr/bin/time once, and keep that timing beside them; a
    cached folder returns the timing of its generation (None if it was made otherwise)."""
    record = folder / ".generation.json"
    if not (folder / ".complete").exists():
        timing = timed(
            "generate data",
            [TRD, "demo", "--data", str(folder), "--persons", str(persons), "--data-only"],
            run_dir / "generate.log",
        )
        record.write_text(json.dumps(asdict(timing)) + "\n")
        (folder / ".complete").touch()
    if not record.exists():
        return None
    fields = json.loads(record.read_text())
    return Timing(**{**fields, "load_average": tuple(fields.get("load_average", ()))})


def _registry_rows(log: Path) -> int | None:
    """The rows the registry's ingest reported loading ("loaded 28,123,456 rows")."""
    match = re.search(r"loaded ([\d,]+) rows", log.read_text())
    return int(match.group(1).replace(",", "")) if match else None


def slowest_nodes(run_results: Path, n: int = 12) -> list[dict[str, object]]:
    """dbt's slowest nodes of the last build (target/run_results.json): where its time went."""
    if not run_results.exists():
        return []
    results = json.loads(run_results.read_text())["results"]
    ranked = sorted(results, key=lambda r: -r["execution_time"])[:n]
    return [
        {"node": r["unique_id"], "seconds": round(r["execution_time"], 1), "status": r["status"]}
        for r in ranked
    ]


def scale_markdown(run: dict[str, object]) -> str:
    """The scale run as the table docs/performance.md quotes."""
    lines = [
        f"Scale run {run['started']} on {run['machine']}, {run['persons']:,} persons "
        f"on {run.get('engine', 'duckdb')} "
        f"({run['registry_rows'] or 0:,} registry rows, {run['input_mb']:,} MB of CSV; "
        f"warehouse {run['warehouse_mb']:,} MB), TRD_MEMORY_LIMIT {run['memory_limit']}.",
        "",
        "| stage | wall s | CPU s | CPU / wall | peak RSS MB | spill MB | load average at start |",
        "|---|---|---|---|---|---|---|",
    ]
    e2e, target = run["end_to_end"], run["targets"]
    first = [run["generation"]] if run["generation"] else []
    for t in [*first, *run["stages"], *([e2e] if e2e else [])]:
        ratio = t["cpu_s"] / t["wall_s"] if t["wall_s"] else 0.0
        lines.append(
            f"| {t['stage']} | {t['wall_s']:.1f} | {t['cpu_s']:.1f} | {ratio:.2f} | "
            f"{t['peak_rss_mb']:,.0f} | {t['spill_mb']:,.0f} | "
            f"{' / '.join(map(str, t['load_average']))} |"
        )
    if e2e:
        lines += [
            "",
            f"`trd run` end to end: {e2e['wall_s']:.0f} s wall, peak RSS "
            f"{e2e['peak_rss_mb'] / 1024:.2f} GiB (target <= {target['wall_s']:.0f} s and <= "
            f"{target['peak_rss_gb']:.0f} GiB): {'met' if target['met'] else 'MISSED'}.",
        ]
    lines += [
        "",
        "| slowest build nodes | s |",
        "|---|---|",
        *(f"| {n['node']} | {n['seconds']} |" for n in run["slowest_build_nodes"]),
    ]
    steps = next(t for t in run["stages"] if t["stage"] == "ingest")["steps"]
    if steps:
        lines += ["", "| registry ingest step | s |", "|---|---|"]
        lines += [f"| {name} | {seconds:.1f} |" for name, seconds in steps.items()]
    return "\n".join(lines) + "\n"


def _forget_dataset(warehouse: Path, dataset: str) -> None:
    """Make the next ingest of `dataset` a real load (not 'unchanged'): drop its last audit."""
    con = duckdb.connect(str(warehouse))
    con.execute("delete from raw.datasets where dataset_id = ?", [dataset])
    con.close()


def _best(t: dict[str, list[Timing]], stage: str) -> float:
    """The fastest of the repeats: the least disturbed by the other users of the machine."""
    return min(x.wall_s for x in t[stage])


PAIRS = {
    "ingest / read_csv (a)": ("ingest", "read_csv (a)"),
    "check / hand checks (b)": ("check", "hand checks (b)"),
    "build / hand mart (c)": ("build", "hand mart (c)"),
    "GX registry raw suites / hand checks (b)": ("GX registry raw suites", "hand checks (b)"),
}
"""The targets' pairs, then one without a target: the same checks as (b), through GX alone."""


def _ratios(t: dict[str, list[Timing]]) -> dict[str, float]:
    return {name: round(_best(t, a) / _best(t, b), 2) for name, (a, b) in PAIRS.items()}


STAGING = "staging (read, screen, cast, insert)"
PART_PAIRS = {
    "ingest's staging step / read_csv (a)": (("ingest", STAGING), ("read_csv (a)", None)),
    "GX registry raw suites' checks / hand checks' query": (
        ("GX registry raw suites", "checks"),
        ("hand checks (b)", "checks"),
    ),
}
"""Parts of processes (a step's in-process seconds; None: the whole process's wall time),
without the fixed costs around them: what the work itself costs against the baseline's."""


def _part_ratios(t: dict[str, list[Timing]]) -> dict[str, float]:
    def seconds(stage: str, step: str | None) -> float:
        return min(x.steps[step] if step else x.wall_s for x in t[stage])

    return {name: round(seconds(*a) / seconds(*b), 2) for name, (a, b) in PART_PAIRS.items()}


def _cpu_ratios(t: dict[str, list[Timing]]) -> dict[str, float]:
    """CPU-time ratios: less disturbed by a loaded machine than wall time (but blind to how
    well each side uses the two cores)."""
    cpu = {stage: min(x.cpu_s for x in runs) for stage, runs in t.items()}
    return {name: round(cpu[a] / cpu[b], 2) for name, (a, b) in PAIRS.items()}


def compare_marts(warehouse: Path, hand: list[dict[str, object]]) -> dict[str, object]:
    """The hand-written query's D28 OC counts against marts.response_rates, row by row."""
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute(
        "select dataset_id, treatment_class, scale, n, n_responders, n_remitters "
        "from marts.response_rates where source = 'registry' and timepoint = 'D28' "
        "and analysis = 'oc' order by all"
    ).fetchall()
    con.close()
    key = ("dataset_id", "treatment_class", "scale", "n", "n_responders", "n_remitters")
    marts = [dict(zip(key, r, strict=True)) for r in rows]
    hand_rows = [{k: r[k] for k in key} for r in hand]
    return {"agree": marts == hand_rows, "marts": marts, "hand": hand_rows}


def _model_sizes(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    sizes = {}
    for t in INT_TABLES:
        table = f"int_registry__{t}"
        sizes[table] = con.execute(f"select count(*) from intermediate.{table}").fetchone()[0]
    con.close()
    return sizes


def scaling(sizes: list[dict[str, object]]) -> dict[str, float]:
    """Exponent k in t ~ persons^k between the smallest and largest size, per stage."""
    if len(sizes) < 2:
        return {}
    small, large = sizes[0], sizes[-1]
    factor = math.log(large["persons"] / small["persons"])
    return {
        stage: round(
            math.log(
                min(x["wall_s"] for x in large["timings"][stage])
                / min(x["wall_s"] for x in small["timings"][stage])
            )
            / factor,
            2,
        )
        for stage in large["timings"]
    }


def markdown(result: dict[str, object]) -> str:
    """The results as the tables docs/performance.md quotes."""
    sizes = result["sizes"]
    stages = list(sizes[0]["timings"])
    head = "| stage | " + " | ".join(
        f"{s['persons']:,} persons: wall s / CPU s / peak MB" for s in sizes
    )
    lines = [
        f"Run {result['started']} on {result['machine']} (load average before each size: "
        + ", ".join(str(s["load_average_before"][0]) for s in sizes)
        + "). Fastest of the repeats.",
        "",
        head + " | exponent |",
        "|---|" + "---|" * len(sizes) + "---|",
    ]
    for stage in stages:
        cells = []
        for s in sizes:
            best = min(s["timings"][stage], key=lambda x: x["wall_s"])
            cells.append(f"{best['wall_s']:.1f} / {best['cpu_s']:.1f} / {best['peak_rss_mb']:,.0f}")
        exponent = result["scaling_exponents"].get(stage, "")
        lines.append(f"| {stage} | " + " | ".join(cells) + f" | {exponent} |")
    lines += [
        "",
        "| wall-time ratio (target); CPU-time ratio in brackets | "
        + " | ".join(f"{s['persons']:,}" for s in sizes)
        + " |",
    ]
    lines.append("|---|" + "---|" * len(sizes))
    for name in PAIRS:
        target = TARGETS.get(name)
        cells = []
        for s in sizes:
            r, cpu = s["ratios"][name], s["cpu_ratios"][name]
            verdict = "" if target is None else (" ok" if r <= target else " MISSED")
            cells.append(f"{r:.2f}{verdict} ({cpu})")
        goal = "no target" if target is None else f"<= {target}"
        lines.append(f"| {name} ({goal}) | " + " | ".join(cells) + " |")
    lines += _parts_markdown(sizes)
    e2e = result["end_to_end_target"]
    lines += [
        "",
        f"`trd run` end to end on {e2e['persons']:,} persons: {e2e['wall_s']:.0f} s wall, "
        f"peak RSS {e2e['peak_rss_gb']} GB (target <= {E2E_SECONDS:.0f} s and <= {E2E_RSS_GB:.0f} "
        f"GB): {'met' if e2e['met'] else 'MISSED'}.",
    ]
    lines += [
        "",
        "| D28 OC cross-check (hand query = marts.response_rates) | "
        + " | ".join(str(s["cross_check_d28_oc"]["agree"]) for s in sizes)
        + " |",
    ]
    return "\n".join(lines) + "\n"


def _parts_markdown(sizes: list[dict[str, object]]) -> list[str]:
    """What the processes reported about their parts: the registry ingest's steps, the GX
    suites' import and checks, and the ratios of the parts that do the baselines' work.
    (Results of runs before the harness recorded parts have none.)"""
    if any("part_ratios" not in s for s in sizes):
        return []
    lines = [
        "",
        "| in-process seconds (fastest repeat) | "
        + " | ".join(f"{s['persons']:,}" for s in sizes)
        + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for stage in ("ingest", "GX registry raw suites", "hand checks (b)"):
        best = [min(s["timings"][stage], key=lambda x: x["wall_s"]) for s in sizes]
        for step in best[-1]["steps"]:
            cells = " | ".join(f"{b['steps'].get(step, 0):.1f}" for b in best)
            lines.append(f"| {stage}: {step} | {cells} |")
    for name in PART_PAIRS:
        cells = " | ".join(f"{s['part_ratios'][name]:.2f}" for s in sizes)
        lines.append(f"| ratio: {name} (no target) | {cells} |")
    return lines


def plot(result: dict[str, object], path: Path) -> None:
    """Wall time per stage and baseline (bars, per size) and cost against size (log-log)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = result["sizes"]
    stages = list(sizes[0]["timings"])
    fig, (bars, lines) = plt.subplots(1, 2, figsize=(13, 5))
    width = 0.8 / len(sizes)
    for i, s in enumerate(sizes):
        walls = [min(x["wall_s"] for x in s["timings"][st]) for st in stages]
        bars.barh(
            [y + i * width for y in range(len(stages))],
            walls,
            height=width,
            label=f"{s['persons']:,} persons",
        )
    bars.set_yticks([y + width * (len(sizes) - 1) / 2 for y in range(len(stages))], stages)
    bars.invert_yaxis()
    bars.set_xscale("log")
    bars.set_xlabel("wall time, s (log scale; fastest repeat)")
    bars.legend()
    persons = [s["persons"] for s in sizes]
    for st in stages:
        lines.plot(
            persons,
            [min(x["wall_s"] for x in s["timings"][st]) for s in sizes],
            marker="o",
            label=st,
        )
    lines.set_xscale("log")
    lines.set_yscale("log")
    lines.set_xlabel("registry persons")
    lines.set_ylabel("wall time, s")
    lines.legend(fontsize=7)
    fig.suptitle("trd stages against DuckDB baselines (2 cores)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--skip-5m", action="store_true", help="drop sizes of 5M persons or more")
    parser.add_argument("--repeat", type=int, default=1, help="repeats of the ratio pairs")
    parser.add_argument(
        "--data", type=Path, default=REPO_ROOT / "bench_data", help="demo data cache"
    )
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "bench_data" / "runs")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--from-json", type=Path, help="only redraw the table and plot")
    parser.add_argument(
        "--scale",
        type=int,
        metavar="PERSONS",
        help="instead of the sizes, the scale run at this size (opt-in; 10000000: the "
        "10M-person run, ~30 GB of CSV, about 40 min): docs/scale-out.md",
    )
    parser.add_argument(
        "--no-e2e", action="store_true", help="scale run: the stages only, not `trd run`"
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="duckdb",
        help="scale run: the engine (spark: the same commands with --engine spark)",
    )
    args = parser.parse_args()
    if args.from_json:
        write_outputs(json.loads(args.from_json.read_text()), args.out)
        return
    if args.scale:
        write_scale_outputs(
            run_scale(args.scale, args.data, args.work, args.no_e2e, args.engine), args.out
        )
        return
    persons = sorted(p for p in args.persons if not (args.skip_5m and p >= FIVE_MILLION))
    started = datetime.now(UTC)
    clock = time.perf_counter()
    sizes = [bench_size(n, args.data, args.work, args.repeat) for n in persons]
    result = {
        "started": f"{started:%Y-%m-%d %H:%M} UTC",
        "minutes": round((time.perf_counter() - clock) / 60, 1),
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, DuckDB {duckdb.__version__}",
        "sizes": sizes,
        "scaling_exponents": scaling(sizes),
    }
    largest = sizes[-1]["timings"]["trd run (end to end)"]
    best = min(largest, key=lambda x: x["wall_s"])
    result["end_to_end_target"] = {
        "persons": sizes[-1]["persons"],
        "wall_s": best["wall_s"],
        "peak_rss_gb": round(best["peak_rss_mb"] / 1024, 2),
        "met": best["wall_s"] <= E2E_SECONDS and best["peak_rss_mb"] / 1024 <= E2E_RSS_GB,
    }
    write_outputs(result, args.out)


def run_scale(
    persons: int, data: Path, work: Path, no_e2e: bool, engine: str = "duckdb"
) -> dict[str, object]:
    """The scale run with the facts of the machine and the settings it ran with."""
    from core.settings import memory_limit

    started = datetime.now(UTC)
    return {
        "started": f"{started:%Y-%m-%d %H:%M} UTC",
        "machine": f"{os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"CPython {platform.python_version()}, DuckDB {duckdb.__version__}",
        "memory_limit": memory_limit(),
        **scale_run(persons, data, work, e2e=not no_e2e, engine=engine),
    }


def write_scale_outputs(run: dict[str, object], out: Path) -> None:
    """scale_<persons>[_spark].json and .md in `out`; the table also on stdout."""
    out.mkdir(parents=True, exist_ok=True)
    stem = out / _scale_name(run["persons"], run["engine"])
    stem.with_suffix(".json").write_text(json.dumps(run, indent=1) + "\n")
    stem.with_suffix(".md").write_text(scale_markdown(run))
    print(scale_markdown(run))


def write_outputs(result: dict[str, object], out: Path) -> None:
    """results.json, results.md and results.png in `out`; the table also on stdout."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=1) + "\n")
    (out / "results.md").write_text(markdown(result))
    plot(result, out / "results.png")
    print(markdown(result))


if __name__ == "__main__":
    main()
