# -*- coding: utf-8 -*-
"""The release store of the Podcast Digest stack on a host (role `release`).

One directory holds the release history and the deploy lock:

    <dir>/<id>.json     one release: images (ref, digest, image id), config
                        checksum, commit, operator, origin, action, times
    <dir>/history.json  the kept release ids, newest first
    <dir>/current       the id of the running release
    <dir>/lock/         the deploy lock (mkdir is atomic: one taker wins),
                        holder.json inside says who holds it

and an append-only audit log (one JSON object per line) beside it. Files are
replaced atomically (write, fsync, rename). Shared by the role's modules
(library/release_*.py); plain functions, so the rules are unit-tested
(molecule/resources/tests/test_release_modules.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import shutil
import tempfile
import time

HISTORY = "history.json"
CURRENT = "current"
LOCK = "lock"
HOLDER = "holder.json"


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def write_atomic(path, data, mode=0o640):
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_json(path, default):
    try:
        with open(path) as fh:
            return json.load(fh)
    except (IOError, OSError) as exc:
        if getattr(exc, "errno", None) == 2:
            return default
        raise


def ensure_dir(directory):
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o750)


def history(directory):
    """{'current': id or None, 'releases': [release, ...] newest first}."""
    ids = read_json(os.path.join(directory, HISTORY), [])
    current = None
    try:
        with open(os.path.join(directory, CURRENT)) as fh:
            current = fh.read().strip() or None
    except (IOError, OSError):
        pass
    releases = []
    for rid in ids:
        release = read_json(os.path.join(directory, rid + ".json"), None)
        if release is not None:
            releases.append(release)
    return {"current": current, "releases": releases}


# --- the deploy lock ---------------------------------------------------------

def read_holder(path, wait=2.0):
    """The lock's holder; a lock just taken may not have it written yet: wait a moment."""
    deadline = time.time() + wait
    while True:
        holder = read_json(os.path.join(path, HOLDER), None)
        if holder is not None or time.time() > deadline or not os.path.isdir(path):
            return holder or {}
        time.sleep(0.05)


def lock_state(directory, timeout):
    """Who holds the lock and since when, without touching it (check mode)."""
    path = os.path.join(directory, LOCK)
    if not os.path.isdir(path):
        return None
    current = read_holder(path, wait=0)
    epoch = current.get("epoch", int(os.stat(path).st_mtime))
    age = int(time.time()) - int(epoch)
    return {"holder": current, "age": age, "stale": age > timeout}


def take_lock(directory, holder, timeout, break_stale=False):
    """Take the lock for holder (a dict with a token). A lock older than
    timeout seconds is stale; it is broken only when break_stale is true.
    Returns {'acquired', 'holder', 'age', 'stale', 'broken'}."""
    ensure_dir(directory)
    holder = dict(holder, time=now(), epoch=int(time.time()))
    path = os.path.join(directory, LOCK)
    broken = None
    for _attempt in range(2):
        try:
            os.mkdir(path, 0o750)
        except OSError as exc:
            if exc.errno != 17:  # EEXIST
                raise
            current = read_holder(path)
            # A lock whose holder file is still not written is a lock being taken now.
            epoch = current.get("epoch", int(os.stat(path).st_mtime))
            age = int(time.time()) - int(epoch)
            stale = age > timeout
            if not (stale and break_stale):
                return {"acquired": False, "holder": current, "age": age, "stale": stale, "broken": None}
            # Break it by renaming first: only one breaker can win the rename.
            graveyard = path + ".broken-" + str(os.getpid())
            try:
                os.rename(path, graveyard)
            except OSError:
                continue
            shutil.rmtree(graveyard, ignore_errors=True)
            broken = dict(current, age=age)
            continue
        write_atomic(os.path.join(path, HOLDER), json.dumps(holder, sort_keys=True) + "\n", 0o644)
        return {"acquired": True, "holder": holder, "age": 0, "stale": False, "broken": broken}
    return {"acquired": False, "holder": {}, "age": 0, "stale": False, "broken": None}


def release_lock(directory, token):
    """Remove the lock only if token holds it: never another run's lock."""
    path = os.path.join(directory, LOCK)
    current = read_json(os.path.join(path, HOLDER), None)
    if current is None or current.get("token") != token:
        return {"released": False, "holder": current}
    shutil.rmtree(path)
    return {"released": True, "holder": current}


# --- releases ------------------------------------------------------------------

def file_checksum(path):
    """sha256 of a file's content, or 'absent'."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(65536), b""):
                digest.update(block)
    except (IOError, OSError) as exc:
        if getattr(exc, "errno", None) == 2:
            return "absent"
        raise
    return digest.hexdigest()


def config_checksum(paths):
    """One checksum over the files that make the configuration, in order."""
    return hashlib.sha256(" ".join(file_checksum(p) for p in paths).encode()).hexdigest()


def release_id(images, config_sha256):
    """A release is its images and its configuration: the same two give the same id."""
    data = json.dumps(images, sort_keys=True) + config_sha256
    return hashlib.sha256(data.encode()).hexdigest()[:12]


def image_keys(release):
    keys = set()
    for image in release.get("images", {}).values():
        keys.add(image.get("ref"))
        keys.add(image.get("image_id"))
    keys.discard(None)
    keys.discard("")
    return keys


def plan_record(directory, release, keep):
    """What recording release would do, without doing it:
    {'changed', 'id', 'previous', 'kept', 'dropped', 'prune'}."""
    state = history(directory)
    ids = [r["id"] for r in state["releases"]]
    rid = release["id"]
    if state["current"] == rid and rid in ids:
        return {"changed": False, "id": rid, "previous": rid, "kept": ids, "dropped": [], "prune": []}
    new_ids = [rid] + [i for i in ids if i != rid]
    kept, dropped = new_ids[:keep], new_ids[keep:]
    by_id = dict((r["id"], r) for r in state["releases"])
    by_id[rid] = release
    kept_keys = set()
    for kid in kept:
        kept_keys |= image_keys(by_id.get(kid, {}))
    prune = set()
    for did in dropped:
        for image in by_id.get(did, {}).get("images", {}).values():
            if image.get("ref") not in kept_keys and image.get("image_id") not in kept_keys:
                prune.add(image.get("ref"))
    return {"changed": True, "id": rid, "previous": state["current"], "kept": kept, "dropped": dropped,
            "prune": sorted(p for p in prune if p)}


def record(directory, release, keep):
    """Record release as the running one; keep the newest keep releases.
    A release recorded again (a rollback) keeps when it was first made."""
    ensure_dir(directory)
    plan = plan_record(directory, release, keep)
    if not plan["changed"]:
        return plan
    rid = release["id"]
    path = os.path.join(directory, rid + ".json")
    existing = read_json(path, None)
    release = dict(release, created=(existing or {}).get("created", now()), deployed=now())
    write_atomic(path, json.dumps(release, indent=2, sort_keys=True) + "\n")
    write_atomic(os.path.join(directory, HISTORY), json.dumps(plan["kept"], indent=2) + "\n")
    write_atomic(os.path.join(directory, CURRENT), rid + "\n")
    for did in plan["dropped"]:
        try:
            os.unlink(os.path.join(directory, did + ".json"))
        except OSError:
            pass
    return plan


# --- the audit log ---------------------------------------------------------------

def audit_line(entry):
    return json.dumps(dict({"time": now()}, **entry), sort_keys=True) + "\n"


def append_audit(path, entry):
    """Append one JSON line; the log is only ever opened for appending."""
    line = audit_line(entry)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return json.loads(line)


def last_audit(path, lines=1):
    """The last lines of the audit log, parsed, oldest first, without reading it all."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            chunk = min(size, 65536)
            fh.seek(size - chunk)
            tail = fh.read().decode("utf-8", "replace").splitlines()
    except (IOError, OSError):
        return []
    out = []
    for line in tail[-lines:]:
        try:
            out.append(json.loads(line))
        except ValueError:
            out.append({"unparsed": line})
    return out


# --- after a restore --------------------------------------------------------------

def plan_import(directory, source):
    """What importing a restored snapshot's releases directory would do:
    {'history': 'restored' | "kept the host's own" | 'none in the snapshot',
     'audit_new': [lines of the snapshot's audit log the host's lacks]}."""
    result = {"history": "none in the snapshot", "audit_new": []}
    if os.path.exists(os.path.join(source, HISTORY)):
        # A host with its own history (a restore onto a host that was
        # deployed): it is the truth about what ran here; keep it.
        result["history"] = "kept the host's own" if os.path.exists(os.path.join(directory, HISTORY)) else "restored"
    have = set()
    try:
        with open(os.path.join(directory, "audit.log")) as fh:
            have = set(line.rstrip("\n") for line in fh)
    except (IOError, OSError):
        pass
    try:
        with open(os.path.join(source, "audit.log")) as fh:
            result["audit_new"] = [line.rstrip("\n") for line in fh if line.strip() and line.rstrip("\n") not in have]
    except (IOError, OSError):
        pass
    return result


def import_snapshot(directory, source):
    """Bring the snapshot's history in where the host has none, and append
    the snapshot's audit lines the host's log lacks (never removing one)."""
    ensure_dir(directory)
    plan = plan_import(directory, source)
    if plan["history"] == "restored":
        for name in sorted(os.listdir(source)):
            if name.endswith(".json") or name == CURRENT:
                with open(os.path.join(source, name)) as fh:
                    write_atomic(os.path.join(directory, name), fh.read())
    if plan["audit_new"]:
        fd = os.open(os.path.join(directory, "audit.log"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, ("\n".join(plan["audit_new"]) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    return plan
