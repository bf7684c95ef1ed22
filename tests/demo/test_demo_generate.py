"""`demo.generate`: folders, determinism, clean replacement, scaling, clear failures."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from demo_files import DATASETS

from core.errors import ConfigError
from demo import generate
from demo.concepts import load_vocabulary
from trd.cli import main

SEED_FILE = Path(__file__).resolve().parents[2] / "seeds" / "concept_sets.csv"


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_generate_returns_one_folder_per_dataset_trials_first(demo_folders: list[Path]) -> None:
    # given the default demo / when listing what generate returned
    names = [folder.name for folder in demo_folders]
    # then one folder per dataset, trials before the registry, each with a dataset.yml
    assert names == list(DATASETS)
    assert all((folder / "dataset.yml").is_file() for folder in demo_folders)


def test_same_seed_writes_identical_bytes(demo_folders: list[Path], tmp_path: Path) -> None:
    # given the session's default demo
    first = demo_folders[0].parent
    # when generating again with the same seed and size elsewhere
    generate(tmp_path / "again")
    # then every file (CSV, Parquet, XPT, YAML) is byte-identical
    again = _files(tmp_path / "again")
    assert again.keys() == _files(first).keys()
    assert [name for name, data in _files(first).items() if again[name] != data] == []


def test_different_seed_gives_different_data(demo: dict[str, Path], tmp_path: Path) -> None:
    # when generating with another seed
    other = {p.name: p for p in generate(tmp_path, persons=5000, seed=7)}
    # then the trial data differ (same design, new draws)
    assert (other["TRANSFORM-2"] / "adqs.csv").read_bytes() != (
        demo["TRANSFORM-2"] / "adqs.csv"
    ).read_bytes()


def test_rerun_replaces_existing_folders_cleanly(tmp_path: Path) -> None:
    # given a demo folder holding a stale file and an unrelated sibling folder
    generate(tmp_path, persons=300)
    (tmp_path / "ELEKT-D" / "stale.csv").write_text("old")
    (tmp_path / "notes").mkdir()
    # when generating again into the same place
    generate(tmp_path, persons=300)
    # then the stale file is gone, no staging folder is left, unrelated folders are kept
    assert not (tmp_path / "ELEKT-D" / "stale.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*DATASETS, "notes"])


def test_registry_rows_scale_with_persons(tmp_path: Path) -> None:
    # given registries of 1,000 and 3,000 persons
    small = generate(tmp_path / "small", persons=1000)[-1]
    large = generate(tmp_path / "large", persons=3000)[-1]
    # when counting rows per table / then every table grows about threefold
    for table in ("person", "drug_exposure", "observation", "measurement", "condition_occurrence"):
        ratio = (
            pl.read_csv(large / f"{table}.csv").height / pl.read_csv(small / f"{table}.csv").height
        )
        assert 2.7 < ratio < 3.3, (table, ratio)
    assert pl.read_csv(large / "person.csv").height == 3000


def test_prints_registry_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # when generating a small demo
    generate(tmp_path, persons=120)
    # then the registry reports how far it got
    assert "REGISTRY-OMOP: 120/120 persons" in capsys.readouterr().out


def test_rejects_a_registry_of_zero_persons(tmp_path: Path) -> None:
    # when asking for no persons / then a usage error (exit code 2) says what to pass
    with pytest.raises(ConfigError, match="--persons must be at least 1") as err:
        generate(tmp_path, persons=0)
    assert err.value.exit_code == 2
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("gap", ["drop_set", "placeholder_id"])
def test_incomplete_concept_seed_fails_naming_the_set(tmp_path: Path, gap: str) -> None:
    # given a seed without the augmentation set (or with only a placeholder id 0 for it)
    seed = pl.read_csv(SEED_FILE, infer_schema=False)
    if gap == "drop_set":
        seed = seed.filter(pl.col("concept_set") != "augmentation")
    else:
        seed = seed.with_columns(
            concept_id=pl.when(pl.col("concept_set") == "augmentation")
            .then(pl.lit("0"))
            .otherwise("concept_id")
        )
    path = tmp_path / "concept_sets.csv"
    seed.write_csv(path)
    # when loading the vocabulary / then the error names the set, the file and the fix
    with pytest.raises(ConfigError) as err:
        load_vocabulary(path)
    message = str(err.value)
    assert "concept set(s) augmentation missing from the seed" in message
    assert "complete seeds/concept_sets.csv" in message
    assert err.value.exit_code == 2


def test_cli_demo_data_only_writes_the_datasets(tmp_path: Path) -> None:
    # when running `trd demo --data DIR --persons 200 --data-only`
    code = main(["demo", "--data", str(tmp_path / "d"), "--persons", "200", "--data-only"])
    # then it succeeds and leaves the eight dataset folders
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == sorted(DATASETS)
