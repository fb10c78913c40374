#!/bin/sh
# Backend entrypoint: deliver secrets as files, run uvicorn as PID 1.
#
# Every readable file in /run/secrets whose name is a lower-case identifier
# (google_api_key) becomes an environment variable of the upper-cased name
# (GOOGLE_API_KEY) for the app only. Secrets delivered this way (compose
# `secrets:`) never appear in `docker inspect`. A secret file wins over an
# environment variable of the same name: the file is the intended channel.
set -eu

secrets_dir=${SECRETS_DIR:-/run/secrets}
if [ -d "$secrets_dir" ]; then
  for file in "$secrets_dir"/*; do
    if [ ! -f "$file" ] || [ ! -r "$file" ]; then continue; fi
    name=${file##*/}
    case $name in
      [a-z]*) ;;
      *) continue ;;
    esac
    case $name in
      *[!a-z0-9_]*) continue ;;
    esac
    var=$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')
    # $(cat) drops trailing newlines, as an editor or `echo` adds them.
    value=$(cat "$file")
    export "$var=$value"
  done
fi

# A command given to `docker run` replaces the server (debugging), with the
# same environment.
if [ "$#" -gt 0 ]; then
  exec "$@"
fi

log_level=$(printf '%s' "${LOG_LEVEL:-info}" | tr '[:upper:]' '[:lower:]')
case $log_level in
  critical|error|warning|info|debug|trace) ;;
  *) log_level=info ;;
esac

# exec: uvicorn is PID 1 and gets SIGTERM itself; a short graceful timeout
# keeps a stop prompt even with WebSockets open.
exec python3 -m uvicorn app:app \
  --host 0.0.0.0 --port "${PORT:-8000}" \
  --proxy-headers --forwarded-allow-ips '*' \
  --timeout-graceful-shutdown 3 \
  --log-level "$log_level"
