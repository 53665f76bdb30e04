#!/usr/bin/env bash
# debian-debs.sh: puts real Debian packages (and the dependencies the tier-2 lab base lacks)
# into the tier-2 lab's local apt repository, for tests that install distribution software
# (haproxy, docker.io, ...) on lab hosts, which have no other apt source.
#
# Usage: debian-debs.sh REPO_DIR PACKAGE...
#
# The closure is what apt would install on the lab base (its /var/lib/dpkg/status under
# /var/cache/rsible-lab/base-bookworm-v3), without Recommends. The .deb files are fetched
# on the controller (Debian 12, like the lab) with `apt-get download` into
# /var/cache/rsible-lab/debs/ (kept across runs), then copied to REPO_DIR/debian/ and the
# repository index is rebuilt under REPO_DIR/.lock. Idempotent; needs root.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 REPO_DIR PACKAGE..." >&2; exit 2; }
repo=$1; shift
base=/var/cache/rsible-lab/base-bookworm-v3
cache=/var/cache/rsible-lab/debs
status=$base/var/lib/dpkg/status
[ -f "$status" ] || { echo "debian-debs: no lab base at $base" >&2; exit 1; }
mkdir -p "$cache" "$repo/debian"

closure() {
    apt-get -s --no-install-recommends -o Dir::State::status="$status" install "$@" 2>/dev/null \
        | awk '/^Inst /{ print $2 "=" substr($3, 2) }'
}

want=$(closure "$@" || true)
if [ -z "$want" ]; then
    apt-get update -qq
    want=$(closure "$@")
fi
[ -n "$want" ] || { echo "debian-debs: apt found nothing to install for: $*" >&2; exit 1; }

(
    cd "$cache"
    for pv in $want; do
        p=${pv%%=*}
        ls "$p"_*.deb >/dev/null 2>&1 || apt-get download -qq "$pv" >/dev/null 2>&1 \
            || apt-get download -qq "$p"
    done
)
for pv in $want; do cp -n "$cache/${pv%%=*}"_*.deb "$repo/debian/"; done
cd "$repo"
flock .lock sh -c 'dpkg-scanpackages --multiversion . /dev/null >Packages.tmp 2>/dev/null \
    && mv Packages.tmp Packages && gzip -9kf Packages'
