"""The release role's modules (roles/release/library, module_utils/release_store.py).

The Molecule scenario `release` exercises them on a host end to end; these
checks pin the rules that decide what is kept, pruned and locked, quickly and
including the cases the scenario cannot reach in reasonable time (a history
longer than release_keep, many processes racing for the lock), and the
modules' own contract: argument spec, check mode that writes nothing, and a
native `changed`.
"""
import contextlib
import importlib.util
import io
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from ansible.module_utils.testing import patch_module_args

from conftest import ROOT, run

ROLE = ROOT / "roles" / "release"
STORE_PATH = ROLE / "module_utils" / "release_store.py"


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# The modules import it as Ansible ships role module_utils to the host.
store = load("ansible.module_utils.release_store", STORE_PATH)
MODULES = {name: load(f"release_module_{name}", ROLE / "library" / f"{name}.py")
           for name in ("release_lock", "release_record", "release_info", "release_audit", "release_import")}


def module(name, check_mode=False, **args):
    """Run one module's main() as Ansible would; returns its JSON result."""
    if check_mode:
        args["_ansible_check_mode"] = True
    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        MODULES[name].main()
    return json.loads(out.getvalue())


def release(rid, backend, frontend="frontend:1", redis="redis:8"):
    images = {name: {"ref": ref, "image_id": "sha256:" + ref.replace(":", "-"), "digest": ""}
              for name, ref in (("backend", backend), ("frontend", frontend), ("redis", redis))}
    return {"id": rid, "images": images, "config_sha256": "c", "commit": "", "operator": "t",
            "origin": "t", "action": "deploy"}


# --- the rules (what the old helper's tests pinned) ---------------------------------

def test_record_keeps_n_and_prunes_only_images_no_kept_release_uses(tmp_path):
    for n in range(1, 5):
        store.record(str(tmp_path), release(f"r{n}", f"backend:{n}"), 2)
    shown = store.history(str(tmp_path))
    assert shown["current"] == "r4"
    assert [r["id"] for r in shown["releases"]] == ["r4", "r3"]
    assert not (tmp_path / "r1.json").exists() and not (tmp_path / "r2.json").exists()
    result = store.record(str(tmp_path), release("r5", "backend:5"), 2)
    # r3 leaves the history: its backend goes; the frontend and redis r4/r5 still use stay.
    assert result["changed"] and result["previous"] == "r4" and result["dropped"] == ["r3"]
    assert result["prune"] == ["backend:3"]


def test_redeploying_the_current_release_changes_nothing(tmp_path):
    store.record(str(tmp_path), release("r1", "backend:1"), 5)
    before = (tmp_path / "r1.json").read_text()
    again = store.record(str(tmp_path), release("r1", "backend:1"), 5)
    assert not again["changed"] and again["id"] == again["previous"] == "r1"
    assert again["dropped"] == [] and again["prune"] == []
    assert (tmp_path / "r1.json").read_text() == before


def test_rolling_back_moves_an_old_release_to_the_front_and_keeps_its_creation_time(tmp_path):
    store.record(str(tmp_path), release("r1", "backend:1"), 5)
    created = json.loads((tmp_path / "r1.json").read_text())["created"]
    time.sleep(1.1)
    store.record(str(tmp_path), release("r2", "backend:2"), 5)
    back = store.record(str(tmp_path), release("r1", "backend:1"), 5)
    assert back["changed"] and back["previous"] == "r2" and back["prune"] == []
    assert [r["id"] for r in store.history(str(tmp_path))["releases"]] == ["r1", "r2"]
    assert json.loads((tmp_path / "r1.json").read_text())["created"] == created


TAKE = ("import json, sys; sys.path.insert(0, sys.argv[1]); import release_store as s; "
        "print(json.dumps(s.take_lock(sys.argv[2], {'operator': sys.argv[3], 'token': sys.argv[3]}, 3600)))")


def test_exactly_one_of_many_concurrent_lockers_wins(tmp_path):
    """Separate processes, as separate ansible runs are."""
    def take(n):
        out = subprocess.run([sys.executable, "-c", TAKE, str(STORE_PATH.parent), str(tmp_path), f"op{n}"],
                             capture_output=True, text=True, check=True).stdout
        return json.loads(out)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(take, range(8)))
    winners = [r for r in results if r["acquired"]]
    assert len(winners) == 1
    holder = winners[0]["holder"]["operator"]
    # Every loser names the winner (the holder file is written before it reads it).
    assert all(r["holder"]["operator"] == holder for r in results if not r["acquired"])


def test_a_lock_is_released_only_by_its_token_and_broken_only_when_stale(tmp_path):
    d = str(tmp_path)
    assert store.take_lock(d, {"operator": "a", "token": "ta"}, 3600)["acquired"]
    assert not store.release_lock(d, "tb")["released"]
    fresh = store.take_lock(d, {"operator": "b", "token": "tb"}, 3600, break_stale=True)
    assert not fresh["acquired"] and not fresh["stale"] and fresh["holder"]["operator"] == "a"
    holder = tmp_path / "lock" / "holder.json"
    holder.write_text(json.dumps(dict(json.loads(holder.read_text()), epoch=int(time.time()) - 7200)))
    refused = store.take_lock(d, {"operator": "b", "token": "tb"}, 3600)
    assert not refused["acquired"] and refused["stale"]
    broken = store.take_lock(d, {"operator": "b", "token": "tb"}, 3600, break_stale=True)
    assert broken["acquired"] and broken["broken"]["operator"] == "a"
    assert store.release_lock(d, "tb")["released"]
    assert not (tmp_path / "lock").exists()


def test_the_audit_log_is_appended_one_json_line_per_entry(tmp_path):
    log = tmp_path / "audit.log"
    for action in ("deploy", "rollback", "lock-break"):
        store.append_audit(str(log), {"action": action, "result": "ok"})
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["action"] for e in lines] == ["deploy", "rollback", "lock-break"]
    assert all("time" in e for e in lines)
    assert [e["action"] for e in store.last_audit(str(log), 2)] == ["rollback", "lock-break"]


# --- the modules: argument spec, check mode, native changed -----------------------------

IMAGES = {"backend": {"ref": "b:1", "digest": "b@sha256:1", "image_id": "sha256:b1"}}


def test_release_record_check_mode_writes_nothing_and_tells_the_change(tmp_path):
    conf = tmp_path / "compose.yml"
    conf.write_text("x\n")
    args = dict(dir=str(tmp_path / "releases"), images=IMAGES, config_files=[str(conf), str(tmp_path / "absent")])
    planned = module("release_record", check_mode=True, **args)
    assert planned["changed"] and planned["previous"] is None
    assert not (tmp_path / "releases" / "history.json").exists()
    done = module("release_record", **args)
    assert done["changed"] and done["id"] == planned["id"] and len(done["id"]) == 12
    # The same images and files: the same release, no change, in check mode too.
    assert not module("release_record", **args)["changed"]
    assert not module("release_record", check_mode=True, **args)["changed"]
    # A changed configuration file is another release.
    conf.write_text("y\n")
    assert module("release_record", **args)["changed"]
    info = module("release_info", dir=str(tmp_path / "releases"))
    assert not info["changed"] and [r["id"] for r in info["releases"]][1] == done["id"]


def test_release_record_releases_the_lock_only_when_the_release_is_unchanged(tmp_path):
    """One call for an unchanged release: recorded and unlocked; a new one keeps the lock for its audit entry."""
    d = str(tmp_path / "releases")
    args = dict(dir=d, images=IMAGES)
    assert module("release_lock", dir=d, token="t1", holder={"operator": "a"})["acquired"]
    new = module("release_record", unlock_token="t1", **args)
    assert new["changed"] and not new["unlocked"] and new["unlocked_holder"] is None
    assert (tmp_path / "releases" / "lock").exists()
    # Another run's token never releases it; in check mode nothing is released.
    assert not module("release_record", unlock_token="t2", **args)["unlocked"]
    assert not module("release_record", check_mode=True, unlock_token="t1", **args)["unlocked"]
    assert (tmp_path / "releases" / "lock").exists()
    same = module("release_record", unlock_token="t1", **args)
    assert not same["changed"] and same["unlocked"] and same["unlocked_holder"]["operator"] == "a"
    assert "token" not in same["unlocked_holder"] and not (tmp_path / "releases" / "lock").exists()


def test_release_record_id_is_the_one_the_role_computed_before_the_module(tmp_path):
    """An upgraded controller must not see every host's running release as new."""
    conf = tmp_path / "f"
    conf.write_text("a")
    import hashlib
    config_sha = hashlib.sha256(hashlib.sha256(b"a").hexdigest().encode() + b" absent").hexdigest()
    old_id = hashlib.sha256((json.dumps(IMAGES, sort_keys=True) + config_sha).encode()).hexdigest()[:12]
    result = module("release_record", check_mode=True, dir=str(tmp_path / "r"), images=IMAGES,
                    config_files=[str(conf), str(tmp_path / "none")])
    assert result["config_sha256"] == config_sha and result["id"] == old_id


def test_release_lock_module_changes_only_when_it_breaks_a_stale_lock(tmp_path):
    d = str(tmp_path)
    assert module("release_lock", check_mode=True, dir=d, token="t1")["acquired"]
    assert not (tmp_path / "lock").exists()
    taken = module("release_lock", dir=d, token="t1", holder={"operator": "a"})
    assert taken["acquired"] and not taken["changed"] and "token" not in taken["holder"]
    refused = module("release_lock", dir=d, token="t2", holder={"operator": "b"})
    assert refused["failed"] and not refused["acquired"] and not refused["changed"]
    assert refused["holder"]["operator"] == "a" and "token" not in refused["holder"]
    assert "Deploy refused" in refused["msg"] and "held by a from" in refused["msg"] and "Wait for" in refused["msg"]
    assert not module("release_lock", dir=d, state="absent", token="t2")["released"]
    released = module("release_lock", dir=d, state="absent", token="t1")
    assert released["released"] and not released["changed"]
    store.take_lock(d, {"operator": "ghost", "token": "g"}, 60)
    holder = tmp_path / "lock" / "holder.json"
    holder.write_text(json.dumps(dict(json.loads(holder.read_text()), epoch=int(time.time()) - 7200)))
    assert module("release_lock", check_mode=True, dir=d, token="t3", timeout=60, break_stale=True)["changed"]
    assert json.loads(holder.read_text())["operator"] == "ghost"
    broken = module("release_lock", dir=d, token="t3", timeout=60, break_stale=True)
    assert broken["changed"] and broken["acquired"] and broken["broken"]["operator"] == "ghost"


def test_release_lock_refuses_to_release_without_a_token(tmp_path):
    result = module("release_lock", dir=str(tmp_path), state="absent")
    assert result["failed"] and "token" in result["msg"]


def test_release_audit_check_mode_writes_nothing(tmp_path):
    log = tmp_path / "audit.log"
    planned = module("release_audit", check_mode=True, path=str(log), entry={"action": "deploy"})
    assert planned["changed"] and planned["entry"]["action"] == "deploy" and not log.exists()
    assert module("release_audit", path=str(log), entry={"action": "deploy"})["changed"]
    assert len(log.read_text().splitlines()) == 1
    info = module("release_info", dir=str(tmp_path), audit_log=str(log))
    assert info["audit"][0]["action"] == "deploy" and info["current"] is None and info["lock"] is None


def test_the_role_runs_its_modules_through_ansible(tmp_path):
    """The role wires library/ and module_utils/ as Ansible ships them (lock, record twice, show, unlock)."""
    playbook = tmp_path / "play.yml"
    playbook.write_text(f"""
- hosts: localhost
  gather_facts: false
  vars:
    release_dir: {tmp_path}/releases
    release_images: {{}}
    release_config_files: [{playbook}]
    release_operator: test
    release_origin: test
    release_commit: none
  tasks:
    - {{ansible.builtin.import_role: {{name: release, tasks_from: lock}}}}
    - {{ansible.builtin.import_role: {{name: release, tasks_from: record}}}}
    - {{ansible.builtin.import_role: {{name: release, tasks_from: show}}}}
    - {{ansible.builtin.import_role: {{name: release, tasks_from: unlock}}}}
    - ansible.builtin.assert:
        that:
          - release_history.releases | length == 1
          - release_history.current == release_history.releases[0].id
          - release_history.lock.holder.operator == 'test'
          - release_history.audit[0].action == 'deploy'
    # The same release again: recorded and unlocked in one call; unlock.yml is skipped.
    - {{ansible.builtin.import_role: {{name: release, tasks_from: lock}}}}
    - {{ansible.builtin.import_role: {{name: release, tasks_from: record}}}}
    - {{ansible.builtin.import_role: {{name: release, tasks_from: unlock}}}}
    - ansible.builtin.assert:
        that: __release_record is not changed and __release_record.unlocked
""")
    result = run(["ansible-playbook", "-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}",
                  str(playbook)],
                 env={"ANSIBLE_ROLES_PATH": str(ROOT / "roles")})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert not (tmp_path / "releases" / "lock").exists()
    # The second unlock was skipped: the record had released the lock.
    assert "TASK [release : Release the deploy lock]\nskipping" in result.stdout.replace("*", "").replace(" \n", "\n")


def test_import_after_a_restore_brings_the_history_to_a_new_host_and_never_removes_an_audit_line(tmp_path):
    snapshot, new_host = tmp_path / "snapshot", tmp_path / "host"
    store.record(str(snapshot), release("r1", "backend:1"), 5)
    store.append_audit(str(snapshot / "audit.log"), {"action": "deploy", "result": "ok", "n": 1})
    store.append_audit(str(snapshot / "audit.log"), {"action": "deploy", "result": "ok", "n": 2})
    # Check mode says what would come in, and writes nothing.
    planned = module("release_import", check_mode=True, dir=str(new_host), src=str(snapshot))
    assert planned["changed"] and planned["history"] == "restored" and planned["audit_added"] == 2
    assert not (new_host / "history.json").exists()
    # A new host (nothing recorded): the snapshot's history and every audit line come in.
    done = module("release_import", dir=str(new_host), src=str(snapshot))
    assert done["changed"] and done["history"] == "restored" and done["audit_added"] == 2
    assert store.history(str(new_host))["current"] == "r1"
    assert [json.loads(line)["n"] for line in (new_host / "audit.log").read_text().splitlines()] == [1, 2]
    # The same import again changes nothing.
    assert not module("release_import", dir=str(new_host), src=str(snapshot))["changed"]
    # The same host later, restoring an older snapshot over its newer history and log.
    store.record(str(new_host), release("r2", "backend:2"), 5)
    store.append_audit(str(new_host / "audit.log"), {"action": "restore", "result": "ok", "n": 3})
    again = module("release_import", dir=str(new_host), src=str(snapshot))
    assert not again["changed"] and again["history"] == "kept the host's own" and again["audit_added"] == 0
    assert store.history(str(new_host))["current"] == "r2"
    assert [json.loads(line)["n"] for line in (new_host / "audit.log").read_text().splitlines()] == [1, 2, 3]
