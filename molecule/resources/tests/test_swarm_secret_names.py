"""The names of the swarm secrets (roles/secrets/filter_plugins/
swarm_secret_names.py): a keyed hash of each name and value, so that a name
anyone can list tells nothing about its value; and the check that refuses a
swarm environment without the key (tasks/validate-swarm.yml)."""
import hashlib
import importlib.util
import json
import sys

import pytest
from ansible.errors import AnsibleFilterError

from conftest import ROOT, run

ROLE = ROOT / "roles" / "secrets"
spec = importlib.util.spec_from_file_location("swarm_secret_names", ROLE / "filter_plugins" / "swarm_secret_names.py")
names = importlib.util.module_from_spec(spec)
spec.loader.exec_module(names)

KEY = "0123456789abcdef0123456789abcdef"


def test_a_name_is_the_hmac_sha256_of_name_and_value_under_the_key():
    # printf 'redis_password:hunter2' | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef
    got = names.swarm_secret_names({"redis_password": "hunter2"}, "pdd", KEY)
    assert got == {"redis_password": "pdd_redis_password_f4fa2b2443ad"}


def test_a_name_does_not_reveal_its_value_without_the_key():
    # The unkeyed hash of a guess no longer matches the name, and another key
    # names the same value differently.
    value = "hunter2"
    got = names.swarm_secret_names({"redis_password": value}, "pdd", KEY)["redis_password"]
    assert not got.endswith(hashlib.sha256(f"redis_password:{value}".encode()).hexdigest()[:12])
    assert got != names.swarm_secret_names({"redis_password": value}, "pdd", KEY + "x")["redis_password"]


def test_the_same_value_keeps_its_name_and_a_rotated_one_gets_a_new_one():
    first = names.swarm_secret_names({"a": "one", "b": "two"}, "pdd", KEY)
    assert first == names.swarm_secret_names({"a": "one", "b": "two"}, "pdd", KEY)
    rotated = names.swarm_secret_names({"a": "one", "b": "three"}, "pdd", KEY)
    assert rotated["a"] == first["a"] and rotated["b"] != first["b"]


@pytest.mark.parametrize("key", ["", None])
def test_no_key_is_an_error_not_an_unkeyed_name(key):
    with pytest.raises(AnsibleFilterError, match="secrets_swarm_name_key"):
        names.swarm_secret_names({"a": "one"}, "pdd", key)


def play(tmp_path, variables, tasks, *args):
    """Run tasks on localhost with the role's vars, its filters and the inputs."""
    (tmp_path / "input.json").write_text(json.dumps(variables))
    playbook = tmp_path / "play.yml"
    playbook.write_text(json.dumps([{
        "hosts": "localhost", "gather_facts": False,
        "vars_files": [str(ROLE / "defaults" / "main.yml"), str(ROLE / "vars" / "main.yml"), str(tmp_path / "input.json")],
        "tasks": tasks,
    }]))
    return run(["ansible-playbook", "-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}",
                *args, str(playbook)],
               env={"ANSIBLE_FILTER_PLUGINS": str(ROLE / "filter_plugins")})


def test_the_role_names_each_non_empty_secret_with_the_filter(tmp_path):
    result = play(tmp_path, {
        "secrets_values": {"redis_password": "hunter2", "webshare_api_token": ""},
        "secrets_google_service_account_json": '{"type": "service_account"}',
        "secrets_swarm_prefix": "pdd", "secrets_swarm_name_key": KEY,
    }, [{"ansible.builtin.copy": {"dest": str(tmp_path / "out.json"), "content": "{{ __secrets_swarm_all | to_json }}"}}])
    assert result.returncode == 0, result.stdout + result.stderr
    out = json.loads((tmp_path / "out.json").read_text())
    assert sorted(out) == ["google_service_account_json", "redis_password"]
    assert out["redis_password"] == "pdd_redis_password_f4fa2b2443ad"


def test_a_key_yaml_reads_as_a_number_is_used_as_its_text():
    assert names.swarm_secret_names({"a": "one"}, "pdd", 12345678901234567890123456789012) == \
        names.swarm_secret_names({"a": "one"}, "pdd", "12345678901234567890123456789012")


SECRET = "a-secret-value-of-more-than-32-characters"


@pytest.mark.parametrize("key, refused", [
    ("", "is missing"),
    ("short-key", "is shorter than 32 characters"),
    (KEY[:31], "is shorter than 32 characters"),
    ("CHANGE-ME-long-random-CHANGE-ME-long-random", "is still the example placeholder (CHANGE-ME)"),
    (SECRET, "is the value of one of the secrets it names"),
    (KEY, None),
])
def test_the_preflight_refuses_a_missing_short_placeholder_or_reused_key_without_showing_it(tmp_path, key, refused):
    # At -vvv, so that a passing check would show whatever it prints.
    result = play(tmp_path, {"secrets_swarm_name_key": key,
                             "secrets_values": {"redis_password": SECRET, "google_api_key": "k"}},
                  [{"ansible.builtin.include_tasks": str(ROLE / "tasks" / "validate-swarm.yml")}], "-vvv")
    output = result.stdout + result.stderr
    if refused is None:
        assert result.returncode == 0, output
        assert "Check the key that names the swarm secrets" in output
    else:
        assert result.returncode != 0
        assert f"secrets_swarm_name_key (vault_swarm_secret_name_key) {refused}" in " ".join(output.split())
    # Neither the key nor the secret it must differ from is ever shown.
    assert len(key) < 10 or key not in output
    assert SECRET not in output
