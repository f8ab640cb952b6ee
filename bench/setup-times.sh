#!/usr/bin/env bash
# Measures the set-up time of the two commands from a fresh clone of this repository.
#
#   bench/setup-times.sh cold   # empty per-user caches: HOME is a new empty folder
#   bench/setup-times.sh warm   # the machine's own caches (what a second clone sees)
#
# For each mode it clones HEAD into a temporary folder, times `npm start` until its
# `ready` line, checks /healthz and the Temporal Web UI, stops it with SIGINT and checks that
# no process is left, times a second `npm start` in the same clone, then times `npm test`.
# Uses the default ports, so nothing else may run on 3000/7233/8233/27017/2525.
set -euo pipefail
mode=${1:-warm}
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=$(mktemp -d "${TMPDIR:-/tmp}/consentflow-setup-XXXXXX")
git clone -q "$repo" "$work/clone"
if [[ $mode == cold ]]; then
  mkdir -p "$work/home/.config"
  # Keep the user's registry settings, none of their caches.
  [[ -f $HOME/.npmrc ]] && cp "$HOME/.npmrc" "$work/home/"
  [[ -d $HOME/.config/go ]] && cp -r "$HOME/.config/go" "$work/home/.config/"
  export PYENV_ROOT=${PYENV_ROOT:-$HOME/.pyenv} HOME=$work/home
  unset XDG_CACHE_HOME CONSENTFLOW_CACHE_DIR GOMODCACHE GOCACHE
fi
cd "$work/clone"

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc | xargs printf '%.1f'; }

time_start() { # <label>
  local t0 pid log=$work/start-$1.log
  t0=$(now)
  npm start >"$log" 2>&1 &
  pid=$!
  until grep -q 'ready in' "$log"; do
    kill -0 "$pid" 2>/dev/null || { tail -20 "$log"; echo "npm start exited early" >&2; exit 1; }
    sleep 0.2
  done
  echo "npm start ($1): ready after $(elapsed "$t0") s"
  echo "  /healthz: $(curl -s localhost:3000/healthz)"
  echo "  Temporal Web UI: HTTP $(curl -s -o /dev/null -w '%{http_code}' localhost:8233/)"
  kill -INT "$pid"
  wait "$pid" || true
  sleep 1
  if pgrep -f "$work/clone" >/dev/null; then echo "  processes left behind:"; pgrep -af "$work/clone"; exit 1; fi
  echo "  stopped with SIGINT, no process left"
}

echo "mode: $mode (clone in $work)"
time_start "$mode, fresh clone"
time_start "$mode, second start"
t0=$(now)
if npm test >"$work/test.log" 2>&1; then result=passed; else result=FAILED; fi
echo "npm test ($mode cache, after the starts above): $result in $(elapsed "$t0") s"
rm -rf "$work"
