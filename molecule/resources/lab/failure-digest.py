#!/usr/bin/env python3
"""Print, in a few lines, why each failed step of the suite failed.

run-tests.sh calls it after its summary with the logs of the failed steps,
so that the end of the output (all that a CI page may keep) names the task
that failed and its message, not only "FAIL". For each log: the last task
that failed and was not ignored, its host and its message (cut to a few
hundred characters), and molecule's own error lines.
"""

import json
import re
import sys

FAILED = re.compile(r"^(fatal|failed): \[([^\]]+)\]( => |: FAILED! => )?(.*)$")
TASK = re.compile(r"^(TASK|RUNNING HANDLER) \[(.*)\]")
MOLECULE_ERROR = re.compile(r"^(CRITICAL|ERROR)\b|Idempotence test failed")
WIDTH = 300


def message(raw):
    """The msg (and stderr's end) of a failed result printed as JSON, else the raw text."""
    try:
        result = json.loads(raw)
    except ValueError:
        return raw.strip()
    if not isinstance(result, dict):
        return raw.strip()
    parts = [str(result.get("msg", "")).strip()]
    if result.get("stderr"):
        parts.append("stderr: " + str(result["stderr"]).strip()[-WIDTH:])
    if result.get("results"):  # a loop: the items that failed
        parts += [message(json.dumps(item)) for item in result["results"] if item.get("failed")]
    return " | ".join(p for p in parts if p) or raw.strip()


def digest(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError as error:
        return [f"(no log: {error})"]
    task, last, errors = "", None, []
    for number, line in enumerate(lines):
        match = TASK.match(line)
        if match:
            task = match.group(2)
            continue
        match = FAILED.match(line)
        if match:
            ignored = number + 1 < len(lines) and lines[number + 1].strip() == "...ignoring"
            if not ignored:
                last = (task, match.group(2), message(match.group(4)))
        elif MOLECULE_ERROR.search(line):
            errors.append(line.strip())
    out = []
    if last:
        out.append(f"task [{last[0]}] on {last[1]}:")
        out.append("  " + last[2].replace("\n", " ")[:WIDTH * 2])
    out += ["  " + e[:WIDTH] for e in errors[-3:]]
    return out or ["(no failed task found in the log)"]


def main(argv):
    for path in argv:
        print(f"--- why: {path}")
        for line in digest(path):
            print(line)


if __name__ == "__main__":
    main(sys.argv[1:])
