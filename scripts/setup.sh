#!/usr/bin/env bash
# Installs what durable-lens's tests need on a fresh Debian machine (run as
# root or with sudo available): Mesa's software renderer for the headless UI
# snapshots, and the official durable execution SDKs (pinned) used by the
# fixture-regeneration and re-run tests. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need_apt=0
for pkg in libgl1-mesa-dri mesa-vulkan-drivers libvulkan1 xvfb; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt=1
done
if [ "$need_apt" = 1 ]; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
    libgl1-mesa-dri mesa-vulkan-drivers libvulkan1 libegl1 libxkbcommon-x11-0 xvfb
fi

for installer in tests/sdk/install.sh tests/handlers/install.sh; do
  if [ -f "$installer" ]; then
    echo "== $installer"
    bash "$installer"
  fi
done
