#!/bin/sh
# probe.sh: prints the state the compat playbooks leave on a target, in a stable order, so
# the hosts of both tools compare equal. Run on the target as `sh -s < probe.sh` (one ssh per
# host). For every path under /srv/compat: type, mode, owner; for files also the sha256 and
# the content. Knows nothing of the playbooks or of which tool ran them.
set -eu
LC_ALL=C
export LC_ALL
root=/srv/compat
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
