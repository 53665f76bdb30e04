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
# The packet filter 32_iptables sets (reset.sh flushes it): the rules of each table, IPv4 and
# IPv6, as `iptables -S` lists them.
if command -v iptables >/dev/null 2>&1; then
    for t in filter nat mangle raw; do
        echo "iptables -t $t"
        iptables -t "$t" -S | sed 's/^/  | /'
        echo "ip6tables -t $t"
        ip6tables -t "$t" -S | sed 's/^/  | /'
    done
fi
# 34_pip_selinux's virtualenv: what its pip lists.
if [ -x /opt/compat_pip/venv/bin/pip ]; then
    /opt/compat_pip/venv/bin/pip freeze --all 2>&1 | sed 's/^/  pip /'
fi
# 33_debconf_git: the checkouts under /srv/compat-git (outside $root: the files of .git differ
# from host to host) by HEAD, branch, remote URL, depth, status and a file's mode, and the
# debconf questions of the package rsible-compat.
if [ -d /srv/compat-git ] && command -v git >/dev/null 2>&1; then
    for c in /srv/compat-git/*; do
        [ -e "$c/.git" ] || continue
        echo "checkout $c HEAD=$(git -C "$c" rev-parse HEAD)" \
            "branch=$(git -C "$c" symbolic-ref -q --short HEAD || echo -)" \
            "url=$(git -C "$c" remote get-url origin || echo -)" \
            "shallow=$(git -C "$c" rev-parse --is-shallow-repository)" \
            "f=$(stat -c '%a' "$c/f" 2>/dev/null || echo -)"
        git -C "$c" for-each-ref --format='%(refname) %(objectname)' | sed 's/^/  ref /'
        git -C "$c" status --porcelain | sed 's/^/  | /'
    done
fi
debconf-show rsible-compat 2>/dev/null | sort | sed 's/^/debconf-show /'
if command -v debconf-get-selections >/dev/null 2>&1; then
    debconf-get-selections 2>/dev/null | grep '^rsible-compat' | sort | sed 's/^/debconf /' || true
fi
# The ext2-style flags 35_yum_rpm_attrs sets under /srv/compat/attrs.
[ ! -d "$root/attrs" ] || find "$root/attrs" | sort | while IFS= read -r p; do
    echo "flags $(lsattr -d "$p" 2>&1)"
done
# The rpm keys 35_yum_rpm_attrs imports (when rpm is installed).
if command -v rpm >/dev/null 2>&1; then
    rpm -q gpg-pubkey 2>&1 | sort | sed 's/^/rpm key /'
fi
# 37_docker_compose's projects as the docker CLI test double keeps them; 38_docker_swarm's
# membership of this node (state, manager or not, the node counts a manager sees) and, on a
# manager, the nodes' roles. The daemon is asked only while it runs, past the double.
if [ -d /var/lib/docker-double/compose ]; then
    for f in /var/lib/docker-double/compose/*; do
        [ -e "$f" ] || continue
        echo "compose project ${f##*/}"
        sed 's/^/  | /' "$f"
    done
fi
if [ -x /usr/bin/docker ] && systemctl is-active -q docker 2>/dev/null; then
    echo "swarm $(/usr/bin/docker info --format '{{.Swarm.LocalNodeState}} manager={{.Swarm.ControlAvailable}} nodes={{.Swarm.Nodes}} managers={{.Swarm.Managers}}')"
    if /usr/bin/docker info --format '{{.Swarm.ControlAvailable}}' | grep -q true; then
        /usr/bin/docker node ls --format '{{.ManagerStatus}} {{.Availability}}' | sort | sed 's/^/  node /'
    fi
fi
# 39_helm: what the helm test double (tests/fixtures/doubles/helm) keeps (repositories,
# namespaces, releases with their values), then the calls that change it, in order, with
# their flags (a values file's path, a temp file of Ansible's, masked; the namespace, and
# whether a kubeconfig was given).
if [ -d /var/lib/helm-double ]; then
    find /var/lib/helm-double -type f | sort | while IFS= read -r p; do
        echo "helm-double $p"
        sed 's/^/  | /' "$p"
    done
    sed -n 's/^argv=\(.*\) ns=\([^ ]*\) kubeconfig=\(.*\)$/\1 [ns=\2 kubeconfig=\3]/p' \
        /var/log/helm-double.log |
        grep -E '^(--[^ ]+ )*(upgrade|install|uninstall|repo (add|rm|remove|update))( |$)' |
        sed 's/-f=[^ ]*/-f=VALUES/g; s/kubeconfig=[^]][^]]*]/kubeconfig=given]/' |
        sed 's/^/  helm call /' || true
fi
# 40_k8s: the objects the Kubernetes API server double (tests/fixtures/doubles/kube-apiserver)
# stores, one line each, with the values the server sets per write masked (uid,
# creationTimestamp, resourceVersion) and without managedFields: the two tools' modules
# write through different managers by design (kubectl's server-side apply as `rsible`,
# kubernetes.core's patches as its client's user agent); generation and status stay.
if [ -d /var/lib/kube-apiserver-double/objects ]; then
    find /var/lib/kube-apiserver-double/objects -name '*.json' | sort | while IFS= read -r p; do
        python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))["object"]
m = o["metadata"]
m.pop("managedFields", None)
for k in ("uid", "creationTimestamp", "resourceVersion"):
    if k in m:
        m[k] = "MASKED"
print("k8s-double %s %s" % (sys.argv[1][len("/var/lib/kube-apiserver-double/objects/"):], json.dumps(o, sort_keys=True)))
' "$p"
    done
fi
