#!/usr/bin/env bash
# Installs a pinned Claude Code CLI into .cache/claude-code/ for the test that drives it offline through
# Agent Mesh's hooks (test/integration/claude-code.test.ts). The package brings its native program
# through a per-platform optional dependency from the npm registry; nothing else is downloaded.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/pinned-npm-cache.sh"

CLAUDE_CODE_VERSION="2.1.332"

claude_code_works() {
  local bin="$DIR/node_modules/.bin/claude" version_output
  [ -x "$bin" ] || die "$bin not found after the install"
  version_output="$(DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1 HOME="$DIR/home" "$bin" --version 2>&1)" \
    || die "claude --version failed:"$'\n'"$version_output"
  grep -q "^$CLAUDE_CODE_VERSION" <<<"$version_output" || die "claude --version did not report $CLAUDE_CODE_VERSION:"$'\n'"$version_output"
}

pinned_npm_install claude-code "$CLAUDE_CODE_VERSION" claude_code_works "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION"
