#!/bin/sh
# Benchmark preflight: wait until the endpoint really serves $MODEL, or fail the Job.
#   1. GET $BASE_URL/v1/models lists $MODEL;
#   2. a 1-token POST $BASE_URL$API_PATH for $MODEL (the API the benchmark tool calls) answers
#      HTTP 200; API_KIND says which body: "completion" (a prompt) or "chat" (one user message).
#      Step 1 alone is not enough: some routers list a name from their routing config (a
#      ModelRoute, an AIGatewayRoute, pod labels) before any pod has loaded the weights.
# Both steps share one deadline, PREFLIGHT_TIMEOUT_SECONDS; they poll every PREFLIGHT_INTERVAL_SECONDS
# (default 10). Extra arguments are passed to curl (request headers the endpoint needs: -H 'name: value').
set -u
interval=${PREFLIGHT_INTERVAL_SECONDS:-10}
deadline=$(( $(date +%s) + PREFLIGHT_TIMEOUT_SECONDS ))
nl='
'

# Served names are DNS-1123 labels (the spec schema's pattern): checked here, the name can go into
# the JSON body and the grep pattern as it is.
case $MODEL in
  '' | -* | *- | *[!abcdefghijklmnopqrstuvwxyz0123456789-]*)
    printf 'preflight: MODEL %s is not a DNS-1123 label\n' "$MODEL" >&2
    exit 2 ;;
esac
if [ "${#MODEL}" -gt 63 ]; then
  printf 'preflight: MODEL %s is longer than 63 characters\n' "$MODEL" >&2
  exit 2
fi
# The API: one of the two generation APIs the tools call, and the body that goes with it.
case $API_PATH in
  /v1/completions | /v1/chat/completions) ;;
  *)
    printf 'preflight: API_PATH %s is neither /v1/completions nor /v1/chat/completions\n' "$API_PATH" >&2
    exit 2 ;;
esac
case $API_KIND in
  completion) request="{\"model\":\"$MODEL\",\"prompt\":\"Hello\",\"max_tokens\":1}" ;;
  chat) request="{\"model\":\"$MODEL\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":1}" ;;
  *)
    printf 'preflight: API_KIND %s is neither completion nor chat\n' "$API_KIND" >&2
    exit 2 ;;
esac

fail() {  # fail <what did not happen> <last answer>
  printf 'preflight: %s after %ss; last answer:\n' "$1" "$PREFLIGHT_TIMEOUT_SECONDS" >&2
  printf '%s\n' "$2" | head -c 2000 >&2
  exit 1
}

expired() {
  [ "$(date +%s)" -ge "$deadline" ]
}

models_url="$BASE_URL/v1/models"
pattern="\"id\"[[:space:]]*:[[:space:]]*\"$MODEL\""
while :; do
  body=$(curl -sS --max-time 10 "$@" "$models_url" 2>&1)
  if printf '%s' "$body" | grep -Eq "$pattern"; then
    echo "preflight: $models_url lists $MODEL"
    break
  fi
  expired && fail "$models_url does not list $MODEL" "$body"
  sleep "$interval"
done

api_url="$BASE_URL$API_PATH"
while :; do
  # The last line of the answer is written by curl: "<HTTP status> <curl error, if any>".
  answer=$(curl -s --max-time 30 -w '\n%{http_code} %{errormsg}' -H 'Content-Type: application/json' \
    "$@" --data-raw "$request" "$api_url")
  status=${answer##*"$nl"}
  body=${answer%"$nl"*}
  if [ "${status%% *}" = 200 ]; then
    echo "preflight: POST $api_url for $MODEL answered 200"
    exit 0
  fi
  expired && fail "POST $api_url for $MODEL did not answer 200" "HTTP $status$nl$body"
  sleep "$interval"
done
