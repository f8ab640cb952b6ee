#!/usr/bin/env bash
# Provide the native addon of mongodb-client-encryption (build/Release/mongocrypt.node)
# so that `npm ci` also succeeds on a machine that reaches package registries only.
#
# Why this exists
#   The package's install script is `prebuild-install --runtime napi || node-gyp rebuild`.
#   prebuild-install downloads a prebuilt addon from GitHub releases, and the node-gyp
#   fallback needs libmongocrypt, which the npm package does not contain. Without
#   github.com both fail. Before downloading, prebuild-install looks for a local file
#   <package dir>/prebuilds/<release asset name>; this script puts one there.
#
# When it runs
#   From the preinstall hook of the helper package scripts/mongocrypt-addon. npm runs
#   the preinstall scripts of all dependencies before any install script, and the
#   package folders are already extracted by then, so the version we prepare for is the
#   one the lockfile put into node_modules. This holds only for dependencies that are
#   installed as copies: a symlinked file: dependency has its scripts run after all the
#   others, too late. Hence `install-links=true` in the project's .npmrc.
#   Run by hand (`bash scripts/provision/mongocrypt-addon.sh`) it fills the cache for the
#   locked version, and puts the file in place if node_modules has the package.
#
# Where the prebuild comes from, first match wins
#   1. $MONGOCRYPT_PREBUILD: path of a ready prebuild tarball.
#   2. The per-user cache: <cache>/mongocrypt/<version>-<napi/platform>/<asset name>.
#   3. GitHub answers for the release asset: do nothing, prebuild-install downloads it.
#   4. Build it here, offline: libmongocrypt from Debian *binary* packages of a newer
#      suite (bookworm's 1.7 is too old), linked statically into the addon by node-gyp.
#      Suites are tried in order until one gives an addon that loads; sid comes first
#      because mongodb-client-encryption 7.x needs a recent libmongocrypt (trixie's
#      1.13 lacks functions it calls), testing is the fallback when sid is in flux, and
#      trixie serves older 6.x releases. No Debian version is pinned: whatever the
#      suite has today is used. The result goes into the cache, so the next clone on
#      this machine skips all of this.
#
# Knobs (environment)
#   MONGOCRYPT_PREBUILD       tarball to use as is (holds build/Release/mongocrypt.node)
#   MONGOCRYPT_FORCE_BUILD=1  skip the GitHub check (a cached prebuild is still used)
#   MONGOCRYPT_DEBIAN_SUITES  suites tried in order for libmongocrypt (default: "sid testing trixie")
#   MONGOCRYPT_DEBIAN_MIRROR  Debian mirror (default: http://deb.debian.org/debian)
#   CONSENTFLOW_CACHE_DIR     cache root (default: ${XDG_CACHE_HOME:-~/.cache}/consentflow)
#
# Everything it builds or downloads stays under <cache>/mongocrypt; outside it, it only
# apt-installs missing bookworm build tools (as root, or with passwordless sudo).
set -euo pipefail

log() { printf '[mongocrypt-addon] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

SELF=$(readlink -f "${BASH_SOURCE[0]}")
ROOT=$(cd "$(dirname "$SELF")/../.." && pwd)  # this file lives in <root>/scripts/provision
PKG_NAME=mongodb-client-encryption
PKG_DIR=$ROOT/node_modules/$PKG_NAME
CACHE_ROOT=${CONSENTFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/consentflow}
BASE=$CACHE_ROOT/mongocrypt
WORK=$BASE/work

# Everything about the release asset is derived from the package manifest, exactly as
# prebuild-install does it (util.js getDownloadUrl, rc.js, napi-build-utils):
#   <name>-v<version>-napi-v<best napi>-<platform><libc>-<arch>.tar.gz
# Prints: version, asset name, cache slot name, download URL, node install prefix and the
# libmongocrypt version the release was made with.
describe_package() {
  node - "$1" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const m = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const env = process.env;
const short = m.name.replace(/^@[^/]+\//, '');
const ours = Number(process.versions.napi);
const napi = Math.max(0, ...((m.binary && m.binary.napi_versions) || []).map(Number).filter((v) => v <= ours));
if (!napi) throw new Error(`${m.name}@${m.version} has no N-API build for this Node (napi ${ours})`);
const platform = env.npm_config_platform || process.platform;
const arch = env.npm_config_arch || process.arch;
let libc = env.LIBC || env.npm_config_libc || '';
if (!libc && platform === 'linux' && !process.report.getReport().header.glibcVersionRuntime) libc = 'musl';
if (platform !== 'linux' || libc === 'glibc') libc = '';
const key = `napi-v${napi}-${platform}${libc}-${arch}`;
const asset = `${short}-v${m.version}-${key}.tar.gz`;
const envName = 'npm_config_' + m.name.replace(/[^a-zA-Z0-9]/g, '_').replace(/^_/, '');
const mirror = env[`${envName}_binary_host`] || env[`${envName}_binary_host_mirror`];
let url;
if (mirror) {
  url = `${mirror.replace(/\/$/, '')}/v${m.version}/${asset}`;
} else if (m.binary && m.binary.host) {
  url = [m.binary.host, m.binary.remote_path, asset].filter(Boolean).map((s) => s.replace(/^\.?\/|\/$/g, '')).join('/');
} else {
  const repo = typeof m.repository === 'string' ? m.repository : (m.repository || {}).url || '';
  const gh = repo.match(/github\.com[/:]([^/]+\/[^/]+?)(\.git)?$/);
  url = gh ? `https://github.com/${gh[1]}/releases/download/v${m.version}/${asset}` : '';
}
const nodePrefix = path.resolve(process.execPath, '..', '..');
console.log([m.version, asset, `${m.version}-${key}`, url || '-', nodePrefix, m['mongodb:libmongocrypt'] || '-'].join('\t'));
JS
}

# A prebuild is a gzipped tar holding build/Release/mongocrypt.node.
is_prebuild() {
  # (grep without -q reads to the end, so tar never dies of SIGPIPE under pipefail)
  [ -s "$1" ] && tar -tzf "$1" 2>/dev/null | grep -Ex '(\./)?build/Release/mongocrypt\.node' >/dev/null
}

# Copy into place through a temporary name, so an interrupted run leaves no half file.
place() {
  local src=$1 dst=$2
  mkdir -p "$(dirname "$dst")"
  cp "$src" "$dst.tmp.$$"
  mv -f "$dst.tmp.$$" "$dst"
}

url_answers() {
  local url=$1
  [ "$url" != - ] || return 1
  if command -v curl >/dev/null 2>&1; then
    curl -sfI --max-time 5 -o /dev/null "$url"
  else  # a bare Debian image has no curl; Node's fetch is enough for a yes/no
    node -e 'fetch(process.argv[1], { method: "HEAD", redirect: "manual", signal: AbortSignal.timeout(5000) })
      .then((r) => process.exit(r.status < 400 ? 0 : 1), () => process.exit(1))' "$url"
  fi
}

# Missing bookworm tools for the offline build. Only these touch the system; they are
# checked by what the build uses, so tools installed some other way count too.
ensure_build_tools() {
  local need=()
  command -v gcc >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1 && command -v make >/dev/null 2>&1 ||
    need+=(build-essential)
  command -v ar >/dev/null 2>&1 || need+=(binutils)
  command -v python3 >/dev/null 2>&1 || need+=(python3)  # node-gyp
  [ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || need+=(debian-archive-keyring)
  # libmongocrypt's decimal128 code calls into Intel's libbid; bookworm ships it as a static lib.
  [ -e "/usr/lib/$MULTIARCH/libbidgcc000.a" ] || need+=(libintelrdfpmath-dev)
  [ ${#need[@]} -gt 0 ] || return 0
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    sudo -n true 2>/dev/null || die "missing build packages: ${need[*]} (install them as root, then re-run)"
    sudo=(sudo -n)
  fi
  log "installing bookworm build packages: ${need[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q update >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends "${need[@]}" >&2
}

# One complete build attempt against libmongocrypt from Debian suite $1. It runs as a
# child bash process (see build_prebuild) so that `set -e` really stops it on the
# first error and the caller can move on to the next suite.
attempt_suite() {
  local suite=$1
  local apt_dir=$WORK/apt/$suite
  local mirror=${MONGOCRYPT_DEBIAN_MIRROR:-http://deb.debian.org/debian}

  # A private apt configuration that knows only $suite and an empty dpkg status: it can
  # resolve and download packages but never installs anything into this system.
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  echo "deb [arch=$DEB_ARCH signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" \
    >"$apt_dir/sources.list"
  : >"$apt_dir/status"
  local apt=(-o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
    -o Dir::State::Lists="$apt_dir/lists" -o Dir::State::Status="$apt_dir/status"
    -o Dir::Cache="$apt_dir/cache" -o Acquire::Languages=none -o APT::Architecture="$DEB_ARCH")
  # As root apt drops to the _apt user for downloads, which cannot write into a
  # private home directory.
  [ "$(id -u)" != 0 ] || apt+=(-o APT::Sandbox::User=root)

  log "[$suite] reading package lists"
  apt-get "${apt[@]}" -qq update >&2
  local debver
  debver=$(apt-cache "${apt[@]}" madison libmongocrypt-dev | awk -F'|' 'NR == 1 { gsub(/ /, "", $2); print $2 }')
  [ -n "$debver" ] || { log "[$suite] has no libmongocrypt-dev"; return 1; }
  local upstream=${debver#*:}
  upstream=${upstream%%-*}
  upstream=${upstream%%[+~]*}  # e.g. 1.21.1+dfsg-1 -> 1.21.1, as libmongocrypt reports itself
  local tag=${debver//[^A-Za-z0-9.]/_}  # safe in file names and in ar scripts
  log "[$suite] libmongocrypt-dev $debver"
  if [ "$LIB_WANTED" != - ] && dpkg --compare-versions "$upstream" lt "$LIB_WANTED"; then
    log "[$suite] note: $PKG_NAME@$MCE_VERSION was released with libmongocrypt $LIB_WANTED; $upstream may be too old"
  fi

  # Only the -dev package is needed: it carries the headers and the static archives.
  local debs=$WORK/debs/$suite-$tag deb
  mkdir -p "$debs"
  deb=$(find "$debs" -maxdepth 1 -name 'libmongocrypt-dev_*.deb' -print -quit)
  if [ -z "$deb" ]; then
    (cd "$debs" && apt-get "${apt[@]}" -q download "libmongocrypt-dev=$debver" >&2)
    deb=$(find "$debs" -maxdepth 1 -name 'libmongocrypt-dev_*.deb' -print -quit)
  fi
  local tree=$WORK/tree/$tag
  rm -rf "$tree"
  mkdir -p "$tree"
  dpkg-deb -x "$deb" "$tree"
  local libdir=$tree/usr/lib/$MULTIARCH

  # The addon's "dynamic" link mode just adds -lmongocrypt. Giving the linker one
  # static libmongocrypt.a (and no .so) embeds libmongocrypt, kms-message, libbson and
  # libbid in mongocrypt.node, so nothing from the newer suite is needed at run time.
  local prefix=$WORK/prefix/$tag
  rm -rf "$prefix"
  mkdir -p "$prefix/include" "$prefix/lib/parts"
  cp -a "$tree/usr/include/mongocrypt" "$prefix/include/"
  cp "$libdir/libmongocrypt-static.a" "$prefix/lib/parts/mongocrypt.a"
  cp "$libdir/libkms_message-static.a" "$prefix/lib/parts/kms.a"
  cp "$libdir/libbson-static-for-libmongocrypt.a" "$prefix/lib/parts/bson.a"
  cp "/usr/lib/$MULTIARCH/libbidgcc000.a" "$prefix/lib/parts/bid.a"
  local extra=""
  # Newer libbson calls strlcpy, which glibc has only from 2.38 (bookworm: 2.36).
  # If the C library lacks it, add a private copy that is not exported from the addon.
  if nm -u "$prefix/lib/parts/bson.a" 2>/dev/null | grep -w strlcpy >/dev/null &&
    ! printf 'char strlcpy();\nint main(void) { return strlcpy(); }\n' |
      gcc -x c - -o "$prefix/lib/parts/probe" >/dev/null 2>&1; then
    log "[$suite] C library has no strlcpy: adding a hidden one"
    cat >"$prefix/lib/parts/strlcpy.c" <<'C'
#include <string.h>
__attribute__((visibility("hidden")))
size_t strlcpy(char *dst, const char *src, size_t size) {
  size_t len = strlen(src);
  if (size > 0) {
    size_t n = len < size ? len : size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
  }
  return len;
}
C
    gcc -O2 -fPIC -c "$prefix/lib/parts/strlcpy.c" -o "$prefix/lib/parts/strlcpy.o"
    extra="ADDMOD strlcpy.o"
  fi
  # An ar MRI script keeps objects of the same name from different archives apart.
  (cd "$prefix/lib/parts" && ar -M >&2) <<EOF
CREATE ../libmongocrypt.a
ADDLIB mongocrypt.a
ADDLIB kms.a
ADDLIB bson.a
ADDLIB bid.a
$extra
SAVE
END
EOF

  # Build the addon in a scratch npm project, never in the project itself: a nested
  # install there would rewrite its node_modules and lockfile mid-install.
  local app=$WORK/app
  rm -rf "$app"
  mkdir -p "$app"
  cat >"$app/package.json" <<EOF
{ "name": "mongocrypt-addon-build", "private": true,
  "allowScripts": { "$PKG_NAME": true } }
EOF
  # Same registry and npm settings as the project.
  if [ -f "$ROOT/.npmrc" ]; then cp "$ROOT/.npmrc" "$app/.npmrc"; fi
  log "[$suite] building the addon with node-gyp"
  # shellcheck disable=SC2030  # the build settings are meant for this subshell only
  (
    cd "$app"
    # Forget the outer npm command, so the nested one treats $app as its project.
    for v in $(compgen -e); do
      case $v in
        npm_package_* | npm_lifecycle_* | npm_command | npm_config_local_prefix | INIT_CWD | \
          npm_config_mongodb_client_encryption_local_prebuilds) unset "$v" ;;
      esac
    done
    export npm_config_build_from_source=$PKG_NAME    # prebuild-install: don't try to download
    export npm_config_libmongocrypt_link_type=dynamic  # binding.gyp: link -lmongocrypt
    export CPATH="$prefix/include${CPATH:+:$CPATH}"
    export LIBRARY_PATH="$prefix/lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
    # --exclude-libs: the embedded libraries' symbols stay private to the addon instead
    # of being exported next to the N-API entry point.
    export LDFLAGS="-L$prefix/lib -Wl,--exclude-libs,ALL${LDFLAGS:+ $LDFLAGS}"
    # node-gyp would download Node's headers from nodejs.org; use the installed ones.
    if [ -z "${npm_config_nodedir:-}" ] && [ -f "$NODE_PREFIX/include/node/node_api.h" ]; then
      export npm_config_nodedir=$NODE_PREFIX
    fi
    export npm_config_devdir=$WORK/node-gyp  # node-gyp's own header cache, if it needs one
    # (loglevel error: npm warns about the npm_config_* names above, which are read by
    #  prebuild-install and node-gyp, not by npm)
    npm install --no-audit --no-fund --no-package-lock --prefer-offline --foreground-scripts \
      --loglevel=error "$PKG_NAME@$MCE_VERSION" >&2
  )
  local built=$app/node_modules/$PKG_NAME/build/Release/mongocrypt.node
  [ -s "$built" ] || { log "[$suite] npm finished but $built is missing (install script skipped?)"; return 1; }

  # Load it and make sure it really uses the libmongocrypt we linked.
  local got
  got=$(cd "$app" && node -e '
    const { MongoCrypt } = require(process.argv[1]);
    // {local: {key: <96 zero bytes>}} as BSON, to make libmongocrypt accept a KMS setup.
    const key = Buffer.concat([Buffer.from([0x05]), Buffer.from("key\0"), Buffer.from([96, 0, 0, 0, 0]), Buffer.alloc(96)]);
    const sub = Buffer.concat([Buffer.alloc(4), key, Buffer.from([0])]);
    sub.writeInt32LE(sub.length);
    const doc = Buffer.concat([Buffer.alloc(4), Buffer.from([0x03]), Buffer.from("local\0"), sub, Buffer.from([0])]);
    doc.writeInt32LE(doc.length);
    new MongoCrypt({ kmsProviders: doc });
    console.log(MongoCrypt.libmongocryptVersion);' "$PKG_NAME") ||
    { log "[$suite] the built addon does not load"; return 1; }
  case $got in
    "$upstream"*) ;;
    *) log "[$suite] addon reports libmongocrypt '$got', expected $upstream"; return 1 ;;
  esac
  log "[$suite] addon loads, libmongocrypt $got"

  # Pack it the way release assets are packed, then publish into the cache atomically.
  local stage=$WORK/stage
  rm -rf "$stage"
  mkdir -p "$stage/build/Release"
  cp "$built" "$stage/build/Release/mongocrypt.node"
  strip --strip-unneeded "$stage/build/Release/mongocrypt.node"
  mkdir -p "$SLOT"
  tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$SLOT/$ASSET.tmp.$$" build/Release/mongocrypt.node
  mv -f "$SLOT/$ASSET.tmp.$$" "$SLOT/$ASSET"
  printf 'mongodb-client-encryption %s\nlibmongocrypt %s (Debian %s, libmongocrypt-dev %s, static)\nnode %s\nbuilt %s\n' \
    "$MCE_VERSION" "$got" "$suite" "$debver" "$(node -v)" "$(date -u +%FT%TZ)" >"$SLOT/BUILD-INFO"

  # Keep the downloaded .deb (small); drop package lists and scratch trees (tens of MB).
  rm -rf "$app" "$stage" "$tree" "$prefix" "$apt_dir"
  rmdir "$WORK/tree" "$WORK/prefix" "$WORK/apt" 2>/dev/null || true
}

build_prebuild() {
  if ! { [ "$(uname -s)" = Linux ] && command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1; }; then
    die "no prebuild for $ASSET and no Debian tools to build one; set MONGOCRYPT_PREBUILD or allow access to GitHub"
  fi
  DEB_ARCH=$(dpkg --print-architecture)
  case $DEB_ARCH in
    amd64) MULTIARCH=x86_64-linux-gnu ;;
    arm64) MULTIARCH=aarch64-linux-gnu ;;
    *) die "offline build not set up for $DEB_ARCH" ;;
  esac
  export DEB_ARCH MULTIARCH
  ensure_build_tools
  local suite started=$SECONDS
  for suite in ${MONGOCRYPT_DEBIAN_SUITES:-sid testing trixie}; do
    # A separate bash process: inside an `if`, bash would ignore `set -e` in a function.
    if bash "$SELF" --attempt "$suite"; then
      log "built $ASSET in $((SECONDS - started))s"
      return 0
    fi
    log "[$suite] no usable addon from this suite"
  done
  die "could not build the addon from Debian suites: ${MONGOCRYPT_DEBIAN_SUITES:-sid testing trixie}"
}

# --- entry point ----------------------------------------------------------------------

if [ "${1:-}" = --attempt ]; then  # child process of build_prebuild
  attempt_suite "$2"
  exit
fi

command -v node >/dev/null 2>&1 || die "node is not on PATH"

# Which version: the one npm has just extracted into node_modules (from the lockfile).
# Run by hand before any install, take the lockfile's version and ask the registry for
# the rest of the manifest.
if [ -f "$PKG_DIR/package.json" ]; then
  manifest=$PKG_DIR/package.json
else
  [ -f "$ROOT/package-lock.json" ] || { log "$PKG_NAME is not installed and there is no lockfile: nothing to do"; exit 0; }
  locked=$(node -e '
    const lock = require(process.argv[1]);
    const entry = (lock.packages || {})["node_modules/" + process.argv[2]];
    if (entry && entry.version) console.log(entry.version);' "$ROOT/package-lock.json" "$PKG_NAME")
  [ -n "$locked" ] || { log "$PKG_NAME is not in the lockfile: nothing to do"; exit 0; }
  manifest=$BASE/manifest-$locked.json
  if [ ! -s "$manifest" ]; then
    mkdir -p "$BASE"
    (cd "$ROOT" && npm view --json "$PKG_NAME@$locked") >"$manifest.tmp.$$"
    mv -f "$manifest.tmp.$$" "$manifest"
  fi
fi
IFS=$'\t' read -r MCE_VERSION ASSET SLOT_NAME DOWNLOAD_URL NODE_PREFIX LIB_WANTED < <(describe_package "$manifest")
[ -n "${ASSET:-}" ] || die "could not read $manifest"
SLOT=$BASE/$SLOT_NAME
CACHED=$SLOT/$ASSET
export MCE_VERSION ASSET SLOT NODE_PREFIX LIB_WANTED

# prebuild-install's local prebuild location (relative paths are taken from the package dir).
local_dir=${npm_config_mongodb_client_encryption_local_prebuilds:-prebuilds}
case $local_dir in /*) ;; *) local_dir=$PKG_DIR/$local_dir ;; esac
TARGET=$local_dir/$ASSET
install_here=0
[ -d "$PKG_DIR" ] && install_here=1

# shellcheck disable=SC2031  # this is the caller's own setting, not the build's
case ${npm_config_build_from_source:-} in
  true | "$PKG_NAME") log "WARNING: npm_config_build_from_source=$npm_config_build_from_source makes prebuild-install ignore prebuilds" ;;
esac

if [ $install_here = 1 ] && is_prebuild "$TARGET"; then
  log "$ASSET already in place"
  exit 0
fi

# 1. An explicitly given prebuild.
if [ -n "${MONGOCRYPT_PREBUILD:-}" ]; then
  is_prebuild "$MONGOCRYPT_PREBUILD" || die "MONGOCRYPT_PREBUILD=$MONGOCRYPT_PREBUILD is not a prebuild tarball"
  if [ $install_here = 1 ]; then place "$MONGOCRYPT_PREBUILD" "$TARGET"; fi
  log "using MONGOCRYPT_PREBUILD=$MONGOCRYPT_PREBUILD"
  exit 0
fi

# 2. Built (or copied) here before.
if is_prebuild "$CACHED"; then
  if [ $install_here = 1 ]; then place "$CACHED" "$TARGET"; fi
  log "using cached $CACHED"
  exit 0
fi

# 3. The normal download works: leave it to prebuild-install.
if [ "${MONGOCRYPT_FORCE_BUILD:-0}" != 1 ] && url_answers "$DOWNLOAD_URL"; then
  log "$DOWNLOAD_URL is reachable: prebuild-install will download it"
  exit 0
fi

# 4. Build. One build at a time per cache; whoever waited re-checks the cache first.
log "building $ASSET offline (cache: $BASE)"
mkdir -p "$BASE"
exec 9>"$BASE/.lock"
if command -v flock >/dev/null 2>&1 && ! flock -n 9; then
  log "another install is building it: waiting"
  flock 9
fi
if ! is_prebuild "$CACHED"; then
  build_prebuild
fi
if [ $install_here = 1 ]; then place "$CACHED" "$TARGET"; fi
log "ready: $CACHED"
