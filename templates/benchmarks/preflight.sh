#!/bin/sh
# Benchmark preflight: wait until GET $BASE_URL/v1/models lists $MODEL, or fail the Job.
# Extra arguments are passed to curl (request headers the endpoint needs: -H 'name: value').
set -u
url="$BASE_URL/v1/models"
deadline=$(( $(date +%s) + PREFLIGHT_TIMEOUT_SECONDS ))
pattern="\"id\"[[:space:]]*:[[:space:]]*\"$MODEL\""
while :; do
  body=$(curl -sS --max-time 10 "$@" "$url" 2>&1)
  if printf '%s' "$body" | grep -Eq "$pattern"; then
    echo "preflight: $url lists $MODEL"
    exit 0
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "preflight: $url does not list $MODEL after ${PREFLIGHT_TIMEOUT_SECONDS}s; last answer:" >&2
    printf '%s\n' "$body" | head -c 2000 >&2
    exit 1
  fi
  sleep 10
done
