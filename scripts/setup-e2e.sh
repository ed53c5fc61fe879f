#!/usr/bin/env bash
# Prepare the machine for the e2e and in-editor test tiers (see shared/design/TESTING.md):
#   1. system packages (only those that are missing),
#   2. code-server 4.100.3 (= VS Code 1.100.3) in .cache/e2e/code-server/, with its postinstall
#      steps done by hand (as root the postinstall refuses to run and would download ripgrep).
# Idempotent: a marker file records a finished install, so a second run takes about no time.
set -euo pipefail

CODE_SERVER_VERSION="4.100.3"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="$ROOT/.cache/e2e"
CS_DIR="$CACHE_DIR/code-server"
MARKER="$CS_DIR/.setup-complete-$CODE_SERVER_VERSION"
APT_PACKAGES=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep chromium redis-server)

step() { printf '\n[setup-e2e] %s\n' "$*"; }
die() { printf '\n[setup-e2e] ERROR: %s\n' "$*" >&2; exit 1; }
trap 'printf "\n[setup-e2e] ERROR: line %s failed: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

SECONDS=0

# --- 1. system packages ------------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  # dpkg -s also knows removed packages whose config files remain: require "install ok installed".
  status="$(dpkg -s "$pkg" 2>/dev/null || true)"
  if ! grep -q '^Status: install ok installed' <<<"$status"; then missing+=("$pkg"); fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  step "system packages present: ${APT_PACKAGES[*]}"
else
  step "installing missing system packages: ${missing[*]}"
  [ "$(id -u)" -eq 0 ] || die "need root to apt-get install ${missing[*]} (run as root, or install them first)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update || die "apt-get update failed"
  apt-get install -y "${missing[@]}" || die "apt-get install ${missing[*]} failed"
fi
for tool in /usr/bin/chromium /usr/bin/rg; do
  [ -x "$tool" ] || die "$tool is missing after the package install"
done

# --- 2. code-server ----------------------------------------------------------------------------
if [ -f "$MARKER" ]; then
  step "code-server $CODE_SERVER_VERSION already set up in ${CS_DIR#"$ROOT"/} (${SECONDS}s)"
  exit 0
fi

mkdir -p "$CS_DIR"
cd "$CS_DIR"
[ -f package.json ] || printf '{ "name": "e2e-code-server", "private": true }\n' > package.json

step "npm install --ignore-scripts code-server@$CODE_SERVER_VERSION"
npm install --ignore-scripts --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" \
  || die "npm install code-server@$CODE_SERVER_VERSION failed"

VSCODE_DIR="$CS_DIR/node_modules/code-server/lib/vscode"
[ -d "$VSCODE_DIR" ] || die "$VSCODE_DIR not found: unexpected code-server package layout"

step "lib/vscode: npm install --omit=dev --ignore-scripts"
(cd "$VSCODE_DIR" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) \
  || die "npm install in lib/vscode failed"

step "lib/vscode: ripgrep from the system package"
mkdir -p "$VSCODE_DIR/node_modules/@vscode/ripgrep/bin"
ln -sf /usr/bin/rg "$VSCODE_DIR/node_modules/@vscode/ripgrep/bin/rg"

step "lib/vscode: npm rebuild (native modules, node-pty)"
(cd "$VSCODE_DIR" && npm_config_yes=true npm rebuild --loglevel=error) || die "npm rebuild in lib/vscode failed"

step "lib/vscode: node_modules.asar link"
(cd "$VSCODE_DIR" && ln -sfn node_modules node_modules.asar)

step "lib/vscode/extensions: npm install --omit=dev --ignore-scripts"
(cd "$VSCODE_DIR/extensions" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) \
  || die "npm install in lib/vscode/extensions failed"

# Only argon2: a plain `npm rebuild` here would also run code-server's own postinstall, which
# refuses to run as root.
step "code-server: npm rebuild argon2"
(cd "$CS_DIR" && npm_config_yes=true npm rebuild argon2 --loglevel=error) || die "npm rebuild argon2 in the code-server folder failed"

ENTRY="$CS_DIR/node_modules/code-server/out/node/entry.js"
[ -f "$ENTRY" ] || die "$ENTRY not found after the install"
# code-server writes a default config file on start; keep it out of $HOME.
version_output="$(CODE_SERVER_CONFIG="$CACHE_DIR/code-server-config.yaml" node "$ENTRY" --version 2>&1)" \
  || die "code-server does not start: node $ENTRY --version failed:"$'\n'"$version_output"
version="$(printf '%s\n' "$version_output" | grep -E "^$CODE_SERVER_VERSION " | head -n1 || true)"
[ -n "$version" ] || die "code-server --version did not report $CODE_SERVER_VERSION:"$'\n'"$version_output"

date -u +%Y-%m-%dT%H:%M:%SZ > "$MARKER"
step "code-server $version ready in ${CS_DIR#"$ROOT"/} (${SECONDS}s)"
