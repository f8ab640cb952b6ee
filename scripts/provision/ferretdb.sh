#!/usr/bin/env bash
# Provides FerretDB, the MongoDB-compatible server (SQLite storage) that local runs
# and CI use when no real MongoDB is available.
#
# Prints exactly one line on stdout: the absolute path of a working ferretdb binary.
# All progress goes to stderr. Safe to run any number of times.
#
# Where the binary comes from, first match wins:
#   1. $FERRETDB_PATH, if set (it must run `--version`, or this fails);
#   2. the per-user cache, shared by every clone on this machine:
#      ${CONSENTFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/consentflow}/ferretdb/<version>+<patches>/ferretdb
#   3. a build from source with Go (>= 1.24), pinned by ferretdb/go.mod and go.sum, with
#      the fixes in ferretdb/patches/ applied (each file says what it fixes and why).
#      First build: 1-2.5 minutes on 2 cores (downloads ~130 MB of modules); a few
#      seconds when Go's own caches are warm.
#
# Exit status 3: no binary could be found or built (the message says why).
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
module_dir="$script_dir/ferretdb"
module=github.com/FerretDB/FerretDB

log() { printf 'ferretdb: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 3
}

# The pinned version lives in one place only: the tools module's go.mod.
version=$(awk -v m="$module" '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$module_dir/go.mod" 2>/dev/null || true)
[[ $version == v* ]] || die "cannot read the $module version from $module_dir/go.mod"

abs_path() {
  local dir
  dir=$(cd -- "$(dirname -- "$1")" 2>/dev/null && pwd) || return 1
  printf '%s/%s\n' "$dir" "$(basename -- "$1")"
}

# Prints the version the binary reports; fails if it does not run.
binary_version() {
  local out
  [[ -f $1 && -x $1 ]] || return 1
  out=$("$1" --version 2>/dev/null) || return 1
  sed -n 's/^version: //p' <<<"$out" | head -n 1
}

# 1. Explicit override.
if [[ -n ${FERRETDB_PATH:-} ]]; then
  candidate=$FERRETDB_PATH
  if [[ $candidate != */* ]]; then
    candidate=$(command -v -- "$candidate" || true)
  fi
  [[ -n $candidate ]] || die "FERRETDB_PATH=$FERRETDB_PATH: not found"
  candidate=$(abs_path "$candidate") || die "FERRETDB_PATH=$FERRETDB_PATH: not found"
  got=$(binary_version "$candidate") || die "FERRETDB_PATH=$candidate does not run '--version'"
  if [[ $got != "$version" ]]; then
    log "warning: FERRETDB_PATH reports version '${got:-unknown}', the project is tested with $version"
  fi
  log "using FERRETDB_PATH ($candidate)"
  printf '%s\n' "$candidate"
  exit 0
fi

# 2. Per-user cache, keyed by version and by the patches applied (a changed patch set
#    builds anew instead of reusing a binary without it).
patches=("$module_dir"/patches/*.patch)
[[ -e ${patches[0]} ]] || patches=()
sha256() { if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi; }
if ((${#patches[@]})); then
  patch_digest=$(cat -- "${patches[@]}" | sha256 | cut -c1-12)
  [[ $patch_digest =~ ^[0-9a-f]{12}$ ]] || die "cannot hash the patches (no sha256sum or shasum)"
  build_id="$version+$patch_digest"
else
  build_id=$version
fi
cache_root=${CONSENTFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/consentflow}
mkdir -p -- "$cache_root/ferretdb/$build_id" || die "cannot create cache directory $cache_root/ferretdb/$build_id"
cache_dir=$(cd -- "$cache_root/ferretdb/$build_id" && pwd)
bin="$cache_dir/ferretdb"

cached_ok() { [[ $(binary_version "$bin" 2>/dev/null) == "$version" ]]; }

if cached_ok; then
  log "using cached $build_id ($bin)"
  printf '%s\n' "$bin"
  exit 0
fi

# 3. Build. One build at a time per cache directory; whoever waited reuses the result.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache_dir/.lock"
  flock 9
  if cached_ok; then
    log "using $version built by a concurrent run ($bin)"
    printf '%s\n' "$bin"
    exit 0
  fi
fi
[[ -e $bin ]] && log "cached binary at $bin does not report $version; rebuilding"

command -v go >/dev/null 2>&1 ||
  die "FerretDB $version is not cached and Go is not installed; install Go >= 1.24 or set FERRETDB_PATH to a ferretdb $version binary"

# Keep the build independent of the caller's Go settings (a go.work above the
# cache, -mod=vendor in GOFLAGS, cgo toolchains): the result is a static binary.
export GOWORK=off GOFLAGS=-mod=readonly CGO_ENABLED=0

work=$(mktemp -d "$cache_dir/build.XXXXXX") || die "cannot create a build directory in $cache_dir"
cleanup() {
  chmod -R u+w -- "$work" 2>/dev/null || true
  rm -rf -- "$work"
}
trap cleanup EXIT

log "building FerretDB $build_id with $(go env GOVERSION) (first build takes a few minutes)"
start=$SECONDS

# Fetch the pinned source through Go's module cache; go.sum vouches for it.
(cd -- "$module_dir" && go mod download "$module") >&2 ||
  die "cannot download $module@$version (no access to the Go module proxy, or Go older than 1.24?)"
src=$(cd -- "$module_dir" && go list -m -f '{{.Dir}}' "$module") || src=
[[ -n $src && -d $src ]] || die "cannot locate $module@$version in the Go module cache"

# The ferretdb command refuses to start unless build/version/version.txt exists:
# upstream generates it from git at release time, so it is absent from the
# published module and a plain `go install`/`go build` gives a binary that panics
# at start-up. Build from a private copy of the module that has the file.
cp -R -- "$src" "$work/src" || die "cannot copy the FerretDB source to $work"
chmod -R u+w -- "$work/src"
printf '%s\n' "$version" >"$work/src/build/version/version.txt"
if ((${#patches[@]})); then
  command -v git >/dev/null 2>&1 || die "git is needed to apply the patches in $module_dir/patches"
fi
for p in ${patches[@]+"${patches[@]}"}; do
  # Outside any repository on purpose: inside one, git apply would skip paths outside it.
  (cd -- "$work/src" && GIT_CEILING_DIRECTORIES=$work git apply -- "$p") >&2 || die "cannot apply $(basename -- "$p") to FerretDB $version"
done

mkdir "$work/mod"
cp -- "$module_dir/go.mod" "$module_dir/go.sum" "$work/mod/"
(cd -- "$work/mod" && go mod edit -replace "$module=../src") >&2 || die "cannot prepare the build module"

(cd -- "$work/mod" && go build -trimpath -buildvcs=false -o "$work/ferretdb" "$module/cmd/ferretdb") >&2 ||
  die "go build of FerretDB $version failed (see above)"

got=$(binary_version "$work/ferretdb") || die "the freshly built binary does not run '--version'"
[[ $got == "$version" ]] || die "the freshly built binary reports version '$got', expected $version"

mv -f -- "$work/ferretdb" "$bin"
log "built $version in $((SECONDS - start))s ($bin)"
printf '%s\n' "$bin"
