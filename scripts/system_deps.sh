#!/usr/bin/env bash
# Install the Debian packages the tests need, if missing: Chromium and its driver (browser
# tests) and redis-server (Redis fault tests). Runs as root via apt-get; otherwise prints what
# to install and carries on (those tests then skip with that reason).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium chromium-driver)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian ${missing[*]} for the tests..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "warning: ${missing[*]} not found and cannot apt-get install; the tests needing them will skip" >&2
fi
