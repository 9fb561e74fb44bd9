#!/usr/bin/env bash
# Install the Debian packages the tests need, if missing: Chromium and its driver (browser
# tests and the slide export, which kaleido renders with it), the fonts the exported figures use,
# and redis-server (Redis fault tests). Runs as root via apt-get; otherwise prints what
# to install and carries on: under `make test` the browser tests then FAIL (they skip only with
# ALP_SKIP_BROWSER=1 outside make), the Redis tests skip with that reason.
# Chromium is looked for where tests/_servers.py:find_chromium looks.
set -euo pipefail
have_chromium() {
  local name
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "$name" >/dev/null 2>&1 && return 0
  done
  for name in /usr/bin/chromium /usr/lib/chromium/chromium /snap/bin/chromium; do
    [ -x "$name" ] && return 0
  done
  return 1
}
missing=()
have_chromium || missing+=(chromium chromium-driver)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -d /usr/share/fonts/truetype/liberation ] || missing+=(fonts-liberation)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian ${missing[*]} for the tests..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "warning: ${missing[*]} not found and cannot apt-get install: the browser tests will fail," \
    "the Redis tests skip" >&2
fi
