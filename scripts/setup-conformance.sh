#!/usr/bin/env bash
# Installs the official MCP conformance suite and the Node 22 it needs into .cache/conformance/, for
# test/integration/conformance.test.ts. Node 22 comes from the npm registry as the `node` package
# (its per-platform binary package is an optional dependency); nothing else is downloaded.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/pinned-npm-cache.sh"

CONFORMANCE_VERSION="0.1.16"
NODE_VERSION="22.23.3"

conformance_works() {
  local node_bin="$DIR/node_modules/.bin/node" suite="$DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js" version
  [ -x "$node_bin" ] || die "$node_bin not found after the install"
  [ -f "$suite" ] || die "$suite not found after the install"
  version="$("$node_bin" --version 2>&1)" || die "node --version failed: $version"
  [ "$version" = "v$NODE_VERSION" ] || die "node --version reported $version, not v$NODE_VERSION"
  "$node_bin" "$suite" --help >/dev/null 2>&1 || die "the conformance suite does not start under Node $NODE_VERSION"
}

pinned_npm_install conformance "$CONFORMANCE_VERSION-node-$NODE_VERSION" conformance_works \
  "node@$NODE_VERSION" "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION"
