"""The release helper (roles/release/files/release.py), run as the role runs it.

The Molecule scenario `release` exercises it on a host end to end; these
checks pin the rules that decide what is kept, pruned and locked, quickly and
including the cases the scenario cannot reach in reasonable time (a history
longer than release_keep, a second process racing for the lock).
"""
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from conftest import ROOT

HELPER = ROOT / "roles" / "release" / "files" / "release.py"


def helper(*argv, stdin=None):
    result = subprocess.run([sys.executable, str(HELPER), *map(str, argv)], input=json.dumps(stdin),
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def release(rid, backend, frontend="frontend:1", redis="redis:8"):
    images = {name: {"ref": ref, "image_id": "sha256:" + ref.replace(":", "-"), "digest": ""}
              for name, ref in (("backend", backend), ("frontend", frontend), ("redis", redis))}
    return {"id": rid, "images": images, "config_sha256": "c", "commit": "", "operator": "t",
            "origin": "t", "action": "deploy"}


def test_record_keeps_n_and_prunes_only_images_no_kept_release_uses(tmp_path):
    for n in range(1, 5):
        helper("record", tmp_path, "--keep", 2, stdin=release(f"r{n}", f"backend:{n}"))
    shown = helper("show", tmp_path)
    assert shown["current"] == "r4"
    assert [r["id"] for r in shown["releases"]] == ["r4", "r3"]
    assert not (tmp_path / "r1.json").exists() and not (tmp_path / "r2.json").exists()
    result = helper("record", tmp_path, "--keep", 2, stdin=release("r5", "backend:5"))
    # r3 leaves the history: its backend goes; the frontend and redis r4/r5 still use stay.
    assert result["changed"] and result["previous"] == "r4" and result["dropped"] == ["r3"]
    assert result["prune"] == ["backend:3"]


def test_redeploying_the_current_release_changes_nothing(tmp_path):
    helper("record", tmp_path, "--keep", 5, stdin=release("r1", "backend:1"))
    before = (tmp_path / "r1.json").read_text()
    again = helper("record", tmp_path, "--keep", 5, stdin=release("r1", "backend:1"))
    assert again == {"changed": False, "id": "r1", "previous": "r1", "dropped": [], "prune": []}
    assert (tmp_path / "r1.json").read_text() == before


def test_rolling_back_moves_an_old_release_to_the_front_and_keeps_its_creation_time(tmp_path):
    helper("record", tmp_path, "--keep", 5, stdin=release("r1", "backend:1"))
    created = json.loads((tmp_path / "r1.json").read_text())["created"]
    time.sleep(1.1)
    helper("record", tmp_path, "--keep", 5, stdin=release("r2", "backend:2"))
    back = helper("record", tmp_path, "--keep", 5, stdin=release("r1", "backend:1"))
    assert back["changed"] and back["previous"] == "r2" and back["prune"] == []
    assert [r["id"] for r in helper("show", tmp_path)["releases"]] == ["r1", "r2"]
    assert json.loads((tmp_path / "r1.json").read_text())["created"] == created


def test_exactly_one_of_many_concurrent_lockers_wins(tmp_path):
    def take(n):
        return helper("lock", tmp_path, "--timeout", 3600, stdin={"operator": f"op{n}", "token": f"t{n}"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(take, range(8)))
    winners = [r for r in results if r["acquired"]]
    assert len(winners) == 1
    holder = winners[0]["holder"]["operator"]
    assert all(r["holder"]["operator"] == holder for r in results if not r["acquired"])


def test_a_lock_is_released_only_by_its_token_and_broken_only_when_stale(tmp_path):
    assert helper("lock", tmp_path, "--timeout", 3600, stdin={"operator": "a", "token": "ta"})["acquired"]
    assert not helper("unlock", tmp_path, "--token", "tb")["released"]
    fresh = helper("lock", tmp_path, "--timeout", 3600, "--break", stdin={"operator": "b", "token": "tb"})
    assert not fresh["acquired"] and not fresh["stale"] and fresh["holder"]["operator"] == "a"
    holder = tmp_path / "lock" / "holder.json"
    aged = dict(json.loads(holder.read_text()), epoch=int(time.time()) - 7200)
    holder.write_text(json.dumps(aged))
    refused = helper("lock", tmp_path, "--timeout", 3600, stdin={"operator": "b", "token": "tb"})
    assert not refused["acquired"] and refused["stale"]
    broken = helper("lock", tmp_path, "--timeout", 3600, "--break", stdin={"operator": "b", "token": "tb"})
    assert broken["acquired"] and broken["broken"]["operator"] == "a"
    assert helper("unlock", tmp_path, "--token", "tb")["released"]
    assert not (tmp_path / "lock").exists()


def test_the_audit_log_is_appended_one_json_line_per_entry(tmp_path):
    log = tmp_path / "audit.log"
    for action in ("deploy", "rollback", "lock-break"):
        helper("audit", log, stdin={"action": action, "result": "ok"})
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["action"] for e in lines] == ["deploy", "rollback", "lock-break"]
    assert all("time" in e for e in lines)


def test_import_after_a_restore_brings_the_history_to_a_new_host_and_never_removes_an_audit_line(tmp_path):
    snapshot, host = tmp_path / "snapshot", tmp_path / "host"
    helper("record", snapshot, "--keep", 5, stdin=release("r1", "backend:1"))
    helper("audit", snapshot / "audit.log", stdin={"action": "deploy", "result": "ok", "n": 1})
    helper("audit", snapshot / "audit.log", stdin={"action": "deploy", "result": "ok", "n": 2})
    # A new host (nothing recorded): the snapshot's history and every audit line come in.
    assert helper("import", host, "--from", snapshot) == {"history": "restored", "audit_added": 2}
    assert helper("show", host)["current"] == "r1"
    lines = (host / "audit.log").read_text().splitlines()
    assert [json.loads(line)["n"] for line in lines] == [1, 2]
    # The same host later, restoring an older snapshot over its newer history and log:
    helper("record", host, "--keep", 5, stdin=release("r2", "backend:2"))
    helper("audit", host / "audit.log", stdin={"action": "restore", "result": "ok", "n": 3})
    assert helper("import", host, "--from", snapshot) == {"history": "kept the host's own", "audit_added": 0}
    assert helper("show", host)["current"] == "r2"
    assert [json.loads(line)["n"] for line in (host / "audit.log").read_text().splitlines()] == [1, 2, 3]
