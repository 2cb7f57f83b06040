#!/usr/bin/env bash
# Runs a command in a Debian 13 root (made and cached by in-debian.sh), on a copy of this
# checkout: `scripts/in-debian13.sh ./quickstart.sh test` reproduces CI's Debian 13 run.
# Options as in-debian.sh (--fresh, --with FILE).
options=()
while [ $# -gt 0 ]; do
    case "$1" in
        --fresh) options+=("$1"); shift ;;
        --with) options+=("$1" "$2"); shift 2 ;;
        *) break ;;
    esac
done
exec "$(dirname "$(readlink -f "$0")")/in-debian.sh" ${options[@]+"${options[@]}"} trixie "$@"
