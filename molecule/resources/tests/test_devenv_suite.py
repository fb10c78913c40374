"""The test environment's reporting (roles/devenv): the frontend's runner
(files/frontend-suite.sh) and the JUnit reader (library/junit_report.py)
that names the failing tests when the play fails."""
import importlib.util
import json
import os
import pathlib
import stat
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT

ROLE = ROOT / "roles" / "devenv"
RUNNER = ROLE / "files" / "frontend-suite.sh"

spec = importlib.util.spec_from_file_location("junit_report", ROLE / "library" / "junit_report.py")
junit_report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(junit_report)

PYTEST_XML = """<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="1"
failures="1" skipped="1" tests="4" time="0.9"><testcase classname="tests.test_main" name="test_ok" time="0.1" />
<testcase classname="tests.test_main" name="test_health" time="0.2"><failure message="AssertionError: a broken build must fail this test&#10;assert 503 == 200">trace</failure></testcase>
<testcase classname="tests.test_other" name="test_setup" time="0.0"><error message="">fixture 'db' not found
more</error></testcase>
<testcase classname="tests.test_other" name="test_later" time="0.0"><skipped message="later" /></testcase>
</testsuite></testsuites>"""

# node --test's junit reporter: no counts on the suite, the message escaped twice.
NODE_XML = """<?xml version="1.0" encoding="utf-8"?>
<testsuites>
\t<testcase name="the WebSocket URL is the API origin" time="0.02" classname="test"/>
\t<testcase name="the version is a release number" time="0.001" classname="test">
\t\t<failure type="testCodeFailure" message="The input did not match /VERSION = &amp;quot;\\d+&amp;quot;/">
[Error [ERR_ASSERTION]: The input did not match]
\t\t</failure>
\t</testcase>
</testsuites>"""


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_counts_come_from_the_cases_and_every_failing_case_is_named(tmp_path):
    write(tmp_path / "backend" / "junit.xml", PYTEST_XML)
    write(tmp_path / "frontend" / "frontend-test-cases.xml", NODE_XML)
    result = junit_report.summarize([str(tmp_path / "backend"), str(tmp_path / "frontend")])
    assert result["totals"] == {"files": 2, "tests": 6, "failures": 2, "errors": 1, "skipped": 1}
    assert [(f["id"], f["kind"], f["message"]) for f in result["failing"]] == [
        ("tests.test_main::test_health", "failure", "AssertionError: a broken build must fail this test"),
        ("tests.test_other::test_setup", "error", "fixture 'db' not found"),
        ("test::the version is a release number", "failure", 'The input did not match /VERSION = "\\d+"/'),
    ]
    assert result["missing"] == [] and result["unreadable"] == []


def test_missing_and_unreadable_reports_are_reported_not_raised(tmp_path):
    write(tmp_path / "broken" / "half.xml", "<testsuites><testcase name='x'>")
    write(tmp_path / "html" / "page.xml", "<html><body/></html>")
    (tmp_path / "empty").mkdir()
    result = junit_report.summarize([str(tmp_path / "broken"), str(tmp_path / "html"), str(tmp_path / "empty"),
                                     str(tmp_path / "nowhere.xml")])
    assert result["totals"]["files"] == 0
    assert sorted(result["missing"]) == sorted([str(tmp_path / "empty"), str(tmp_path / "nowhere.xml")])
    assert [pathlib.Path(u["path"]).name for u in result["unreadable"]] == ["half.xml", "page.xml"]


def test_the_module_never_reports_failed_for_a_failing_suite(tmp_path):
    """A key named 'failed' in a module's result is Ansible's own failure flag."""
    write(tmp_path / "junit.xml", PYTEST_XML)
    assert "failed" not in junit_report.summarize([str(tmp_path)])


# --- the frontend's runner, with stand-ins for node and npm ----------------

FAKE_NODE = """#!/usr/bin/env python3
import json, sys
scripts = json.load(open(sys.argv[-2])).get("scripts", {})
sys.stdout.write(scripts.get(sys.argv[-1], ""))
"""

# npm run NAME [-- args]: prints its call, exits with $FAKE_RC_<NAME> (default 0);
# a node --test script writes the JUnit file its reporter arguments name.
FAKE_NPM = """#!/usr/bin/env python3
import os, sys
name = sys.argv[2]
args = sys.argv[4:] if len(sys.argv) > 3 and sys.argv[3] == "--" else []
print(f"fake npm run {name} NODE_ENV={os.environ.get('NODE_ENV', '')} cache={os.environ.get('npm_config_cache', '')}")
print("<b>&amp; output \\x1b[31mred\\x1b[0m")
for i, arg in enumerate(args):
    if arg == "--test-reporter=junit":
        dest = args[i + 1].split("=", 1)[1]
        open(dest, "w").write('<testsuites><testcase classname="test" name="one"/></testsuites>')
sys.exit(int(os.environ.get("FAKE_RC_" + name.upper(), "0")))
"""


@pytest.fixture()
def frontend(tmp_path):
    bin_dir = tmp_path / "bin"
    for name, text in (("node", FAKE_NODE), ("npm", FAKE_NPM)):
        path = write(bin_dir / name, text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    app = tmp_path / "app"
    write(app / "package.json", json.dumps({"scripts": {"test": "node --test", "build": "next build"}}))
    results = tmp_path / "results"
    results.mkdir()

    def run(*scripts, **rcs):
        env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "FRONTEND_SUITE_APP": str(app),
               **{f"FAKE_RC_{k.upper()}": str(v) for k, v in rcs.items()}}
        return subprocess.run(["/bin/sh", str(RUNNER), str(results), *scripts], capture_output=True, text=True, env=env)
    return run, results


def test_runner_skips_missing_scripts_and_reports_each_one_it_runs(frontend):
    run, results = frontend
    result = run("lint", "test", "build")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "package.json has no 'lint' script: skipped" in result.stdout
    # node --test reports its own cases; the build is one case; a production build.
    assert sorted(p.name for p in results.iterdir()) == ["frontend-build.xml", "frontend-test-cases.xml"]
    assert "fake npm run build NODE_ENV=production cache=/tmp/npm-cache" in result.stdout
    summary = junit_report.summarize([str(results)])
    assert summary["totals"] == {"files": 2, "tests": 2, "failures": 0, "errors": 0, "skipped": 0}


def test_runner_runs_every_script_after_a_failure_and_fails_naming_it(frontend):
    run, results = frontend
    result = run("build", "test", build=3)
    assert result.returncode == 1
    assert "npm run build: exit 3" in result.stdout and "npm run test: exit 0" in result.stdout
    # The report parses (output escaped, escape sequences gone) and names the script and its output.
    root = ET.parse(results / "frontend-build.xml").getroot()
    failure = root.find(".//testcase/failure")
    assert failure.get("message") == "npm run build exited with status 3"
    assert "<b>&amp; output red" in failure.text
    summary = junit_report.summarize([str(results)])
    assert [f["id"] for f in summary["failing"]] == ["frontend::npm run build"]
