"""The lab's lock (prepare.sh, fd 9) must not outlive a preparation.

On a machine with no engine running, lab.sh starts dockerd in the
background while prepare.sh holds its lock on fd 9. A daemon that inherits
the descriptor holds the lock for as long as it runs, and the next
scenario's preparation waits on it for ever (seen in CI: the docker
scenario never started). This runs lab.sh's own launch line, with a
stand-in command for dockerd, under the lock, and checks the lock is free
once the script that took it has ended.
"""
import pathlib
import re
import subprocess

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


def test_prepare_gives_its_lock_to_no_child():
    """Every lab script prepare.sh runs under its lock is run without fd 9."""
    text = (LAB / "prepare.sh").read_text()
    calls = [l.strip() for l in text.splitlines() if re.match(r'^\s*"\$LAB_DIR/\w+\.sh"', l)]
    assert calls, "no lab script call found in prepare.sh"
    leaking = [c for c in calls if not c.endswith("9>&-")]
    assert not leaking, f"run under the lock with fd 9 open: {leaking}"
