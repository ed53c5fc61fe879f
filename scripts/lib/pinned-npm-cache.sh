# Sourced by the setup scripts that install pinned npm packages for the tests into a folder of
# .cache/ (git-ignored), from the npm registry only. Idempotent: a marker file records a finished
# install, so a second run takes about no time.
#
#   pinned_npm_install NAME MARKER_KEY CHECK PACKAGE@VERSION...
#
# NAME names the folder (.cache/NAME) and the log prefix; MARKER_KEY changes with every pinned
# version; CHECK is a shell function that proves the install works (it may call `die`). ROOT and DIR
# are set for CHECK.

step() { printf '\n[setup-%s] %s\n' "$SETUP_NAME" "$*"; }
die() { printf '\n[setup-%s] ERROR: %s\n' "$SETUP_NAME" "$*" >&2; exit 1; }

pinned_npm_install() {
  SETUP_NAME="$1"
  local marker_key="$2" check="$3"
  shift 3
  ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  DIR="$ROOT/.cache/$SETUP_NAME"
  local marker="$DIR/.setup-complete-$marker_key"
  SECONDS=0
  if [ -f "$marker" ] && "$check" >/dev/null 2>&1; then
    step "$* already set up in ${DIR#"$ROOT"/} (${SECONDS}s)"
    return 0
  fi
  mkdir -p "$DIR"
  [ -f "$DIR/package.json" ] || printf '{ "name": "test-%s", "private": true }\n' "$SETUP_NAME" > "$DIR/package.json"
  step "npm install $*"
  npm install --prefix "$DIR" "$@" --no-audit --no-fund --loglevel=error || die "npm install $* failed"
  "$check"
  date -u +%Y-%m-%dT%H:%M:%SZ > "$marker"
  step "$* ready in ${DIR#"$ROOT"/} (${SECONDS}s)"
}
