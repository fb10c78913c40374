"""playbooks/callback_plugins/fork_gc.py: each task's worker starts with the
Jinja filter and test plugins already loaded, and with the controller's heap
frozen (its garbage collections skip what it inherited),
for the playbooks ops run (the repository's ansible.cfg, or beside the
playbooks under playbooks/) and for the scenarios (molecule.yml's env), and
objects the controller makes afterwards are still collected."""
import gc
import glob
import importlib.util
import re
import textwrap

import yaml

from conftest import ROOT, run

# A lookup runs in the task's worker: it reports the worker's frozen count,
# and how many builtin filter and test plugins its loaders hold before the
# worker uses any (the template calling it has no filter nor test). The
# count reads the loaders' table itself (a private attribute of ansible-core
# 2.19's Jinja2Loader): only it tells inherited from loaded on use.
LOOKUP = '''
import gc
from ansible.plugins.loader import filter_loader, test_loader
from ansible.plugins.lookup import LookupBase
class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        plugins = len(filter_loader._cached_non_collection_wrappers) + len(test_loader._cached_non_collection_wrappers)
        return [f"{gc.get_freeze_count()} plugins={plugins}"]
'''
PLAY = textwrap.dedent("""\
    - name: Report the worker's frozen heap
      hosts: localhost
      gather_facts: false
      tasks:
        - name: Show how many objects the worker inherited frozen
          ansible.builtin.debug:
            msg: "frozen={{ lookup('freeze_count') }}"
    """)


def probe_worker(tmp_path, playbook_dir, env=None):
    """(objects frozen, builtin Jinja plugins loaded) in a task's worker."""
    (tmp_path / "lookup_plugins").mkdir(exist_ok=True)
    (tmp_path / "lookup_plugins" / "freeze_count.py").write_text(LOOKUP)
    playbook = playbook_dir / "fork-gc-probe.yml"
    playbook.write_text(PLAY)
    try:
        result = run(["ansible-playbook", "-i", "localhost,", str(playbook)],
                     env={"ANSIBLE_LOOKUP_PLUGINS": str(tmp_path / "lookup_plugins"), **(env or {})})
    finally:
        playbook.unlink()
    assert result.returncode == 0, result.stdout + result.stderr
    found = re.search(r"frozen=([0-9]+) plugins=([0-9]+)", result.stdout)
    return int(found.group(1)), int(found.group(2))


def frozen_in_worker(tmp_path, playbook_dir, env=None):
    return probe_worker(tmp_path, playbook_dir, env)[0]


def test_the_worker_inherits_a_frozen_heap_with_the_repository_config(tmp_path):
    assert frozen_in_worker(tmp_path, tmp_path) > 10000


def test_the_worker_inherits_a_frozen_heap_beside_the_playbooks(tmp_path):
    # No callback path configured: found beside the playbooks under playbooks/.
    assert frozen_in_worker(tmp_path, ROOT / "playbooks", env={"ANSIBLE_CALLBACK_PLUGINS": str(tmp_path)}) > 10000


def test_without_the_callback_the_worker_inherits_nothing_frozen(tmp_path):
    # The probe can fail: elsewhere, with the path pointed away, nothing is frozen.
    assert frozen_in_worker(tmp_path, tmp_path, env={"ANSIBLE_CALLBACK_PLUGINS": str(tmp_path)}) == 0


def test_the_worker_inherits_the_jinja_plugins_loaded(tmp_path):
    # Every builtin filter and test, under its short and both long names.
    assert probe_worker(tmp_path, tmp_path)[1] > 200


def test_without_the_callback_the_worker_loads_the_jinja_plugins_itself(tmp_path):
    # The probe can fail: with the path pointed away, the worker has none yet.
    assert probe_worker(tmp_path, tmp_path, env={"ANSIBLE_CALLBACK_PLUGINS": str(tmp_path)})[1] == 0


def test_objects_made_after_the_freeze_are_still_collected():
    spec = importlib.util.spec_from_file_location("fork_gc", ROOT / "playbooks/callback_plugins/fork_gc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        module.CallbackModule().v2_runner_on_start(None, None)
        assert gc.get_freeze_count() > 0
        cycle = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()


def test_every_scenario_runs_its_playbooks_with_the_callback():
    missing = []
    for path in sorted(glob.glob(str(ROOT / "molecule/*/molecule.yml"))):
        env = yaml.safe_load(open(path))["provisioner"].get("env", {})
        if env.get("ANSIBLE_CALLBACK_PLUGINS") != "${MOLECULE_PROJECT_DIRECTORY}/playbooks/callback_plugins":
            missing.append(path)
    assert not missing, f"ANSIBLE_CALLBACK_PLUGINS is not the project's callback_plugins in {missing}"
