#!/usr/bin/env python3
"""reload-time.py URL FILE OLD NEW MARKER TIMEOUT

Replace OLD by NEW in FILE (as an editor saving it would: a new file renamed
over the old one), then ask URL every 50 ms until its body contains MARKER;
print {"seconds": ...} (edit to served) as JSON. Exits 1 when MARKER is not
served within TIMEOUT seconds, or FILE does not contain OLD.
"""
import json
import os
import sys
import time
import urllib.request

url, path, old, new, marker, timeout = sys.argv[1:7]
with open(path, encoding="utf-8") as fh:
    source = fh.read()
if old not in source:
    sys.exit(f"{path} does not contain {old!r}")
tmp = f"{path}.reload-time"
with open(tmp, "w", encoding="utf-8") as fh:
    fh.write(source.replace(old, new))
os.chmod(tmp, os.stat(path).st_mode & 0o777)
start = time.monotonic()
os.replace(tmp, path)
last = "no answer"
while time.monotonic() - start < float(timeout):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read().decode(errors="replace")
        if marker in body:
            print(json.dumps({"seconds": round(time.monotonic() - start, 2)}))
            sys.exit(0)
        last = f"HTTP {response.status} without the marker"
    except Exception as exc:  # connection refused while uvicorn restarts its worker
        last = str(exc)
    time.sleep(0.05)
sys.exit(f"{marker!r} not served by {url} within {timeout} s (last: {last})")
