#!/usr/bin/env bash
# The two commands of the README:
#   ./quickstart.sh [run] [qreload arguments]   install what is missing, build what running needs
#                                               (qreload, qreload-host, the SDK), start qreload
#                                               with those arguments
#   ./quickstart.sh test [ctest arguments]      install what is missing, build everything, run
#                                               the whole test suite
# e.g. ./quickstart.sh --headless --port 0, or ./quickstart.sh test -R e2e
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"
mode=run
case "${1:-}" in
    run) shift ;;
    test) mode=test; shift ;;
esac

scripts/install-deps.sh "$mode"

if [ "$mode" = test ]; then
    # The tests build Debug (assertions on, quicker to compile) in a folder of their own, so the
    # two commands never rebuild each other's work.
    cmake -S . -B build-tests -G Ninja -DCMAKE_BUILD_TYPE=Debug >/dev/null
    cmake --build build-tests
    exec ctest --test-dir build-tests --output-on-failure -j2 --timeout 300 "$@"
fi
# qreload itself runs optimised, with debug info for backtraces (RelWithDebInfo); the plugins of
# the project it opens keep their own, quick-to-compile flags (see README, "Build types").
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# qreload_runtime: the executables and the container library, not the tests or benchmarks; the
# example qreload runs is a project of its own, configured and built by qreload in its own folder.
cmake --build build --target qreload_runtime
QRELOAD_PROJECT="${QRELOAD_PROJECT:-$PWD/examples/greeter/qreload.json}" exec build/bin/qreload "$@"
