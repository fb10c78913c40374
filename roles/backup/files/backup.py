#!/usr/bin/python3
"""Encrypted backups of the Podcast Digest stack with restic.

Installed on the host by the Ansible role `backup`; the systemd units run it,
and operators may run it by hand (as root) too:

    backup.py [--config FILE] probe [--snapshot ID] [--from-host H]
                                     can the repository be opened (and the snapshot found)?
    backup.py [--config FILE] init   create the repository if there is none
    backup.py [--config FILE] backup     one backup: redis BGSAVE, volumes, history, configuration;
                                     then retention (forget --prune)
    backup.py [--config FILE] check      restic check (with a subset of the data read back)
    backup.py [--config FILE] snapshots [--from-host H]
    backup.py [--config FILE] restore-item --snapshot ID --item NAME (--volume V [--image I] | --target DIR)
                                     one item of a snapshot in place of what is there
    backup.py [--config FILE] stats      the repository's size
    backup.py [--config FILE] restic ARGS...   restic itself, with the repository's settings

Every command but `restic` prints one JSON object on stdout; `backup` and
`check` also log to stderr (the journal, under systemd) and exit non-zero
on failure. Secrets (the repository password, the SSH key, the S3 keys) stay
in their root-only files: restic reads them from there, never from the
command line or this program's output.
"""

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback

DEFAULT_CONFIG = "/etc/podcast-digest-backup/config.json"
SNAPSHOT_TAG = "podcast-digest"
# restic's documented exit codes.
RC_NO_REPOSITORY = 10
RC_LOCKED = 11
RC_WRONG_PASSWORD = 12


class Failure(Exception):
    """A failure with a message that says what to do."""


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def log(message, error=False):
    # Under systemd, "<3>" makes the journal record the line at priority err.
    prefix = "<3>" if error and os.environ.get("JOURNAL_STREAM") else ""
    sys.stderr.write(f"{prefix}podcast-digest-backup: {message}\n")
    sys.stderr.flush()


def write_atomic(path, data, mode=0o600):
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
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


def load_config(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def restic_env(cfg):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESTIC_", "AWS_"))}
    env["RESTIC_REPOSITORY"] = cfg["repository"]
    env["RESTIC_PASSWORD_FILE"] = cfg["password_file"]
    env["RESTIC_CACHE_DIR"] = cfg["cache_dir"]
    if cfg["backend"] == "s3":
        # KEY=value lines, root-only (0600); never on a command line.
        with open(cfg["s3"]["credentials_file"], encoding="utf-8") as fh:
            for line in fh:
                key, _, value = line.strip().partition("=")
                if key:
                    env[key] = value
    return env


def restic_options(cfg):
    if cfg["backend"] != "sftp":
        return []
    s = cfg["sftp"]
    ssh = ["ssh", "-i", s["key_file"], "-p", str(s["port"]), "-o", "IdentitiesOnly=yes",
           "-o", "UserKnownHostsFile=" + s["known_hosts_file"], "-o", "StrictHostKeyChecking=yes",
           "-o", "BatchMode=yes", "-o", f"ConnectTimeout={s['connect_timeout']}",
           "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4",
           f"{s['user']}@{s['host']}", "-s", "sftp"]
    return ["-o", "sftp.command=" + " ".join(ssh)]


def restic(cfg, args, check=True, capture=True, timeout=None):
    argv = ["restic"] + restic_options(cfg) + args
    proc = subprocess.run(argv, env=restic_env(cfg), capture_output=capture, text=True, timeout=timeout,
                          check=False)
    if check and proc.returncode != 0:
        raise Failure(f"restic {args[0]} failed (exit {proc.returncode}): {last_lines(proc.stderr)}")
    return proc


def last_lines(text, n=6):
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return " | ".join(lines[-n:]) or "(no output)"


def endpoint(cfg):
    if cfg["backend"] == "sftp":
        return cfg["sftp"]["host"], int(cfg["sftp"]["port"])
    url = cfg["s3"]["endpoint"]
    scheme, _, rest = url.partition("://")
    hostport = rest.split("/", 1)[0]
    host, _, port = hostport.rpartition(":") if ":" in hostport else (hostport, "", "")
    return host, int(port or (443 if scheme == "https" else 80))


def probe(cfg, snapshot=None, from_host=None):
    """Classify access to the repository (and find the snapshot) without changing anything."""
    host, port = endpoint(cfg)
    where = f"{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=cfg.get("connect_timeout", 10)):
            pass
    except OSError as err:
        return {"status": "unreachable", "repository": cfg["repository"],
                "message": f"cannot connect to {where}: {err}"}
    try:
        proc = restic(cfg, ["cat", "config", "--no-lock"], check=False, timeout=cfg.get("probe_timeout", 60))
    except subprocess.TimeoutExpired:
        return {"status": "unreachable", "repository": cfg["repository"],
                "message": f"{where} accepted a connection but the repository did not answer within "
                           f"{cfg.get('probe_timeout', 60)} s"}
    out = {"repository": cfg["repository"]}
    if proc.returncode == RC_WRONG_PASSWORD:
        return dict(out, status="wrong-password", message=last_lines(proc.stderr, 2))
    if proc.returncode == RC_NO_REPOSITORY:
        return dict(out, status="no-repository", message=last_lines(proc.stderr, 3))
    if proc.returncode != 0:
        return dict(out, status="unreachable", message=last_lines(proc.stderr, 3))
    out["status"] = "ok"
    if snapshot:
        found = find_snapshot(cfg, snapshot, from_host)
        if found is None:
            known = snapshots(cfg, from_host)
            return dict(out, status="no-snapshot", message=(
                f"No snapshot {snapshot}" + (f" of host {from_host}" if snapshot == "latest" else "")
                + " is in"), snapshots=known[-10:])
        out["snapshot"] = found
        out["manifest"] = manifest_of(cfg, found["id"])
    return out


def snapshots(cfg, from_host=None):
    args = ["snapshots", "--json", "--no-lock", "--tag", SNAPSHOT_TAG]
    if from_host:
        args += ["--host", from_host]
    found = json.loads(restic(cfg, args).stdout or "[]")
    return sorted(({"id": s["id"], "short_id": s.get("short_id", s["id"][:8]), "time": s["time"],
                    "host": s["hostname"], "tags": s.get("tags", [])} for s in found),
                  key=lambda s: s["time"])


def find_snapshot(cfg, snapshot, from_host):
    known = snapshots(cfg, from_host if snapshot == "latest" else None)
    if snapshot == "latest":
        return known[-1] if known else None
    matches = [s for s in known if s["id"].startswith(snapshot)]
    return matches[0] if len(matches) == 1 else None


def manifest_of(cfg, snapshot_id):
    proc = restic(cfg, ["dump", "--no-lock", snapshot_id, cfg["manifest_file"]], check=False)
    if proc.returncode != 0:
        raise Failure(f"snapshot {snapshot_id[:8]} has no manifest ({cfg['manifest_file']}): it was not made "
                      f"by this backup; restore from it by hand with podcast-digest-restic")
    return json.loads(proc.stdout)


def docker(*args):
    proc = subprocess.run(["docker"] + list(args), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise Failure(f"docker {' '.join(args[:2])} failed: {last_lines(proc.stderr, 3)}")
    return proc.stdout


def volume_path(name):
    try:
        return docker("volume", "inspect", "--format", "{{.Mountpoint}}", name).strip()
    except Failure as err:
        raise Failure(f"volume {name} does not exist on this host (is the stack deployed?): {err}") from err


def redis_cli(cfg, *args, check=True):
    """redis-cli inside the redis container, authenticated from its own secret file when it has one."""
    r = cfg["redis"]
    script = ('if [ -r "$1" ]; then REDISCLI_AUTH=$(cat "$1"); export REDISCLI_AUTH; fi; shift; '
              'exec redis-cli --no-auth-warning "$@"')
    out = docker("exec", r["container"], "sh", "-c", script, "sh", r["password_file"], *args).strip()
    if check and out.startswith(("ERR", "NOAUTH", "WRONGPASS")):
        raise Failure(f"redis-cli {' '.join(args)}: {out}")
    return out


def redis_info(cfg):
    info = {}
    for line in redis_cli(cfg, "INFO", "persistence").splitlines():
        key, _, value = line.strip().partition(":")
        info[key] = value
    return info


def redis_snapshot(cfg, staging):
    """BGSAVE and wait for it; copy the finished RDB file (never a file being written)."""
    r = cfg["redis"]
    keys = int(redis_cli(cfg, "DBSIZE"))
    deadline = time.monotonic() + r["timeout"]
    started = time.time()
    while True:
        # rdb_saves counts finished snapshots: the first one to finish after
        # ours was accepted is complete and was taken after this point.
        info = redis_info(cfg)
        before = int(info.get("rdb_saves", "0"))
        answer = redis_cli(cfg, "BGSAVE", "SCHEDULE", check=False)
        if answer.startswith("Background saving"):  # "started", or "scheduled" after an AOF rewrite
            break
        if "in progress" not in answer:
            raise Failure(f"redis refused BGSAVE: {answer}")
        if time.monotonic() > deadline:
            raise Failure(f"redis did not start a BGSAVE within {r['timeout']} s: {answer}")
        time.sleep(0.5)
    while True:
        info = redis_info(cfg)
        if info.get("rdb_bgsave_in_progress") == "0" and int(info.get("rdb_saves", "0")) > before:
            if info.get("rdb_last_bgsave_status") != "ok":
                raise Failure(f"redis BGSAVE failed (rdb_last_bgsave_status {info.get('rdb_last_bgsave_status')})")
            break
        if time.monotonic() > deadline:
            raise Failure(f"redis BGSAVE did not finish within {r['timeout']} s")
        time.sleep(0.2)
    source = os.path.join(volume_path(r["volume"]), r["rdb_file"])
    os.makedirs(staging, mode=0o700, exist_ok=True)
    target = os.path.join(staging, r["rdb_file"])
    shutil.copy2(source, target + ".tmp")
    with open(target + ".tmp", "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
        os.fsync(fh.fileno())
    os.replace(target + ".tmp", target)
    return {"kind": "redis", "volume": r["volume"], "path": staging, "file": r["rdb_file"],
            "keys": keys, "sha256": digest, "bgsave_seconds": round(time.time() - started, 2)}


def refuse_secrets(cfg, paths):
    never = [os.path.realpath(p) for p in cfg["never"]]
    never += [os.path.realpath(volume_path(v)) for v in cfg.get("never_volumes", []) if volume_exists(v)]
    for path in paths:
        real = os.path.realpath(path)
        for secret in never:
            if real == secret or real.startswith(secret.rstrip("/") + "/") or secret.startswith(real.rstrip("/") + "/"):
                raise Failure(f"{path} is or holds {secret}, which holds secrets: they are never backed up")


def volume_exists(name):
    return subprocess.run(["docker", "volume", "inspect", name], capture_output=True, check=False).returncode == 0


def cmd_probe(cfg, args):
    return probe(cfg, args.snapshot, args.from_host)


def cmd_init(cfg, _args):
    state = probe(cfg)
    if state["status"] == "no-repository":
        restic(cfg, ["init"])
        return {"changed": True, "status": "ok", "repository": cfg["repository"]}
    return dict(state, changed=False)


def cmd_snapshots(cfg, args):
    return {"snapshots": snapshots(cfg, args.from_host)}


def cmd_stats(cfg, _args):
    stats = json.loads(restic(cfg, ["stats", "--json", "--no-lock", "--mode", "raw-data"]).stdout)
    return {"total_size": stats.get("total_size", 0), "total_uncompressed_size": stats.get("total_uncompressed_size"),
            "snapshots": stats.get("snapshots_count")}


def cmd_backup(cfg, _args):
    start = time.time()
    marker = cfg["restore_marker"]
    if os.path.exists(marker):
        with open(marker, encoding="utf-8") as fh:
            since = fh.read().strip()
        raise Failure(f"a restore is in progress or failed half-way ({marker}: {since}); a half-restored host is "
                      f"not backed up over good snapshots. Finish it: run playbooks/restore.yml again.")
    state = probe(cfg)
    if state["status"] != "ok":
        raise Failure(f"repository {cfg['repository']}: {state['status']}: {state['message']}")
    items = {}
    for name, volume in cfg["volumes"].items():
        path = volume_path(volume)
        st = os.stat(path)
        items[name] = {"kind": "volume", "volume": volume, "path": path,
                       "owner": {"uid": st.st_uid, "gid": st.st_gid, "mode": oct(st.st_mode & 0o7777)[2:]}}
    items["redis"] = redis_snapshot(cfg, cfg["redis"]["staging_dir"])
    for name, path in cfg["files"].items():
        items[name] = {"kind": "path", "path": path}
    paths = [i["path"] for i in items.values()]
    refuse_secrets(cfg, paths)
    manifest = {"format": 1, "host": cfg["host"], "time": now(), "items": items,
                "excludes": cfg["excludes"], "project_dir": cfg["project_dir"]}
    write_atomic(cfg["manifest_file"], json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    args = ["backup", "--json", "--host", cfg["host"], "--tag", SNAPSHOT_TAG, "--retry-lock", cfg["lock_wait"]]
    for pattern in cfg["excludes"]:
        args += ["--exclude", pattern]
    proc = restic(cfg, args + [cfg["manifest_file"]] + [p for p in paths if os.path.exists(p)], check=False)
    summary = next((json.loads(line) for line in reversed(proc.stdout.splitlines())
                    if line.startswith("{") and '"summary"' in line), None)
    # Exit 3: some files could not be read (vanished while being read): the
    # snapshot exists but is incomplete, which is a failure to report.
    if proc.returncode != 0 or summary is None:
        raise Failure(f"restic backup failed (exit {proc.returncode}): {last_lines(proc.stderr)}")
    result = {"time": now(), "epoch": int(time.time()), "snapshot": summary["snapshot_id"],
              "host": cfg["host"], "repository": cfg["repository"],
              "files": summary.get("total_files_processed"), "bytes": summary.get("total_bytes_processed"),
              "data_added": summary.get("data_added"), "redis_keys": items["redis"]["keys"],
              "backup_seconds": round(time.time() - start, 2)}
    keep = [f"--keep-{k}={v}" for k, v in sorted(cfg["retention"].items()) if int(v) > 0]
    forget = restic(cfg, ["forget", "--json", "--host", cfg["host"], "--tag", SNAPSHOT_TAG, "--group-by", "host,tags",
                          "--retry-lock", cfg["lock_wait"], "--prune"] + keep, check=False)
    if forget.returncode != 0:
        raise Failure(f"the backup succeeded (snapshot {result['snapshot'][:8]}) but retention failed: "
                      f"restic forget --prune (exit {forget.returncode}): {last_lines(forget.stderr)}")
    removed = 0
    for line in forget.stdout.splitlines():
        # forget's JSON is one line (a list of groups); prune's progress and report are text.
        try:
            groups = json.loads(line)
        except ValueError:
            continue
        if isinstance(groups, list):
            removed += sum(len(group.get("remove") or []) for group in groups if isinstance(group, dict))
    result["forgotten"] = removed
    result["seconds"] = round(time.time() - start, 2)
    write_atomic(cfg["last_success_file"], json.dumps(result, sort_keys=True) + "\n", 0o644)
    log(f"backup ok: snapshot {result['snapshot'][:8]}, {result['files']} files, {result['bytes']} bytes, "
        f"{result['data_added']} bytes added, {result['redis_keys']} redis keys, {removed} old snapshot(s) "
        f"forgotten, {result['seconds']} s")
    return result


def cmd_check(cfg, _args):
    start = time.time()
    args = ["check", "--retry-lock", cfg["lock_wait"]]
    if cfg.get("check_read_data_subset"):
        args += ["--read-data-subset", cfg["check_read_data_subset"]]
    proc = restic(cfg, args, check=False)
    if proc.returncode != 0:
        raise Failure(f"restic check found a problem (exit {proc.returncode}): {last_lines(proc.stdout + proc.stderr)}")
    result = {"time": now(), "epoch": int(time.time()), "seconds": round(time.time() - start, 2),
              "read_data_subset": cfg.get("check_read_data_subset") or "none"}
    write_atomic(cfg["last_check_file"], json.dumps(result, sort_keys=True) + "\n", 0o644)
    log(f"check ok: repository {cfg['repository']} has no errors ({result['seconds']} s)")
    return result


def volume_create(name, project, key):
    """The volume, created with compose's labels when missing, so compose adopts it as its own."""
    if not volume_exists(name):
        docker("volume", "create", "--label", f"com.docker.compose.project={project}",
               "--label", f"com.docker.compose.volume={key}", name)
    return volume_path(name)


def empty_dir(path):
    for entry in os.listdir(path):
        full = os.path.join(path, entry)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        else:
            os.unlink(full)


def tree_size(path):
    files = size = 0
    for root, _dirs, names in os.walk(path):
        for name in names:
            files += 1
            size += os.lstat(os.path.join(root, name)).st_size
    return files, size


def redis_load(cfg, volume, image, mountpoint):
    """Turn the restored RDB file into the append-only files the stack's redis starts from.

    redis started with --appendonly yes and no AOF starts EMPTY (it ignores
    dump.rdb), so a throwaway redis of the stack's own image, without a
    network, loads the RDB file, CONFIG SET appendonly yes writes the AOF from
    it, and it is shut down once that rewrite finished."""
    name = f"{cfg['redis']['container']}-restore"
    subprocess.run(["docker", "rm", "--force", name], capture_output=True, check=False)
    docker("run", "--detach", "--name", name, "--network", "none", "--volume", f"{volume}:/data",
           image, "redis-server", "--appendonly", "no", "--dir", "/data")
    local = dict(cfg, redis=dict(cfg["redis"], container=name, password_file="/nonexistent"))
    try:
        deadline = time.monotonic() + cfg["redis"]["timeout"]
        while True:
            ping = subprocess.run(["docker", "exec", name, "redis-cli", "ping"], capture_output=True, text=True,
                                  check=False)
            if ping.stdout.strip() == "PONG":
                break
            if time.monotonic() > deadline:
                raise Failure(f"the redis that loads the snapshot did not start: {docker('logs', '--tail', '20', name)}")
            time.sleep(0.2)
        keys = int(redis_cli(local, "DBSIZE"))
        redis_cli(local, "CONFIG", "SET", "appendonly", "yes")
        while True:
            info = redis_info(local)
            if (info.get("aof_enabled") == "1" and info.get("aof_rewrite_in_progress") == "0"
                    and info.get("aof_rewrite_scheduled") == "0" and int(info.get("aof_rewrites", "0")) > 0):
                if info.get("aof_last_bgrewrite_status") != "ok":
                    raise Failure("redis could not write the append-only file from the snapshot")
                break
            if time.monotonic() > deadline:
                raise Failure(f"redis did not write the append-only file within {cfg['redis']['timeout']} s")
            time.sleep(0.2)
        if not os.path.isdir(os.path.join(mountpoint, "appendonlydir")):
            raise Failure("redis reported the append-only file written, but there is no appendonlydir")
        return keys
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True, check=False)


def cmd_restore_item(cfg, args):
    """Restore one item of a snapshot in place of what is there; the services using it are stopped."""
    manifest = manifest_of(cfg, args.snapshot)
    if args.item not in manifest["items"]:
        raise Failure(f"snapshot {args.snapshot[:8]} has no item {args.item} (it has {', '.join(manifest['items'])})")
    item = manifest["items"][args.item]
    start = time.time()
    result = {"item": args.item, "kind": item["kind"]}
    if item["kind"] in ("volume", "redis"):
        if not args.volume:
            raise Failure(f"{args.item} is a volume: give --volume")
        target = volume_create(args.volume, args.compose_project, args.volume[len(args.compose_project) + 1:]
                               if args.volume.startswith(args.compose_project + "_") else args.volume)
        result["volume"] = args.volume
    else:
        target = args.target
        os.makedirs(target, mode=0o700, exist_ok=True)
    empty_dir(target)
    if item["kind"] == "redis":
        staging = os.path.join(cfg["redis"]["staging_dir"], "restore")
        os.makedirs(staging, mode=0o700, exist_ok=True)
        empty_dir(staging)
        restic(cfg, ["restore", "--no-lock", f"{args.snapshot}:{item['path']}", "--target", staging])
        rdb = os.path.join(staging, item["file"])
        with open(rdb, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        if digest != item["sha256"]:
            raise Failure(f"the restored RDB file's checksum {digest} is not the one recorded {item['sha256']}")
        uid, gid = image_user(args.image)
        shutil.copy2(rdb, os.path.join(target, item["file"]))
        for path in (target, os.path.join(target, item["file"])):
            os.chown(path, uid, gid)
        os.chmod(target, 0o750)
        empty_dir(staging)
        result["keys"] = redis_load(cfg, args.volume, args.image, target)
        result["keys_at_backup"] = item["keys"]
    else:
        restic(cfg, ["restore", "--no-lock", f"{args.snapshot}:{item['path']}", "--target", target])
        if "owner" in item:
            os.chown(target, item["owner"]["uid"], item["owner"]["gid"])
            os.chmod(target, int(item["owner"]["mode"], 8))
        result["files"], result["bytes"] = tree_size(target)
    result["target"] = target
    result["seconds"] = round(time.time() - start, 2)
    return result


def image_user(image):
    """uid and gid the image runs as (numeric, as the stack's images declare them)."""
    user = docker("image", "inspect", "--format", "{{.Config.User}}", image).strip() or "0:0"
    uid, _, gid = user.partition(":")
    if not uid.isdigit() or not (gid or uid).isdigit():
        raise Failure(f"image {image} runs as '{user}': a numeric uid:gid is needed to give it its data")
    return int(uid), int(gid or uid)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=DEFAULT_CONFIG)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("probe")
    p.add_argument("--snapshot")
    p.add_argument("--from-host")
    p.set_defaults(func=cmd_probe)
    sub.add_parser("init").set_defaults(func=cmd_init)
    sub.add_parser("backup").set_defaults(func=cmd_backup)
    sub.add_parser("check").set_defaults(func=cmd_check)
    sub.add_parser("stats").set_defaults(func=cmd_stats)
    p = sub.add_parser("snapshots")
    p.add_argument("--from-host")
    p.set_defaults(func=cmd_snapshots)
    p = sub.add_parser("restore-item")
    p.add_argument("--snapshot", required=True)
    p.add_argument("--item", required=True)
    p.add_argument("--target", help="directory, for an item that is not a volume")
    p.add_argument("--volume", help="volume to restore into (created with compose's labels if missing)")
    p.add_argument("--compose-project", default="")
    p.add_argument("--image", help="the stack's redis image, for the redis item")
    p.set_defaults(func=cmd_restore_item)
    p = sub.add_parser("restic")
    p.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    cfg = load_config(args.config)
    if args.command == "restic":
        os.execvpe("restic", ["restic"] + restic_options(cfg) + args.args, restic_env(cfg))
    try:
        try:
            result = args.func(cfg, args)
        except Failure:
            raise
        except Exception as err:  # noqa: BLE001 - any surprise is a failed run, said as such
            traceback.print_exc()
            raise Failure(f"unexpected error: {type(err).__name__}: {err}") from err
    except Failure as err:
        if args.command in ("backup", "check"):
            write_atomic(cfg["last_failure_file"], json.dumps({"time": now(), "epoch": int(time.time()),
                                                               "command": args.command, "message": str(err)},
                                                              sort_keys=True) + "\n", 0o644)
        log(f"{args.command} FAILED: {err}", error=True)
        json.dump({"failed": True, "message": str(err)}, sys.stdout, sort_keys=True)
        sys.stdout.write("\n")
        return 1
    json.dump(result, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
