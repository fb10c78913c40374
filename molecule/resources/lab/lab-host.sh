#!/usr/bin/env bash
# make lab / make lab-down: the embedded lab.
#
#   lab-host.sh up     engine, images, registry, one lab host over SSH,
#                      then `ansible-playbook deploy.yml -i inventories/lab`
#   lab-host.sh down   remove everything the lab made (images and the build
#                      host's BuildKit cache stay as a cache; PURGE=1 removes
#                      them too)
set -euo pipefail
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$LAB_DIR/../../.." && pwd)
# shellcheck source=molecule/resources/lab/lab.sh
source "$LAB_DIR/lab.sh"
STATE=$LAB_DIR/state
HOST=pdd-lab-host
SSH_PORT=2222 HTTPS_PORT=8443
export ANSIBLE_CONFIG=$ROOT/ansible.cfg PATH=$ROOT/.venv/bin:$PATH
VAULT_ARGS=(--vault-id "lab@$LAB_DIR/vault-password.txt")

up() {
  local start=$SECONDS
  cmd_engine; cmd_images; cmd_network; cmd_inventory
  [[ -x $LAB_DIR/apps.sh ]] && "$LAB_DIR/apps.sh" all
  cd "$ROOT"
  ansible-playbook molecule/resources/playbooks/lab-up.yml
  log "recording the lab host's SSH host key"
  local i
  for i in $(seq 1 30); do
    ssh-keyscan -p "$SSH_PORT" -t ed25519 127.0.0.1 >"$STATE/known_hosts" 2>/dev/null && [[ -s $STATE/known_hosts ]] && break
    sleep 1
  done
  [[ -s $STATE/known_hosts ]] || die "the lab host's sshd did not answer on 127.0.0.1:$SSH_PORT"
  ansible-playbook deploy.yml -i inventories/lab "${VAULT_ARGS[@]}"
  log "lab ready in $((SECONDS - start)) s"
  log "ssh:   ssh -i $STATE/ssh/id_ed25519 -o UserKnownHostsFile=$STATE/known_hosts -p $SSH_PORT deploy@127.0.0.1"
  log "https: https://127.0.0.1:$HTTPS_PORT/  (server name podcast.lab.test; self-signed lab certificate)"
}

down() {
  docker rm -f --volumes "$HOST" >/dev/null 2>&1 || true
  [[ -x $LAB_DIR/apps.sh ]] && "$LAB_DIR/apps.sh" down --purge
  docker ps -aq --filter label=pdd-lab | xargs -r docker rm -f --volumes >/dev/null
  docker rm -f "$LAB_PREFIX-git" >/dev/null 2>&1 || true
  docker network rm "$LAB_NETWORK" >/dev/null 2>&1 || true
  if [[ ${PURGE:-0} == 1 ]]; then
    # The build host's Docker data (its BuildKit cache) outlives it otherwise.
    docker volume rm "$LAB_PREFIX-builder-docker" >/dev/null 2>&1 || true
    docker images --format '{{.Repository}}:{{.Tag}}' | grep -E "^($LAB_PREFIX/|registry.lab:5000/|127.0.0.1:5000/)" \
      | xargs -r docker rmi -f >/dev/null
  fi
  rm -rf "$STATE"
  log "lab removed"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  *) die "usage: lab-host.sh up|down" ;;
esac
