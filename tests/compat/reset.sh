#!/bin/sh
# reset.sh: makes a target fresh for the next compat playbook (removes /srv/compat) and checks
# it can serve ansible-playbook (python3). Run on the target as `sh -s < reset.sh`.
set -eu
rm -rf /srv/compat
command -v python3 >/dev/null 2>&1 || echo "no python3 on this target"
