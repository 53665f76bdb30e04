#!/bin/sh
# probe.sh: prints the state the compat playbooks leave on a target, in a stable order, so
# the hosts of both tools compare equal. Run on the target as `sh -s < probe.sh` (one ssh per
# host). For every path under /srv/compat: type, mode, owner; for files also the sha256 and
# the content; then the system settings some playbooks change. Knows nothing of the
# playbooks or of which tool ran them.
set -eu
LC_ALL=C
export LC_ALL
root=/srv/compat
[ -d "$root" ] || echo "(no $root)"
[ ! -d "$root" ] || find "$root" -mindepth 1 | sort | while IFS= read -r p; do
    stat -c '%n %F %a %U:%G' "$p"
    if [ -L "$p" ]; then
        echo "  -> $(readlink "$p")"
    fi
    if [ -f "$p" ] && [ ! -L "$p" ]; then
        echo "  sha256 $(sha256sum <"$p" | cut -d' ' -f1)"
        sed 's/^/  | /' "$p"
    fi
done
# The system settings 28_/29_system_* change (reset.sh restores them): zone, hardware
# clock, login limits, locales.
echo "localtime -> $(readlink -f /etc/localtime)"
for f in /etc/timezone /etc/adjtime /etc/security/limits.conf; do
    [ -f "$f" ] || { echo "$f (none)"; continue; }
    echo "$f sha256 $(sha256sum <"$f" | cut -d' ' -f1)"
    grep -v '^#' "$f" | sed 's/^/  | /'
done
if [ -f /etc/locale.gen ]; then
    echo "/etc/locale.gen sha256 $(sha256sum </etc/locale.gen | cut -d' ' -f1)"
    grep -v '^#' /etc/locale.gen | sed 's/^/  | /'
    locale -a | sed 's/^/  locale /'
fi
