"""`trd report --out` on a publishable warehouse: a path that is a file, or lies under a file, is
a usage error with the fix (exit 2), found before anything renders; never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.warehouse import copy_warehouse

from trd.cli import main

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("out", "says"),
    [
        ("a_file.html", "--out {out} is a file, but a folder is needed here"),
        ("a_file.html/site", "cannot create the folder {out} given by --out (Not a directory)"),
    ],
    ids=["out_is_a_file", "out_under_a_file"],
)
def test_a_bad_out_path_is_a_usage_error_with_the_fix(
    built_warehouse: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    out: str,
    says: str,
) -> None:
    # given a warehouse the gate lets through, and a file where the report folder should be
    warehouse = copy_warehouse(built_warehouse, tmp_path / "w")
    (tmp_path / "a_file.html").write_text("<html></html>")
    target = tmp_path / out
    # when the report is rendered there
    code = main(["--warehouse", str(warehouse), "report", "--out", str(target)])
    # then it is refused as a usage error naming the path, and the file is untouched
    err = capsys.readouterr().err
    assert code == 2
    assert says.format(out=target) in err
    assert "Fix: give" in err and "Traceback" not in err
    assert (tmp_path / "a_file.html").read_text() == "<html></html>"
