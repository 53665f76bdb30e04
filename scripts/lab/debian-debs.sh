#!/usr/bin/env bash
# debian-debs.sh: puts real Debian packages (and the dependencies the tier-2 lab base lacks)
# into the tier-2 lab's local apt repository, for tests that install distribution software
# (haproxy, docker.io, ...) on lab hosts, which have no other apt source.
#
# Usage: debian-debs.sh REPO_DIR PACKAGE...
#
# The closure is what apt would install on the lab base (its /var/lib/dpkg/status under
# /var/cache/rsible-lab/base-bookworm-v3), without Recommends; a package the base has in an
# older version is fetched in the new one (`Inst NAME [OLD] (NEW ...)`). The .deb files are fetched
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
        | awk '/^Inst /{ v = ($3 ~ /^\[/) ? $4 : $3; print $2 "=" substr(v, 2) }'
}

want=$(closure "$@" || true)
if [ -z "$want" ]; then
    apt-get update -qq
    want=$(closure "$@")
fi
[ -n "$want" ] || { echo "debian-debs: apt found nothing to install for: $*" >&2; exit 1; }

# apt-get download names files NAME_VERSION_ARCH.deb with an epoch's ':' as %3a.
debs=()
for pv in $want; do
    p=${pv%%=*} v=${pv#*=}
    f=$(ls "$cache/${p}_${v//:/%3a}"_*.deb 2>/dev/null | head -n1 || true)
    if [ -z "$f" ]; then
        if ! (cd "$cache" && apt-get download -qq "$pv" >/dev/null 2>&1); then
            # Stale package lists name a version the mirror dropped: refresh them, start over.
            [ -z "${DEBIAN_DEBS_RETRY:-}" ] || { echo "debian-debs: cannot download $pv" >&2; exit 1; }
            apt-get update -qq
            DEBIAN_DEBS_RETRY=1 exec "$0" "$repo" "$@"
        fi
        f=$(ls "$cache/${p}_${v//:/%3a}"_*.deb | head -n1)
    fi
    debs+=("$f")
done
for f in "${debs[@]}"; do
    [ -e "$repo/debian/${f##*/}" ] || cp "$f" "$repo/debian/"
done
# Rescan, under the lock, unless the index already lists every file we need. (Checking
# "is a file newer than the index" instead lost a race: another test's rescan that listed the
# directory before our copy finished wrote an index newer than our files but without them.)
cd "$repo"
files=$(for f in "${debs[@]}"; do echo "Filename: ./debian/${f##*/}"; done)
FILES=$files flock .lock sh -c '
  if [ -f Packages ] && printf "%s\n" "$FILES" | grep -vxF -f Packages | grep -q . ; then :
  elif [ -f Packages ]; then exit 0
  fi
  dpkg-scanpackages --multiversion . /dev/null >Packages.tmp 2>/dev/null \
    && mv Packages.tmp Packages && gzip -9kf Packages'
