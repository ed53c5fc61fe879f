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
# vsce runs the manifest's vscode:prepublish (the production build) before packing.
(cd "$OUT" && npx vsce package --no-dependencies --no-rewrite-relative-links --out "$OUT/agent-mesh.vsix") > "$OUT/vsce.log" 2>&1
check "vsce package succeeds" '[ -f "$OUT/agent-mesh.vsix" ] || { cat "$OUT/vsce.log"; false; }'
listing=$(unzip -Z1 "$OUT/agent-mesh.vsix" 2>/dev/null)
size=$(stat -c %s "$OUT/agent-mesh.vsix" 2>/dev/null || echo 0)
# About 1.6 MiB of the package is js-tiktoken's two rank tables (exact token counts need them);
# the code itself compresses to well under 1 MiB.
# The README's pictures ship too (so the extension page shows them); they are counted apart.
pictures=$(unzip -Zl "$OUT/agent-mesh.vsix" 2>/dev/null | awk '$NF ~ /^extension\/docs\// {s+=$6} END {print s+0}')
check "the .vsix without its pictures is under 3 MiB ($((size - pictures)) bytes)" '[ "$size" -gt 0 ] && [ $((size - pictures)) -lt 3145728 ]'
check "the README's pictures are under 1.5 MiB ($pictures bytes)" '[ "$pictures" -lt 1572864 ]'
check "it ships no sources" '! grep -qE "^extension/(src|demo)/|\.ts$" <<<"$listing"'
check "it ships no source maps" '! grep -q "\.map$" <<<"$listing"'
check "it ships no tests, benches or scripts" '! grep -qE "^extension/(test|bench|scripts|\.ci)/" <<<"$listing"'
check "it ships the extension, CLI and webview bundles" 'grep -q "extension/dist/extension.js" <<<"$listing" && grep -q "extension/dist/cli.js" <<<"$listing" && grep -q "extension/dist/webview.js" <<<"$listing"'
check "it ships the README" 'grep -q "extension/readme.md" <<<"${listing,,}"'
check "it ships the CHANGELOG and the PNG icon the manifest names" 'grep -qi "extension/changelog.md" <<<"$listing" && grep -qx "extension/$(node -p "require(\"./package.json\").icon")" <<<"$listing" && [[ "$(node -p "require(\"./package.json\").icon")" == *.png ]]'
# Every file the walkthrough and the README's pictures point at is in the package, so the
# extension page and the walkthrough render from the installed extension.
shipped_refs() {
  node -e '
    const fs = require("fs");
    const pkg = require("./package.json");
    const refs = (pkg.contributes.walkthroughs ?? []).flatMap((w) => w.steps.flatMap((s) => Object.values(s.media).filter((v) => typeof v === "string")));
    for (const m of fs.readFileSync("README.md", "utf8").matchAll(/!\[[^\]\n]*\]\(([^)\s]+)\)/g)) if (!/^https?:/.test(m[1])) refs.push(m[1]);
    console.log(refs.join("\n"));'
}
missing=$(shipped_refs | while read -r ref; do [ -z "$ref" ] || grep -qx "extension/${ref#./}" <<<"$listing" || echo "$ref"; done)
check "it ships every walkthrough and README picture it names${missing:+ (missing: $missing)}" '[ -z "$missing" ]'
{ echo "$size bytes"; unzip -l "$OUT/agent-mesh.vsix"; } > "$ROOT/test-results/package-contents.txt" 2>/dev/null || true
echo
echo "  $pass passing"
[ "$fail" -eq 0 ] || echo "  $fail failing"
[ "$fail" -eq 0 ]
