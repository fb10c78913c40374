"""The runbooks hold together without a lab host: the index links every
runbook, every link resolves, every command block maps onto the lab, and every
playbook or repository file a command names exists. (The commands themselves
run against the lab in the `default` scenario's verify: runbook_commands.py.)"""
import re
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "molecule" / "default"))
import runbook_commands  # noqa: E402  (after the path is set)

RUNBOOKS = ROOT / "docs" / "runbooks"
REQUIRED = ["first-deploy.md", "routine-deploy.md", "rollback.md", "rotate-secrets.md", "certificates.md",
            "add-a-host.md", "break-stale-lock.md", "incident-site-down.md", "disk-filling-up.md",
            "upgrading-docker.md", "restore-after-losing-a-host.md", "restore-one-file.md", "swarm-nodes.md"]
LINK = re.compile(r"\]\(([^)#:]+)(#[^)]*)?\)")


def test_the_index_links_every_runbook():
    index = (RUNBOOKS / "README.md").read_text()
    linked = {target for target, _ in LINK.findall(index)}
    on_disk = {p.name for p in RUNBOOKS.glob("*.md")} - {"README.md"}
    assert set(REQUIRED) <= linked, f"index does not link {sorted(set(REQUIRED) - linked)}"
    assert on_disk <= linked, f"index does not link {sorted(on_disk - linked)}"


def test_every_link_resolves():
    broken = []
    for path in RUNBOOKS.glob("*.md"):
        for target, _ in LINK.findall(path.read_text()):
            if not (path.parent / target).exists():
                broken.append(f"{path.name} -> {target}")
    assert not broken, f"broken links: {broken}"


def test_every_runbook_has_commands_that_map_onto_the_lab():
    blocks = runbook_commands.blocks()
    with_blocks = {b[0] for b in blocks}
    missing = [name for name in REQUIRED if (RUNBOOKS / name).exists() and name not in with_blocks]
    assert not missing, f"runbooks without a ```sh command block: {missing}"
    leftovers = []
    for name, i, check, body, scenario in blocks:
        text = runbook_commands.mapped(body, check, "pdd-default", "/tmp/inventory", "/tmp/rb", scenario=scenario)
        # the example vault is only read (copied), never used as an inventory
        text = re.sub(r"inventories/(prod|staging)/group_vars/\1/vault\.yml\.example", "", text)
        for bad in ("inventories/prod", "inventories/staging", "@prompt", "example.com"):
            if bad in text:
                leftovers.append(f"{name} block {i}: {bad}")
    assert not leftovers, f"not mapped onto the lab (fix the runbook or the MAPPING): {leftovers}"


def test_every_playbook_and_file_a_command_names_exists():
    missing = []
    for name, i, _, body, _scenario in runbook_commands.blocks():
        for cmd in runbook_commands.commands(body):
            for word in cmd.split():
                word = word.strip("'\"")
                if re.match(r"^(playbooks/[\w.-]+\.yml|deploy\.yml|inventories/\w+/[\w./-]+|molecule/[\w./-]+)$", word):
                    if word.endswith("/vault.yml") and name == "first-deploy.md":
                        continue  # created by the runbook itself (cp from vault.yml.example)
                    if not (ROOT / word).exists() and not (ROOT / word).with_suffix(".yml.example").exists():
                        missing.append(f"{name} block {i}: {word}")
    assert not missing, f"commands name files that do not exist: {missing}"


def test_backup_runbooks_run_in_the_backup_scenario():
    """Blocks that need a backup server are marked for the backup scenario, whose verify runs them."""
    by_runbook = {}
    for name, _, _, _, scenario in runbook_commands.blocks():
        by_runbook.setdefault(name, set()).add(scenario)
    for name in ("restore-after-losing-a-host.md", "restore-one-file.md"):
        assert by_runbook.get(name) == {"backup"}, f"{name}: every block must be marked <!-- runbook-test: backup -->"
    assert by_runbook["disk-filling-up.md"] == {"default", "backup"}, "disk-filling-up.md: retention runs in backup"
    verify = (ROOT / "molecule" / "backup" / "verify.yml").read_text()
    assert "runbook_commands.py" in verify and "--scenario" in verify


def test_every_runbook_runs_in_a_scenario():
    """default runs the runbooks without the swarm mark; swarm's verify runs the others."""
    swarm_verify = (ROOT / "molecule" / "swarm" / "verify.yml").read_text()
    default_verify = (ROOT / "molecule" / "default" / "verify.yml").read_text()
    scenarios = {scenario for *_, scenario in runbook_commands.blocks()}
    assert scenarios <= {"default", "swarm", "backup"}
    assert "runbook_commands.py" in default_verify
    assert "--scenario, swarm" in swarm_verify and "runbook_commands.py" in swarm_verify
    assert set(runbook_commands.SWARM_SETUP) <= {(name, i) for name, i, *_ in runbook_commands.blocks()}
