"""JUnit XML of a check run, for CI systems (docs/data-quality.md): one testcase per check and
dataset.

Error-level failures are `<failure>`s (they fail the CI job's test report); warn-level failures
are `<skipped>` testcases with the warning in `<system-out>`, so they show up without failing
anything. One testsuite per dataset and table.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from expectations.results import CheckResult


def write_junit(results: Sequence[CheckResult], path: Path, name: str = "trd check") -> None:
    """Write `results` as JUnit XML to `path` (parent folders are created)."""
    groups: dict[tuple[str, str], list[CheckResult]] = defaultdict(list)
    for r in results:
        groups[(r.dataset_id or "all datasets", r.table)].append(r)
    root = ET.Element("testsuites", name=name)
    for (dataset, table), members in groups.items():
        suite = ET.SubElement(root, "testsuite", name=f"{dataset} {table}")
        for r in members:
            _testcase(suite, r, classname=f"{dataset}.{table}")
        _count(suite, members)
    _count(root, results)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _testcase(suite: ET.Element, r: CheckResult, classname: str) -> None:
    case = ET.SubElement(suite, "testcase", classname=classname, name=r.check_id)
    if r.success:
        return
    message = r.message()
    if r.severity == "error":
        failure = ET.SubElement(case, "failure", message=message, type=f"{r.category} error")
        failure.text = message
    else:
        ET.SubElement(case, "skipped", message=f"warning: {message}")
        ET.SubElement(case, "system-out").text = f"WARNING ({r.category}): {message}"


def _count(element: ET.Element, results: Sequence[CheckResult]) -> None:
    failed = [r for r in results if not r.success]
    element.set("tests", str(len(results)))
    element.set("failures", str(sum(r.severity == "error" for r in failed)))
    element.set("errors", "0")
    element.set("skipped", str(sum(r.severity == "warn" for r in failed)))
