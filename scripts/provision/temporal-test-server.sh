#!/usr/bin/env bash
# Provides Temporal's time-skipping test server (for workflow tests whose timers are
# measured in days), run from Maven Central's jars instead of the SDK's download.
#
# Prints the absolute path of an executable on stdout (nothing else); logs go to stderr.
# The executable takes the SDK's arguments `<port> [--enable-time-skipping]` and is
# meant for `server.executable = { type: 'existing-path', path }`. Safe to run repeatedly.
#
# Order: $TEMPORAL_TEST_SERVER_PATH, the per-user cache, then a Maven resolve from
# temporal-test-server/pom.xml next to this script.
# Exit 3 means "cannot provide one": callers then let the SDK download its own server.
#
# Env:
#   TEMPORAL_TEST_SERVER_PATH  use this executable instead (a broken one is an error, exit 2)
#   CONSENTFLOW_CACHE_DIR      cache root (default: ${XDG_CACHE_HOME:-~/.cache}/consentflow)
set -euo pipefail

# Maven Central io.temporal:temporal-test-server; the pom takes it from here.
TEMPORAL_TEST_SERVER_VERSION=1.38.0

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$SCRIPT_DIR/temporal-test-server/pom.xml"
CACHE_ROOT="${CONSENTFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/consentflow}"
BASE="$CACHE_ROOT/temporal-test-server"
DEST="$BASE/$TEMPORAL_TEST_SERVER_VERSION"
WRAPPER_NAME=temporal-test-server
MAIN_CLASS=io.temporal.testserver.TestServer

log() { printf '[temporal-test-server] %s\n' "$*" >&2; }

# The JVM the wrapper runs, as an absolute path, so the wrapper does not depend on the
# PATH that a test runner happens to pass down.
find_java() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    printf '%s\n' "$JAVA_HOME/bin/java"
  else
    local j
    j="$(command -v java)" || return 1
    readlink -f "$j"
  fi
}

# Writes the wrapper for a lib folder. It must `exec`: the SDK kills only the process it
# started, so a shell left in between would orphan the JVM. Tiered C1-only compilation and
# the serial GC cut JVM start-up, which has to fit in the SDK's ~5 s wait for the port.
write_wrapper() { # <dir holding lib/> <final lib path> <java>
  cat >"$1/$WRAPPER_NAME" <<EOF
#!/bin/sh
# Temporal time-skipping test server $TEMPORAL_TEST_SERVER_VERSION, written by
# scripts/provision/temporal-test-server.sh. Args: <port> [--enable-time-skipping]
exec '$3' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '$2/*' $MAIN_CLASS "\$@"
EOF
  chmod 0755 "$1/$WRAPPER_NAME"
}

# A cached copy is usable when its jars are complete (written last, see install) and the
# JVM baked into its wrapper still exists.
cache_ok() {
  [[ -f "$DEST/lib/.complete" && -x "$DEST/$WRAPPER_NAME" ]] || return 1
  local java
  java="$(sed -n "s/^exec '\([^']*\)'.*/\1/p" "$DEST/$WRAPPER_NAME")"
  [[ -n "$java" && -x "$java" ]]
}

# 1. Explicit override.
if [[ -n "${TEMPORAL_TEST_SERVER_PATH:-}" ]]; then
  if [[ "$TEMPORAL_TEST_SERVER_PATH" == /* && -f "$TEMPORAL_TEST_SERVER_PATH" && -x "$TEMPORAL_TEST_SERVER_PATH" ]]; then
    log "using $TEMPORAL_TEST_SERVER_PATH (from TEMPORAL_TEST_SERVER_PATH)"
    printf '%s\n' "$TEMPORAL_TEST_SERVER_PATH"
    exit 0
  fi
  log "TEMPORAL_TEST_SERVER_PATH=$TEMPORAL_TEST_SERVER_PATH is not an executable file given by absolute path; fix or unset it"
  exit 2
fi

# 2. Cache.
if cache_ok; then
  log "using cached test server $TEMPORAL_TEST_SERVER_VERSION"
  printf '%s\n' "$DEST/$WRAPPER_NAME"
  exit 0
fi

# 3. Install.
if ! JAVA="$(find_java)"; then
  log "no java found (needs Java 8+); cannot run the test server"
  exit 3
fi
if [[ -f "$DEST/lib/.complete" ]]; then
  # Jars are fine, only the JVM moved (e.g. a JDK upgrade): rewrite the wrapper.
  write_wrapper "$DEST" "$DEST/lib" "$JAVA"
  log "rewrote wrapper for $JAVA"
  printf '%s\n' "$DEST/$WRAPPER_NAME"
  exit 0
fi
if ! command -v mvn >/dev/null 2>&1; then
  log "mvn not found; cannot fetch the test server from Maven Central"
  exit 3
fi

mkdir -p "$BASE"
WORK="$(mktemp -d "$BASE/.install.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

log "resolving io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION with Maven"
# The pom is copied so Maven never writes into the source tree. Maven's own repository
# (~/.m2) is reused, so a warm machine resolves without network. Maven reports errors on
# stdout, which belongs to our result, so its output is moved to stderr (minus the stray
# colour resets some Maven builds print even in batch mode).
cp "$POM" "$WORK/pom.xml"
if ! mvn -B -q -Dstyle.color=never -f "$WORK/pom.xml" dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$WORK/lib" \
  -Dtemporal.test.server.version="$TEMPORAL_TEST_SERVER_VERSION" 2>&1 |
  sed -e $'s/\e\\[0m//g' -e '/^$/d' >&2; then
  log "Maven could not resolve the test server"
  exit 3
fi
rm -f "$WORK/pom.xml"

# Check the classpath really holds the server: with no arguments it prints its usage.
usage="$("$JAVA" -cp "$WORK/lib/*" "$MAIN_CLASS" 2>&1 </dev/null || true)"
if [[ "$usage" != *"Usage:"* ]]; then
  log "resolved jars do not start $MAIN_CLASS"
  exit 3
fi

write_wrapper "$WORK" "$DEST/lib" "$JAVA"
touch "$WORK/lib/.complete"
chmod 0755 "$WORK" # mktemp made it private; the cache is readable like any other
# Swap the finished folder in with a rename; if a parallel run won the race, keep theirs.
cache_ok || rm -rf "$DEST"
[[ -e "$DEST" ]] || mv "$WORK" "$DEST" || true
if ! cache_ok; then
  log "could not move the test server into $DEST"
  exit 3
fi

log "installed test server $TEMPORAL_TEST_SERVER_VERSION into $DEST"
printf '%s\n' "$DEST/$WRAPPER_NAME"
