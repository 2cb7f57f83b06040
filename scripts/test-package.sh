#!/usr/bin/env bash
# The package test (ctest: package.deb): makes the .deb of a built folder with `cpack -G DEB`,
# then installs and uses it in a fresh root of this system's own Debian release
# (scripts/package-smoke.sh inside scripts/in-debian.sh --fresh), as a user on a clean machine.
#   scripts/test-package.sh BUILD_DIR
# Exits 77 (shown as skipped by ctest) when it cannot run here: not root, or no debootstrap root
# can be made (no Debian package registry).
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
build=$(readlink -f "${1:?usage: test-package.sh BUILD_DIR}")
if [ "$(id -u)" -ne 0 ]; then
    echo "test-package.sh: skipped: installing a package into a fresh root needs root"
    exit 77
fi
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
if [ -z "$codename" ]; then
    echo "test-package.sh: skipped: /etc/os-release names no Debian code name"
    exit 77
fi
started=$SECONDS
rm -f "$build"/qreload_*.deb
(cd "$build" && cpack -G DEB) >"$build/cpack.log" 2>&1 || { cat "$build/cpack.log"; exit 1; }
deb=$(ls "$build"/qreload_*.deb)
echo "test-package.sh: $(basename "$deb") made in $((SECONDS - started)) s"
dpkg-deb -f "$deb" Depends Recommends Suggests
exec "$here/in-debian.sh" --fresh --with "$deb" "$codename" \
    bash scripts/package-smoke.sh "/root/$(basename "$deb")"
