#!/usr/bin/env bash
# Debian 12 (Qt 6.4) and Debian 13 (Qt 6.8) side by side, on this machine, one after the other:
# reloadbench (greeter, replaced plugin -> new response), scalebench (1,000 components) and wrk
# on the greeter's `/` (httplimitsbench serve). Each platform builds RelWithDebInfo in its own
# folder (build-bench here, build-bench inside the Debian 13 root of scripts/in-debian13.sh).
#
#   bench/platforms.sh [reload runs=40] [scale runs=10] [wrk seconds=10]
#   bench/platforms.sh --one [...]    only this system (what the script runs in each root)
#
# Prints each bench's own table per platform, then one summary table. Needs root for the
# Debian 13 root; installs wrk where it is missing.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

one=0
if [ "${1:-}" = --one ]; then
    one=1
    shift
fi
reload_runs=${1:-40}
scale_runs=${2:-10}
wrk_seconds=${3:-10}

if [ $one -eq 0 ]; then
    out=$(mktemp -d)
    echo "=== this machine: $(. /etc/os-release && echo "$PRETTY_NAME")"
    "$0" --one "$reload_runs" "$scale_runs" "$wrk_seconds" | tee "$out/here.txt"
    echo "=== Debian 13 root (scripts/in-debian13.sh)"
    scripts/in-debian13.sh bench/platforms.sh --one "$reload_runs" "$scale_runs" "$wrk_seconds" \
        | tee "$out/debian13.txt"
    echo
    echo "| measure | $(sed -n 's/^summary platform: //p' "$out/here.txt") | $(sed -n 's/^summary platform: //p' "$out/debian13.txt") |"
    echo "|---|---:|---:|"
    join -t '|' <(sed -n 's/^summary | //p' "$out/here.txt" | sort) \
        <(sed -n 's/^summary | //p' "$out/debian13.txt" | sort) \
        | awk -F'|' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }'
    rm -rf "$out"
    exit 0
fi

if ! command -v wrk >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
scripts/install-deps.sh >/dev/null
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-bench --target reloadbench scalebench scaleapps httplimitsbench >/dev/null

qt=$(pkg-config --modversion Qt6Core 2>/dev/null || qmake6 -query QT_VERSION 2>/dev/null || echo "?")
echo "summary platform: $(. /etc/os-release && echo "$PRETTY_NAME" | sed 's/ GNU\/Linux//'), Qt $qt, $(g++ -dumpversion | sed 's/^/GCC /')"

# reloadbench: its table's rows are "| measure | n | median | p95 | max |"
build-bench/bench/reloadbench "$reload_runs" | tee /tmp/platforms-reload.txt
awk -F'|' 'NF >= 6 && $3 ~ /[0-9]/ { gsub(/^ +| +$/, "", $2); gsub(/ /, "", $4);
    printf "summary | reloadbench: %s, median ms|%s\n", $2, $4 }' /tmp/platforms-reload.txt

build-bench/bench/scalebench "$scale_runs" --only 50x20 --no-snapshot | tee /tmp/platforms-scale.txt
awk '/\(ms\)$/ { title = $0; sub(/ \(.*/, "", title) }
     /^total / { split($0, cell, "|"); split(cell[2], v, " ");
                 printf "summary | scalebench 1,000 components: %s, p50 ms|%s\n", title, v[1] }' \
    /tmp/platforms-scale.txt

build-bench/bench/httplimitsbench serve $((wrk_seconds + 5)) >/tmp/platforms-serve.txt 2>&1 &
server=$!
for _ in $(seq 100); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*/' /tmp/platforms-serve.txt | head -n 1 || true)
    [ -n "$url" ] && break
    sleep 0.1
done
wrk -t2 -c20 -d"${wrk_seconds}s" --latency "$url" | tee /tmp/platforms-wrk.txt
wait "$server" || true
awk '/^Requests\/sec/ { printf "summary | wrk greeter /: requests/s|%d\n", $2 }
     /^ +50%/ { printf "summary | wrk greeter /: p50 latency|%s\n", $2 }
     /^ +99%/ { printf "summary | wrk greeter /: p99 latency|%s\n", $2 }' /tmp/platforms-wrk.txt
