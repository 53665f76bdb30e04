#!/bin/sh
# reset.sh: makes a target fresh for the next compat playbook (removes /srv/compat, and what
# the playbooks leave outside it: alternatives named compat*, root's known_hosts, the compat_*
# accounts and groups; puts the system settings back) and checks it can serve ansible-playbook
# (python3). Run on the target as `sh -s < reset.sh`.
set -eu
rm -rf /srv/compat /root/.ssh/known_hosts /root/.ssh/known_hosts.old
for f in /var/lib/dpkg/alternatives/compat*; do
    if [ -e "$f" ]; then update-alternatives --remove-all "${f##*/}" >/dev/null 2>&1 || true; fi
done
command -v python3 >/dev/null 2>&1 || echo "no python3 on this target"
# The accounts and groups the user cases make (compat_*), with their homes.
for u in $(getent passwd | cut -d: -f1 | grep '^compat_' || true); do
    userdel -r "$u" >/dev/null 2>&1 || true
done
for g in $(getent group | cut -d: -f1 | grep '^compat_' || true); do
    groupdel "$g" >/dev/null 2>&1 || true
done
# What 28_system_modules and 31_system_results change outside /srv/compat goes back to the lab base's state: the zone
# and hardware clock (through timedatectl, which keeps /etc/localtime and /etc/adjtime),
# limits.conf's limit lines and whatever follows its last line (the base has comments only,
# the last being `# End of file`), locale.gen's enabled lines and the locales generated
# from them.
if command -v timedatectl >/dev/null 2>&1; then
    timedatectl set-timezone Etc/UTC && timedatectl set-local-rtc no
fi
l=/etc/security/limits.conf
if [ -f "$l" ] && { grep -q '^[^#]' "$l" || [ "$(tail -n 1 "$l")" != "# End of file" ]; }; then
    sed -i -e '/^# End of file$/q' -e '/^[^#]/d' "$l"
fi
g=/etc/locale.gen
if grep -q '^[^#[:space:]]' "$g" 2>/dev/null; then
    sed -i 's/^\([^#[:space:]]\)/# \1/' "$g"
    locale-gen >/dev/null 2>&1
fi
# What 37_docker_compose and 38_docker_swarm leave: the docker CLI test double with its
# state, and this node's swarm. Then the daemon stops (the playbooks start it), forgets its
# networks (a swarm's docker_gwbridge, whose bridge would push the next one to another
# subnet) and IPv4 forwarding goes off, so that dockerd starts as on a fresh host: it makes
# its chains again after the flush below and, turning forwarding on, sets FORWARD to DROP.
if grep -qs 'TEST DOUBLE' /usr/local/bin/docker; then rm -f /usr/local/bin/docker; fi
rm -rf /var/lib/docker-double
if [ -x /usr/bin/docker ]; then
    if systemctl is-active -q docker 2>/dev/null; then
        /usr/bin/docker swarm leave --force >/dev/null 2>&1 || true
    fi
    systemctl stop docker.socket docker.service
    rm -rf /var/lib/docker/network
    ip link delete docker_gwbridge >/dev/null 2>&1 || true
    echo 0 >/proc/sys/net/ipv4/ip_forward
fi
# What 32_iptables sets: every table's rules and own chains gone, the policies ACCEPT again.
if command -v iptables >/dev/null 2>&1; then
    for b in iptables ip6tables; do
        for t in filter nat mangle raw; do
            "$b" -t "$t" -F 2>/dev/null || true
            "$b" -t "$t" -X 2>/dev/null || true
        done
        for c in INPUT FORWARD OUTPUT; do "$b" -P "$c" ACCEPT 2>/dev/null || true; done
    done
fi
# 34_pip_selinux's virtualenv and wheels (the Python packages it installs stay in the venv).
rm -rf /opt/compat_pip
# 33_debconf_git's checkouts and its package's debconf questions.
rm -rf /srv/compat-git
echo PURGE | debconf-communicate rsible-compat >/dev/null 2>&1 || true
# 39_helm's test double of helm, with its state and log.
rm -rf /usr/local/bin/helm /var/lib/helm-double /var/log/helm-double.log
# 40_k8s's test double of the Kubernetes API server (a systemd unit), its state, its log and
# the kubeconfig and discovery caches of kubectl and kubernetes.core.
if [ -e /etc/systemd/system/kube-apiserver-double.service ]; then
    systemctl stop kube-apiserver-double 2>/dev/null || true
    rm -f /etc/systemd/system/kube-apiserver-double.service
    systemctl daemon-reload 2>/dev/null || true
fi
# The kubectl double of tests/cluster_k8s.rs, should a host have run it: it would shadow
# Debian's kubectl.
if grep -qs 'test double of kubectl' /usr/local/bin/kubectl; then
    rm -rf /usr/local/bin/kubectl /var/lib/k8s-doubles /var/log/k8s-doubles
fi
rm -rf /usr/local/bin/kube-apiserver-double /var/lib/kube-apiserver-double \
    /var/log/kube-apiserver-double.log /root/.kube /tmp/osrcp-*.json
# The rpm keys 35_yum_rpm_attrs imports.
if command -v rpm >/dev/null 2>&1 && rpm -q gpg-pubkey >/dev/null 2>&1; then
    rpm -e --allmatches gpg-pubkey >/dev/null 2>&1 || true
fi
