#!/usr/bin/env python3
"""Extract the commands of the ops runbooks (docs/runbooks/*.md) and run them
against the lab host of the `default` Molecule scenario.

Every fenced ```sh block of every runbook is a command block. A runbook is
written for production; the test maps it onto the lab with the substitutions
in MAPPING below, applied in order to the block's text, and nothing else:

  runbook (prod/staging)                     lab (this test)
  -i inventories/prod | inventories/staging  -i $MOLECULE_EPHEMERAL_DIRECTORY/inventory
                                             (Molecule's inventory: the test host, with the
                                             lab inventory's group_vars linked in)
  --vault-id prod@prompt | staging@prompt    --vault-id lab@molecule/resources/lab/vault-password.txt
  inventories/<env>/group_vars/<env>/vault.yml   $RUNBOOK_TMP/vault.yml, a scratch copy of the
                                             lab vault (so encrypt/edit never touch the repo)
  podcast-1.example.com, podcast-2.example.com   the test host (--host, e.g. pdd-default)
  https://podcast.example.com                https://podcast.lab.test:8453 (the test host's 443,
                                             published on 127.0.0.1:8453), and curl gets
                                             --resolve to 127.0.0.1 and -k (self-signed lab cert)
  curl ... --resolve podcast.example.com:443:<host>   the --resolve is dropped (the lab's own
                                             --resolve above points at the one test host)
  a line starting with `sudo ` (a command    run on the test host as root over SSH:
  an operator types on the host itself)      ansible <host> -b -m ansible.builtin.shell -a '<rest>'
  -e release=<release id> (an example id)    -e release=<the id of the release before the
                                             running one on the test host>; before the first
                                             such block, or any rollback.yml block, if the
                                             host has no earlier release, the test deploys once with
                                             stack_settings LOG_LEVEL=DEBUG so that there is
                                             one (a release is images + configuration)
  EDITOR                                     `true` (ansible-vault edit opens no editor)

Some runbooks start from a broken state the lab does not have; before the
first block of such a runbook the test creates that state on the test host
(SETUP below, run as root over SSH), and says so in its output:

  break-stale-lock.md   a deploy lock left by a dead run two hours ago

A block preceded by the line `<!-- runbook-test: check -->` is destructive
or host-specific: every ansible/ansible-playbook command in it runs with
--check appended (the runbook says so next to it). No block is skipped. A
block that fails (bash -euo pipefail, non-zero exit) fails the test, so a
runbook that drifts from the code fails `make test`.

A runbook with the line `<!-- runbook-test: swarm -->` is for swarm
environments: it runs in the `swarm` scenario instead (--scenario swarm),
against that scenario's three nodes: podcast-1/2/3.example.com are
pdd-swarm-1/2/3 and https://podcast.example.com is pdd-swarm-1's 443,
published on 127.0.0.1:8470. Its SETUP steps name the node they run on:

  swarm-nodes.md block 2   pdd-swarm-3 leaves the swarm and its entry is
                           removed (a new server, not in the swarm yet)
  swarm-nodes.md block 5   pdd-swarm-3's swarm state is wiped (a node lost:
                           its entry is down; it comes back with no swarm state)

Backups need a backup server, which only the `backup` scenario has. A block
preceded by `<!-- runbook-test: backup -->` is run by that scenario's verify
(--scenario backup), against its hosts, and listed (not run) by the default
one; every other block the other way round. There the test host is the fresh
host the lost one was restored onto (--host), its site is on 127.0.0.1:8460
(--https-port), the inventory gains molecule/backup/restore-inventory/hosts.yml
(--extra-inventory), and in restore-after-losing-a-host.md the lost host
podcast-1.example.com is the destroyed one (--lost-host), the new
podcast-2.example.com the fresh one. Before restore-one-file.md, the file it
restores is deleted on the host (SETUP).

  runbook_commands.py --list              print the mapped blocks (no host needed)
  runbook_commands.py --run --host NAME   run them, from the repository root
    [--scenario swarm]                    the swarm runbooks, on the swarm scenario's nodes
    [--scenario backup --lost-host NAME --extra-inventory FILE --https-port N]
    [--runbooks a.md,b.md]                only these runbooks
    [--report FILE]                       each block's runbook, number, rc and seconds, as JSON
"""
import argparse
import base64
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
RUNBOOKS = ROOT / "docs" / "runbooks"
LAB_VAULT = ROOT / "inventories" / "lab" / "group_vars" / "lab" / "vault.yml"
LAB_VAULT_PASSWORD = "molecule/resources/lab/vault-password.txt"
LAB_SITE = "podcast.lab.test"
LAB_HTTPS = "127.0.0.1:8453"
SWARM_HTTPS = "127.0.0.1:8470"
CHECK_MARK = "<!-- runbook-test: check -->"
BACKUP_MARK = "<!-- runbook-test: backup -->"
SWARM_MARK = "<!-- runbook-test: swarm -->"
# Runbooks whose two example hosts are two different lab hosts (backup scenario).
LOST_HOST = {"restore-after-losing-a-host.md": "podcast-1.example.com"}
SETUP = {
    "restore-one-file.md": "rm -f /var/lib/docker/volumes/podcast-digest_backend_output/_data/digest-example.mp3",
    "break-stale-lock.md": "install -d -m 0750 /opt/podcast-digest/releases/lock && "
                           "printf '{\"epoch\": %s, \"operator\": \"dead-run\", \"origin\": \"lab\", "
                           "\"time\": \"two hours ago\", \"token\": \"dead\"}\\n' $(( $(date +%s) - 7200 )) "
                           "> /opt/podcast-digest/releases/lock/holder.json",
}
# Swarm runbooks: (runbook, block) -> [(node, command as root)], before that block.
# Run as ad-hoc arguments, which Ansible templates: no Go template braces.
SWARM_SETUP = {
    ("swarm-nodes.md", 2): [("pdd-swarm-3", "docker swarm leave --force"),
                            ("pdd-swarm-1", "for i in $(seq 60); do docker node ls "
                                            "| grep -Eq 'pdd-swarm-3 +Down' && break; sleep 1; done; "
                                            "docker node rm --force pdd-swarm-3")],
    ("swarm-nodes.md", 5): [("pdd-swarm-3", "systemctl stop docker.socket docker && rm -rf /var/lib/docker/swarm "
                                            "&& systemctl start docker"),
                            ("pdd-swarm-1", "for i in $(seq 60); do docker node ls "
                                            "| grep -Eq 'pdd-swarm-3 +Down' && break; sleep 1; done")],
}
RELEASE_ID = re.compile(r"-e release=[0-9a-f]{6,}\b")
BLOCK = re.compile(r"^(?:<!-- runbook-test: (?P<marks>[a-z ]+) -->\n)?```sh\n(?P<body>.*?)^```$", re.M | re.S)


def scenario_of(name):
    """The scenario whose hosts a runbook runs against, but for marked blocks: swarm or default."""
    return "swarm" if SWARM_MARK in (RUNBOOKS / name).read_text() else "default"


def mapping(host, inventory, tmp, https_port=None, hosts=None, scenario="default"):
    """(pattern, replacement) pairs, applied in this order. hosts: example host name -> lab host."""
    port = str(https_port or (SWARM_HTTPS if scenario == "swarm" else LAB_HTTPS).split(":")[1])
    hosts = hosts or {}
    example_hosts = (r"\bpodcast-([123])\.example\.com\b", r"pdd-swarm-\1") if scenario == "swarm" else \
        (r"\bpodcast-[12]\.example\.com\b", lambda m: hosts.get(m[0], host))
    return [
        (r"inventories/(prod|staging)/group_vars/\1/vault\.yml(?!\.example)", f"{tmp}/vault.yml"),
        (r"(-i|--inventory)[ =]inventories/(prod|staging)\b/?", rf"\1 {inventory}"),
        (r"--vault-id[ =](prod|staging)@prompt", f"--vault-id lab@{LAB_VAULT_PASSWORD}"),
        (r"--resolve podcast\.example\.com:443:<host> ?", ""),
        example_hosts,
        (r"(?m)^sudo (.+)$", lambda m: f"ansible {host} -i {inventory} --vault-id lab@{LAB_VAULT_PASSWORD} "
         f"-b -m ansible.builtin.shell -a {shlex.quote(m[1])}"),
        (r"\bcurl ", f"curl -k --resolve {LAB_SITE}:{port}:127.0.0.1 "),
        (r"https://podcast\.example\.com", f"https://{LAB_SITE}:{port}"),
    ]


def blocks():
    """(runbook file name, index, check mode?, block text, scenario) for every sh block."""
    out = []
    for path in sorted(RUNBOOKS.glob("*.md")):
        if path.name == "README.md":
            continue
        for i, m in enumerate(BLOCK.finditer(path.read_text()), 1):
            marks = (m["marks"] or "").split()
            unknown = set(marks) - {"check", "backup", "swarm"}
            if unknown:
                raise SystemExit(f"{path.name} block {i}: unknown runbook-test mark(s) {sorted(unknown)}")
            out.append((path.name, i, "check" in marks, m["body"], "backup" if "backup" in marks else scenario_of(path.name)))
    return out


def commands(body):
    """The commands of a block: lines joined at trailing backslashes, comments and blanks dropped."""
    joined = re.sub(r"\\\n\s*", " ", body)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def mapped(body, check, host, inventory, tmp, https_port=None, hosts=None, scenario="default"):
    for pattern, repl in mapping(host, inventory, tmp, https_port, hosts, scenario):
        body = re.sub(pattern, repl, body)
    if check:
        body = re.sub(r"(?m)^(ansible(-playbook)? .*?)$", r"\1 --check", re.sub(r"\\\n\s*", " ", body))
    return body


def previous_release(args, env, tmp):
    """The id of the release before the running one on the test host; deploys one first if there is none."""
    def read(path):
        out = subprocess.run(["ansible", args.host] + args.inventory_argv + ["--vault-id", f"lab@{LAB_VAULT_PASSWORD}",
                              "-b", "-m", "ansible.builtin.slurp", "-a", f"src={path}", "-o"],
                             cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
        return base64.b64decode(json.loads(out.split("=> ", 1)[1])["content"]).decode()

    def history():
        ids = json.loads(read("/opt/podcast-digest/releases/history.json"))
        current = read("/opt/podcast-digest/releases/current").strip()
        return ids[ids.index(current) + 1] if current in ids[:-1] else None
    rid = history()
    if rid is None:
        extra = os.path.join(tmp, "another-release.yml")
        with open(extra, "w", encoding="utf-8") as fh:
            fh.write("stack_settings:\n  LOG_LEVEL: DEBUG\n")
        subprocess.run(["ansible-playbook", "deploy.yml"] + args.inventory_argv + ["--vault-id",
                        f"lab@{LAB_VAULT_PASSWORD}", "-e", f"@{extra}"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        rid = history()
    print(f"    (release before the running one on {args.host}: {rid})", flush=True)
    return rid


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--run", action="store_true")
    ap.add_argument("--host", default="pdd-default")
    ap.add_argument("--inventory", default=os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "."), "inventory"))
    ap.add_argument("--scenario", default="default", choices=["default", "backup", "swarm"])
    ap.add_argument("--lost-host")
    ap.add_argument("--extra-inventory")
    ap.add_argument("--https-port", type=int)
    ap.add_argument("--runbooks", help="comma-separated runbook file names (default: all)")
    ap.add_argument("--report")
    args = ap.parse_args()
    # Every command (mapped, setup, helpers) sees the same inventory.
    inventory = args.inventory + (f" -i {args.extra_inventory}" if args.extra_inventory else "")
    inventory_argv = ["-i", args.inventory] + (["-i", args.extra_inventory] if args.extra_inventory else [])
    args.inventory_argv = inventory_argv
    wanted = set(args.runbooks.split(",")) if args.runbooks else None
    tmp = tempfile.mkdtemp(prefix="pdd-runbooks-")
    env = dict(os.environ, EDITOR="true", VISUAL="true", RUNBOOK_TMP=tmp,
               ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    # The vault password comes from the mapped --vault-id only, as an operator's would.
    env.pop("ANSIBLE_VAULT_IDENTITY_LIST", None)
    total = failed = 0
    report = []
    selected = [b for b in blocks() if wanted is None or b[0] in wanted]
    try:
        for name, i, check, body, scenario in selected:
            hosts = {LOST_HOST[name]: args.lost_host} if args.lost_host and name in LOST_HOST else {}
            text = mapped(body, check, args.host, inventory, tmp, args.https_port, hosts, scenario)
            n = len(commands(body))
            print(f"--- {name} block {i} ({n} commands{', in check mode' if check else ''})", flush=True)
            if args.list or not args.run:
                print(text, flush=True)
                total += n
                continue
            if scenario != args.scenario:
                print(f"    (run by the {scenario} scenario)", flush=True)
                continue
            total += n
            shutil.copyfile(LAB_VAULT, os.path.join(tmp, "vault.yml"))
            for node, setup in SWARM_SETUP.get((name, i), []):
                print(f"    (setup on {node}: {setup})", flush=True)
                subprocess.run(["ansible", node] + inventory_argv + ["--vault-id", f"lab@{LAB_VAULT_PASSWORD}",
                                "-b", "-m", "ansible.builtin.shell", "-a", setup],
                               cwd=ROOT, env=env, check=True, capture_output=True)
            if name in SETUP and i == 1:
                print(f"    (setup on {args.host}: {SETUP[name]})", flush=True)
                subprocess.run(["ansible", args.host] + inventory_argv + ["--vault-id", f"lab@{LAB_VAULT_PASSWORD}",
                                "-b", "-m", "ansible.builtin.shell", "-a", SETUP[name]],
                               cwd=ROOT, env=env, check=True, capture_output=True)
            # A rollback needs a release to go back to (made by previous_release if missing).
            if RELEASE_ID.search(text) or "playbooks/rollback.yml" in text:
                text = RELEASE_ID.sub(f"-e release={previous_release(args, env, tmp)}", text)
            start = time.time()
            proc = subprocess.run(["bash", "-euo", "pipefail", "-c", text], cwd=ROOT, env=env,
                                  capture_output=True, text=True)
            seconds = time.time() - start
            print(f"    rc={proc.returncode} in {seconds:.0f} s", flush=True)
            report.append({"runbook": name, "block": i, "rc": proc.returncode, "seconds": round(seconds, 1),
                           "text": text})
            if proc.returncode != 0:
                failed += 1
                print(text)
                print(proc.stdout[-6000:])
                print(proc.stderr[-3000:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if args.report:
            with open(args.report, "w", encoding="utf-8") as fh:
                json.dump(report, fh, indent=1)
    print(f"{total} runbook commands in {len(selected)} blocks of {len({b[0] for b in selected})} runbooks"
          f"{'' if args.list or not args.run else ' (' + args.scenario + ' scenario)'}; "
          f"{'listed' if not args.run else str(failed) + ' blocks failed'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
