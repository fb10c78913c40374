#!/usr/bin/python3
"""Release history, deploy lock and audit log of the Podcast Digest stack.

Installed on the host by the Ansible role `release`; operators may run it by
hand (as root) too:

    release.py show    DIR                      history, newest first, and the current release
    release.py lock    DIR --timeout S [--break]   (holder JSON on stdin)
    release.py unlock  DIR --token T            releases only the lock holding token T
    release.py record  DIR --keep N             (release JSON on stdin)
    release.py audit   FILE                     (one entry JSON on stdin, appended as one line)
    release.py import  DIR --from SRC           after a restore: the history of SRC (a snapshot's
                                                releases directory) where DIR has none; audit lines of
                                                SRC that DIR lacks are appended (never removed)

Every command prints one JSON object. Files are replaced atomically (write,
fsync, rename); the lock is a directory created with mkdir (atomic: exactly
one concurrent caller wins); the audit log is only ever opened for appending.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def write_atomic(path, data, mode=0o640):
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_json(path, default):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return default


def history(directory):
    ids = read_json(os.path.join(directory, "history.json"), [])
    current = None
    try:
        with open(os.path.join(directory, "current"), encoding="utf-8") as fh:
            current = fh.read().strip() or None
    except FileNotFoundError:
        pass
    releases = []
    for rid in ids:
        release = read_json(os.path.join(directory, rid + ".json"), None)
        if release is not None:
            releases.append(release)
    return {"current": current, "releases": releases}


def cmd_show(args):
    return history(args.dir)


def lock_path(directory):
    return os.path.join(directory, "lock")


def read_holder(path, wait=2.0):
    """The lock's holder; a lock just taken may not have it written yet: wait a moment."""
    deadline = time.monotonic() + wait
    while True:
        holder = read_json(os.path.join(path, "holder.json"), None)
        if holder is not None or time.monotonic() > deadline or not os.path.isdir(path):
            return holder or {}
        time.sleep(0.05)


def cmd_lock(args):
    holder = json.load(sys.stdin)
    holder["time"] = now()
    holder["epoch"] = int(time.time())
    path = lock_path(args.dir)
    broken = None
    for _attempt in range(2):
        try:
            os.mkdir(path, 0o750)
        except FileExistsError:
            current = read_holder(path)
            # A lock whose holder file is still not written is a lock being taken now.
            epoch = current.get("epoch", int(os.stat(path).st_mtime))
            age = int(time.time()) - int(epoch)
            stale = age > args.timeout
            if not (stale and args.break_stale):
                return {"acquired": False, "holder": current, "age": age, "stale": stale}
            # Break it by renaming first: only one breaker can win the rename.
            graveyard = path + ".broken-" + str(os.getpid())
            try:
                os.rename(path, graveyard)
            except FileNotFoundError:
                continue
            shutil.rmtree(graveyard, ignore_errors=True)
            broken = dict(current, age=age)
            continue
        write_atomic(os.path.join(path, "holder.json"), json.dumps(holder, sort_keys=True) + "\n", 0o644)
        return {"acquired": True, "holder": holder, "broken": broken}
    return {"acquired": False, "holder": {}, "age": 0, "stale": False}


def cmd_unlock(args):
    path = lock_path(args.dir)
    current = read_json(os.path.join(path, "holder.json"), None)
    if current is None or current.get("token") != args.token:
        # Not ours (or already gone): never remove another deploy's lock.
        return {"released": False, "holder": current}
    shutil.rmtree(path)
    return {"released": True, "holder": current}


def image_keys(release):
    keys = set()
    for image in release.get("images", {}).values():
        keys.add(image.get("ref"))
        keys.add(image.get("image_id"))
    keys.discard(None)
    keys.discard("")
    return keys


def cmd_record(args):
    release = json.load(sys.stdin)
    directory = args.dir
    state = history(directory)
    ids = [r["id"] for r in state["releases"]]
    rid = release["id"]
    if state["current"] == rid and rid in ids:
        return {"changed": False, "id": rid, "previous": rid, "dropped": [], "prune": []}
    path = os.path.join(directory, rid + ".json")
    existing = read_json(path, None)
    if existing is not None:
        # Deploying a release again (a rollback): keep when it was first made.
        release["created"] = existing.get("created", now())
    else:
        release["created"] = now()
    release["deployed"] = now()
    write_atomic(path, json.dumps(release, indent=2, sort_keys=True) + "\n")
    new_ids = [rid] + [i for i in ids if i != rid]
    kept, dropped = new_ids[: args.keep], new_ids[args.keep:]
    kept_keys = set()
    for kid in kept:
        kept_keys |= image_keys(read_json(os.path.join(directory, kid + ".json"), {}))
    prune = set()
    for did in dropped:
        old = read_json(os.path.join(directory, did + ".json"), {})
        for image in old.get("images", {}).values():
            if image.get("ref") not in kept_keys and image.get("image_id") not in kept_keys:
                prune.add(image.get("ref"))
    write_atomic(os.path.join(directory, "history.json"), json.dumps(kept, indent=2) + "\n")
    previous = state["current"]
    write_atomic(os.path.join(directory, "current"), rid + "\n")
    for did in dropped:
        try:
            os.unlink(os.path.join(directory, did + ".json"))
        except FileNotFoundError:
            pass
    return {"changed": True, "id": rid, "previous": previous, "dropped": dropped,
            "prune": sorted(p for p in prune if p)}


def cmd_audit(args):
    entry = json.load(sys.stdin)
    entry = dict({"time": now()}, **entry)
    line = json.dumps(entry, sort_keys=True) + "\n"
    fd = os.open(args.file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return {"appended": entry}


def cmd_import(args):
    src, directory = args.source, args.dir
    result = {"history": "none in the snapshot", "audit_added": 0}
    if os.path.exists(os.path.join(src, "history.json")):
        if os.path.exists(os.path.join(directory, "history.json")):
            # This host has its own history (a restore onto a host that was
            # deployed): it is the truth about what ran here; keep it.
            result["history"] = "kept the host's own"
        else:
            for name in sorted(os.listdir(src)):
                if name.endswith(".json") or name == "current":
                    with open(os.path.join(src, name), encoding="utf-8") as fh:
                        write_atomic(os.path.join(directory, name), fh.read())
            result["history"] = "restored"
    audit = os.path.join(directory, "audit.log")
    have = set()
    if os.path.exists(audit):
        with open(audit, encoding="utf-8") as fh:
            have = {line.rstrip("\n") for line in fh}
    try:
        with open(os.path.join(src, "audit.log"), encoding="utf-8") as fh:
            new = [line.rstrip("\n") for line in fh if line.strip() and line.rstrip("\n") not in have]
    except FileNotFoundError:
        new = []
    if new:
        fd = os.open(audit, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, ("\n".join(new) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    result["audit_added"] = len(new)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("show")
    p.add_argument("dir")
    p.set_defaults(func=cmd_show)
    p = sub.add_parser("lock")
    p.add_argument("dir")
    p.add_argument("--timeout", type=int, required=True)
    p.add_argument("--break", dest="break_stale", action="store_true")
    p.set_defaults(func=cmd_lock)
    p = sub.add_parser("unlock")
    p.add_argument("dir")
    p.add_argument("--token", required=True)
    p.set_defaults(func=cmd_unlock)
    p = sub.add_parser("record")
    p.add_argument("dir")
    p.add_argument("--keep", type=int, required=True)
    p.set_defaults(func=cmd_record)
    p = sub.add_parser("audit")
    p.add_argument("file")
    p.set_defaults(func=cmd_audit)
    p = sub.add_parser("import")
    p.add_argument("dir")
    p.add_argument("--from", dest="source", required=True)
    p.set_defaults(func=cmd_import)
    args = parser.parse_args()
    if getattr(args, "dir", None):
        os.makedirs(args.dir, mode=0o750, exist_ok=True)
    json.dump(args.func(args), sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
