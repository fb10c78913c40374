#!/bin/sh
# Redis entrypoint: apply the password from a secret file, run redis as PID 1.
#
# `redis-server [args]` or bare `--option value` args start the server. The
# password from $REDIS_PASSWORD_FILE (default /run/secrets/redis_password)
# reaches redis on its standard input (config `-`), so it is neither on the
# command line (visible in ps) nor in any file the container writes.
# Any other command (redis-cli, sh) runs as given.
set -eu

secret_file=${REDIS_PASSWORD_FILE:-/run/secrets/redis_password}

if [ "$#" -eq 0 ]; then
  set -- redis-server
elif [ "${1#-}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" != redis-server ]; then
  exec "$@"
fi
shift

# protected-mode only helps a redis with no password on an open network;
# here the container network is the boundary, and a password is set whenever
# the deployment provides one.
requirepass=
if [ -f "$secret_file" ]; then
  password=$(cat "$secret_file")
  if [ -z "$password" ]; then
    echo "redis-entrypoint: $secret_file is empty; refusing to start without the password" >&2
    exit 1
  fi
  # Every byte as \xHH inside double quotes: redis's config parser takes any
  # password that way, whatever characters it contains.
  requirepass="requirepass \"$(printf '%s' "$password" | od -An -v -tx1 | tr -d ' \n' | sed 's/../\\x&/g')\""
  unset password
fi

# `-` must be the first or the last argument: last when the first is a
# config file. dash feeds a small here-document through a pipe, not a file.
if [ "$#" -gt 0 ] && [ "${1#-}" = "$1" ]; then
  set -- "$@" -
else
  set -- - "$@"
fi
exec redis-server "$@" <<CONFIG
dir /data
protected-mode no
$requirepass
CONFIG
