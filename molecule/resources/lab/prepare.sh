#!/usr/bin/env bash
# Everything a scenario needs from the lab before its hosts are created: a
# Docker engine, the host images, the lab network, the registry with its CA,
# and the application images in it. Reuses whatever is already there (each
# step is keyed by a hash of its inputs), so it costs a few seconds when
# `make test` or an earlier scenario has prepared the lab.
#
# Serialised by a lock: scenarios running in parallel lanes, or
# `molecule test -s NAME` on its own, may all call it at once.
set -euo pipefail
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${LAB_STATE_DIR:-$LAB_DIR/state}
install -d -m 0755 "$STATE"
exec 9>"$STATE/.prepare.lock"
flock 9
"$LAB_DIR/lab.sh" all
"$LAB_DIR/apps.sh" all
