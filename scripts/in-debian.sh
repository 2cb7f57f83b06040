#!/usr/bin/env bash
# Runs a command inside a Debian root of the given suite, made with debootstrap from the Debian
# registry and cached outside the checkout, so that any machine with Debian's packages can
# reproduce what CI sees on another Debian release.
#
#   scripts/in-debian.sh [--fresh] [--with FILE]... SUITE [COMMAND...]
#
# SUITE is a Debian code name (bookworm, trixie, ...). Without --fresh the command runs in a
# long-lived development root (`<cache>/<suite>-dev`) that keeps what was installed into it, on a
# copy of this checkout at /src/<checkout folder's name> (synced before every run; build folders
# inside the copy are kept, so a second run builds incrementally). With --fresh it runs in a throwaway copy of the
# pristine root (`<cache>/<suite>-base`, nothing installed but debootstrap's minbase), which is
# deleted afterwards: "verified on a clean system". --with FILE copies FILE into the root's
# /root (HOME) first, e.g. a .deb to install there.
#
# The cache is ${QRELOAD_ROOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qreload}. Mounts (/proc,
# /sys, /dev, a tmpfs /tmp) live in a private mount namespace and vanish with the command.
# Without COMMAND it opens a shell. Needs root (debootstrap, chroot, mount).
set -euo pipefail

fresh=0
with=()
while [ $# -gt 0 ]; do
    case "$1" in
        --fresh) fresh=1; shift ;;
        --with) with+=("$(readlink -f "${2:?--with needs a file}")"); shift 2 ;;
        *) break ;;
    esac
done
suite=${1:?usage: in-debian.sh [--fresh] [--with FILE]... SUITE [COMMAND...]}
shift
checkout=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cache=${QRELOAD_ROOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qreload}
mirror=${QRELOAD_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ "$(id -u)" -ne 0 ]; then
    echo "in-debian.sh: needs root (debootstrap, chroot and mount); try sudo $0" >&2
    exit 1
fi

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v unshare >/dev/null || need+=(util-linux)
command -v rsync >/dev/null || need+=(rsync)
if [ ${#need[@]} -gt 0 ]; then
    echo "in-debian.sh: installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

mkdir -p "$cache"
exec 9>"$cache/$suite.lock"
if ! flock -n 9; then
    echo "in-debian.sh: waiting for another run in the $suite root to finish ($cache/$suite.lock)" >&2
    flock 9
fi

base="$cache/$suite-base"
if [ ! -e "$base/.qreload-complete" ]; then
    echo "in-debian.sh: making a Debian $suite root in $base (debootstrap, a few minutes; cached)"
    rm -rf "$base.partial"
    started=$SECONDS
    debootstrap --variant=minbase "$suite" "$base.partial" "$mirror" >"$cache/$suite-debootstrap.log" 2>&1 || {
        echo "in-debian.sh: debootstrap of $suite failed; see $cache/$suite-debootstrap.log" >&2
        tail -n 20 "$cache/$suite-debootstrap.log" >&2
        exit 1
    }
    # apt in the root updates its lists on first use; install-deps.sh does that itself
    rm -rf "$base"
    touch "$base.partial/.qreload-complete"
    mv "$base.partial" "$base"
    echo "in-debian.sh: $suite root made in $((SECONDS - started)) s"
fi

if [ $fresh -eq 1 ]; then
    root=$(mktemp -d "$cache/$suite-fresh.XXXXXX")
    trap 'rm -rf "$root"' EXIT
    cp -a "$base/." "$root/"
else
    root="$cache/$suite-dev"
    if [ ! -e "$root/.qreload-complete" ]; then
        rm -rf "$root" "$root.partial"
        cp -a "$base" "$root.partial"
        mv "$root.partial" "$root"
    fi
fi
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
for file in ${with[@]+"${with[@]}"}; do
    cp "$file" "$root/root/"
done

# The checkout is copied, not bind-mounted: a build inside the root must not overwrite the
# host's build folders (another Qt, another compiler), and its own stay warm between runs. Only
# files whose content differs are copied, and they get the time of the copy, not the file's own
# time: an edit older than the root's last build must still look newer than its object file.
# Files deleted in the checkout disappear; build folders inside the copy are kept.
name=$(basename "$checkout")
src="$root/src/$name"
mkdir -p "$src"
rsync --recursive --links --perms --checksum --delete \
    --exclude='/build*/' --exclude='/examples/*/build/' "$checkout/" "$src/"

if [ $# -eq 0 ]; then
    set -- bash -i
fi
# The lock guards making and copying; runs in the same root may overlap (apt has its own lock).
exec 9>&-

# shellcheck disable=SC2016 # expanded inside the namespace
# (--propagation unchanged, then private where / is a mount point: inside another chroot it is
# not, and there the mounts are private already, as the outer run made them.)
exec unshare --mount --propagation unchanged bash -c '
    set -e
    mount --make-rprivate / 2>/dev/null || true
    root=$1
    shift
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
    src=$1
    shift
    exec chroot "$root" /usr/bin/env -i \
        HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" DEBIAN_FRONTEND=noninteractive \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        bash -c "cd \"\$0\" && exec \"\$@\"" "$src" "$@"
' bash "$root" "/src/$name" "$@"
