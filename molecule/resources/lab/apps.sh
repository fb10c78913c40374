#!/usr/bin/env bash
# Lab application images and a real private registry, all built offline.
#
# The registry is a TLS + htpasswd registry (Debian's docker-registry) that
# test hosts on the lab network pull from as registry.lab:5000, as production
# hosts pull from a private registry. Into it go the lab's equivalents of the
# upstream bases (python, node, nginx, redis, built from Debian), then the
# stack's images, built by the project's own build (playbooks/build.yml, the
# image role) on a lab build host from the stand-in application source
# (molecule/resources/app, served by source.sh), which honours the
# application contract.
#
#   apps.sh registry       lab CA, registry certificate and htpasswd (once, in
#                          state/), then run the registry container
#   apps.sh bases          registry, then build (or reuse) the bases, push them,
#                          write state/base-images.yml; the source on the git server
#   apps.sh app-images     build (or reuse) the stack's images from that source,
#                          push them, write state/app-images.yml
#   apps.sh images         the bases, then the stack's images
#   apps.sh all            registry + images
#   apps.sh down [--purge] remove the registry container (--purge: and its data)
#
# Credentials come from the lab vault (vault_registry_username/password);
# the password is never printed nor put on a command line.
set -euo pipefail

APPS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=molecule/resources/lab/lab.sh
source "$APPS_DIR/lab.sh"

REPO_ROOT=$(cd "$APPS_DIR/../../.." && pwd)
STATE_DIR=${LAB_STATE_DIR:-$APPS_DIR/state}
CA_DIR=$STATE_DIR/ca
# Mounted into the registry container as its /etc/docker/registry.
REGISTRY_ETC=$STATE_DIR/registry
# Docker client config of its own: the login stays out of ~/.docker.
DOCKER_LOGIN_DIR=$STATE_DIR/docker-config
IMAGES_FILE=$STATE_DIR/app-images.yml
BASES_FILE=$STATE_DIR/base-images.yml

REGISTRY_CONTAINER=$LAB_PREFIX-registry
REGISTRY_VOLUME=$LAB_PREFIX-registry-data
REGISTRY_ALIAS=registry.lab
REGISTRY_PORT=5000
# The host engine pushes over the published port; test hosts pull by alias.
PUSH_REGISTRY=127.0.0.1:$REGISTRY_PORT
PULL_REGISTRY=$REGISTRY_ALIAS:$REGISTRY_PORT
# Fixed in images/registry/Dockerfile; the key is made readable to it only.
REGISTRY_GID=998

if [[ -z ${VENV:-} ]]; then
  if [[ -d $REPO_ROOT/.venv ]]; then VENV=$REPO_ROOT/.venv; else VENV=/tmp/probe-venv; fi
fi
VAULT_FILE=$REPO_ROOT/inventories/lab/group_vars/lab/vault.yml
VAULT_PASSWORD_FILE=$APPS_DIR/vault-password.txt

REGISTRY_USER=
REGISTRY_PASSWORD=

# --- credentials --------------------------------------------------------------

load_credentials() {
  [[ -n $REGISTRY_USER ]] && return
  [[ -x $VENV/bin/ansible-vault ]] || die "no ansible-vault in $VENV/bin (set VENV to the project's virtualenv)"
  local creds
  creds=$("$VENV/bin/ansible-vault" view --vault-id "lab@$VAULT_PASSWORD_FILE" "$VAULT_FILE" \
    | "$VENV/bin/python3" -c '
import sys, yaml
data = yaml.safe_load(sys.stdin)
user, password = data["vault_registry_username"], data["vault_registry_password"]
if not user or not password or "\n" in user + password:
    sys.exit("vault_registry_username/password must be non-empty single lines")
print(user)
print(password)
') || die "cannot read the registry credentials from $VAULT_FILE"
  REGISTRY_USER=${creds%%$'\n'*}
  REGISTRY_PASSWORD=${creds#*$'\n'}
}

# curl against the registry with the lab CA; credentials go through a config
# on stdin (-K -), never argv. Usage: registry_curl [--auth] curl-args...
registry_curl() {
  local auth=0
  if [[ ${1:-} == --auth ]]; then auth=1; shift; fi
  if ((auth)); then
    local user=${REGISTRY_USER//\\/\\\\} pass=${REGISTRY_PASSWORD//\\/\\\\}
    user=${user//\"/\\\"}
    pass=${pass//\"/\\\"}
    printf 'user = "%s:%s"\n' "$user" "$pass" | curl -K - --cacert "$CA_DIR/ca.crt" -sS "$@"
  else
    curl --cacert "$CA_DIR/ca.crt" -sS "$@"
  fi
}

# --- certificates and htpasswd ---------------------------------------------------

ensure_tool() { # ensure_tool <command> <Debian package>
  command -v "$1" >/dev/null 2>&1 && return
  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    die "$1 is missing: install $2"
  fi
  log "installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
}

# Valid for at least 30 more days?
cert_fresh() { [[ -f $1 ]] && openssl x509 -checkend $((30 * 86400)) -noout -in "$1" >/dev/null 2>&1; }

ensure_ca() {
  if [[ -f $CA_DIR/ca.key ]] && cert_fresh "$CA_DIR/ca.crt"; then return; fi
  log "creating the lab CA in $CA_DIR"
  install -d -m 0700 "$CA_DIR"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$CA_DIR/ca.key" -out "$CA_DIR/ca.crt" -days 3650 -subj "/CN=pdd-lab CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null
  chmod 0600 "$CA_DIR/ca.key"
  chmod 0644 "$CA_DIR/ca.crt"
  # A new CA invalidates the server certificate.
  rm -f "$REGISTRY_ETC/tls.crt"
}

ensure_server_cert() {
  local crt=$REGISTRY_ETC/tls.crt key=$REGISTRY_ETC/tls.key
  if [[ -f $key ]] && cert_fresh "$crt" \
    && openssl verify -CAfile "$CA_DIR/ca.crt" "$crt" >/dev/null 2>&1; then
    return
  fi
  log "issuing the registry certificate for $REGISTRY_ALIAS"
  local csr
  csr=$(mktemp)
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$key" -out "$csr" -subj "/CN=$REGISTRY_ALIAS" 2>/dev/null
  # SANs are all that modern clients (Go, Python) check.
  openssl x509 -req -in "$csr" -CA "$CA_DIR/ca.crt" -CAkey "$CA_DIR/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 825 -out "$crt" \
    -extfile <(printf '%s\n' \
      "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=serverAuth" \
      "subjectAltName=DNS:$REGISTRY_ALIAS,DNS:localhost,IP:127.0.0.1" \
      "subjectKeyIdentifier=hash" \
      "authorityKeyIdentifier=keyid,issuer") 2>/dev/null
  rm -f "$csr"
  chmod 0644 "$crt"
}

ensure_htpasswd() {
  local file=$REGISTRY_ETC/htpasswd
  # bcrypt salts differ on every run: keep the file while it still matches,
  # so the registry is not recreated for nothing.
  if [[ -f $file ]] && printf '%s' "$REGISTRY_PASSWORD" \
    | htpasswd -i -v "$file" "$REGISTRY_USER" >/dev/null 2>&1; then
    return
  fi
  log "writing the registry htpasswd (bcrypt) for user $REGISTRY_USER"
  printf '%s' "$REGISTRY_PASSWORD" | htpasswd -i -B -C 10 -c "$file" "$REGISTRY_USER" 2>/dev/null
}

write_registry_config() {
  local tmp
  tmp=$(mktemp)
  cat >"$tmp" <<'EOF'
# Written by molecule/resources/lab/apps.sh.
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/docker-registry
  delete:
    enabled: true
http:
  addr: :5000
  tls:
    certificate: /etc/docker/registry/tls.crt
    key: /etc/docker/registry/tls.key
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: pdd-lab registry
    path: /etc/docker/registry/htpasswd
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
EOF
  if cmp -s "$tmp" "$REGISTRY_ETC/config.yml"; then rm -f "$tmp"; else mv "$tmp" "$REGISTRY_ETC/config.yml"; fi
  chmod 0644 "$REGISTRY_ETC/config.yml"
}

# The registry runs as gid 998: it alone may read the key and htpasswd.
restrict_secrets() {
  local f
  for f in "$REGISTRY_ETC/tls.key" "$REGISTRY_ETC/htpasswd"; do
    if chgrp "$REGISTRY_GID" "$f" 2>/dev/null; then
      chmod 0640 "$f"
    else
      # Not root (a developer laptop): a lab-only key, readable by all.
      chmod 0644 "$f"
    fi
  done
}

# --- registry ------------------------------------------------------------------

wait_for_registry() {
  local _ code
  for _ in $(seq 1 30); do
    code=$(registry_curl -o /dev/null -w '%{http_code}' "https://$PUSH_REGISTRY/v2/" 2>/dev/null || true)
    [[ $code == 401 ]] && return
    sleep 1
  done
  docker logs --tail 20 "$REGISTRY_CONTAINER" >&2 || true
  die "the registry did not answer on https://$PUSH_REGISTRY/v2/ within 30 s (last HTTP code: ${code:-none})"
}

cmd_registry() {
  ensure_tool openssl openssl
  ensure_tool htpasswd apache2-utils
  load_credentials
  install -d -m 0755 "$STATE_DIR" "$REGISTRY_ETC"
  ensure_ca
  ensure_server_cert
  ensure_htpasswd
  write_registry_config
  restrict_secrets

  build_base trixie
  build_image registry "$LAB_PREFIX/registry" "$LAB_PREFIX/base-trixie:lab"
  cmd_network

  # Everything the container depends on, as one hash: same hash, same container.
  local image_id hash state
  image_id=$(docker image inspect --format '{{.Id}}' "$LAB_PREFIX/registry:lab")
  hash=$(inputs_hash "$image_id" "$REGISTRY_ETC" "$LAB_NETWORK $REGISTRY_ALIAS $PUSH_REGISTRY $REGISTRY_VOLUME v1")
  state=$(docker inspect --format '{{index .Config.Labels "pdd-lab.config-hash"}} {{.State.Running}}' \
    "$REGISTRY_CONTAINER" 2>/dev/null || true)
  case $state in
    "$hash true")
      log "registry: reusing running $REGISTRY_CONTAINER" ;;
    "$hash false")
      log "registry: starting $REGISTRY_CONTAINER"
      docker start "$REGISTRY_CONTAINER" >/dev/null ;;
    *)
      if [[ -n $state ]]; then
        log "registry: configuration changed, recreating $REGISTRY_CONTAINER"
        docker rm -f "$REGISTRY_CONTAINER" >/dev/null
      fi
      log "registry: starting $REGISTRY_CONTAINER ($PULL_REGISTRY on $LAB_NETWORK, $PUSH_REGISTRY on the host)"
      docker run -d --name "$REGISTRY_CONTAINER" \
        --label "pdd-lab.config-hash=$hash" \
        --network "$LAB_NETWORK" --network-alias "$REGISTRY_ALIAS" \
        --publish "$PUSH_REGISTRY:5000" \
        --volume "$REGISTRY_VOLUME:/var/lib/docker-registry" \
        --volume "$REGISTRY_ETC:/etc/docker/registry:ro" \
        --read-only --cap-drop ALL --security-opt no-new-privileges \
        --restart unless-stopped \
        "$LAB_PREFIX/registry:lab" >/dev/null ;;
  esac
  wait_for_registry
  [[ $(registry_curl --auth -o /dev/null -w '%{http_code}' "https://$PUSH_REGISTRY/v2/") == 200 ]] \
    || die "the registry refuses the lab credentials (vault_registry_username/password)"
  log "registry ready: https://$PULL_REGISTRY (CA: $CA_DIR/ca.crt)"
}

cmd_down() {
  if docker inspect "$REGISTRY_CONTAINER" >/dev/null 2>&1; then
    docker rm -f "$REGISTRY_CONTAINER" >/dev/null
    log "removed $REGISTRY_CONTAINER"
  fi
  if [[ ${1:-} == --purge ]] && docker volume inspect "$REGISTRY_VOLUME" >/dev/null 2>&1; then
    docker volume rm "$REGISTRY_VOLUME" >/dev/null
    log "removed volume $REGISTRY_VOLUME"
  fi
}

# --- images --------------------------------------------------------------------

# Manifest digest of repo:tag in the registry, empty when absent.
remote_digest() {
  registry_curl --auth -I -o /dev/null -w '%header{docker-content-digest}' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "https://$PUSH_REGISTRY/v2/$1/manifests/$2" 2>/dev/null || true
}

# Debian package version as major.minor (5:8.0.2-3 -> 8.0), read from the image.
package_minor() { # package_minor <image> <package>
  docker run --rm --entrypoint dpkg-query "$1" -W -f '${Version}' "$2" \
    | sed -E 's/^[0-9]+://; s/^([0-9]+\.[0-9]+).*/\1/'
}

BASES=()

# publish_base <key> <image dir> <parent> <repository> <tag>: build a lab
# equivalent of an upstream base and push it as library/<repository>:<tag>.
# A tag of "pkg:<package>:<suffix>" means the Debian version of that package
# (major.minor) followed by -<suffix>.
publish_base() {
  local key=$1 dir=$2 parent=$3 repo=library/$4 tag=$5
  local local_name=$LAB_PREFIX/$dir
  build_image "$dir" "$local_name" "$parent"
  if [[ $tag == pkg:* ]]; then
    local spec=${tag#pkg:}
    tag=$(package_minor "$local_name:lab" "${spec%%:*}")-${spec#*:}
  fi
  local push_ref=$PUSH_REGISTRY/$repo:$tag remote
  docker tag "$local_name:lab" "$push_ref"
  remote=$(remote_digest "$repo" "$tag")
  # RepoDigests records what this very image was pushed as: if the registry
  # still serves that digest under the tag, there is nothing to push.
  if [[ -n $remote ]] && docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$push_ref" \
    | grep -qxF "$PUSH_REGISTRY/$repo@$remote"; then
    log "$repo:$tag: already in the registry ($remote)"
  else
    log "$repo:$tag: pushing"
    local out
    out=$(DOCKER_CONFIG=$DOCKER_LOGIN_DIR docker push "$push_ref" 2>&1) || { printf '%s\n' "$out" >&2; die "push of $push_ref failed"; }
    remote=$(remote_digest "$repo" "$tag")
    [[ -n $remote ]] || die "$push_ref pushed, but the registry does not list it"
  fi
  BASES+=("$key $PULL_REGISTRY/$repo:$tag@$remote")
}

write_bases_file() {
  local tmp entry key ref
  tmp=$(mktemp)
  {
    printf '%s\n' "---" \
      "# Written by molecule/resources/lab/apps.sh: the lab's equivalents of the upstream" \
      "# bases (no registry but the lab's is reachable), pinned by digest, for image_base_images."
    printf 'lab_registry_host: "%s"\n' "$PULL_REGISTRY"
    printf 'lab_registry_ca_cert: "%s"\n' "$CA_DIR/ca.crt"
    printf 'lab_base_images:\n'
    for entry in "${BASES[@]}"; do
      read -r key ref <<<"$entry"
      printf '  %s: "%s"\n' "$key" "$ref"
    done
  } >"$tmp"
  mv "$tmp" "$BASES_FILE"
  chmod 0644 "$BASES_FILE"
}

# Log in to the lab registry (its own Docker config; the password on stdin).
registry_login() {
  load_credentials
  if [[ ! -f $CA_DIR/ca.crt ]] \
    || [[ $(docker inspect --format '{{.State.Running}}' "$REGISTRY_CONTAINER" 2>/dev/null) != true ]]; then
    die "the lab registry is not running: run '$0 registry' (or '$0 all') first"
  fi
  wait_for_registry
  install -d -m 0700 "$DOCKER_LOGIN_DIR"
  local out
  out=$(printf '%s' "$REGISTRY_PASSWORD" | DOCKER_CONFIG=$DOCKER_LOGIN_DIR \
    docker login --username "$REGISTRY_USER" --password-stdin "$PUSH_REGISTRY" 2>&1) \
    || { printf '%s\n' "$out" >&2; die "docker login $PUSH_REGISTRY failed"; }
}

# The bases in the registry and the application's source on the git server:
# everything a build from source needs (the build scenario needs no more).
cmd_bases() {
  registry_login
  # The upstream bases, as lab equivalents built from Debian. The four build
  # at once (each is mostly apt downloading and unpacking); publish_base then
  # finds each one built and pushes it.
  build_base bookworm
  build_base trixie
  # key, image directory, parent, repository, tag (pkg:<package>:<suffix>:
  # the package's version in the image, then the suffix)
  local bases=(
    "python base-python $LAB_PREFIX/base-bookworm:lab python pkg:python3:bookworm-lab"
    "node base-node $LAB_PREFIX/base-trixie:lab node pkg:nodejs:trixie-lab"
    "nginx base-nginx $LAB_PREFIX/base-trixie:lab nginx pkg:nginx:trixie-lab"
    "redis base-redis $LAB_PREFIX/base-trixie:lab redis pkg:redis-server:trixie-lab"
  )
  local entry key dir parent repo tag pids=() dirs=() failed=() i
  for entry in "${bases[@]}"; do
    read -r key dir parent repo tag <<<"$entry"
    build_image "$dir" "$LAB_PREFIX/$dir" "$parent" &
    pids+=($!) dirs+=("$dir")
  done
  # Every build ends before any failure is reported, naming each that failed.
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed+=("${dirs[$i]}"); done
  ((${#failed[@]} == 0)) || die "these base images did not build (their errors are above): ${failed[*]}"
  for entry in "${bases[@]}"; do
    read -r key dir parent repo tag <<<"$entry"
    publish_base "$key" "$dir" "$parent" "$repo" "$tag"
  done
  write_bases_file
  log "base image refs written to $BASES_FILE"

  # The application's source, then the images built from it by the
  # project's own build (playbooks/build.yml) on the lab's build host.
  "$APPS_DIR/source.sh" all
}

# The stack's images, built from that source by the project's own build.
cmd_app_images() {
  registry_login
  log "building the application images on the lab build host (playbooks/build.yml)"
  (cd "$REPO_ROOT" && ANSIBLE_CONFIG=$REPO_ROOT/ansible.cfg PDD_LAB_STATE=$STATE_DIR \
    "$VENV/bin/ansible-playbook" molecule/resources/playbooks/lab-images.yml -i inventories/lab \
    --vault-id "lab@$VAULT_PASSWORD_FILE" >"$STATE_DIR/lab-images.log" 2>&1) \
    || { tail -n 60 "$STATE_DIR/lab-images.log" >&2; die "the lab images did not build (log: $STATE_DIR/lab-images.log)"; }
  grep -E 'FIGURES|changed=' "$STATE_DIR/lab-images.log" >&2 || true
  log "image refs written to $IMAGES_FILE"
}

# --- main ----------------------------------------------------------------------

main() {
  local start=$SECONDS
  case ${1:-all} in
    registry) cmd_engine; cmd_registry ;;
    bases) cmd_engine; cmd_registry; cmd_bases ;;
    app-images) cmd_engine; cmd_app_images ;;
    images) cmd_engine; cmd_bases; cmd_app_images ;;
    all) cmd_engine; cmd_registry; cmd_bases; cmd_app_images ;;
    down) cmd_down "${2:-}" ;;
    *) die "unknown command: $1 (registry | bases | app-images | images | all | down [--purge])" ;;
  esac
  log "done in $((SECONDS - start)) s"
}

main "$@"
