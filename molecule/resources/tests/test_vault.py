"""No plaintext secret in git: every vault file is encrypted with its environment's vault ID."""
import re
import subprocess

from conftest import ROOT

HEADER = re.compile(r"^\$ANSIBLE_VAULT;1\.2;AES256;(?P<id>[a-z]+)$")


def tracked_files():
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return [ROOT / line for line in out.splitlines() if (ROOT / line).is_file()]


def test_every_vault_file_is_encrypted_with_its_environments_vault_id():
    vaults = [p for p in tracked_files() if p.name == "vault.yml"]
    assert vaults, "the lab vault should be in the tree"
    for path in vaults:
        first = path.read_text().splitlines()[0]
        match = HEADER.match(first)
        assert match, f"{path.relative_to(ROOT)} is not encrypted (no $ANSIBLE_VAULT;1.2 header with a vault ID)"
        env = path.relative_to(ROOT).parts[1]
        assert match["id"] == env, f"{path.relative_to(ROOT)} is encrypted with vault ID {match['id']}, not {env}"


def test_no_secret_value_is_defined_in_plaintext():
    """vault_* values are defined only inside encrypted vaults (examples aside)."""
    offenders = []
    for path in tracked_files():
        if path.suffix not in {".yml", ".yaml", ".json"} or path.name == "vault.yml":
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if re.match(r"^\s*vault_\w+\s*:", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert not offenders, f"vault_* defined in plaintext: {offenders}"


def test_no_private_key_is_committed():
    key = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n[A-Za-z0-9+/=]{40,}")
    offenders = [str(p.relative_to(ROOT)) for p in tracked_files() if key.search(p.read_text(errors="replace"))]
    assert not offenders, f"private key material in: {offenders}"
