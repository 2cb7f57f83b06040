#!/usr/bin/env bash
# Sanitizer runs of the test suite (README "Sanitizers"):
#   scripts/sanitize.sh [address]   ASan + LSan + UBSan build in build-asan, every test
#   scripts/sanitize.sh thread      TSan build in build-tsan, the tests labelled "threads"
# Extra arguments go to ctest (e.g. -R reloadengine). Fails when a test fails or when any
# process of the run (a test, a qreload it started, a host) wrote a sanitizer report; the reports
# are in <build>/sanitizer-reports/<test>.<pid>.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

mode="${1:-address}"
case "$mode" in
    address) build=build-asan; sanitize="address,undefined"; select=() ;;
    thread) build=build-tsan; sanitize="thread"; select=(-L '^threads$') ;;
    *) echo "usage: $0 [address|thread] [ctest arguments...]" >&2; exit 2 ;;
esac
shift || true
jobs="${QRELOAD_SANITIZE_JOBS:-2}"

start=$SECONDS
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DQRELOAD_SANITIZE="$sanitize" >/dev/null
if [ "$mode" = thread ]; then
    # Only what the selected tests run: test <area>.<name> runs the executable target tst_<name>,
    # whose dependencies (fixtures, qreload, the host) are built with it.
    targets=$(ctest --test-dir "$build" "${select[@]}" --show-only=json-v1 2>/dev/null | python3 -c '
import json, sys
for test in json.load(sys.stdin)["tests"]:
    print("tst_" + test["name"].split(".", 1)[1])')
    # shellcheck disable=SC2086 # one target per word
    cmake --build "$build" -j"$jobs" --target $targets
else
    cmake --build "$build" -j"$jobs"
fi
echo "sanitize.sh: $sanitize build took $((SECONDS - start)) s"

reports="$build/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
start=$SECONDS
status=0
ctest --test-dir "$build" --output-on-failure -j"$jobs" --timeout 900 "${select[@]}" "$@" || status=$?
echo "sanitize.sh: $sanitize tests took $((SECONDS - start)) s"

if [ -n "$(ls -A "$reports")" ]; then
    for report in "$reports"/*; do
        echo "==== $report"
        cat "$report"
    done
    echo "sanitize.sh: $(ls "$reports" | wc -l) sanitizer report(s), listed above" >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    echo "sanitize.sh: tests failed (no sanitizer report file)" >&2
    exit "$status"
fi
echo "sanitize.sh: $sanitize: every test passed, no sanitizer report"
