"""The lab's lock (prepare.sh, fd 9) must not outlive a preparation.

On a machine with no engine running, lab.sh starts dockerd in the
background while prepare.sh holds its lock on fd 9. A daemon that inherits
the descriptor holds the lock for as long as it runs, and the next
scenario's preparation waits on it for ever (seen in CI: the docker
scenario never started). This runs lab.sh's own launch line, with a
stand-in command for dockerd, under the lock, and checks the lock is free
once the script that took it has ended.
"""
import os
import pathlib
import re
import subprocess
import time

LAB = pathlib.Path(__file__).resolve().parents[1] / "lab"


def launch_line():
    lines = [l.strip() for l in (LAB / "lab.sh").read_text().splitlines()]
    found = [l for l in lines if re.match(r"^nohup dockerd\b.*&$", l)]
    assert len(found) == 1, found
    return found[0]


def test_a_daemon_started_under_the_lock_does_not_keep_it(tmp_path):
    lock = tmp_path / "lock"
    line = launch_line().replace("nohup dockerd", "nohup sleep 29.5", 1)
    line = line.replace("/var/log/dockerd.log", str(tmp_path / "daemon.log"))
    # The preparation: take the lock, start the daemon, end.
    subprocess.run(["bash", "-c", f"exec 9>{lock}; flock 9; {line}"], check=True, timeout=10)
    try:
        # The next preparation gets the lock (within moments: the daemon's
        # process closes the descriptor just after it is forked).
        free = subprocess.run(["flock", "-w", "3", str(lock), "true"], timeout=10)
        assert free.returncode == 0, "the daemon kept the lab's lock"
    finally:
        subprocess.run(["pkill", "-f", "^sleep 29.5$"], check=False)


def test_prepare_gives_its_locks_to_no_child():
    """Every lab script prepare.sh runs is run without its locks' fds (9, and 8 for the bases)."""
    text = (LAB / "prepare.sh").read_text()
    calls = [l.strip() for l in text.splitlines() if re.match(r'^\s*"\$LAB_DIR/\w+\.sh"', l)]
    assert len(calls) >= 3, f"lab script calls found in prepare.sh: {calls}"
    leaking = [c for c in calls if not c.endswith("8>&- 9>&-")]
    assert not leaking, f"run with a lock's fd open: {leaking}"


def test_bases_do_not_wait_for_the_application_images(tmp_path):
    """`prepare.sh bases` (the build scenario's) returns as soon as the bases
    are ready, while a full preparation is still building the application
    images. Run on a copy of prepare.sh with stub lab scripts and a stub
    `docker` whose servers answer."""
    root = tmp_path / "root"
    lab = root / "molecule" / "resources" / "lab"
    lab.mkdir(parents=True)
    (lab / "prepare.sh").write_text((LAB / "prepare.sh").read_text())
    for path in ("molecule/resources/images", "molecule/resources/app", "molecule/resources/playbooks",
                 "molecule/resources/tasks", "roles/image", "roles/docker", "inventories/lab"):
        (root / path).mkdir(parents=True, exist_ok=True)
    for path in ("playbooks/build.yml", "ansible.cfg", "requirements.txt"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("")
    state = tmp_path / "state"
    events = tmp_path / "events"
    stub = f"""#!/bin/bash
echo "$(basename "$0") $*" >>{events}
case "$(basename "$0") $1" in
  "apps.sh bases") echo 'lab_base_images: {{}}' >{state}/base-images.yml ;;
  "apps.sh app-images") touch {tmp_path}/app-images-started; sleep 6; echo 'lab_images: {{}}' >{state}/app-images.yml ;;
esac
"""
    for name in ("lab.sh", "apps.sh"):
        (lab / name).write_text(stub)
        (lab / name).chmod(0o755)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text('#!/bin/bash\n[[ $1 == inspect ]] && echo true\nexit 0\n')
    (bin_dir / "docker").chmod(0o755)
    env = dict(os.environ, LAB_STATE_DIR=str(state), PATH=f"{bin_dir}:{os.environ['PATH']}")
    full = subprocess.Popen(["bash", str(lab / "prepare.sh")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while not (tmp_path / "app-images-started").exists():
            assert time.monotonic() < deadline, "the full preparation never reached the application images"
            time.sleep(0.05)
        start = time.monotonic()
        bases = subprocess.run(["bash", str(lab / "prepare.sh"), "bases"], env=env,
                               capture_output=True, text=True, timeout=5)
        waited = time.monotonic() - start
        assert bases.returncode == 0, bases.stderr
        assert "bases up to date" in bases.stderr
        assert waited < 3, f"prepare.sh bases waited {waited:.1f} s for the application images"
        assert full.wait(timeout=15) == 0
    finally:
        full.kill()
    # The bases were made once, by the full preparation, then reused.
    assert events.read_text().splitlines().count("apps.sh bases") == 1
