#!/usr/bin/env bash
# Registers Kafka Connect connectors from flat JSON config files, the way an operator would by hand:
#   1. PUT /connector-plugins/{class}/config/validate for every file; print every field error; if any file has
#      errors, stop and register nothing (exit 1).
#   2. PUT /connectors/{name}/config for each file (the REST upsert: creates or updates, so running it twice
#      changes nothing).
#   3. Wait until each connector and all its tasks are RUNNING, or print the failed task's trace (exit 1).
# The connector name is the file name without .json. Needs bash and curl; uses jq when present.
#
# Usage: register.sh CONNECT_URL [FILE...]      (default: every *.json next to this script)
# Environment: REGISTER_TIMEOUT_SECONDS (default 120)
set -euo pipefail

usage() {
  echo "usage: $(basename "$0") CONNECT_URL [FILE.json...]" >&2
  echo "  e.g. $(basename "$0") http://localhost:8083 connect-configs/mongo-log-sink.json" >&2
  exit 2
}

[ $# -ge 1 ] || usage
case "$1" in -h|--help) usage ;; esac
CONNECT_URL="${1%/}"
shift
if [ $# -eq 0 ]; then
  set -- "$(cd "$(dirname "$0")" && pwd)"/*.json
fi
TIMEOUT="${REGISTER_TIMEOUT_SECONDS:-120}"
command -v curl >/dev/null || { echo "register.sh needs curl: install it (apt-get install curl)" >&2; exit 2; }
HAVE_JQ=0
command -v jq >/dev/null && HAVE_JQ=1

# HTTP helper: prints the body; the status code goes to the file named by $STATUS_FILE.
STATUS_FILE="$(mktemp)"
trap 'rm -f "$STATUS_FILE"' EXIT
http() {
  local method="$1" url="$2" data="${3:-}"
  local args=(-sS -X "$method" -H 'Content-Type: application/json' -H 'Accept: application/json' -w '\n%{http_code}')
  [ -n "$data" ] && args+=(--data-binary "@$data")
  local out
  if ! out="$(curl "${args[@]}" "$url" 2>&1)"; then
    echo "cannot reach Kafka Connect at $CONNECT_URL: $out" >&2
    exit 1
  fi
  printf '%s' "${out##*$'\n'}" >"$STATUS_FILE"
  printf '%s' "${out%$'\n'*}"
}

# Reads "connector.class" from a flat JSON file.
connector_class() {
  if [ "$HAVE_JQ" = 1 ]; then
    jq -r '."connector.class" // empty' "$1"
  else
    grep -o '"connector.class"[[:space:]]*:[[:space:]]*"[^"]*"' "$1" | sed 's/.*:[[:space:]]*"\([^"]*\)"/\1/'
  fi
}

# Prints "option: error" lines from a validate answer.
field_errors() {
  if [ "$HAVE_JQ" = 1 ]; then
    jq -r '.configs[] | select(.value.errors | length > 0) | .value.name as $n | .value.errors[] | "\($n): \(.)"'
  else
    # Without jq: split the answer into config entries and keep those whose errors list is not empty.
    tr -d '\n' | sed 's/{"definition"/\n{"definition"/g' | grep '"errors":\["' |
      sed 's/.*"value":{"name":"\([^"]*\)".*"errors":\[\(.*\)\],"visible".*/\1: \2/' | sed 's/","/; /g; s/"//g'
  fi
}

error_count() {
  if [ "$HAVE_JQ" = 1 ]; then
    jq -r '.error_count'
  else
    grep -o '"error_count":[0-9]*' | head -1 | cut -d: -f2
  fi
}

# Validation checks the whole connector config, so its body carries the connector's name too.
NAMED_FILE="$(mktemp)"
trap 'rm -f "$STATUS_FILE" "$NAMED_FILE"' EXIT
with_name() {
  local name="$1" file="$2"
  if [ "$HAVE_JQ" = 1 ]; then
    jq --arg name "$name" '. + {name: $name}' "$file" >"$NAMED_FILE"
  else
    sed "0,/{/s//{\"name\": \"$name\",/" "$file" >"$NAMED_FILE"
  fi
}

# 1. Validate everything first.
failed=0
for file in "$@"; do
  [ -f "$file" ] || { echo "$file: no such file" >&2; exit 2; }
  class="$(connector_class "$file")"
  if [ -z "$class" ]; then
    echo "$file: no \"connector.class\" in the file" >&2
    failed=1
    continue
  fi
  with_name "$(basename "$file" .json)" "$file"
  answer="$(http PUT "$CONNECT_URL/connector-plugins/$class/config/validate" "$NAMED_FILE")"
  status="$(cat "$STATUS_FILE")"
  if [ "$status" != 200 ]; then
    echo "$file: Kafka Connect answered HTTP $status to validation: $answer" >&2
    failed=1
    continue
  fi
  count="$(printf '%s' "$answer" | error_count)"
  if [ "${count:-0}" != 0 ]; then
    echo "$file: $count configuration error(s):" >&2
    printf '%s' "$answer" | field_errors | sed 's/^/  /' >&2
    failed=1
  else
    echo "$file: valid"
  fi
done
if [ "$failed" != 0 ]; then
  echo "Nothing was registered: fix the errors above and run again." >&2
  exit 1
fi

# 2. Upsert each connector.
for file in "$@"; do
  name="$(basename "$file" .json)"
  answer="$(http PUT "$CONNECT_URL/connectors/$name/config" "$file")"
  status="$(cat "$STATUS_FILE")"
  case "$status" in
    201) echo "$name: created" ;;
    200) echo "$name: configuration unchanged or updated" ;;
    *) echo "$name: Kafka Connect answered HTTP $status: $answer" >&2; exit 1 ;;
  esac
done

# 3. Wait until every connector and task is RUNNING.
for file in "$@"; do
  name="$(basename "$file" .json)"
  deadline=$(( $(date +%s) + TIMEOUT ))
  while :; do
    state="$(http GET "$CONNECT_URL/connectors/$name/status")"
    if [ "$HAVE_JQ" = 1 ]; then
      connector_state="$(printf '%s' "$state" | jq -r '.connector.state // "UNKNOWN"')"
      task_states="$(printf '%s' "$state" | jq -r '[.tasks[].state] | join(" ")')"
    else
      connector_state="$(printf '%s' "$state" | grep -o '"connector":{"state":"[A-Z]*"' | sed 's/.*"\([A-Z]*\)"$/\1/')"
      task_states="$(printf '%s' "$state" | sed 's/"connector":{[^}]*}//' | grep -o '"state":"[A-Z]*"' | sed 's/.*"\([A-Z]*\)"$/\1/' | tr '\n' ' ')"
    fi
    if [[ " $task_states " == *" FAILED "* || "$connector_state" == FAILED ]]; then
      echo "$name: FAILED" >&2
      if [ "$HAVE_JQ" = 1 ]; then
        printf '%s' "$state" | jq -r '(.connector.trace // empty), (.tasks[] | select(.state == "FAILED") | "task \(.id): \(.trace)")' >&2
      else
        printf '%s\n' "$state" >&2
      fi
      exit 1
    fi
    all_running=1
    for task_state in $task_states; do
      [ "$task_state" = RUNNING ] || all_running=0
    done
    if [ "$connector_state" = RUNNING ] && [ -n "${task_states// /}" ] && [ "$all_running" = 1 ]; then
      echo "$name: RUNNING (tasks: $task_states)"
      break
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "$name: not RUNNING after ${TIMEOUT}s (connector: ${connector_state:-?}, tasks: ${task_states:-none})" >&2
      exit 1
    fi
    sleep 1
  done
done
