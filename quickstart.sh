#!/usr/bin/env bash
# The two commands of the README:
#   ./quickstart.sh        install what is missing, build, start qreload on the greeter example
#   ./quickstart.sh test   install what is missing, build, run the whole test suite
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"
mode="${1:-run}"
case "$mode" in run|test) ;; *) echo "usage: $0 [run|test]" >&2; exit 2 ;; esac

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build

if [ "$mode" = test ]; then
    exec ctest --test-dir build --output-on-failure -j2 --timeout 300
fi
shift || true
exec build/bin/qreload "$@"
