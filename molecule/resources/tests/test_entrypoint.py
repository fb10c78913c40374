"""The backend image's entrypoint (roles/image/files/backend/entrypoint.sh):
each secret file under /run/secrets becomes the environment variable the
application reads, and the command runs as PID 1 in its place (exec)."""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

from conftest import ROOT

ENTRYPOINT = ROOT / "roles" / "image" / "files" / "backend" / "entrypoint.sh"
DUMP = ["python3", "-c", "import json, os, sys; print(json.dumps({'env': dict(os.environ), 'argv': sys.argv[1:], 'pid': os.getpid()}))"]


def run(secrets, args, env=None):
    result = subprocess.run(["/bin/sh", str(ENTRYPOINT), *args], capture_output=True, text=True,
                            env={"PATH": os.environ["PATH"], "PODCAST_DIGEST_SECRETS_DIR": str(secrets), **(env or {})})
    return result


@pytest.fixture()
def secrets(tmp_path):
    return tmp_path


def dump(secrets, *extra, env=None):
    result = run(secrets, [*DUMP, *extra], env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_each_secret_file_becomes_its_upper_case_variable(secrets):
    (secrets / "google_api_key").write_text("key-123\n")
    (secrets / "webshare_proxy_password").write_text("p@ss word;$(not run)`x`")
    seen = dump(secrets)["env"]
    assert seen["GOOGLE_API_KEY"] == "key-123", "the trailing newline an editor adds is dropped"
    assert seen["WEBSHARE_PROXY_PASSWORD"] == "p@ss word;$(not run)`x`", "values are taken literally"


def test_a_multi_line_value_is_kept_whole(secrets):
    (secrets / "google_api_key").write_text("line one\nline two\n")
    assert dump(secrets)["env"]["GOOGLE_API_KEY"] == "line one\nline two"


def test_the_file_wins_over_a_variable_of_the_same_name(secrets):
    (secrets / "google_api_key").write_text("from-file")
    assert dump(secrets, env={"GOOGLE_API_KEY": "from-env"})["env"]["GOOGLE_API_KEY"] == "from-file"


def test_names_that_are_not_lower_case_identifiers_are_ignored(secrets):
    for name in ["Upper", "with-dash", "dot.ted", "9starts_with_digit", ".hidden"]:
        (secrets / name).write_text("x")
    (secrets / "a_directory").mkdir()
    env = dump(secrets)["env"]
    assert not {"UPPER", "WITH-DASH", "DOT.TED", "9STARTS_WITH_DIGIT", ".HIDDEN", "A_DIRECTORY"} & set(env)


def test_an_unreadable_file_is_skipped(tmp_path):
    # As a user other than root (root reads a file whatever its mode), as the
    # backend runs: uid 1000, with the secrets' group only for its own files.
    secrets = pathlib.Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        secrets.chmod(0o755)
        (secrets / "google_api_key").write_text("readable")
        (secrets / "google_api_key").chmod(0o644)
        (secrets / "webshare_api_token").write_text("not for this user")
        (secrets / "webshare_api_token").chmod(0o600)
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
        if not prefix:
            (secrets / "webshare_api_token").chmod(0)
        result = subprocess.run([*prefix, "/bin/sh", str(ENTRYPOINT), *DUMP], capture_output=True, text=True,
                                env={"PATH": os.environ["PATH"], "PODCAST_DIGEST_SECRETS_DIR": str(secrets)})
        assert result.returncode == 0, result.stderr
        env = json.loads(result.stdout)["env"]
        assert env["GOOGLE_API_KEY"] == "readable"
        assert "WEBSHARE_API_TOKEN" not in env
    finally:
        shutil.rmtree(secrets)


def test_no_secrets_directory_runs_the_command_unchanged(tmp_path):
    env = dump(tmp_path / "absent")["env"]
    assert "GOOGLE_API_KEY" not in env


def test_the_command_replaces_the_entrypoint_with_its_arguments_intact(secrets):
    seen = dump(secrets, "an argument with spaces", "")
    assert seen["argv"] == ["an argument with spaces", ""]
    # exec: the command has the entrypoint's process id (PID 1 in a container).
    result = run(secrets, ["sh", "-c", 'echo "$$ $PPID"'])
    pid, ppid = result.stdout.split()
    assert int(ppid) == os.getpid(), "the command must not be a child of the entrypoint"


def test_the_entrypoint_keeps_its_loop_variables_out_of_the_environment(secrets):
    (secrets / "google_api_key").write_text("k")
    env = dump(secrets)["env"]
    assert not {"file", "name", "var", "value", "secrets_dir"} & set(env)


def test_no_command_is_refused(secrets):
    result = run(secrets, [])
    assert result.returncode == 64
    assert "no command" in result.stderr
