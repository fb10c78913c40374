#!/bin/sh
# Healthcheck: PONG from redis, authenticating with the secret file if any.
# (redis-cli exits 0 on NOAUTH, so the answer itself is checked.)
set -eu
secret_file=${REDIS_PASSWORD_FILE:-/run/secrets/redis_password}
if [ -f "$secret_file" ]; then
  REDISCLI_AUTH=$(cat "$secret_file")
  export REDISCLI_AUTH
fi
[ "$(redis-cli -h 127.0.0.1 -p "${REDIS_PORT:-6379}" ping 2>/dev/null)" = PONG ]
