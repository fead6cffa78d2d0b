#!/usr/bin/env bash
# The test command (README: `npm test`). Runs every suite, prints each suite's own summary, then one
# plain closing line "N passed, N failed" that sums them. Suites whose tools are absent (the ONNX test
# data, Chromium, code-server) are reported as skipped here and are installed by .ci/run in CI.
set -u
cd "$(dirname "$0")/.."

total_passed=0
total_failed=0
failed_suites=()

# Adds a suite's "N passed, N failed" line to the totals; a suite that died without one counts as failed.
record() {
  local name=$1 log=$2 status=$3
  local line
  line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  if [[ -z "$line" ]]; then
    echo "$name: no summary line (exit $status)"
    total_failed=$((total_failed + 1))
    failed_suites+=("$name")
    return
  fi
  local p f
  p=$(sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/' <<<"$line")
  f=$(sed -E 's/^([A-Za-z-]+: )?[0-9]+ passed, ([0-9]+) failed.*/\2/' <<<"$line")
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f))
  if [[ $status -ne 0 || $f -ne 0 ]]; then failed_suites+=("$name"); fi
}

run_suite() {
  local name=$1
  shift
  local log
  log=$(mktemp)
  echo "=== $name"
  local started=$SECONDS
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  echo "=== $name: exit $status in $((SECONDS - started)) s"
  record "$name" "$log" "$status"
  rm -f "$log"
}

echo "=== build and type checks"
if ! npm run --silent build || ! npm run --silent check-types || ! npm run --silent check-docs || ! npm run --silent compile-tests; then
  echo "build or type check failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# Core unit tests, the CLI, the conformance suite, the corpus sweep and the fuzz sample: plain Node.
run_suite "core" node scripts/runNodeTests.mjs out/src out/test/unit out/test/conformance out/test/corpus out/test/fuzz

if [[ -x /usr/bin/chromium && -f scripts/runWebviewTests.mjs ]]; then
  run_suite "webview" node scripts/runWebviewTests.mjs
else
  echo "=== webview: skipped (needs /usr/bin/chromium: apt-get install chromium)"
fi

if [[ -f scripts/runIntegrationTests.mjs && -x .tools/code-server/node_modules/.bin/code-server ]]; then
  run_suite "integration" node scripts/runIntegrationTests.mjs
  run_suite "ui" node scripts/runUiTests.mjs
else
  echo "=== integration, ui: skipped (needs code-server: bash scripts/ci/installCodeServer.sh)"
fi

echo "suites failed: ${failed_suites[*]:-none}"
echo "${total_passed} passed, ${total_failed} failed"
[[ $total_failed -eq 0 && ${#failed_suites[@]} -eq 0 ]]
