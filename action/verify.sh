#!/usr/bin/env bash
# The GitHub Action's step (action.yml): run `vchat verify --json` with the action's inputs,
# keep the report, print it as PASS/FAIL lines in the log and as a table in the job summary,
# and exit with vchat's exit code. Runs anywhere with these variables set (the tests do):
#   VCHAT_CLI          the built CLI (packages/vchat/dist/vchat.js)
#   INPUT_API, INPUT_ORIGIN, INPUT_HEADERS (one "Name: value" a line), INPUT_JSON_OUTPUT, INPUT_ARGS
#   GITHUB_OUTPUT, GITHUB_STEP_SUMMARY (optional: files GitHub reads afterwards)
set -uo pipefail

args=(verify --api "$INPUT_API" --origin "$INPUT_ORIGIN" --json)
while IFS= read -r line; do
  line="${line#"${line%%[![:space:]]*}"}"
  [ -n "$line" ] && args+=(--header "$line")
done <<< "${INPUT_HEADERS:-}"
if [ -n "${INPUT_ARGS:-}" ]; then
  read -r -a extra <<< "$INPUT_ARGS"
  args+=("${extra[@]}")
fi

report="${INPUT_JSON_OUTPUT:-}"
[ -n "$report" ] || report="$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/vchat-verify.XXXXXX.json")"
mkdir -p "$(dirname "$report")"

node "$VCHAT_CLI" "${args[@]}" > "$report"
code=$?
node "$(dirname "$0")/summary.mjs" "$report" "$code"

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "exit-code=$code"; echo "json-output=$report"; } >> "$GITHUB_OUTPUT"
fi
exit "$code"
