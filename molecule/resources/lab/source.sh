#!/usr/bin/env bash
# The lab's application source: a git repository built from the stand-in
# source trees in molecule/resources/app (server/ and client/, laid out like
# the real repository), served read-only by `git daemon` as
# git://git.lab/podcast-digest-agent.git on the lab network, as production
# build hosts clone the application's repository.
#
# Releases are commits with fixed authors and dates, so their ids depend on
# the content alone and stay the same on every machine (and with them the
# image tags): v1.0.0, v2.0.0 (main), v2.1.0-broken (its health check fails).
#
#   source.sh repo     (re)make the repository when its inputs changed
#   source.sh server   the git server container (image built from Debian)
#   source.sh all      both
set -euo pipefail
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=molecule/resources/lab/lab.sh
source "$LAB_DIR/lab.sh"
APP_DIR=$(cd "$LAB_DIR/../app" && pwd)
STATE=${LAB_STATE_DIR:-$LAB_DIR/state}
GIT_ROOT=$STATE/git
REPO_NAME=podcast-digest-agent.git
GIT_CONTAINER=$LAB_PREFIX-git
GIT_ALIAS=git.lab

# release <version> <broken: True|False>: commit the app tree at that version.
release() {
  local work=$1 version=$2 broken=$3
  rm -rf "${work:?}"/server "$work"/client
  cp -r "$APP_DIR/server" "$APP_DIR/client" "$work/"
  sed -i -E "s/^VERSION = .*/VERSION = \"$version\"/; s/^BROKEN = .*/BROKEN = $broken/" "$work/server/src/version.py"
  sed -i -E "s/^export const VERSION = .*/export const VERSION = \"$version\";/" "$work/client/app/version.js"
  git -C "$work" add -A
  git -C "$work" commit -q -m "Release $version (lab stand-in)"
  git -C "$work" tag "v$version"
}

cmd_repo() {
  local hash
  hash=$(inputs_hash "$APP_DIR" "$LAB_DIR/source.sh")
  if [[ -f $GIT_ROOT/$REPO_NAME/lab-inputs && $(cat "$GIT_ROOT/$REPO_NAME/lab-inputs") == "$hash" ]]; then
    log "source: reusing $GIT_ROOT/$REPO_NAME"
    return
  fi
  log "source: writing $GIT_ROOT/$REPO_NAME (v1.0.0, v2.0.0, v2.1.0-broken)"
  local work
  work=$(mktemp -d)
  export GIT_AUTHOR_NAME="Lab Stand-in" GIT_AUTHOR_EMAIL=lab@podcast.lab.test \
    GIT_COMMITTER_NAME="Lab Stand-in" GIT_COMMITTER_EMAIL=lab@podcast.lab.test \
    GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
  git init -q -b main "$work"
  # As a Next.js project ignores them: client/.env.production stays committed.
  printf '.env\n.env*.local\nnode_modules/\n.next/\n__pycache__/\n' >"$work/.gitignore"
  release "$work" 1.0.0 False
  release "$work" 2.0.0 False
  git -C "$work" checkout -q -b broken
  release "$work" 2.1.0-broken True
  git -C "$work" checkout -q main
  install -d -m 0755 "$GIT_ROOT"
  rm -rf "$GIT_ROOT/$REPO_NAME.tmp"
  git clone -q --bare "$work" "$GIT_ROOT/$REPO_NAME.tmp"
  echo "$hash" >"$GIT_ROOT/$REPO_NAME.tmp/lab-inputs"
  chmod -R a+rX "$GIT_ROOT/$REPO_NAME.tmp"
  rm -rf "$GIT_ROOT/$REPO_NAME"
  mv "$GIT_ROOT/$REPO_NAME.tmp" "$GIT_ROOT/$REPO_NAME"
  rm -rf "$work"
}

cmd_server() {
  install -d -m 0755 "$GIT_ROOT"
  build_base trixie
  build_image git "$LAB_PREFIX/git" "$LAB_PREFIX/base-trixie:lab"
  cmd_network
  local image_id hash state
  image_id=$(docker image inspect --format '{{.Id}}' "$LAB_PREFIX/git:lab")
  hash=$(inputs_hash "$image_id" "$GIT_ROOT $LAB_NETWORK $GIT_ALIAS v1")
  state=$(docker inspect --format '{{index .Config.Labels "pdd-lab.config-hash"}} {{.State.Running}}' \
    "$GIT_CONTAINER" 2>/dev/null || true)
  case $state in
    "$hash true") log "git server: reusing running $GIT_CONTAINER" ;;
    "$hash false") log "git server: starting $GIT_CONTAINER"; docker start "$GIT_CONTAINER" >/dev/null ;;
    *)
      [[ -z $state ]] || docker rm -f "$GIT_CONTAINER" >/dev/null
      log "git server: starting $GIT_CONTAINER (git://$GIT_ALIAS/ on $LAB_NETWORK)"
      docker run -d --name "$GIT_CONTAINER" --label "pdd-lab.config-hash=$hash" \
        --network "$LAB_NETWORK" --network-alias "$GIT_ALIAS" \
        --volume "$GIT_ROOT:/srv/git:ro" \
        --read-only --cap-drop ALL --security-opt no-new-privileges \
        --restart unless-stopped "$LAB_PREFIX/git:lab" >/dev/null ;;
  esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  case ${1:-all} in
    repo) cmd_repo ;;
    server) cmd_engine; cmd_server ;;
    all) cmd_engine; cmd_repo; cmd_server ;;
    *) die "unknown command: $1 (repo | server | all)" ;;
  esac
fi
