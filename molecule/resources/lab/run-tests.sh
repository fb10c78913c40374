#!/usr/bin/env bash
# The whole test suite (make test): lint, repository checks, then every
# Molecule scenario: `docker` first, then the longest first (the lanes below).
# Every step runs even if an earlier one failed; the last line is
# "N passed, N failed" and the exit code is non-zero on any failure.
# Scenarios are independent (each makes its own test hosts), and much of
# their time is waiting (health checks, load windows, reboots), so they run
# in TEST_JOBS lanes at once (default 2), from one queue ordered by their
# usual duration.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$ROOT"
BIN=$ROOT/.venv/bin
export PATH=$BIN:$PATH ANSIBLE_CONFIG=$ROOT/ansible.cfg PY_COLORS=0 ANSIBLE_FORCE_COLOR=0
# The scenarios, as they are listed (the summary's order); any other
# scenario directory comes after them. The lanes run them by WEIGHT.
# `docker` (weight 0 below) needs no application image, so the lanes start it
# first, while the lab's application images are still being built.
# The application images are the suite's critical path (every scenario but
# docker and build waits for them) and the cores are saturated meanwhile, so
# `build`, which alone needs only the bases and the source (prepare.sh
# bases), waits for them here: started earlier, its cold build slowed the
# application images by ~400 s and the suite with them (rehearsal of
# 2026-12-01 14:26).
export PDD_LAB_PREPARE_BUILD=all
ORDER=(docker stack secrets tls build release backup default dev swarm)
# Usual duration in seconds of each scenario on 2 cores beside another (for the
# lanes): the fresh-clone .ci/run of 2026-11-30 20:59, less the time the first
# scenario needing application images waited for them; docker counts 0: it
# runs while the lab's application images build, which every other lane waits
# for anyway. swarm: its 13:55 time less the deploy that converge now also
# times; it is the longest (1553 s in the fresh-clone .ci/run of 2026-12-03
# 22:00, 225 s of them waiting for the application images) and much of it
# waits (load windows, rolling updates, a node's restart), so it starts first.
declare -A WEIGHT=([docker]=0 [build]=1390 [stack]=490 [secrets]=310 [tls]=690 [release]=1110 [backup]=1090 [default]=950 [dev]=980 [swarm]=1400)
JOBS=${TEST_JOBS:-2}
LOG_DIR=${TEST_LOG_DIR:-$ROOT/.cache/test-logs}
mkdir -p "$LOG_DIR"

# TEST_DEADLINE (seconds since the epoch; .ci/run sets it): CI's limit is
# hard, and a run over it lands nothing, not even its results. Whatever still
# runs at the deadline is stopped (TERM to its whole process group, KILL 20 s
# later) and counts as failed, saying so; what has not started by then does
# not start. The suite then ends as usual, with its summary and counts.
DEADLINE=${TEST_DEADLINE:-}
[[ -z $DEADLINE || $DEADLINE =~ ^[0-9]+$ ]] || { echo "TEST_DEADLINE: '$DEADLINE' is not a time in seconds since the epoch" >&2; exit 2; }
until_deadline() { # until_deadline CMD...: CMD, stopped at the deadline (exit 124)
  [[ -n $DEADLINE ]] || { "$@"; return; }
  local left=$((DEADLINE - $(date +%s)))
  if ((left <= 0)); then echo "not started: the suite's deadline (TEST_DEADLINE) had passed"; return 124; fi
  # A shell function (the lab SSH key: seconds) runs as it is: timeout runs programs.
  if declare -F "$1" >/dev/null; then "$@"; return; fi
  timeout --kill-after=20 "$left" "$@"
  local rc=$?
  ((rc == 124 || rc == 137)) && { echo "stopped: the suite's deadline (TEST_DEADLINE) came after $left s"; return 124; }
  return "$rc"
}

passed=0 failed=0 results=() failed_logs=()
step() {
  local name=$1; shift
  local start=$SECONDS log="$LOG_DIR/${name//[^a-zA-Z0-9_-]/_}.log"
  printf '=== %s\n' "$name"
  if until_deadline "$@" >"$log" 2>&1; then
    passed=$((passed + 1)); results+=("PASS  $name  ($((SECONDS - start)) s)")
    tail -n 3 "$log"
  else
    failed=$((failed + 1)); results+=("FAIL  $name  ($((SECONDS - start)) s, log: $log)") failed_logs+=("$log")
    tail -n 60 "$log"
  fi
}

scenarios=()
for s in "${ORDER[@]}"; do [[ -f molecule/$s/molecule.yml ]] && scenarios+=("$s"); done
for f in molecule/*/molecule.yml; do
  s=$(basename "$(dirname "$f")")
  [[ " ${scenarios[*]} " == *" $s "* ]] || scenarios+=("$s")
done
# TEST_SCENARIOS="docker stack ...": only these (in the order above), e.g. to
# time a subset; an unknown name is refused rather than silently skipped.
if [[ -n ${TEST_SCENARIOS:-} ]]; then
  for s in $TEST_SCENARIOS; do
    [[ " ${scenarios[*]} " == *" $s "* ]] || { echo "TEST_SCENARIOS: no scenario '$s' (molecule/$s/molecule.yml)" >&2; exit 2; }
  done
  chosen=()
  for s in "${scenarios[@]}"; do [[ " $TEST_SCENARIOS " == *" $s "* ]] && chosen+=("$s"); done
  scenarios=("${chosen[@]}")
fi

total_start=$SECONDS
# This machine's speed varies from run to run (the same scenarios took 1.7x
# as long one evening as that afternoon): a fixed piece of Python work, timed
# before and after, says how fast the cores were, to compare suite times.
# (The best of 5: one run alone varies by 2x on a quiet machine.)
calibrate() {
  python3 -c 'import timeit; print(f"{min(timeit.repeat(lambda: sum(i * i for i in range(3_000_000)), number=1, repeat=5)):.2f}")'
}
calibration_before=$(calibrate)
# The cores' idle share over the suite (/proc/stat: idle + iowait over all
# jiffies): near 0 means only less work makes the suite shorter; a large
# share means lanes wait (health checks, load windows) and more would help.
# And the share the hypervisor took from this virtual machine (steal): about
# 30 % during the no-op deploys timed on 2026-12-03 07:00, whose wall times
# spread 21-33 s; it tells how much of a slow suite was the machine.
cpu_jiffies() { awk '/^cpu /{print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $9}' /proc/stat; }
read -r idle_before all_before steal_before < <(cpu_jiffies)
# The host images first: every scenario needs them. Then the rest of the lab
# (registry, source, the application images built from it) in the
# background, while the checks run and the lanes start: a scenario's create
# waits for it on the lab's lock (prepare.sh), except `docker`, which needs
# no application image and starts at once.
step "lab: engine and host images" molecule/resources/lab/prepare.sh hosts
# The lab SSH key every scenario's create installs: made once, before the
# lanes and the background preparation, so no two ever race to generate it.
lab_ssh_key() {
  install -d -m 0700 "$ROOT/molecule/resources/lab/state/ssh" &&
    ansible localhost -m community.crypto.openssh_keypair \
      -a "path=$ROOT/molecule/resources/lab/state/ssh/id_ed25519 type=ed25519 mode=0600"
}
step "lab SSH key" lab_ssh_key

# A step that runs in the background while the lanes run (the lab's
# preparation): it records its exit code and time in $bg_dir, and
# report_background reports it after the lanes.
bg_dir=$(mktemp -d)
background_step() { # background_step NAME CMD...
  local name=$1; shift
  local start=$SECONDS log="$LOG_DIR/${name//[^a-zA-Z0-9_-]/_}.log"
  until_deadline "$@" >"$log" 2>&1
  echo "$? $((SECONDS - start))" >"$bg_dir/${name//[^a-zA-Z0-9_-]/_}"
}
report_background() { # report_background NAME
  local name=$1 rc secs log="$LOG_DIR/${1//[^a-zA-Z0-9_-]/_}.log"
  read -r rc secs <"$bg_dir/${name//[^a-zA-Z0-9_-]/_}" 2>/dev/null || { rc=1 secs=0; }
  printf '=== %s (background)\n' "$name"
  if [[ $rc == 0 ]]; then
    passed=$((passed + 1)); results+=("PASS  $name  ($secs s, in the background)")
    tail -n 3 "$log"
  else
    failed=$((failed + 1)); results+=("FAIL  $name  ($secs s, log: $log)") failed_logs+=("$log")
    tail -n 60 "$log"
  fi
}
background_step "lab: registry, source, application images" molecule/resources/lab/prepare.sh &
# The static checks before the lanes. Run beside them instead (rehearsal of
# 2026-12-01 14:26), they took the cores from the lab's bases and the docker
# scenario (229 -> 457 s), and starting the lanes sooner gained nothing:
# every scenario but docker waits for the application images anyway.
step "yamllint" yamllint --strict .
step "ansible-lint" ansible-lint
step "repository checks" pytest -q -p no:cacheprovider molecule/resources/tests
# Lanes: each takes the next scenario from one queue whenever it is free, so
# a scenario slower than usual (this machine's speed varies) delays only what
# its own lane picks next. The queue: weight 0 first (it needs no application
# image and runs while the lab builds them), then the longest first.
lane_dir=$(mktemp -d)
# A scenario that never ran must not show the log of an earlier run.
for s in "${scenarios[@]}"; do rm -f "$LOG_DIR/molecule_scenario_$s.log"; done
for s in "${scenarios[@]}"; do
  w=${WEIGHT[$s]:-600}
  echo "$((w == 0 ? 1000000 : w)) $s"
done | sort -rn | cut -d' ' -f2 >"$lane_dir/queue"
# The queue's first line, taken off it under a lock (empty when none is left).
next_scenario() {
  flock "$lane_dir/queue.lock" sh -c 'head -n 1 "$1"; sed -i 1d "$1"' next-scenario "$lane_dir/queue"
}
for ((j = 0; j < JOBS; j++)); do
  (
    while s=$(next_scenario) && [[ -n $s ]]; do
      start=$SECONDS log="$LOG_DIR/molecule_scenario_$s.log"
      echo "[lane $j] molecule test -s $s: started"
      # profile_tasks: each task's time in the log, the slowest listed at
      # the end of each play (where a scenario's time goes, to cut it).
      until_deadline env ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks molecule test -s "$s" >"$log" 2>&1
      case $? in 0) r=PASS ;; 124) r=STOPPED ;; *) r=FAIL ;; esac
      echo "$r $s $((SECONDS - start)) $j" >>"$lane_dir/results"
      echo "[lane $j] molecule test -s $s: $r in $((SECONDS - start)) s"
    done
  ) &
done
wait
report_background "lab: registry, source, application images"
for s in "${scenarios[@]}"; do
  read -r r _ secs lane < <(grep " $s " "$lane_dir/results" || echo "FAIL $s 0 -")
  log="$LOG_DIR/molecule_scenario_$s.log"
  printf '=== molecule scenario %s (lane %s)\n' "$s" "$lane"
  if [[ $r == PASS ]]; then
    passed=$((passed + 1)); results+=("PASS  molecule scenario $s  ($secs s)")
    tail -n 3 "$log"
  else
    # A stopped scenario says why on its line ("stopped", "not started", the
    # log's last line); the digest reads the logs of the others.
    why=
    if [[ $r == STOPPED ]]; then why="$(tail -n 1 "$log"); "; else failed_logs+=("$log"); fi
    failed=$((failed + 1)); results+=("FAIL  molecule scenario $s  ($secs s, ${why}log: $log)")
    tail -n 60 "$log"
  fi
done
rm -rf "$lane_dir" "$bg_dir"

printf '\n=== Summary (%d s)\n' "$((SECONDS - total_start))"
read -r idle_after all_after steal_after < <(cpu_jiffies)
jiffies=$(( all_after - all_before > 0 ? all_after - all_before : 1 ))
printf 'CPU idle over the suite: %s%% of %s cores; taken by the hypervisor (steal): %s%%\n' \
  "$(( (idle_after - idle_before) * 100 / jiffies ))" "$(nproc)" "$(( (steal_after - steal_before) * 100 / jiffies ))"
printf 'CPU calibration (a fixed Python loop, the best of 5; lower is faster): %s s before the suite, %s s after\n' "$calibration_before" "$(calibrate)"
printf '%s\n' "${results[@]}"
# Why each failed step failed, in a few lines: the end of the output is all
# that a CI page may keep, and the logs stay on the machine that ran it.
((${#failed_logs[@]})) && python3 molecule/resources/lab/failure-digest.py "${failed_logs[@]}"
printf '%d passed, %d failed\n' "$passed" "$failed"
[[ $failed -eq 0 ]]
