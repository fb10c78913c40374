#!/usr/bin/env bash
# Lab tooling: the Docker engine, the test-host images and the lab network.
#
# Everything here works with no container registry: base images come from
# debootstrap against the Debian mirror and are imported into the local
# engine. Every image is tagged by a hash of its inputs and rebuilt only when
# those inputs change; a stable ":lab" tag points at the current build.
#
#   lab.sh engine          make sure a Docker engine answers (installs one on Debian as root)
#   lab.sh images          build (or reuse) the base and test-host images
#   lab.sh network         create the lab network the test hosts share
#   lab.sh all             all of the above
#   lab.sh inventory       write the lab inventory's paths to the lab state
#                          (inventories/lab/group_vars/lab/lab-state.yml)
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IMAGES_DIR=$(cd "$LAB_DIR/../images" && pwd)
LAB_NETWORK=${LAB_NETWORK:-pdd-lab}
LAB_PREFIX=${LAB_PREFIX:-pdd-lab}
# The lab network's addresses. Docker gives a new container the lowest free
# address of LAB_IP_RANGE; the rest of LAB_SUBNET (172.30.128.0/17) is for
# hosts with a fixed address (a platform's `ipv4_address`): a swarm node
# keeps the address it advertised when it is stopped and started again,
# even if another container was created on the network meanwhile, as a
# production server keeps its own.
LAB_SUBNET=${LAB_SUBNET:-172.30.0.0/16}
LAB_IP_RANGE=${LAB_IP_RANGE:-172.30.0.0/17}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Suites the lab builds host images for: trixie is the end-to-end target
# (the only Debian with Compose v2 packaged); bookworm exercises the
# refusal and upstream-repository paths of the docker role.
LAB_SUITES=${LAB_SUITES:-trixie bookworm}

log() { printf '[lab] %s\n' "$*" >&2; }
die() { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }

# Hash of a set of inputs (strings and files), used as an image tag.
inputs_hash() {
  local item
  for item in "$@"; do
    if [[ -d $item ]]; then
      (cd "$item" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    elif [[ -f $item ]]; then
      sha256sum <"$item"
    else
      printf '%s\n' "$item"
    fi
  done | sha256sum | cut -c1-12
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

cmd_engine() {
  if docker info >/dev/null 2>&1; then
    log "Docker engine answers: $(docker version --format '{{.Server.Version}}')"
    return
  fi
  if [[ $(id -u) -ne 0 ]] || ! grep -qi '^ID=debian' /etc/os-release 2>/dev/null; then
    die "no Docker engine answers. Install and start Docker Engine (Debian: apt-get install docker.io; elsewhere: Docker Desktop or Docker Engine), then re-run."
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    log "installing docker.io from the Debian mirror"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null; }
  fi
  log "starting dockerd (no systemd on this machine: run in the background)"
  mkdir -p /var/log
  # Without the lab's lock (fd 9, prepare.sh): a daemon that inherited it
  # would hold it for ever, and the next preparation would wait on it.
  nohup dockerd >/var/log/dockerd.log 2>&1 9>&- &
  local i
  for i in $(seq 1 60); do
    docker info >/dev/null 2>&1 && { log "Docker engine up"; return; }
    sleep 1
  done
  die "dockerd did not answer within 60 s; see /var/log/dockerd.log"
}

# debootstrap a minimal Debian and import it as an image.
build_base() {
  local suite=$1 tag name
  tag=$(inputs_hash "debootstrap minbase $suite $DEBIAN_MIRROR v1")
  name="$LAB_PREFIX/base-$suite"
  if image_exists "$name:$tag"; then
    docker tag "$name:$tag" "$name:lab"
    log "base $suite: reusing $name:$tag"
    return
  fi
  command -v debootstrap >/dev/null 2>&1 || {
    [[ $(id -u) -eq 0 ]] || die "debootstrap is missing: apt-get install debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
  }
  local root
  root=$(mktemp -d /var/tmp/pdd-debootstrap.XXXXXX)
  log "base $suite: debootstrap from $DEBIAN_MIRROR (about a minute)"
  debootstrap --variant=minbase "$suite" "$root" "$DEBIAN_MIRROR" >"$root.log" 2>&1 \
    || { tail -n 20 "$root.log" >&2; die "debootstrap $suite failed"; }
  # Images must not carry the build machine's resolver or hostname.
  rm -f "$root/etc/resolv.conf" "$root/etc/hostname"
  tar -C "$root" -c . | docker import \
    --change 'ENV DEBIAN_FRONTEND=noninteractive' \
    --change 'CMD ["/bin/bash"]' - "$name:$tag" >/dev/null
  rm -rf "$root" "$root.log"
  docker tag "$name:$tag" "$name:lab"
  log "base $suite: built $name:$tag"
}

# Build an image from molecule/resources/images/<dir> on top of a parent.
# build_image <dir> <image name> <parent image> [extra build args...]
build_image() {
  local dir=$1 name=$2 parent=$3; shift 3
  local parent_id tag
  parent_id=$(docker image inspect --format '{{.Id}}' "$parent")
  tag=$(inputs_hash "$IMAGES_DIR/$dir" "$parent_id" "$@")
  if image_exists "$name:$tag"; then
    docker tag "$name:$tag" "$name:lab"
    log "$name: reusing :$tag"
    return
  fi
  log "$name: building :$tag"
  local args=() a
  for a in "$@"; do args+=(--build-arg "$a"); done
  docker build -q --build-arg "BASE_IMAGE=$parent" "${args[@]}" \
    -t "$name:$tag" -t "$name:lab" "$IMAGES_DIR/$dir" >/dev/null
}

cmd_images() {
  local suite
  for suite in $LAB_SUITES; do
    build_base "$suite"
    build_image host "$LAB_PREFIX/host-$suite" "$LAB_PREFIX/base-$suite:lab"
  done
  # Docker preinstalled, for every scenario that does not prove the install.
  build_image host-docker "$LAB_PREFIX/host-trixie-docker" "$LAB_PREFIX/host-trixie:lab"
}

cmd_network() {
  local have
  have=$(docker network inspect --format '{{range .IPAM.Config}}{{.Subnet}} {{.IPRange}}{{end}}' "$LAB_NETWORK" 2>/dev/null) || have=
  if [[ -n $have && $have != "$LAB_SUBNET $LAB_IP_RANGE" ]]; then
    # Made by an earlier version of the lab (Docker's own subnet): replaced
    # when nothing uses it, refused otherwise.
    [[ -z $(docker network inspect --format '{{range .Containers}}{{.Name}} {{end}}' "$LAB_NETWORK") ]] \
      || die "network $LAB_NETWORK has addresses '$have', not '$LAB_SUBNET $LAB_IP_RANGE', and containers use it: run make lab-down (and molecule destroy for a kept scenario), then again"
    docker network rm "$LAB_NETWORK" >/dev/null
    have=
  fi
  [[ -n $have ]] || docker network create --subnet "$LAB_SUBNET" --ip-range "$LAB_IP_RANGE" "$LAB_NETWORK" >/dev/null
  log "network $LAB_NETWORK ready ($LAB_SUBNET)"
}

# The lab inventory's values that name files of the lab state (its SSH key,
# the known hosts, the state directory itself), written out as plain text to
# inventories/lab/group_vars/lab/lab-state.yml (not in git; every way into the
# lab, make lab and prepare.sh (a scenario's create, make bench), writes it). As
# templates in the inventory (an env lookup, then paths on it) they were
# compiled again for every task's connection, a third of a no-op deploy's
# template compilations (the no-op deploy.yml on the lab host: 16.8 -> 15.4 s
# median, 5 rounds interleaved, 2026-12-03).
cmd_inventory() {
  local state=${LAB_STATE_DIR:-$LAB_DIR/state} file tmp
  file=$(cd "$LAB_DIR/../../../inventories/lab/group_vars/lab" && pwd)/lab-state.yml
  install -d -m 0755 "$state"
  tmp=$(mktemp "$state/.lab-state.yml.XXXXXX")
  # JSON strings are YAML strings: a path with any character stays one value.
  python3 - "$state" >"$tmp" <<'PY'
import json, sys
state = sys.argv[1]
print("---")
print("# Written by molecule/resources/lab/lab.sh (cmd_inventory) from where this")
print("# clone's lab state is; not in git, rewritten by make lab and every scenario.")
print("lab_state_dir:", json.dumps(state))
print("ansible_ssh_private_key_file:", json.dumps(state + "/ssh/id_ed25519"))
print("# The lab host's own host key, recorded by the lab tooling when it boots.")
print("ansible_ssh_common_args:", json.dumps(f"-o UserKnownHostsFile={state}/known_hosts -o StrictHostKeyChecking=yes"))
PY
  if cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
  else
    chmod 0644 "$tmp" && mv -f "$tmp" "$file"
  fi
}

# Sourced by the other lab scripts for its functions; run as a command otherwise.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  case ${1:-all} in
    engine) cmd_engine ;;
    images) cmd_engine; cmd_images ;;
    network) cmd_engine; cmd_network ;;
    inventory) cmd_inventory ;;
    all) cmd_engine; cmd_images; cmd_network ;;
    *) die "unknown command: $1 (engine | images | network | inventory | all)" ;;
  esac
fi
