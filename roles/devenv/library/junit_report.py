#!/usr/bin/python
"""Read JUnit XML reports and name what failed (roles/devenv, test environment)."""

from __future__ import annotations

import glob
import html
import os
import xml.etree.ElementTree as ET

DOCUMENTATION = r"""
---
module: junit_report
short_description: Read JUnit XML reports and name the failing tests
description:
  - Reads every JUnit XML file given, or found (C(*.xml), not recursive) in a directory given, and returns
    per file its counts and every failing test case with its message. Counts come from the test cases
    themselves (not the suite attributes, which some reporters leave out).
  - Changes nothing; runs the same in check mode.
options:
  paths:
    description: JUnit XML files, or directories whose C(*.xml) files are read. A missing path is reported, not an error.
    type: list
    elements: path
    required: true
author: podcast-digest-deploy
"""

EXAMPLES = r"""
- name: Read the suites' JUnit results
  junit_report:
    paths: [/opt/podcast-digest-dev-test/results/backend, /opt/podcast-digest-dev-test/results/frontend]
  register: report
"""

RETURN = r"""
reports:
  description: One entry per file read, sorted by path.
  returned: always
  type: list
  elements: dict
  sample: [{path: /r/backend/junit.xml, tests: 4, failures: 1, errors: 0, skipped: 0, time: 0.94}]
failing:
  description: Every failing test case (a failure or an error), in file order.
  returned: always
  type: list
  elements: dict
  sample: [{path: /r/backend/junit.xml, id: "tests.test_main::test_health_answers_healthy", kind: failure,
            message: "AssertionError: a broken build must fail this test"}]
totals:
  description: The counts over every file read.
  returned: always
  type: dict
  sample: {files: 2, tests: 6, failures: 1, errors: 0, skipped: 0}
missing:
  description: Paths given that do not exist, and directories given that hold no C(*.xml) file.
  returned: always
  type: list
  elements: str
unreadable:
  description: Files that are not JUnit XML (path and parser error).
  returned: always
  type: list
  elements: dict
"""

MESSAGE_MAX = 400


def _message(element):
    """The first line worth showing of a failure or error element."""
    # Some reporters (node --test's junit) escape the message twice.
    text = html.unescape(element.get("message") or "").strip()
    if not text:
        text = (element.text or "").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else element.get("type", "")
    return first[:MESSAGE_MAX]


def read_report(path):
    """Counts and failing cases of one JUnit XML file."""
    root = ET.parse(path).getroot()
    if root.tag not in ("testsuites", "testsuite"):
        raise ValueError(f"root element is <{root.tag}>, not <testsuites> or <testsuite>")
    report = {"path": path, "tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
    failed = []
    for case in root.iter("testcase"):
        report["tests"] += 1
        try:
            report["time"] += float(case.get("time") or 0)
        except ValueError:
            pass
        name = case.get("name", "?")
        classname = case.get("classname", "")
        case_id = f"{classname}::{name}" if classname else name
        outcome = None
        for kind in ("failure", "error"):
            found = case.find(kind)
            if found is not None:
                outcome = (kind, found)
                break
        if outcome is not None:
            kind, element = outcome
            report["failures" if kind == "failure" else "errors"] += 1
            failed.append({"path": path, "id": case_id, "kind": kind, "message": _message(element)})
        elif case.find("skipped") is not None:
            report["skipped"] += 1
    report["time"] = round(report["time"], 3)
    return report, failed


def summarize(paths):
    """Read every report under paths; what the module returns (changed aside)."""
    files, missing, unreadable = [], [], []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(glob.glob(os.path.join(path, "*.xml")))
            if not found:
                missing.append(path)
            files.extend(found)
        elif os.path.isfile(path):
            files.append(path)
        else:
            missing.append(path)
    reports, failing = [], []
    for path in sorted(set(files)):
        try:
            report, report_failed = read_report(path)
        except (ET.ParseError, OSError, ValueError) as exc:
            unreadable.append({"path": path, "error": str(exc)})
            continue
        reports.append(report)
        failing.extend(report_failed)
    totals = {"files": len(reports)}
    for key in ("tests", "failures", "errors", "skipped"):
        totals[key] = sum(r[key] for r in reports)
    return {"reports": reports, "failing": failing, "totals": totals, "missing": missing, "unreadable": unreadable}


def main():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec={"paths": {"type": "list", "elements": "path", "required": True}},
        supports_check_mode=True,
    )
    module.exit_json(changed=False, **summarize(module.params["paths"]))


if __name__ == "__main__":
    main()
