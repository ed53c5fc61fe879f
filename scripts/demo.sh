#!/usr/bin/env bash
# Sets up and runs the demo: real demo MCP servers and A2A agents, the embedded file store, no Redis,
# and the demo's agents (approvals at each level, a task, widgets, a Claude Code session) driving the relay.
# With VS Code on PATH it opens demo/ with the extension loaded from this folder; otherwise it starts
# the headless server and prints the dashboard URL. Ctrl-C stops everything.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

[ -d node_modules ] || npm ci --no-audit --no-fund
node esbuild.mjs

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# Start the demo services and wait until they all listen.
fifo=$(mktemp -u) && mkfifo "$fifo"
node dist/demo/launch.js > "$fifo" 2>&1 &
pids+=($!)
while IFS= read -r line; do
  echo "$line"
  [ "$line" = "demo: ready" ] && break
done < "$fifo"
cat "$fifo" &
pids+=($!)

if command -v code >/dev/null 2>&1 && [ -z "${AGENT_MESH_HEADLESS:-}" ]; then
  echo "Opening VS Code on demo/ with Agent Mesh loaded from $ROOT (close the window, then Ctrl-C here)."
  code --new-window --extensionDevelopmentPath="$ROOT" "$ROOT/demo"
  # The demo agents find the extension's relay through the workspace's discovery file.
  node dist/demo/demo-agents.js --workspace "$ROOT/demo" &
  pids+=($!)
  wait "${pids[0]}"
else
  token="${AGENT_MESH_TOKEN:-$(node -e "console.log(require('crypto').randomBytes(32).toString('hex'))")}"
  port="${AGENT_MESH_PORT:-7800}"
  AGENT_MESH_TOKEN="$token" node dist/cli.js serve --workspace "$ROOT/demo" --port "$port" &
  serve_pid=$!
  pids+=($serve_pid)
  AGENT_MESH_URL="http://127.0.0.1:$port" AGENT_MESH_TOKEN="$token" node dist/demo/demo-agents.js --workspace "$ROOT/demo" &
  pids+=($!)
  sleep 1
  echo
  echo "Dashboard: http://127.0.0.1:$port/?token=$token"
  echo "API token: $token   (curl -H \"Authorization: Bearer \$token\" http://127.0.0.1:$port/health)"
  wait "$serve_pid"
fi
