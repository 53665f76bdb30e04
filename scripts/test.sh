#!/usr/bin/env bash
# The whole test suite, lab included: installs what it needs (Debian packages, the Rust
# components), builds the tier-1 lab (network namespaces with real sshd), then runs formatting,
# lint, unit and integration tests. Run as root on a fresh machine; CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in sshd:openssh-server ssh:openssh-client ip:iproute2 sudo:sudo python3:python3 script:bsdutils busybox:busybox /usr/bin/time:time; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair%%:*}" ] || need+=("${pair#*:}")
done
if ((${#need[@]})); then
  echo "== installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${need[@]}" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
fi

# ansible-core from PyPI: the reference for the compatibility tests.
venv=/var/cache/rsible/venv
if [ ! -x "$venv/bin/ansible-inventory" ]; then
  echo "== installing ansible-core into $venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'ansible-core>=2.19,<2.20'
fi
export RSIBLE_ANSIBLE_INVENTORY="$venv/bin/ansible-inventory"
export RSIBLE_ANSIBLE_PLAYBOOK="$venv/bin/ansible-playbook"

echo "== lab (tier 1: namespaces + sshd)"
scripts/lab/tier1.sh up
echo "== lab (tier 2: Debian under systemd-nspawn, with python3 for ansible-playbook)"
# 6 hosts: the compat suite (tests/compat.rs) runs ansible-playbook on t2-01..03, rsible on t2-04..06.
scripts/lab/tier2.sh up 6

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --quiet 2>&1
