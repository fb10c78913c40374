"""Shared helpers for the repository checks (run by `make check-repo`)."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
BIN = ROOT / ".venv" / "bin"


def run(argv, **kwargs):
    """Run a command from the repository root with the project's toolchain."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
               PATH=f"{BIN}:{os.environ['PATH']}", ANSIBLE_NOCOLOR="1")
    env.update(kwargs.pop("env", {}))
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="session")
def root():
    return ROOT
