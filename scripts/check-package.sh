#!/usr/bin/env bash
# Builds the production .vsix and checks that it is small and ships no sources, maps or tests.
# Prints mocha-style counts so the test runner can add them up.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/.cache/package"
rm -rf "$OUT" && mkdir -p "$OUT"
pass=0; fail=0
check() { if eval "$2"; then echo "  ✔ $1"; pass=$((pass+1)); else echo "  ✘ $1"; fail=$((fail+1)); fi; }

# Build the production bundles into a copy so the dev build in dist/ (with maps) stays as it is.
git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents {} "$OUT" 2>/dev/null
ln -s "$ROOT/node_modules" "$OUT/node_modules"
(cd "$OUT" && node esbuild.mjs --production && npx vsce package --no-dependencies --no-rewrite-relative-links --out "$OUT/agent-mesh.vsix") > "$OUT/vsce.log" 2>&1
check "vsce package succeeds" '[ -f "$OUT/agent-mesh.vsix" ] || { cat "$OUT/vsce.log"; false; }'
listing=$(unzip -Z1 "$OUT/agent-mesh.vsix" 2>/dev/null)
size=$(stat -c %s "$OUT/agent-mesh.vsix" 2>/dev/null || echo 0)
# About 1.6 MiB of the package is js-tiktoken's two rank tables (exact token counts need them);
# the code itself compresses to well under 1 MiB.
check "the .vsix is under 3 MiB ($size bytes)" '[ "$size" -gt 0 ] && [ "$size" -lt 3145728 ]'
check "it ships no sources" '! grep -qE "^extension/(src|demo)/|\.ts$" <<<"$listing"'
check "it ships no source maps" '! grep -q "\.map$" <<<"$listing"'
check "it ships no tests, benches or scripts" '! grep -qE "^extension/(test|bench|scripts|\.ci)/" <<<"$listing"'
check "it ships the extension, CLI and webview bundles" 'grep -q "extension/dist/extension.js" <<<"$listing" && grep -q "extension/dist/cli.js" <<<"$listing" && grep -q "extension/dist/webview.js" <<<"$listing"'
check "it ships the README" 'grep -q "extension/readme.md" <<<"${listing,,}"'
echo
echo "  $pass passing"
[ "$fail" -eq 0 ] || echo "  $fail failing"
[ "$fail" -eq 0 ]
