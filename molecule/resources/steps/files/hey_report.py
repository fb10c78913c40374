#!/usr/bin/python3
"""Sum the reports of hey runs: requests sent, answered 200, failures.

Usage: hey_report.py REPORT... ; prints one JSON object. A failure is any
answer other than 200 and any error (refused, reset, timeout).
"""
import json
import re
import sys

total = {"requests": 0, "ok": 0, "failures": 0, "codes": {}, "errors": []}
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8", errors="replace").read()
    if "Summary:" not in text:
        sys.exit(f"{path}: no hey summary (did the load run?):\n{text[-2000:]}")
    status = text.split("Status code distribution:")[1].split("Error distribution:")[0] \
        if "Status code distribution:" in text else ""
    for code, count in re.findall(r"\[(\d{3})\]\s+(\d+) responses", status):
        total["codes"][code] = total["codes"].get(code, 0) + int(count)
        total["requests"] += int(count)
        if code == "200":
            total["ok"] += int(count)
        else:
            total["failures"] += int(count)
    if "Error distribution:" in text:
        for count, what in re.findall(r"^\s+\[(\d+)\]\s+(.*)$", text.split("Error distribution:")[1], re.M):
            total["requests"] += int(count)
            total["failures"] += int(count)
            total["errors"].append(f"{count} x {what[:160]}")
json.dump(total, sys.stdout, sort_keys=True)
