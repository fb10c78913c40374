"""The controller's poll interval (ansible.cfg's internal_poll_interval) is
one value: every Molecule scenario, whose ansible.cfg Molecule writes, sets
the same one in its provisioner's config_options, so the suite's playbooks
(nested deploys included: they inherit Molecule's ANSIBLE_CONFIG) poll as
the ones ops run do."""
import configparser
import glob

import yaml

from conftest import ROOT


def project_interval():
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read(ROOT / "ansible.cfg")
    return float(cfg["defaults"]["internal_poll_interval"])


def test_the_project_sets_a_poll_interval_above_the_default():
    # 1 ms is Ansible's default: the value is there to spare the CPU.
    assert project_interval() > 0.001


def test_every_scenario_polls_as_the_project_does():
    want = project_interval()
    wrong = {}
    for path in sorted(glob.glob(str(ROOT / "molecule/*/molecule.yml"))):
        options = yaml.safe_load(open(path))["provisioner"].get("config_options", {})
        got = options.get("defaults", {}).get("internal_poll_interval")
        if got is None or float(got) != want:
            wrong[path] = got
    assert not wrong, f"internal_poll_interval differs from ansible.cfg's {want} in {wrong}"
