#!/usr/bin/env bash
# Installs what qreload needs to build, run and test on Debian 12, and nothing that is already
# there: safe to run any number of times. `install-deps.sh test` adds what only the tests use.
set -euo pipefail

packages=(
    cmake ninja-build g++ lld pkg-config git
    qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev qt6-websockets-dev qt6-svg-dev libgl-dev
    libgraphviz-dev libkf5syntaxhighlighting-tools libdw-dev libxxhash-dev
    # plugins compile about twice as fast with clang and an instantiating PCH (see README)
    clang-16
)
if [ "${1:-}" = test ]; then
    # the live-reload test drives a real browser through the DevTools protocol
    packages+=(chromium)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "qreload: all build dependencies are installed"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
        echo "qreload: missing packages (${missing[*]}); run this script as root" >&2
        exit 1
    fi
fi
echo "qreload: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
