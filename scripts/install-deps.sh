#!/usr/bin/env bash
# Installs the Debian 12 packages truc builds and tests with, if missing,
# and the console's browser-test driver (playwright-core, pinned in
# tests/browser/package-lock.json, from npm; the browser is Debian's
# chromium). Runs apt-get as root, or through sudo. TRUC_SKIP_BROWSER=1
# leaves the browser tests' packages out (the demo needs none of them).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  cmake ninja-build g++ pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev librocksdb-dev libssl-dev libcli11-dev
  libgtest-dev libgmock-dev googletest
  librabbitmq-dev
  libboost-dev libcpp-httplib-dev libargon2-dev libcurl4-openssl-dev
  libxml2-dev libxmlsec1-dev
  clang libclang-rt-14-dev
  python3 python3-prometheus-client
)
# truc-bench compares truc with a RabbitMQ broker it starts itself (on its
# own ports, under its run directory). TRUC_SKIP_RABBITMQ=1 leaves the
# server out; the bench then says so and skips those references. On a
# machine with systemd the package also starts a system broker, which the
# bench does not use: `systemctl disable --now rabbitmq-server` stops it.
if [ "${TRUC_SKIP_RABBITMQ:-0}" != "1" ]; then
  PACKAGES+=(rabbitmq-server)
fi
BROWSER=0
if [ "${TRUC_SKIP_BROWSER:-0}" != "1" ]; then
  BROWSER=1
  PACKAGES+=(chromium fonts-noto-core)
  # Debian's Node.js and npm, unless a Node.js is installed already.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    PACKAGES+=(nodejs npm)
  fi
fi

browser_driver() {
  [ "$BROWSER" = 1 ] || return 0
  if [ -d tests/browser/node_modules/playwright-core ]; then return 0; fi
  echo "install-deps: installing playwright-core for the browser tests (npm ci)"
  npm ci --no-audit --no-fund --prefix tests/browser >/dev/null
}

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  browser_driver
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-deps: error: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
browser_driver
