"""The collections installed with the pinned `ansible` package satisfy requirements.yml."""
import json

import yaml
from ansible.galaxy.dependency_resolution.versioning import meets_requirements

from conftest import ROOT, run


def installed_collections():
    result = run(["ansible-galaxy", "collection", "list", "--format", "json"])
    assert result.returncode == 0, result.stderr
    found = {}
    for path_entries in json.loads(result.stdout).values():
        for name, info in path_entries.items():
            found.setdefault(name, info["version"])
    return found


def test_every_required_collection_is_installed_at_a_satisfying_version():
    required = yaml.safe_load((ROOT / "requirements.yml").read_text())["collections"]
    installed = installed_collections()
    problems = []
    for req in required:
        version = installed.get(req["name"])
        if version is None:
            problems.append(f"{req['name']}: not installed")
        elif not meets_requirements(version, req["version"]):
            problems.append(f"{req['name']}: installed {version}, requirements.yml wants {req['version']}")
    assert not problems, "; ".join(problems)


def test_every_collection_the_code_uses_is_pinned():
    pinned = {c["name"] for c in yaml.safe_load((ROOT / "requirements.yml").read_text())["collections"]}
    used = set()
    for path in ROOT.rglob("*.yml"):
        if ".venv" in path.parts or "state" in path.parts:
            continue
        for word in path.read_text(errors="replace").split():
            word = word.rstrip(":").strip("'\"")
            parts = word.split(".")
            if len(parts) >= 3 and parts[0] in {"community", "ansible"} and parts[1] != "builtin" \
                    and parts[1].isidentifier() and parts[0] + "." + parts[1] != "ansible.cfg":
                used.add(parts[0] + "." + parts[1])
    assert used <= pinned, f"used but not pinned in requirements.yml: {sorted(used - pinned)}"
