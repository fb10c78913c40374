#!/bin/sh
# podcast-digest-entrypoint: deliver the deployment's secrets the way the
# application reads them, then run the command as PID 1.
#
# The backend reads GOOGLE_API_KEY, WEBSHARE_* and its other settings ONLY
# from its process environment (APP-CONTRACT.md); the deployment delivers
# secrets as files (compose or swarm `secrets:`, at /run/secrets/<name>), so
# they stay out of `docker inspect`, compose files and the image. Each
# readable regular file whose name is a lower-case identifier
# (google_api_key) becomes the variable of the upper-cased name
# (GOOGLE_API_KEY) in the environment of the exec'd process only. A secret
# file wins over a variable of the same name: the file is the channel the
# deployment chose. Trailing newlines are dropped (editors add one).
#
# PODCAST_DIGEST_SECRETS_DIR overrides /run/secrets (for the unit tests).
set -eu

secrets_dir=${PODCAST_DIGEST_SECRETS_DIR:-/run/secrets}
if [ -d "$secrets_dir" ]; then
  for file in "$secrets_dir"/*; do
    [ -f "$file" ] && [ -r "$file" ] || continue
    name=${file##*/}
    case $name in
      [a-z]*) ;;
      *) continue ;;
    esac
    case $name in
      *[!a-z0-9_]*) continue ;;
    esac
    var=$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')
    value=$(cat "$file")
    export "$var=$value"
  done
  unset file name var value
fi

if [ "$#" -eq 0 ]; then
  echo "podcast-digest-entrypoint: no command to run" >&2
  exit 64
fi
exec "$@"
