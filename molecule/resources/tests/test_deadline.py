"""The suite's deadline (TEST_DEADLINE, set by .ci/run): CI's 90-minute
limit is hard and a run over it lands nothing, so whatever still runs at the
deadline is stopped and counted as failed, and the suite still ends with its
summary and its "N passed, N failed" line."""
import re
import subprocess
import time

from conftest import ROOT, run

RUN_TESTS = ROOT / "molecule/resources/lab/run-tests.sh"


def until_deadline(deadline, *argv):
    """The script's own until_deadline function, run on its own."""
    text = RUN_TESTS.read_text()
    function = re.search(r"^until_deadline\(\) \{.*?^\}$", text, re.S | re.M).group(0)
    script = f"DEADLINE={deadline}\n{function}\nuntil_deadline \"$@\"\n"
    start = time.monotonic()
    done = subprocess.run(["bash", "-c", script, "bash", *argv], capture_output=True, text=True, timeout=60)
    return done, time.monotonic() - start


def test_a_command_still_running_at_the_deadline_is_stopped_and_says_so():
    done, seconds = until_deadline(int(time.time()) + 2, "sleep", "30")
    assert done.returncode == 124
    assert "stopped: the suite's deadline" in done.stdout
    assert seconds < 10


def test_a_command_that_ends_in_time_keeps_its_exit_code():
    done, _ = until_deadline(int(time.time()) + 30, "sh", "-c", "echo out; exit 3")
    assert (done.returncode, done.stdout) == (3, "out\n")


def test_nothing_starts_after_the_deadline_and_the_suite_still_ends_with_its_counts(tmp_path):
    done = run([str(RUN_TESTS)], env={"TEST_DEADLINE": str(int(time.time()) - 1), "TEST_LOG_DIR": str(tmp_path),
                                      "TEST_SCENARIOS": "docker stack"}, timeout=120)
    assert done.returncode != 0
    lines = done.stdout.strip().splitlines()
    # 8 steps: the lab (3), yamllint, ansible-lint, the repository checks and the two scenarios.
    assert lines[-1] == "0 passed, 8 failed", lines[-12:]
    for scenario in ("docker", "stack"):
        assert any(line.startswith(f"FAIL  molecule scenario {scenario}  (0 s, not started") for line in lines), lines


def test_a_deadline_that_is_not_a_time_is_refused():
    done = run([str(RUN_TESTS)], env={"TEST_DEADLINE": "90min"}, timeout=60)
    assert done.returncode == 2
    assert "TEST_DEADLINE: '90min' is not a time" in done.stderr


def test_ci_refuses_a_deadline_that_is_not_seconds_before_installing_anything():
    done = run(["bash", str(ROOT / ".ci/run")], env={"CI_DEADLINE_SECONDS": "86min"}, timeout=30)
    assert done.returncode == 2
    assert "CI_DEADLINE_SECONDS: '86min' is not a number of seconds" in done.stderr
    assert "apt" not in done.stdout + done.stderr
