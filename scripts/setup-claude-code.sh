#!/usr/bin/env bash
# Installs a pinned Claude Code CLI into .cache/claude-code/ for the test that drives it offline through
# Agent Mesh's hooks (test/integration/claude-code.test.ts). The package brings its native program
# through a per-platform optional dependency from the npm registry; nothing else is downloaded.
# Idempotent: a marker file records a finished install, so a second run takes about no time.
set -euo pipefail

CLAUDE_CODE_VERSION="2.1.332"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/.cache/claude-code"
MARKER="$DIR/.setup-complete-$CLAUDE_CODE_VERSION"
BIN="$DIR/node_modules/.bin/claude"

step() { printf '\n[setup-claude-code] %s\n' "$*"; }
die() { printf '\n[setup-claude-code] ERROR: %s\n' "$*" >&2; exit 1; }

SECONDS=0
if [ -f "$MARKER" ] && [ -x "$BIN" ]; then
  step "Claude Code $CLAUDE_CODE_VERSION already set up in ${DIR#"$ROOT"/} (${SECONDS}s)"
  exit 0
fi

mkdir -p "$DIR"
[ -f "$DIR/package.json" ] || printf '{ "name": "test-claude-code", "private": true }\n' > "$DIR/package.json"
step "npm install @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION"
npm install --prefix "$DIR" "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION" --no-audit --no-fund --loglevel=error \
  || die "npm install @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION failed"
[ -x "$BIN" ] || die "$BIN not found after the install"

version_output="$(DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1 HOME="$DIR/home" "$BIN" --version 2>&1)" \
  || die "claude --version failed:"$'\n'"$version_output"
grep -q "^$CLAUDE_CODE_VERSION" <<<"$version_output" || die "claude --version did not report $CLAUDE_CODE_VERSION:"$'\n'"$version_output"

date -u +%Y-%m-%dT%H:%M:%SZ > "$MARKER"
step "Claude Code $CLAUDE_CODE_VERSION ready in ${DIR#"$ROOT"/} (${SECONDS}s)"
