#!/usr/bin/env bash
# Provides the Chromium the browser tests drive (with playwright-core, which downloads no
# browser of its own).
#
# Prints exactly one line on stdout: the absolute path of a Chromium binary. Progress goes
# to stderr. Safe to run any number of times.
#
# Where it comes from, first match wins:
#   1. $CONSENTFLOW_CHROMIUM, if set (it must run `--version`, or this fails);
#   2. Debian's chromium package, already installed (/usr/lib/chromium/chromium is the
#      binary behind the /usr/bin/chromium wrapper script, which starts slower);
#   3. apt-get install chromium fonts-liberation, as root or with passwordless sudo.
set -euo pipefail

log() { printf 'chromium: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

works() { "$1" --version >/dev/null 2>&1; }

if [ -n "${CONSENTFLOW_CHROMIUM:-}" ]; then
  works "$CONSENTFLOW_CHROMIUM" || die "CONSENTFLOW_CHROMIUM=$CONSENTFLOW_CHROMIUM does not run"
  printf '%s\n' "$CONSENTFLOW_CHROMIUM"
  exit 0
fi

binary=/usr/lib/chromium/chromium
if [ -x "$binary" ] && works "$binary"; then
  printf '%s\n' "$binary"
  exit 0
fi

command -v apt-get >/dev/null || die "no Chromium found and no apt-get to install it; set CONSENTFLOW_CHROMIUM"
sudo=()
if [ "$(id -u)" != 0 ]; then
  sudo -n true 2>/dev/null || die "installing Chromium needs root or passwordless sudo; or set CONSENTFLOW_CHROMIUM"
  sudo=(sudo -n)
fi
log "installing Debian's chromium and fonts-liberation (apt-get)…"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q update >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends \
  chromium fonts-liberation >&2
works "$binary" || die "chromium installed but $binary does not run"
printf '%s\n' "$binary"
