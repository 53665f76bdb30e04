#!/bin/sh
# reset.sh: makes a target fresh for the next compat playbook (removes /srv/compat, and what
# the playbooks leave outside it: alternatives named compat*, root's known_hosts) and
# checks it can serve ansible-playbook (python3). Run on the target as `sh -s < reset.sh`.
set -eu
rm -rf /srv/compat /root/.ssh/known_hosts /root/.ssh/known_hosts.old
for f in /var/lib/dpkg/alternatives/compat*; do
    if [ -e "$f" ]; then update-alternatives --remove-all "${f##*/}" >/dev/null 2>&1 || true; fi
done
command -v python3 >/dev/null 2>&1 || echo "no python3 on this target"
