#!/usr/bin/env bash
# Sets up and runs the whole test suite: system packages and code-server (idempotent, cached),
# npm packages, the build and type-check, then the tiers: unit, integration (real Redis, real
# sockets and processes), e2e in a real VS Code (code-server in headless Chromium) and the
# in-editor suite, the .vsix package check, and reliability (fuzzer, load and fault tests, whose
# figures become the README's reliability table). Ends with one line "N passed, N failed".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

LOG_DIR="$ROOT/test-results/logs"
mkdir -p "$LOG_DIR"
passed=0
failed=0
declare -a tier_lines=()

phase() { printf '\n== %s ==\n' "$*"; }

# Runs one tier, tees its output, and adds its counts from mocha's "N passing / N failing" lines
# (or a closing "N passed, N failed" line). A tier that ran no test fails: nothing is skipped quietly.
tier() {
  local name="$1"; shift
  local log="$LOG_DIR/$name.log" status=0 p f
  phase "$name"
  "$@" 2>&1 | tee "$log" || status=$?
  # awk reads the log itself so that a missing line counts 0 instead of failing the pipeline.
  p=$(awk '/^ *[0-9]+ passing/ {s+=$1} END {print s+0}' "$log")
  f=$(awk '/^ *[0-9]+ failing/ {s+=$1} END {print s+0}' "$log")
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
    p=$(awk '/^[0-9]+ passed, [0-9]+ failed/ {n=$1} END {print n+0}' "$log")
    f=$(awk '/^[0-9]+ passed, [0-9]+ failed/ {n=$3} END {print n+0}' "$log")
  fi
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
    echo "tier $name ran no test" >&2
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  tier_lines+=("$(printf '%-12s %4d passed, %d failed' "$name" "$p" "$f")")
}

phase "setup: system packages and code-server"
bash scripts/setup-e2e.sh

phase "setup: Claude Code CLI (for the offline hook test)"
bash scripts/setup-claude-code.sh

phase "setup: MCP conformance suite and Node 22 (for the integration tier)"
bash scripts/setup-conformance.sh

phase "setup: npm packages"
if [ "${CI:-}" = "true" ] || [ ! -d node_modules ]; then npm ci --no-audit --no-fund; fi

phase "build, type-check and lint"
node esbuild.mjs
# The host (Node, no DOM) and the webview (DOM, no Node) are also checked on their own.
npm run --silent typecheck
npx eslint .

tier unit npx mocha --config test/unit/.mocharc.json
tier integration npx mocha --config test/integration/.mocharc.json
tier e2e node test/e2e/run.mjs
tier package bash scripts/check-package.sh
# The reliability suites (RELIABILITY_LONG=1 for the long versions); the README table follows the run.
tier reliability bash -c 'status=0; npx mocha --config test/reliability/.mocharc.json || status=$?; npx tsx scripts/reliability-table.ts; exit $status'

phase "summary"
printf '%s\n' "${tier_lines[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
