#!/bin/sh
# probe.sh: prints the state the compat playbooks leave on a target, in a stable order, so
# the hosts of both tools compare equal. Run on the target as `sh -s < probe.sh` (one ssh per
# host). First every alternative named compat* (`update-alternatives --query`) and root's
# ~/.ssh/known_hosts (hashed names masked: their salts are random); then for every path under
# /srv/compat: type, mode, owner, and for files the sha256 and the content; then the compat_*
# accounts and the system settings some playbooks change (below). Knows nothing of the
# playbooks or of which tool ran them.
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
fi
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
# The compat_* accounts: passwd fields, groups, the shadow hash with its lock state and the
# aging fields (min:max:warn:inactive:expire; the last change as "today" when it is today),
# and every path of the home with its mode and owner (files with their sha256).
today=$(( $(date +%s) / 86400 ))
getent passwd | grep '^compat_' | sort | while IFS=: read -r n _ uid gid gecos home shell; do
    echo "user $n uid=$uid gid=$gid home=$home shell=$shell comment=$gecos groups=$(id -Gn "$n")"
    s=$(getent shadow "$n")
    hash=$(echo "$s" | cut -d: -f2)
    last=$(echo "$s" | cut -d: -f3)
    [ "$last" != "$today" ] || last=today
    case $hash in '!'*) locked=yes ;; *) locked=no ;; esac
    echo "  locked=$locked hash=$hash last=$last aging=$(echo "$s" | cut -d: -f4-8)"
    if [ -e "$home" ]; then
        find "$home" | sort | while IFS= read -r p; do
            stat -c '  %n %F %a %U:%G' "$p"
            if [ -f "$p" ]; then
                echo "    sha256 $(sha256sum <"$p" | cut -d' ' -f1)"
            fi
        done
    fi
done
# The system settings 28_system_modules and 31_system_results change (reset.sh restores them): zone, hardware
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
# The ext2-style flags 35_yum_rpm_attrs sets under /srv/compat/attrs.
[ ! -d "$root/attrs" ] || find "$root/attrs" | sort | while IFS= read -r p; do
    echo "flags $(lsattr -d "$p" 2>&1)"
done
# The rpm keys 35_yum_rpm_attrs imports (when rpm is installed).
if command -v rpm >/dev/null 2>&1; then
    rpm -q gpg-pubkey 2>&1 | sort | sed 's/^/rpm key /'
fi
