#!/usr/bin/env bash
# Runs a command in a Debian 13 root (made and cached by in-debian.sh), on a copy of this
# checkout: `scripts/in-debian13.sh ./quickstart.sh test` reproduces CI's Debian 13 run.
fresh=(); if [ "${1:-}" = --fresh ]; then fresh=(--fresh); shift; fi
exec "$(dirname "$(readlink -f "$0")")/in-debian.sh" "${fresh[@]}" trixie "$@"
