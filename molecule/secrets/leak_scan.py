#!/usr/bin/env python3
"""Search every place a secret could leak to, for every secret value.

Usage: leak_scan.py HOST PLAY_OUTPUT [PLAY_OUTPUT ...]

The secret values are read from the lab vault (the same values the deploy
pushed). Each value is searched plain, JSON-escaped and base64-encoded (for
the service-account JSON also its private_key_id and each line of the key's
body) in:
  - the captured play output(s) (-vvv --diff), on the controller
  - the host's journal, docker logs of every container
  - docker inspect of every container (Env, Cmd, Labels and the rest)
  - docker compose config
  - every file under the project directory except the secret store
  - ps output on the host: every process's command line as root, and
    `ps auxwwe` (command lines and environments) as an unprivileged user
  - the environment of every process on the host except the backend's: the
    backend reads GOOGLE_API_KEY, the Webshare credentials and REDIS_URL from
    its environment (APP-CONTRACT.md), so those values are in its own
    environment by design, and nowhere else
The host is a lab container reached with `docker exec`. Only place names and
hit counts are printed, never a value. Exit 0 only with zero hits.
"""
import base64
import json
import os
import pathlib
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
VAULT = ROOT / "inventories/lab/group_vars/lab/vault.yml"
VAULT_ID = f"lab@{ROOT}/molecule/resources/lab/vault-password.txt"
PROJECT = "/opt/podcast-digest"
SECRET_STORE = f"{PROJECT}/secrets"
# Values that are identifiers, not secrets: not searched.
NOT_SECRET = {"vault_registry_username"}


def vault_values():
    out = subprocess.run(["ansible-vault", "view", "--vault-id", VAULT_ID, str(VAULT)],
                         check=True, capture_output=True, text=True).stdout
    return {k: v for k, v in yaml.safe_load(out).items() if k not in NOT_SECRET}


def needles(values):
    """(label, bytes) pairs to search for; labels name the secret, never show it."""
    found = []
    for name, value in values.items():
        variants = {value, json.dumps(value)[1:-1]}
        if name == "vault_google_service_account_json":
            account = json.loads(value)
            variants.add(account["private_key_id"])
            body = [line for line in account["private_key"].splitlines() if line and "PRIVATE KEY" not in line]
            variants.update(line for line in body if len(line) >= 40)
        for variant in list(variants):
            variants.add(base64.b64encode(variant.encode()).decode())
        found.extend((name, v.encode()) for v in variants if len(v) >= 8)
    return found


def on_host(host, *argv):
    return subprocess.run(["docker", "exec", host, *argv], capture_output=True, check=False).stdout


# Prints the concatenated environments of every process not in one of the
# given containers (cgroup paths name the container id), and how many.
ENVIRON_DUMP = """
import os, sys
skip = sys.argv[1:]
count = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        cgroup = open(f"/proc/{pid}/cgroup").read()
        environ = open(f"/proc/{pid}/environ", "rb").read()
    except OSError:
        continue
    if pid == str(os.getpid()) or any(cid in cgroup for cid in skip):
        continue
    count += 1
    sys.stdout.buffer.write(environ + b"\\n")
sys.stderr.write(str(count))
"""


def process_environments(host, consumers):
    result = subprocess.run(["docker", "exec", host, "python3", "-c", ENVIRON_DUMP, *consumers],
                            capture_output=True, check=True)
    return int(result.stderr), result.stdout


def haystacks(host, outputs):
    for path in outputs:
        yield f"play output {pathlib.Path(path).name}", pathlib.Path(path).read_bytes()
    yield "host journal", on_host(host, "journalctl", "--no-pager", "-o", "cat")
    yield "host ps (command lines, as root)", on_host(host, "ps", "-eww", "-o", "pid,user,args")
    yield "host ps auxwwe (as user nobody)", on_host(host, "runuser", "-u", "nobody", "--", "ps", "auxwwe")
    backend = on_host(host, "docker", "ps", "-q", "--no-trunc", "--filter",
                      "label=com.docker.compose.service=backend").decode().split()
    count, environments = process_environments(host, backend)
    yield f"environments of {count} host processes (all but the backend's)", environments
    compose = ["docker", "compose", "--project-directory", PROJECT]
    yield "docker compose config", on_host(host, *compose, "config")
    ids = on_host(host, "docker", "ps", "-aq").decode().split()
    for cid in ids:
        inspect = on_host(host, "docker", "inspect", cid)
        name = json.loads(inspect)[0]["Name"].lstrip("/")
        yield f"docker inspect {name}", inspect
        yield f"docker logs {name}", on_host(host, "sh", "-c", f"docker logs {cid} 2>&1")
    files = on_host(host, "find", PROJECT, "-path", SECRET_STORE, "-prune", "-o", "-type", "f", "-print0")
    for path in files.decode().split("\0"):
        if path:
            yield f"file {path}", on_host(host, "cat", path)


def main(argv):
    host, outputs = argv[1], argv[2:]
    search = needles(vault_values())
    places, hits = 0, []
    for place, data in haystacks(host, outputs):
        places += 1
        for name, needle in search:
            if needle in data:
                hits.append(f"{name} found in {place}")
    for hit in sorted(set(hits)):
        print(f"LEAK: {hit}")
    print(f"leak scan: {len(search)} secret variants searched in {places} places, {len(set(hits))} hits")
    return 0 if not hits and places > 0 else 1


if __name__ == "__main__":
    os.environ.setdefault("ANSIBLE_CONFIG", str(ROOT / "ansible.cfg"))
    sys.exit(main(sys.argv))
