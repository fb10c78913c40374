#!/usr/bin/env python3
"""make bench: how long a deploy takes, against lab hosts, in one run.

A benchmark, not a timed test: every figure is printed next to what the same
machine does meanwhile (ratios within one run), because the lab shares its
cores with whatever else runs. Its hosts are its own (pdd-bench-1 ..
pdd-bench-N, SSH on 127.0.0.1:8480.., Docker preinstalled), reached over SSH
as the non-root deploy user, as `make lab` and a real server are. No
mitogen, no strategy plugin: the project's ansible.cfg as it is.

  floor    ansible-playbook with facts gathered (no cache) and one task, 1 host
  floorN   the same on the N hosts at once: what this machine makes of any
           play on N hosts, P3's own baseline (hosts and controller share
           the same cores here)
  compose  `docker compose up -d` over SSH on the converged host (no-op)
  P1       deploy.yml on the converged host: changed=0, nothing restarted (target <= 10 s)
  check    deploy.yml --check --diff on the converged host (target <= 10 s)
  P3       the same no-op deploy.yml on N hosts at once, against 1 (target <= 1.5x)
  P2       deploy.yml upgrading backend and frontend under load, and back
           (target: play <= 60 s, 0 failed requests); the switch alone
  CPU      for P1 and P3: the CPU time ansible-playbook used (its forked
           workers and ssh included) and the whole machine's busy CPU time
           (/proc/stat: the controller, the lab hosts and their stacks, all on
           the same cores; and apart, the time the hypervisor took), against
           the cores' capacity over the run. The machine's busy time over its
           cores is the least wall time the same work can take here: the floor
           under P3 on this machine.

Each of floor, compose, P1, check and P3 runs BENCH_REPEAT times (default 3),
interleaved, and the median is used. The hosts stay for the next run
(`bench.py down` removes them). Exits non-zero when a no-op changed or
restarted something or a request failed; a time over its target is reported,
not failed.

Environment: BENCH_HOSTS (5), BENCH_REPEAT (3), BENCH_FIRST_PORT (8480).
"""
import json
import os
import pathlib
import re
import resource
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[3]
LAB = ROOT / "molecule" / "resources" / "lab"
STATE = LAB / "state"
BENCH = ROOT / ".cache" / "bench"
INVENTORY = BENCH / "inventory"
KNOWN_HOSTS = BENCH / "known_hosts"
HOSTS = int(os.environ.get("BENCH_HOSTS", "5"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
FIRST_PORT = int(os.environ.get("BENCH_FIRST_PORT", "8480"))
ENV = dict(os.environ, PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}", ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
           PDD_LAB_STATE=str(STATE), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PY_COLORS="0",
           ANSIBLE_VAULT_IDENTITY_LIST=f"lab@{LAB / 'vault-password.txt'}")
# The lab's application images as they are when the bench starts, for every
# run of it: the lab is shared, and another engineer's rebuild of the images
# mid-bench would turn a no-op into an upgrade.
IMAGES = BENCH / "images.json"
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def host(n):
    return f"pdd-bench-{n}"


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def machine_cpu():
    """The machine's CPU time so far, all cores, from /proc/stat: (busy, stolen). Busy is user, nice,
    system, irq and softirq (guest time is counted in user already); stolen is the time the
    hypervisor gave the cores to someone else."""
    ticks = [int(v) for v in pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks[:3]) + ticks[5] + ticks[6]) / hz, ticks[7] / hz


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# The CPU of the last run(): the command's own (with its children) and the machine's.
LAST_CPU = {}


def run(argv, env=None, check=True):
    """Run a command from the repository root; (wall seconds, CompletedProcess)."""
    start, machine, own = time.monotonic(), machine_cpu(), children_cpu()
    done = subprocess.run(argv, cwd=ROOT, env=env or ENV, capture_output=True, text=True)
    seconds = time.monotonic() - start
    after = machine_cpu()
    LAST_CPU.update(own=children_cpu() - own, busy=after[0] - machine[0], stolen=after[1] - machine[1],
                    capacity=seconds * os.cpu_count())
    if check and done.returncode != 0:
        sys.exit(f"[bench] failed ({done.returncode}): {' '.join(map(str, argv))}\n{done.stdout[-4000:]}\n{done.stderr[-3000:]}")
    return seconds, done


def playbook(*args, env=None, check=True):
    return run(["ansible-playbook", "-i", str(INVENTORY), "-e", f"@{IMAGES}", *args], env=env, check=check)


def recap(out):
    """{host: (changed, failed)} from a play recap."""
    return {m[1]: (int(m[3]), int(m[4]) + int(m[5])) for m in RECAP.finditer(out)}


def containers(name):
    """'id started' of every container of the project on a bench host."""
    _, ids = run(["docker", "exec", name, "docker", "ps", "-q", "--no-trunc",
                  "--filter", "label=com.docker.compose.project=podcast-digest"])
    if not ids.stdout.split():
        return []
    _, out = run(["docker", "exec", name, "docker", "inspect", "--format", "{{.Id}} {{.State.StartedAt}}",
                  *ids.stdout.split()])
    return sorted(out.stdout.splitlines())


def loadavg():
    return pathlib.Path("/proc/loadavg").read_text().split()[0]


def setup():
    log("lab: engine, images, registry (reused when built)")
    run([str(LAB / "prepare.sh")])
    refs = re.findall(r"^  (\w+):\s*\n\s*ref: \"([^\"]+)\"(?:\s*\n\s*repository: \"([^\"]+)\")?(?:\s*\n\s*tag: \"([^\"]+)\")?"
                      r"(?:\s*\n\s*digest: \"([^\"]+)\")?", (STATE / "app-images.yml").read_text(), re.M)
    BENCH.mkdir(parents=True, exist_ok=True)
    IMAGES.write_text(json.dumps({"lab_images": {k: {"ref": r, "repository": rep, "tag": tag, "digest": d}
                                                 for k, r, rep, tag, d in refs}}, indent=2))
    log(f"images: {IMAGES} ({', '.join(k for k, *_ in refs)})")
    log(f"hosts: {', '.join(host(n) for n in range(1, HOSTS + 1))} (reused when they exist)")
    run(["ansible-playbook", str(ROOT / "molecule/resources/playbooks/bench-hosts.yml"),
         "-e", f"bench_hosts={HOSTS}", "-e", f"bench_first_port={FIRST_PORT}"])
    (INVENTORY / "group_vars").parent.mkdir(parents=True, exist_ok=True)
    link = INVENTORY / "group_vars"
    if not link.is_symlink():
        link.symlink_to(ROOT / "inventories" / "lab" / "group_vars")
    hosts = "".join(
        f"        {host(n)}:\n          ansible_host: 127.0.0.1\n          ansible_port: {FIRST_PORT + n - 1}\n"
        "          ansible_user: deploy\n"
        f"          ansible_ssh_common_args: -o UserKnownHostsFile={KNOWN_HOSTS} -o StrictHostKeyChecking=yes\n"
        for n in range(1, HOSTS + 1))
    (INVENTORY / "hosts.yml").write_text(
        "---\n# Written by molecule/resources/bench/bench.py: the bench's lab hosts.\n"
        f"lab:\n  children:\n    podcast_digest:\n      hosts:\n{hosts}")
    keys = []
    for n in range(1, HOSTS + 1):
        for _ in range(30):
            done = subprocess.run(["ssh-keyscan", "-p", str(FIRST_PORT + n - 1), "-t", "ed25519", "127.0.0.1"],
                                  capture_output=True, text=True)
            if done.stdout.strip():
                keys.append(done.stdout)
                break
            time.sleep(1)
        else:
            sys.exit(f"[bench] {host(n)} does not answer SSH on 127.0.0.1:{FIRST_PORT + n - 1}")
    KNOWN_HOSTS.write_text("".join(keys))
    log(f"first deploy of the {HOSTS} hosts (converges them; a no-op when they already are)")
    seconds, done = playbook(str(ROOT / "deploy.yml"))
    log(f"first deploy: {seconds:.1f} s, {recap(done.stdout)}")


def noop(label, *args, limit=None):
    """One no-op deploy: seconds, with changed=0 and no container restarted checked."""
    names = [limit] if limit else [host(n) for n in range(1, HOSTS + 1)]
    before = {n: containers(n) for n in names}
    seconds, done = playbook(*args, *(["--limit", limit] if limit else []), check=False)
    cpu = dict(LAST_CPU)
    result = recap(done.stdout)
    problems = []
    if done.returncode != 0:
        problems.append(f"rc {done.returncode}: {done.stdout[-2000:]}{done.stderr[-1000:]}")
    for n in names:
        changed, failed = result.get(n, (None, None))
        if changed != 0 or failed != 0:
            problems.append(f"{n}: changed={changed} failed={failed}")
        if containers(n) != before[n]:
            problems.append(f"{n}: containers restarted or replaced")
    log(f"{label}: {seconds:.1f} s, CPU: ansible-playbook {cpu['own']:.1f} s, machine {cpu['busy']:.1f} s"
        f" (stolen {cpu['stolen']:.1f} s) of {cpu['capacity']:.1f} s; {'OK' if not problems else problems}")
    return seconds, cpu, problems


def switch_seconds(path):
    """Backend and frontend together: from starting the new containers to removing the old ones (json callback)."""
    tasks = [t for play in json.loads(path.read_text())["plays"] for t in play["tasks"]]

    def when(name, edge):
        for t in tasks:
            # "stack : Start the new ...": the role's name comes first.
            if t["task"]["name"].split(" : ", 1)[-1] == name:
                stamp = t["task"]["duration"][edge]
                return time.mktime(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + float("0." + stamp[20:26])
        return None

    start = when("Start the new containers beside the old ones", "start")
    end = when("Stop (in-flight requests finish) and remove the old containers", "end")
    return None if start is None or end is None else round(end - start, 1)


def bench():
    setup()
    commit = run(["git", "describe", "--always", "--dirty", "--abbrev=12"])[1].stdout.strip()
    ssh = ["ssh", "-i", str(STATE / "ssh" / "id_ed25519"), "-o", f"UserKnownHostsFile={KNOWN_HOSTS}",
           "-o", "StrictHostKeyChecking=yes", "-p", str(FIRST_PORT), "deploy@127.0.0.1"]
    floor_env = dict(ENV, ANSIBLE_CACHE_PLUGIN="memory", ANSIBLE_GATHERING="implicit")
    load_start = loadavg()
    figures = {k: [] for k in ("floor", "floorN", "compose", "p1", "check", "p3")}
    cpus = {"floor": [], "floorN": [], "p1": [], "p3": []}
    problems = []
    for round_ in range(1, REPEAT + 1):
        log(f"round {round_}/{REPEAT} (load average {loadavg()})")
        for key, limit in (("floor", ["--limit", host(1)]), ("floorN", [])):
            seconds, _ = playbook(str(ROOT / "molecule/resources/bench/floor.yml"), *limit, env=floor_env)
            figures[key].append(seconds)
            cpus[key].append(dict(LAST_CPU))
            log(f"{key}: {seconds:.1f} s, CPU: ansible-playbook {LAST_CPU['own']:.1f} s, machine {LAST_CPU['busy']:.1f} s")
        seconds, _ = run(ssh + ["sudo", "docker", "compose", "--project-directory", "/opt/podcast-digest", "up", "-d"])
        figures["compose"].append(seconds)
        log(f"compose: {seconds:.1f} s")
        for key, args, limit in (("p1", [], host(1)), ("check", ["--check", "--diff"], host(1)), ("p3", [], None)):
            seconds, cpu, wrong = noop(key, str(ROOT / "deploy.yml"), *args, limit=limit)
            figures[key].append(seconds)
            if key in cpus:
                cpus[key].append(cpu)
            problems += [f"{key}: {w}" for w in wrong]
    log("P2: upgrade backend and frontend under load, and back")
    lab_images = json.loads(IMAGES.read_text())["lab_images"]
    present = all(run(["docker", "exec", host(1), "docker", "image", "inspect", lab_images[k]["ref"]],
                      check=False)[1].returncode == 0 for k in ("backend_v2", "frontend_v2"))
    (BENCH / "p2.json").unlink(missing_ok=True)
    seconds, done = playbook(str(ROOT / "molecule/resources/bench/upgrade.yml"), "--limit", host(1),
                             "-e", f"bench_dir={BENCH}", "-e", f"bench_images_file={IMAGES}", check=False)
    p2 = json.loads((BENCH / "p2.json").read_text()) if (BENCH / "p2.json").exists() else {}
    if done.returncode != 0 or not p2:
        problems.append(f"P2: rc {done.returncode}: {done.stdout[-3000:]}{done.stderr[-1000:]}")
    for step in ("up", "down"):
        if step in p2:
            p2[step]["switch"] = switch_seconds(BENCH / f"p2-{step}.json")
            if p2[step]["failures"] != 0 or p2[step]["rc"] != 0:
                problems.append(f"P2 {step}: {p2[step]}")
    load_end = loadavg()

    med = {k: statistics.median(v) for k, v in figures.items()}
    every = {k: " ".join(f"{s:.1f}" for s in v) for k, v in figures.items()}

    def mark(ok):
        return "target met" if ok else "TARGET MISSED"

    lines = [
        f"BENCH {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, commit {commit}, {os.cpu_count()} cores,"
        f" load average {load_start} at the start, {load_end} at the end; median of {REPEAT} (each run)",
        f"floor    facts + one task, 1 host                      {med['floor']:5.1f} s  ({every['floor']})",
        f"floorN   facts + one task, {HOSTS} hosts                     {med['floorN']:5.1f} s  ({every['floorN']})"
        f" = {med['floorN'] / med['floor']:.2f}x floor (P3's baseline: the same ratio for the least play)",
        f"compose  docker compose up -d over SSH, no-op          {med['compose']:5.1f} s  ({every['compose']})",
        f"P1       deploy.yml no-op, 1 host                      {med['p1']:5.1f} s  ({every['p1']})"
        f" = {med['p1'] / med['floor']:.1f}x floor, {med['p1'] / med['compose']:.1f}x compose;"
        f" changed=0, nothing restarted; {mark(med['p1'] <= 10)} (<= 10 s)",
        f"check    deploy.yml --check --diff, 1 host             {med['check']:5.1f} s  ({every['check']})"
        f" = {med['check'] / med['floor']:.1f}x floor, {med['check'] / med['p1']:.2f}x P1; changed=0;"
        f" {mark(med['check'] <= 10)} (<= 10 s)",
        f"P3       deploy.yml no-op, {HOSTS} hosts                     {med['p3']:5.1f} s  ({every['p3']})"
        f" = {med['p3'] / med['p1']:.2f}x P1; {mark(med['p3'] / med['p1'] <= 1.5)} (<= 1.5x)",
    ]
    cpu = {k: {f: statistics.median(c[f] for c in v) for f in ("own", "busy", "stolen", "capacity")} for k, v in cpus.items()}
    cores = os.cpu_count()
    for key, label in (("floor", "floor"), ("floorN", "floorN"), ("p1", "P1"), ("p3", "P3")):
        c = cpu[key]
        lines.append(
            f"CPU      {label}: ansible-playbook {c['own']:5.1f} s, the machine busy {c['busy']:5.1f} s of"
            f" {c['capacity']:5.1f} s ({cores} cores x wall) = {100 * c['busy'] / c['capacity']:.0f} %,"
            f" stolen by the hypervisor {c['stolen']:4.1f} s")
    # The same work cannot take less wall time here than the machine's busy
    # CPU time over its cores.
    floor_p3 = cpu["p3"]["busy"] / cores
    lines.append(
        f"CPU      P3 used {cpu['p3']['own'] / cpu['p1']['own']:.1f}x P1's ansible-playbook CPU and"
        f" {cpu['p3']['busy'] / cpu['p1']['busy']:.1f}x its machine CPU ({HOSTS} hosts); on {cores} cores"
        f" that work takes at least {floor_p3:.1f} s = {floor_p3 / med['p1']:.2f}x P1 here"
        f" ({'under' if floor_p3 / med['p1'] <= 1.5 else 'over'} the 1.5x target before any waiting)")
    # What one more host costs the machine (h) and what the run costs whatever
    # the number of hosts (F), from P1 and P3; the same for the floor. On
    # these cores P3 takes at least (F + N h) / cores. P1's wall time is r
    # times its CPU (F + h); P3 <= 1.5 x P1 needs F + N h <= k (F + h), with
    # k = 1.5 x cores x r: h <= F (k - 1) / (N - k), when cutting h cuts P1
    # alike (or (k (F + h) - F) / N, were P1 to stay as it is).
    if HOSTS > 1:  # BENCH_HOSTS=1: no second host to tell its cost
        per_host = (cpu["p3"]["busy"] - cpu["p1"]["busy"]) / (HOSTS - 1)
        fixed = cpu["p1"]["busy"] - per_host
        floor_per_host = (cpu["floorN"]["busy"] - cpu["floor"]["busy"]) / (HOSTS - 1)
        k = 1.5 * cores * med["p1"] / cpu["p1"]["busy"]
        as_is = (k * cpu["p1"]["busy"] - fixed) / HOSTS
        scaled = fixed * (k - 1) / (HOSTS - k) if HOSTS > k else float("inf")
        lines.append(
            f"CPU      one more host costs the machine {per_host:.1f} CPU-s (the floor's: {floor_per_host:.1f}), the run"
            f" itself {fixed:.1f} CPU-s; 1.5x P1 on {cores} cores allows at most {scaled:.1f} CPU-s per host"
            f" ({100 * scaled / per_host:.0f} % of it) when P1 shrinks with it, {as_is:.1f} were P1 to stay {med['p1']:.1f} s")
    lines.append(f"P2       v2 images already on the host before the upgrade: {'yes' if present else 'no (pulled during it)'}")
    for step, label in (("up", "upgrade v1 -> v2"), ("down", "back to v1")):
        if step in p2:
            r = p2[step]
            lines.append(
                f"P2       deploy.yml {label:<17} under load      {r['wall_seconds']:5.1f} s"
                f" = {r['wall_seconds'] / med['p1']:.1f}x P1; switch {r['switch']} s;"
                f" {r['failures']}/{r['requests']} requests failed; {mark(r['wall_seconds'] <= 60 and r['failures'] == 0)}"
                f" (<= 60 s, 0 failed)")
    print("\n".join(lines), flush=True)
    (BENCH / "result.txt").write_text("\n".join(lines) + "\n")
    if problems:
        print("BENCH PROBLEMS:\n  " + "\n  ".join(problems), flush=True)
        return 1
    return 0


def down():
    names = [host(n) for n in range(1, 100)]
    existing = subprocess.run(["docker", "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True).stdout.split()
    for name in [n for n in names if n in existing]:
        subprocess.run(["docker", "rm", "-f", "--volumes", name], check=True, capture_output=True)
        log(f"removed {name}")
    return 0


if __name__ == "__main__":
    sys.exit(down() if sys.argv[1:] == ["down"] else bench())
