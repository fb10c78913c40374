#!/usr/bin/env bash
# The whole test suite (make test): lint, repository checks, then every
# Molecule scenario in a sensible order (cheapest and most basic first).
# Every step runs even if an earlier one failed; the last line is
# "N passed, N failed" and the exit code is non-zero on any failure.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$ROOT"
BIN=$ROOT/.venv/bin
export PATH=$BIN:$PATH ANSIBLE_CONFIG=$ROOT/ansible.cfg PY_COLORS=0 ANSIBLE_FORCE_COLOR=0
# Scenarios in dependency order; any other scenario directory runs after them.
ORDER=(docker stack secrets tls release default)
LOG_DIR=${TEST_LOG_DIR:-$ROOT/.cache/test-logs}
mkdir -p "$LOG_DIR"

passed=0 failed=0 results=()
step() {
  local name=$1; shift
  local start=$SECONDS log="$LOG_DIR/${name//[^a-zA-Z0-9_-]/_}.log"
  printf '=== %s\n' "$name"
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1)); results+=("PASS  $name  ($((SECONDS - start)) s)")
    tail -n 3 "$log"
  else
    failed=$((failed + 1)); results+=("FAIL  $name  ($((SECONDS - start)) s, log: $log)")
    tail -n 60 "$log"
  fi
}

scenarios=()
for s in "${ORDER[@]}"; do [[ -f molecule/$s/molecule.yml ]] && scenarios+=("$s"); done
for f in molecule/*/molecule.yml; do
  s=$(basename "$(dirname "$f")")
  [[ " ${scenarios[*]} " == *" $s "* ]] || scenarios+=("$s")
done

total_start=$SECONDS
step "yamllint" yamllint --strict .
step "ansible-lint" ansible-lint
step "repository checks" pytest -q -p no:cacheprovider molecule/resources/tests
step "lab host images" molecule/resources/lab/lab.sh all
step "lab registry and application images" molecule/resources/lab/apps.sh all
for s in "${scenarios[@]}"; do
  step "molecule scenario $s" molecule test -s "$s"
done

printf '\n=== Summary (%d s)\n' "$((SECONDS - total_start))"
printf '%s\n' "${results[@]}"
printf '%d passed, %d failed\n' "$passed" "$failed"
[[ $failed -eq 0 ]]
