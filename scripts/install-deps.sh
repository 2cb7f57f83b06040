#!/usr/bin/env bash
# Installs what qreload needs to build, run and test on Debian (12 and 13 are tested), and nothing
# that is already there: safe to run any number of times. `install-deps.sh test` adds what only
# the tests use. Packages whose name carries a version are chosen by what the distribution has:
#   - the newest clang-N (plugins compile about twice as fast with clang and an instantiating
#     PCH, see docs/benchmarks.md);
#   - KDE's SyntaxHighlighting: the Qt 6 library (KF6) where the distribution has it, linked into
#     the console; otherwise the KF5 command-line highlighter, which the console runs as a tool.
# `install-deps.sh --print [test]` prints the chosen list and installs nothing.
set -euo pipefail

print=0
if [ "${1:-}" = --print ]; then
    print=1
    shift
fi
mode=${1:-run}

packages=(
    cmake ninja-build g++ lld pkg-config git
    qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev qt6-websockets-dev qt6-svg-dev libgl-dev
    libgraphviz-dev libdw-dev libxxhash-dev
)
if [ "$mode" = test ]; then
    # the live-reload test drives a real browser through the DevTools protocol
    packages+=(chromium)
    # the package test makes a .deb (dpkg-shlibdeps is in dpkg-dev; CPack asks `file` too)
    packages+=(dpkg-dev file)
fi

sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
updated=0
update_lists() {
    if [ $updated -eq 0 ]; then
        $sudo apt-get update -qq
        updated=1
    fi
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# Whether the distribution has a package of this name (asks apt's lists, updating them once when
# the machine has none yet, as a fresh root or container does).
have_lists() {
    if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then update_lists; fi
}
available() {
    have_lists
    apt-cache show --no-all-versions "$1" >/dev/null 2>&1
}
newest_clang() {
    have_lists
    { apt-cache search --names-only '^clang-[0-9]+$' 2>/dev/null | awk '{ print $1 }'
      dpkg-query -W -f='${db:Status-Status} ${Package}\n' 'clang-[0-9]*' 2>/dev/null \
          | awk '$1 == "installed" { print $2 }' || true
    } | { grep -E '^clang-[0-9]+$' || true; } | sort -t- -k2 -n | tail -n 1
}

clang=$(newest_clang)
if [ -n "$clang" ]; then
    packages+=("$clang")
else
    echo "qreload: this distribution has no clang-N package; plugins will be compiled with g++" >&2
fi

if installed libkf6syntaxhighlighting-dev || available libkf6syntaxhighlighting-dev; then
    packages+=(libkf6syntaxhighlighting-dev)
else
    packages+=(libkf5syntaxhighlighting-tools)
fi

if [ $print -eq 1 ]; then
    printf '%s\n' "${packages[@]}"
    exit 0
fi

missing=()
for p in "${packages[@]}"; do
    installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "qreload: all build dependencies are installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ] && [ -z "$sudo" ]; then
    echo "qreload: missing packages (${missing[*]}); run this script as root" >&2
    exit 1
fi
echo "qreload: installing ${missing[*]}"
update_lists
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
