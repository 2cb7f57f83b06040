#!/usr/bin/env bash
# What a user does with qreload's .deb on a clean Debian system, timed: apt-get install it (with
# its Recommends: the platform's fast clang and lld), `qreload new myapp`, `qreload --headless`
# builds and serves it, then three saved edits are each served. Runs as root inside a fresh root
# (scripts/test-package.sh puts it there with scripts/in-debian.sh --fresh); nothing here needs
# more than bash and what the package pulls in (HTTP is spoken through bash's /dev/tcp).
#
#   scripts/package-smoke.sh DEB
# Prints one line per step with its time, and exits non-zero naming the step that failed.
set -euo pipefail
deb=$(readlink -f "${1:?usage: package-smoke.sh DEB}")
export DEBIAN_FRONTEND=noninteractive
work=$(mktemp -d)
log="$work/qreload.log"
qreload_pid=""
cleanup() {
    if [ -n "$qreload_pid" ] && kill -0 "$qreload_pid" 2>/dev/null; then
        kill -TERM "$qreload_pid" 2>/dev/null || true
        wait "$qreload_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
fail() {
    echo "package-smoke: FAILED: $*" >&2
    if [ -f "$log" ]; then
        echo "--- qreload's output (last 40 lines) ---" >&2
        tail -n 40 "$log" >&2
    fi
    exit 1
}
# GET path from 127.0.0.1:port, body only; empty when nothing answers.
http_get() {
    local port=$1 path=$2 response
    exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null || return 0
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$path" "$port" >&3
    response=$(timeout 5 cat <&3 || true)
    exec 3<&- 3>&-
    printf '%s' "${response#*$'\r\n\r\n'}"
}
# Waits up to $1 seconds for the command in the remaining arguments to succeed.
wait_for() {
    local limit=$1
    shift
    local deadline=$((SECONDS + limit))
    until "$@"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.05
    done
}
serves() { http_get "$port" / | grep -q "$1"; }

started=$(now_ms)
apt-get update -qq
apt-get install -y -qq "$deb" >"$work/apt.log" 2>&1 || { tail -n 30 "$work/apt.log" >&2; fail "apt-get install $deb"; }
echo "package-smoke: apt-get install ./$(basename "$deb"): $(( ($(now_ms) - started) / 1000 )) s"
clangs=$(dpkg-query -W -f='${db:Status-Status} ${Package}\n' 'clang-[0-9]*' 2>/dev/null | awk '$1 == "installed" { print $2 }' | tr '\n' ' ' || true)
echo "package-smoke: compilers: g++ $(g++ -dumpversion 2>/dev/null || echo none); ${clangs:-no clang-N}(from Recommends)"

cd "$work"
qreload new myapp >"$work/new.log" 2>&1 || { cat "$work/new.log" >&2; fail "qreload new myapp"; }
source="$work/myapp/myapp.cpp"
[ -f "$source" ] || fail "qreload new made no $source"

started=$(now_ms)
qreload --headless --port 0 myapp >"$log" 2>&1 &
qreload_pid=$!
wait_for 600 grep -q 'serving http://' "$log" || fail "qreload --headless never said where it serves"
port=$(grep -o 'serving http://[^/ ]*' "$log" | head -n 1 | sed 's/.*://')
wait_for 600 serves "Hello from myapp" || fail "GET / never answered 'Hello from myapp' on port $port"
echo "package-smoke: configure, first build and first answer: $(( $(now_ms) - started )) ms"

# Saves the way an editor does (write a new file, rename it over the old one).
save_with() {
    sed "s/$1/$2/" "$source" >"$source.new"
    mv "$source.new" "$source"
}
previous="Hello from myapp"
for edit in 1 2 3; do
    text="Hello from edit $edit"
    started=$(now_ms)
    save_with "$previous" "$text"
    wait_for 300 serves "$text" || fail "edit $edit was never served"
    echo "package-smoke: edit $edit served after $(( $(now_ms) - started )) ms"
    previous=$text
done

kill -TERM "$qreload_pid"
wait "$qreload_pid" || fail "qreload exited with status $? on SIGTERM"
qreload_pid=""
echo "package-smoke: passed"
