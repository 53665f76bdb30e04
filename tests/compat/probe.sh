#!/bin/sh
# probe.sh: prints the state the compat playbooks leave on a target, in a stable order, so
# the hosts of both tools compare equal. Run on the target as `sh -s < probe.sh` (one ssh per
# host). First every alternative named compat* (`update-alternatives --query`) and root's
# ~/.ssh/known_hosts (hashed names masked: their salts are random); then for
# every path under /srv/compat: type, mode, owner, and for files the sha256 and the content.
# Knows nothing of the playbooks or of which tool ran them.
set -eu
LC_ALL=C
export LC_ALL
root=/srv/compat
for f in /var/lib/dpkg/alternatives/compat*; do
    [ -e "$f" ] || continue
    echo "alternative ${f##*/}"
    update-alternatives --query "${f##*/}" | sed 's/^/  | /'
done
if [ -e /root/.ssh/known_hosts ]; then
    stat -c '%n %F %a %U:%G' /root/.ssh/known_hosts
    sed 's/|1|[^ ]*/|1|HASH/; s/^/  | /' /root/.ssh/known_hosts
fi
if [ ! -d "$root" ]; then
    echo "(no $root)"
    exit 0
fi
find "$root" -mindepth 1 | sort | while IFS= read -r p; do
    stat -c '%n %F %a %U:%G' "$p"
    if [ -L "$p" ]; then
        echo "  -> $(readlink "$p")"
    fi
    if [ -f "$p" ] && [ ! -L "$p" ]; then
        echo "  sha256 $(sha256sum <"$p" | cut -d' ' -f1)"
        sed 's/^/  | /' "$p"
    fi
done
