#!/usr/bin/python3
"""Known data for the restore drill, written and read through the running stack.

    drill.py write A|B     data set A (first backup; from empty volumes and no
                           drill key), or B (changes over A: a
                           file modified, one added, one deleted; keys changed,
                           added, deleted)
    drill.py fingerprint   sha256 of every file of the audio output and input
                           volumes, and of every redis key (type and value),
                           as the backend and redis containers see them

Files are written by the backend container (its uid), redis keys through
redis-cli with the stack's password. Prints one JSON object.
"""
import json
import subprocess
import sys

PROJECT = ["docker", "compose", "--project-directory", "/opt/podcast-digest"]
REDIS = 'REDISCLI_AUTH=$(cat /run/secrets/redis_password) exec redis-cli --no-auth-warning "$@"'

WRITE_FILES = r"""
import json, os, shutil, sys
spec = json.loads(sys.argv[1])
for top in spec["clear"]:
    for entry in os.listdir(top):
        path = os.path.join(top, entry)
        shutil.rmtree(path) if os.path.isdir(path) else os.unlink(path)
for path, size in spec["write"].items():
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(os.urandom(size))
for path in spec["delete"]:
    os.unlink(path)
"""

FINGERPRINT_FILES = r"""
import hashlib, json, os
out = {}
for top in ("/app/output_audio", "/app/input"):
    files = {}
    for root, _dirs, names in os.walk(top):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as fh:
                files[os.path.relpath(path, top)] = hashlib.sha256(fh.read()).hexdigest()
    out[top] = files
print(json.dumps(out, sort_keys=True))
"""

# Every drill key with its type and the sha1 of its value, sorted.
FINGERPRINT_REDIS = """
local out = {}
for _, k in ipairs(redis.call('KEYS', 'drill:*')) do
  local t = redis.call('TYPE', k).ok
  local v = ''
  if t == 'string' then v = redis.call('GET', k)
  elseif t == 'hash' then
    local h = redis.call('HGETALL', k); local pairs_ = {}
    for i = 1, #h, 2 do table.insert(pairs_, h[i] .. '=' .. h[i + 1]) end
    table.sort(pairs_); v = table.concat(pairs_, ',')
  elseif t == 'list' then v = table.concat(redis.call('LRANGE', k, 0, -1), ',') end
  table.insert(out, k .. ' ' .. t .. ' ' .. redis.sha1hex(v))
end
table.sort(out)
return out
"""


def run(argv, stdin=None):
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, check=True).stdout


def redis(*args, stdin=None):
    return run(PROJECT + ["exec", "-T", "redis", "sh", "-c", REDIS, "redis-cli"] + list(args), stdin)


def resp(args):
    """One command in redis's protocol (what --pipe expects; no size limit, unlike inline commands)."""
    return f"*{len(args)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in args)


def write(dataset):
    audio, inputs = "/app/output_audio", "/app/input"
    if dataset == "A":
        spec = {"write": {f"{audio}/digest-example.mp3": 2 << 20, f"{audio}/digest-0001.mp3": 512 << 10,
                          f"{audio}/digest-0002.mp3": 8 << 20, f"{audio}/2026/11/episode-17.wav": 1 << 20,
                          f"{inputs}/urls.txt": 4096, f"{inputs}/job-1.json": 2048, f"{inputs}/job-2.json": 2048},
                "delete": [], "clear": [audio, inputs]}
        # Data set A starts from nothing (a re-run of the drill too).
        redis("EVAL", "for _, k in ipairs(redis.call('KEYS', 'drill:*')) do redis.call('DEL', k) end", "0")
        # 500 strings, a hash, a list and one large value, by redis-cli's pipe mode.
        commands = [f"SET drill:k:{n} value-A-{n}-{'x' * (n % 97)}" for n in range(500)]
        commands += [f"HSET drill:hash field{n} value{n}" for n in range(50)]
        commands += [f"RPUSH drill:list item{n}" for n in range(100)]
        commands += ["SET drill:big " + "A" * (256 << 10)]
    else:
        spec = {"write": {f"{audio}/digest-0001.mp3": 700 << 10, f"{audio}/digest-0003.mp3": 1 << 20,
                          f"{inputs}/urls.txt": 5000, f"{inputs}/job-3.json": 1024},
                "delete": [f"{audio}/digest-0002.mp3"], "clear": []}
        commands = [f"SET drill:k:{n} value-B-{n}" for n in range(50)]
        commands += [f"SET drill:b:{n} new-in-B-{n}" for n in range(100)]
        commands += ["DEL drill:k:499", "RPUSH drill:list item-B", "HSET drill:hash fieldB valueB"]
    run(PROJECT + ["exec", "-T", "backend", "python3", "-c", WRITE_FILES, json.dumps(spec)])
    out = redis("--pipe", stdin="".join(resp(c.split(" ")) for c in commands))
    if "errors: 0" not in out:
        sys.exit(f"redis-cli --pipe: {out}")
    return {"dataset": dataset, "files_written": len(spec["write"]), "files_deleted": len(spec["delete"]),
            "redis_commands": len(commands)}


def fingerprint():
    files = json.loads(run(PROJECT + ["exec", "-T", "backend", "python3", "-c", FINGERPRINT_FILES]))
    keys = [line for line in redis("--raw", "EVAL", FINGERPRINT_REDIS, "0").splitlines() if line]
    return {"audio": files["/app/output_audio"], "input": files["/app/input"], "redis": keys,
            "redis_keys": len(keys), "dbsize": int(redis("DBSIZE").strip())}


if __name__ == "__main__":
    result = write(sys.argv[2]) if sys.argv[1] == "write" else fingerprint()
    json.dump(result, sys.stdout, sort_keys=True)
