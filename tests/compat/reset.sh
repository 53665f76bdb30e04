#!/bin/sh
# reset.sh: makes a target fresh for the next compat playbook (removes /srv/compat, and what
# the playbooks leave outside it: alternatives named compat*, root's known_hosts, the compat_*
# accounts and groups) and checks it can serve ansible-playbook (python3). Run on the target
# as `sh -s < reset.sh`.
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
