#!/usr/bin/env bash
# The whole test suite, lab included: installs what it needs (Debian packages, the Rust
# components), builds the tier-1 lab (network namespaces with real sshd), then runs formatting,
# lint, unit and integration tests. Run as root on a fresh machine; CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in sshd:openssh-server ssh:openssh-client ip:iproute2 sudo:sudo python3:python3 script:bsdutils busybox:busybox /usr/bin/time:time gpg:gnupg rsync:rsync /usr/bin/chromium:chromium; do
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
# The Python libraries Ansible's filters need (ansible.utils' ipaddr family: netaddr;
# json_query: jmespath; password_hash: passlib), for tests/filters_vs_ansible.rs.
if ! "$venv/bin/python" -c 'import netaddr, jmespath, passlib' 2>/dev/null; then
  echo "== installing netaddr, jmespath, passlib into $venv"
  "$venv/bin/pip" install -q 'netaddr>=1,<2' 'jmespath>=1,<2' 'passlib>=1.7,<2'
fi
# community.general (ini_file's reference, json_query and the time filters), ansible.utils
# (the ipaddr filters), ansible.posix (the Python-module tests' reference), community.docker
# and kubernetes.core (the docker and helm modules' references) from the `ansible` package,
# unpacked, not installed.
collections=/var/cache/rsible/collections
if [ ! -f "$collections/ansible_collections/community/general/plugins/modules/ini_file.py" ] ||
  [ ! -f "$collections/ansible_collections/ansible/utils/plugins/filter/ipaddr.py" ] ||
  [ ! -f "$collections/ansible_collections/ansible/posix/plugins/modules/authorized_key.py" ] ||
  [ ! -f "$collections/ansible_collections/community/docker/plugins/modules/docker_swarm.py" ] ||
  [ ! -f "$collections/ansible_collections/kubernetes/core/plugins/modules/helm.py" ]; then
  echo "== unpacking community.general, ansible.utils, ansible.posix, community.docker and kubernetes.core into $collections"
  dl=$(mktemp -d)
  "$venv/bin/pip" download -q --no-deps 'ansible>=12,<13' -d "$dl"
  "$venv/bin/python" - "$dl"/ansible-*.whl "$collections" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
prefixes = tuple(
    f"ansible_collections/{c}/"
    for c in ("community/general", "ansible/utils", "ansible/posix", "community/docker", "kubernetes/core")
)
with zipfile.ZipFile(wheel) as z:
    z.extractall(dest, [n for n in z.namelist() if n.startswith(prefixes)])
PY
  rm -rf "$dl"
fi
export RSIBLE_ANSIBLE_COLLECTIONS="$collections"
export RSIBLE_ANSIBLE_INVENTORY="$venv/bin/ansible-inventory"
export RSIBLE_ANSIBLE_PLAYBOOK="$venv/bin/ansible-playbook"

echo "== lab (tier 1: namespaces + sshd)"
# 200 hosts: t1-01..24 for the connection, module and play suites; t1-25..80 for the fault
# suites (tests/faults*.rs: sshd killed, link down, timeouts, full disk, 50 hosts with 5 broken)
# and, at another time, the HTML report rendered in Chromium (t1-31..80, tests/report_browser.rs);
# t1-81 for the injection properties over SSH (tests/injection.rs); t1-82..85 for connections
# kept between runs (tests/persist.rs), t1-86 for tests/lab_play.rs, t1-87..90 for the
# connection keywords (tests/lab_conn.rs); t1-91..92 for reading ahead (tests/read_ahead.rs); t1-101..160 for the
# host-key and secrets suites (tests/host_keys.rs, tests/secrets.rs); t1-161..200 for four
# shards at once against one unsharded run (tests/shards_lab.rs).
scripts/lab/tier1.sh up 200
echo "== lab (tier 2: Debian under systemd-nspawn, with python3 for ansible-playbook)"
# 33 hosts: the compat suite (tests/compat.rs) runs ansible-playbook on t2-01..03, rsible on
# t2-04..06; the system-module suites use t2-07 (packages), t2-08 and t2-10 (services, kernel
# settings, reboot), t2-09 (users, cron, mounts); the cluster suites use t2-11 (container
# runtime), t2-12..13 (Kubernetes node, kubeadm), t2-14..15 (HAProxy, Docker host) and
# t2-16..19 (the whole k8s-cluster.yml: a load balancer, a control plane, two workers);
# t2-20 is restarted in the middle of a run by tests/faults_restart.rs; tests/async_interop.rs
# starts a background job on t2-06 (only ~/.ansible_async, which compat does not compare);
# tests/python_modules.rs compares Ansible's Python modules run by both tools on t2-21..26;
# tests/sys_facts.rs reads package_facts on t2-27, where tests/uri_wget.rs installs wget and
# runs uri with curl and with wget; tests/cluster_k8s.rs runs `k8s` against the kubectl double
# on t2-29; tests/cluster_swarm.rs forms a Docker swarm on t2-30..32 (and runs
# docker_compose_v2 on t2-32); tests/cluster_helm.rs runs the Helm modules against a helm
# test double on t2-33.
scripts/lab/tier2.sh up 33

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --features lab --quiet -- -D warnings
echo "== cargo test"
cargo test --features lab --quiet 2>&1
