"""The lab inventory's paths (lab.sh inventory -> inventories/lab/group_vars/lab/lab-state.yml).

The lab's SSH key, known hosts and state directory are plain values written
by the lab tooling, not templates compiled for every task's connection. Run
on a copy of lab.sh in a scratch tree: the real lab-state.yml belongs to
the lab, which a scenario may be using meanwhile.
"""
import pathlib
import subprocess

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
LAB = ROOT / "molecule" / "resources" / "lab"


def write(tmp_path, state):
    lab = tmp_path / "root" / "molecule" / "resources" / "lab"
    lab.mkdir(parents=True, exist_ok=True)
    (lab.parent / "images").mkdir(exist_ok=True)
    (lab / "lab.sh").write_text((LAB / "lab.sh").read_text())
    (tmp_path / "root" / "inventories" / "lab" / "group_vars" / "lab").mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["bash", str(lab / "lab.sh"), "inventory"], env={"PATH": "/usr/bin:/bin", "LAB_STATE_DIR": str(state)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return tmp_path / "root" / "inventories" / "lab" / "group_vars" / "lab" / "lab-state.yml"


def test_lab_inventory_paths_are_plain_values(tmp_path):
    # A state directory whose path YAML or a shell could misread.
    state = tmp_path / "lab state: it's #1"
    file = write(tmp_path, state)
    values = yaml.safe_load(file.read_text())
    assert values == {
        "lab_state_dir": str(state),
        "ansible_ssh_private_key_file": f"{state}/ssh/id_ed25519",
        "ansible_ssh_common_args": f"-o UserKnownHostsFile={state}/known_hosts -o StrictHostKeyChecking=yes",
    }
    assert "{{" not in file.read_text()
    assert not list(state.glob(".lab-state.yml.*")), "a temporary file was left in the state directory"


def test_lab_inventory_is_rewritten_only_when_it_changes(tmp_path):
    state = tmp_path / "state"
    file = write(tmp_path, state)
    first = file.stat().st_mtime_ns, file.stat().st_ino
    assert (write(tmp_path, state).stat().st_mtime_ns, file.stat().st_ino) == first
    # The same clone at another path: rewritten.
    moved = tmp_path / "moved"
    assert yaml.safe_load(write(tmp_path, moved).read_text())["lab_state_dir"] == str(moved)


def test_the_lab_inventory_spells_no_state_path_as_a_template():
    """One definition: the tracked lab values read the paths, they do not define them again."""
    main = yaml.safe_load((ROOT / "inventories" / "lab" / "group_vars" / "lab" / "main.yml").read_text())
    assert not {"lab_state_dir", "ansible_ssh_private_key_file", "ansible_ssh_common_args"} & set(main)
