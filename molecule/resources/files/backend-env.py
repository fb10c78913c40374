"""What the backend's process has in its environment, as the application reads it.

Run inside the backend's container: docker exec -i CONTAINER python3 - NAME...
The image's entrypoint execs the application, so PID 1 is the process whose
environment counts (APP-CONTRACT.md: the real backend reads its settings and
secrets from its process environment only). Prints one JSON object: a short
SHA-256 fingerprint of each named variable (never a value; null when unset or
empty), and whether the file GOOGLE_APPLICATION_CREDENTIALS names is JSON this
container's user can read ("readable") or not ("missing"). It asks nothing of
the application, so it holds for the real one as for the lab's stand-in.
"""

import hashlib
import json
import sys

with open("/proc/1/environ", "rb") as fh:
    env = dict(item.split(b"=", 1) for item in fh.read().split(b"\0") if b"=" in item)


def fingerprint(value):
    return hashlib.sha256(value).hexdigest()[:12] if value else None


credentials = "missing"
path = env.get(b"GOOGLE_APPLICATION_CREDENTIALS", b"").decode()
if path:
    try:
        with open(path, encoding="utf-8") as fh:
            json.load(fh)
        credentials = "readable"
    except (OSError, ValueError):
        pass

print(json.dumps({"credentials": credentials,
                  "secrets": {name: fingerprint(env.get(name.encode(), b"")) for name in sys.argv[1:]}}))
