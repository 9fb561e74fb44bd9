#!/usr/bin/env bash
# Install the Debian packages the browser tests need (Chromium and its driver), if missing.
# Runs as root via apt-get; otherwise prints what to install and carries on (the browser
# tests then skip with that reason).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian chromium for the browser tests..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium chromium-driver >/dev/null
else
  echo "warning: chromium not found and cannot apt-get install it; browser tests will skip" >&2
fi
