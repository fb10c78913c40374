#!/usr/bin/env bash
# Everything a scenario needs from the lab before its hosts are created: a
# Docker engine, the host images, the lab network, the registry with its CA,
# the application's source and the images built from it. Each step reuses
# what is there (keyed by a hash of its inputs); when nothing that goes into
# the lab changed since the last complete run and its servers still run, the
# whole check costs well under a second, so every scenario's create calls it
# (`molecule test -s NAME` works on a fresh clone) and `make test` pays once.
#
# Serialised by a lock: scenarios running in parallel lanes, or
# `molecule test -s NAME` on its own, may all call it at once. The lock is
# this script's fd 9 (fd 8 for the bases) and no child gets it (`9>&-`): a
# daemon a child starts (dockerd) would otherwise hold the lock for as long
# as it runs.
#
#   prepare.sh        everything (the default)
#   prepare.sh bases  the engine, the host images, the network, the registry
#                     with the base images, the application's source: what a
#                     scenario that builds its own application images needs
#                     (build), without waiting for the lab's own
#   prepare.sh hosts  only the engine, the host images and the network: what
#                     a scenario that uses no application image needs (docker)
#
# `all` does the `bases` part under the bases' own lock, then builds the
# application images holding only its own: a `bases` caller waits for the
# bases, never for the application images.
#
# (Everything runs from main(), which bash reads whole before running it: the
# file can change under a running preparation without breaking it.)
set -euo pipefail
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$LAB_DIR/../../.." && pwd)
STATE=${LAB_STATE_DIR:-$LAB_DIR/state}

# What the lab is made of.
inputs() {
  (cd "$ROOT" && find molecule/resources/lab molecule/resources/images molecule/resources/app \
      molecule/resources/playbooks molecule/resources/tasks roles/image roles/docker inventories/lab \
      playbooks/build.yml ansible.cfg requirements.txt \
      -path molecule/resources/lab/state -prune -o -path inventories/lab/group_vars/lab/lab-state.yml -prune \
      -o -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}

running() { [[ $(docker inspect --format '{{.State.Running}}' "$1" 2>/dev/null) == true ]]; }

main() {
  install -d -m 0755 "$STATE"
  # The lab inventory's paths to this state (lab.sh inventory), every time:
  # cheap, and the fast path below returns before anything else is written.
  "$LAB_DIR/lab.sh" inventory 8>&- 9>&-
  if [[ ${1:-all} == hosts ]]; then
    # Its own lock: it must not wait for a full preparation building images.
    exec 9>"$STATE/.prepare-hosts.lock"
    flock 9
    "$LAB_DIR/lab.sh" all 8>&- 9>&-
    return
  fi
  local want
  want=$(inputs)
  if [[ ${1:-all} == bases ]]; then
    bases "$want"
    return
  fi
  exec 9>"$STATE/.prepare.lock"
  flock 9
  local stamp=$STATE/.prepared
  if [[ -f $stamp && $(cat "$stamp") == "$want" && -f $STATE/app-images.yml ]] && servers_up; then
    printf '[lab] up to date (inputs %s)\n' "$want" >&2
    return
  fi
  rm -f "$stamp"
  bases "$want"
  "$LAB_DIR/apps.sh" app-images 8>&- 9>&-
  echo "$want" >"$stamp"
}

servers_up() {
  docker info >/dev/null 2>&1 && running pdd-lab-registry && running pdd-lab-git \
    && docker network inspect pdd-lab >/dev/null 2>&1
}

# The bases part, under its own lock (fd 8) and stamp. Usage: bases <inputs>
bases() {
  exec 8>"$STATE/.prepare-bases.lock"
  flock 8
  local stamp=$STATE/.prepared-bases
  if [[ -f $stamp && $(cat "$stamp") == "$1" && -f $STATE/base-images.yml ]] && servers_up; then
    printf '[lab] bases up to date (inputs %s)\n' "$1" >&2
  else
    rm -f "$stamp"
    "$LAB_DIR/lab.sh" all 8>&- 9>&-
    "$LAB_DIR/apps.sh" bases 8>&- 9>&-
    echo "$1" >"$stamp"
  fi
  exec 8>&-
}

main "$@"
exit
