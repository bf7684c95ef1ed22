"""`trd build --engine spark` (docs/scale-out.md#running-on-spark): the same dbt project on the
process's SparkSession, in three steps around the project's Python models.

dbt-spark's `method: session` cannot run dbt Python models (it submits them to Databricks
only), so `trd` runs them itself, between two dbt builds:
1. dbt builds everything upstream of the Python models (and everything independent of them);
2. each Python model's own `model(dbt, session)` function (models/**/*.py) runs here, in
   dependency order, on its refs read from Spark into pandas, and its DataFrame is written as
   the model's Parquet table: no model logic is copied, only `dbt.ref`, `.project`, `.df()`
   and `dbt.config.get` are provided (`_Dbt`);
3. dbt builds everything downstream, then runs the Python models' own data tests.
The three dbt runs are one row of dq.builds (vars trd_build_id / trd_build_part,
macros/record_build.sql).

Before dbt runs, the load store's raw schema is published to Spark if it changed
(ingest/publish.py), and the empty `dq` tables the reporting views read are created.
"""

from __future__ import annotations

import importlib.util
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dbt.cli.main import dbtRunnerResult

from core.errors import ConfigError
from core.settings import REPO_ROOT
from core.spark import catalogue_errors, session
from expectations.store import create_dq_schema_spark
from ingest.publish import STORE, ensure_published

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession


def build_on_spark(
    warehouse: Path,
    select: str | None,
    callback: Callable[[Any], None] | None,
    tests: bool = True,
) -> list[dbtRunnerResult]:
    """The three steps; the results of the dbt runs that ran (a failed run ends the build).
    `tests` False: models and seeds only, no data tests (the parity test, tests/spark)."""
    from trd.build import BUILD_ARGS, run_dbt

    if not (warehouse / STORE).is_file():  # a typo in the path, as on DuckDB (core/warehouse.py)
        raise ConfigError(
            f"no Spark warehouse at {warehouse}",
            "load data first with `trd ingest --engine spark DIR...`, or point --warehouse / "
            "TRD_SPARK_WAREHOUSE at the folder `trd ingest` wrote",
        )
    with catalogue_errors(warehouse, "build"):
        spark = session(warehouse)
        ensure_published(spark, warehouse, "build")
        create_dq_schema_spark(spark)
        build_id = str(uuid.uuid4())

        def dbt(args: list[str], part: str, before: int = 0) -> dbtRunnerResult:
            variables = {"trd_build_id": build_id, "trd_build_part": part}
            variables["trd_nodes_before"] = before
            return run_dbt(
                [*args, "--vars", json.dumps(variables)], warehouse, callback, engine="spark"
            )

        python = python_models()
        names = [m.name for m in python]
        build_args = [*BUILD_ARGS, *([] if tests else ["--exclude-resource-type", "test"])]
        upstream = [*build_args, "--exclude", *(f"{n}+" for n in names)]
        if select:
            upstream += ["--select", select]
        first = dbt(upstream, "first" if not select else "whole")
        if select or not first.success:
            return [first]
        for model in python:
            run_python_model(spark, model)
        downstream = [*build_args, "--select", *(f"{n}+" for n in names), "--exclude", *names]
        nodes = _count(first) + len(names)
        last = dbt(downstream, "last", nodes)
        if not last.success or not tests:
            return [first, last]
        python_tests = dbt(["test", "--select", *names], "last")
        return [first, last, python_tests]


@dataclass(frozen=True)
class PythonModel:
    """A dbt Python model of the project: its file, table and rendered config, and the tables
    of every model and seed it may ref (dbt's manifest)."""

    name: str
    path: Path
    relation: str
    config: dict[str, Any]
    refs: dict[str, str]


def python_models() -> list[PythonModel]:
    """The project's Python models in dependency order (dbt's manifest: `dbt parse`)."""
    from dbt.cli.main import dbtRunner

    project = ["--project-dir", str(REPO_ROOT), "--profiles-dir", str(REPO_ROOT)]
    nodes = dbtRunner().invoke(["--quiet", "parse", *project, "--target", "spark"]).result.nodes
    refs = {
        n.name: f"{n.schema}.{n.alias}"
        for n in nodes.values()
        if n.resource_type in ("model", "seed")
    }
    python = {uid: n for uid, n in nodes.items() if getattr(n, "language", "sql") == "python"}
    ordered: list[str] = []

    def visit(uid: str) -> None:
        for parent in python[uid].depends_on.nodes:
            if parent in python and parent not in ordered:
                visit(parent)
        if uid not in ordered:
            ordered.append(uid)

    for uid in sorted(python):
        visit(uid)
    return [
        PythonModel(
            name=python[uid].name,
            path=REPO_ROOT / python[uid].original_file_path,
            relation=refs[python[uid].name],
            config=python[uid].config.to_dict(),
            refs=refs,
        )
        for uid in ordered
    ]


def run_python_model(spark: SparkSession, model: PythonModel) -> None:
    """The model's own `model(dbt, session)` on Spark data; its result replaces the table."""
    import pyarrow as pa

    spec = importlib.util.spec_from_file_location(f"trd_python_model_{model.name}", model.path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    frame = module.model(_Dbt(spark, model), spark)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.cast(
        pa.schema(
            [
                pa.field(f.name, pa.string()) if pa.types.is_dictionary(f.type) else f
                for f in table.schema
            ]
        )
    )
    result = spark.createDataFrame(table)
    result.write.format("parquet").mode("overwrite").saveAsTable(model.relation)


class _Relation:
    """What the project's Python models use of a dbt-duckdb relation, on a Spark DataFrame."""

    def __init__(self, frame: DataFrame) -> None:
        self._frame = frame

    @property
    def columns(self) -> list[str]:
        return self._frame.columns

    def project(self, selection: str) -> _Relation:
        return _Relation(self._frame.selectExpr(*(c.strip() for c in selection.split(","))))

    def filter(self, condition: str) -> _Relation:
        return _Relation(self._frame.where(condition))

    def query(self, name: str, sql: str) -> _Relation:
        """`sql` over this relation called `name` (DuckDB's `relation.query`)."""
        self._frame.createOrReplaceTempView(name)
        return _Relation(self._frame.sparkSession.sql(sql))

    def df(self) -> pd.DataFrame:
        """pandas as DuckDB's `.df()` gives it: integers with nulls become floats."""
        return self._frame.toArrow().to_pandas()


class _Config:
    """`dbt.config(...)` (a no-op: the table is written by `run_python_model`) and
    `dbt.config.get(key)` (the model's config as dbt rendered it)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __call__(self, **_: Any) -> None:
        return None

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)


class _Dbt:
    def __init__(self, spark: SparkSession, model: PythonModel) -> None:
        self._spark = spark
        self._model = model
        self.config = _Config(model.config)

    def ref(self, name: str) -> _Relation:
        return _Relation(self._spark.table(self._model.refs[name]))


def _count(result: dbtRunnerResult) -> int:
    return len(result.result.results) if result.result is not None else 0
