"""An environment's value wins over a project-wide value, for every playbook.

Ansible reads group_vars/ beside the playbook (outranking an inventory's
group_vars/all) and does not read the root group_vars/ at all for playbooks
in playbooks/. The project's rule avoids both traps: project-wide values only
in group_vars/all/, environment values only in inventories/<env>/group_vars/<env>/,
and playbooks/group_vars links to the root group_vars. These tests prove the
rule holds and that it has the intended effect for real playbooks.
"""
import json
import pathlib

import pytest
import yaml

from conftest import ROOT, run

ENVIRONMENTS = ["prod", "staging", "lab", "dev"]
LAB_VAULT = ["--vault-id", "lab@molecule/resources/lab/vault-password.txt"]
PROBE = """---
- name: Print the variables as a playbook here sees them
  hosts: podcast_digest:podcast_digest_dev
  gather_facts: false
  tasks:
    - name: Print the probed variables
      ansible.builtin.debug:
        msg: "PROBE {{ __probe | to_json }} PROBE"
      vars:
        __probe: "{{ dict(__names | zip(__names | map('extract', vars))) }}"
        __names: %s
"""


def plain_values(path):
    """Top-level values of a vars file that are literal (no template anywhere inside, not vaulted)."""
    data = yaml.safe_load(path.read_text()) or {}
    return {k: v for k, v in data.items() if "{{" not in json.dumps(v)}


def test_project_wide_values_live_only_in_group_vars_all():
    assert sorted(p.name for p in (ROOT / "group_vars").iterdir()) == ["all"]


def test_no_inventory_uses_group_vars_all():
    for env in ENVIRONMENTS:
        group_vars = ROOT / "inventories" / env / "group_vars"
        assert sorted(p.name for p in group_vars.iterdir()) == [env], f"{group_vars}: only {env}/ allowed"


def test_playbooks_dir_reads_the_project_group_vars():
    link = ROOT / "playbooks" / "group_vars"
    assert link.is_symlink() and link.resolve() == (ROOT / "group_vars").resolve()


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("location", ["", "playbooks/"])
def test_environment_value_wins_for_every_playbook_location(env, location):
    project = plain_values(ROOT / "group_vars" / "all" / "main.yml")
    environment = plain_values(ROOT / "inventories" / env / "group_vars" / env / "main.yml")
    overridden = sorted(set(project) & set(environment))
    project_only = sorted(set(project) - set(environment))
    assert overridden, "the probe needs at least one value both files set"
    probe = ROOT / location / "precedence_probe.yml"
    probe.write_text(PROBE % json.dumps(overridden + project_only))
    try:
        result = run(["ansible-playbook", str(probe.relative_to(ROOT)), "-i", f"inventories/{env}",
                      "-e", "ansible_connection=local", *LAB_VAULT])
    finally:
        probe.unlink()
    assert result.returncode == 0, result.stdout + result.stderr
    seen = json.loads(result.stdout.split("PROBE ")[1].split(" PROBE")[0].replace('\\"', '"'))
    for name in overridden:
        assert seen[name] == environment[name], f"{name}: playbook in '{location or '.'}' saw the project-wide value"
    for name in project_only:
        assert seen[name] == project[name], f"{name}: project-wide value not visible from '{location or '.'}'"
