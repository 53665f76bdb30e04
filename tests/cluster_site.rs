//! The shipped `playbooks/k8s-cluster.yml` end to end on four tier-2 hosts: t2-16 the HAProxy
//! load balancer, t2-17 the control plane, t2-18 and t2-19 workers. containerd, runc and haproxy
//! are Debian's real packages (scripts/lab/debian-debs.sh); kubelet/kubeadm/kubectl are the
//! test doubles of tests/common/k8s.rs (a signed repository standing in for pkgs.k8s.io) whose
//! programs record every call. Checked: the play converges (a second run changes nothing on
//! any host), kubeadm init ran exactly once on the control plane, the join command reached the
//! workers and each joined exactly once, the CNI manifest and the RBAC example were applied
//! once each (`k8s`, through the kubectl double), HAProxy's configuration
//! lists the control plane and passes `haproxy -c`. Fails loudly when the lab is missing.

mod common;

use common::k8s::{publish_k8s_doubles, VERSIONS};
use common::tier2::Tier2;
use std::path::Path;

const LB: usize = 16;
const CP: usize = 17;
const WORKERS: [usize; 2] = [18, 19];

/// Calls of the double `log` whose first word is `word` (`init phase ...`, which `join_command`
/// runs for the certificate key, is not an init).
fn lines(lab: &Tier2, i: usize, log: &str, word: &str) -> usize {
    let out = lab.root_ok(
        i,
        &format!("cat /var/log/k8s-doubles/{log}.log 2>/dev/null || true"),
    );
    out.lines()
        .filter(|l| {
            let mut w = l.split_whitespace();
            w.next() == Some(word) && w.next() != Some("phase")
        })
        .count()
}

/// Clears what an earlier run left, and refreshes every host's apt lists: the playbooks skip
/// `apt-get update` for an hour (`cache_valid_time`), and lists fetched before this test
/// published its packages would not name them.
fn reset(lab: &Tier2) {
    for i in [CP, WORKERS[0], WORKERS[1]] {
        lab.root_ok(
            i,
            "rm -rf /etc/kubernetes /var/log/k8s-doubles /var/lib/k8s-doubles; \
             dpkg --purge kubelet kubeadm kubectl >/dev/null 2>&1 || true",
        );
    }
    for i in [LB, CP, WORKERS[0], WORKERS[1]] {
        lab.root_ok(i, "apt-get update -qq >/dev/null");
    }
}

#[test]
fn k8s_cluster_converges_with_one_init_and_one_join_per_worker() {
    let lab = Tier2::lab();
    let repo = publish_k8s_doubles(&lab);
    lab.debian_packages(&["haproxy", "containerd", "runc"]);
    reset(&lab);

    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let playbooks = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
    // The CNI manifest as a controller file (the lab has no internet).
    common::write(
        dir,
        "cni.yaml",
        "# a CNI manifest stand-in\nkind: List\nitems: []\n",
    );
    let name = Tier2::name;
    let inv = format!(
        "[lb]\n{lb} ansible_host={lba}\n[control_plane]\n{cp} ansible_host={cpa}\n\
         [workers]\n{w0} ansible_host={w0a}\n{w1} ansible_host={w1a}\n\
         [all:vars]\nansible_user=rslab\nansible_become_password=rslab-pass\n\
         ansible_ssh_private_key_file={key}\nk8s_version=1.31\nk8s_package_version={ver}\n\
         k8s_repo_url={url}\nk8s_key_url={key_url}\nk8s_cni_manifest={cni}\n",
        lb = name(LB),
        lba = Tier2::addr(LB),
        cp = name(CP),
        cpa = Tier2::addr(CP),
        w0 = name(WORKERS[0]),
        w0a = Tier2::addr(WORKERS[0]),
        w1 = name(WORKERS[1]),
        w1a = Tier2::addr(WORKERS[1]),
        key = lab.dir.join("keys/id_ed25519").display(),
        ver = VERSIONS[1],
        url = repo.url,
        key_url = repo.key_url,
        cni = dir.join("cni.yaml").display(),
    );
    common::write(dir, "hosts", &inv);
    let book = format!(
        "- import_playbook: {}\n",
        playbooks.join("k8s-cluster.yml").display()
    );
    lab.converge(dir, &[LB, CP, WORKERS[0], WORKERS[1]], &book);

    // kubeadm: init once on the control plane, join once on each worker, never elsewhere.
    assert_eq!(
        lines(&lab, CP, "kubeadm", "init"),
        1,
        "kubeadm init runs exactly once"
    );
    assert_eq!(lines(&lab, CP, "kubeadm", "join"), 0);
    for w in WORKERS {
        assert_eq!(
            lines(&lab, w, "kubeadm", "join"),
            1,
            "t2-{w} joins exactly once"
        );
        assert_eq!(lines(&lab, w, "kubeadm", "init"), 0);
        let joined = lab.root_ok(w, "cat /var/log/k8s-doubles/kubeadm.log");
        assert!(
            joined.contains("--token"),
            "the join command reached t2-{w}: {joined}"
        );
    }
    let kubectl = lab.root_ok(CP, "cat /var/log/k8s-doubles/kubectl.log");
    let applied = |what: &str| {
        kubectl
            .lines()
            .filter(|l| {
                l.contains(" apply --server-side --field-manager=rsible ")
                    && !l.contains("--dry-run")
                    && l.contains(what)
            })
            .count()
    };
    // Once each: the CNI manifest (src on the control plane) and the RBAC example (stdin).
    assert_eq!(
        applied("-f /etc/kubernetes/cni-manifest.yaml"),
        1,
        "{kubectl}"
    );
    assert_eq!(applied("-f /tmp/"), 1, "{kubectl}");
    let init = lab.root_ok(CP, "grep '^init' /var/log/k8s-doubles/kubeadm.log");
    assert!(init.contains("--pod-network-cidr=10.244.0.0/16"), "{init}");
    assert!(
        init.contains(&format!(
            "--control-plane-endpoint={}:6443",
            Tier2::addr(LB)
        )),
        "{init}"
    );

    // The nodes: containerd running with the systemd cgroup driver; packages held.
    for i in [CP, WORKERS[0], WORKERS[1]] {
        lab.root_ok(i, "systemctl is-active containerd");
        lab.root_ok(
            i,
            "grep -q 'SystemdCgroup = true' /etc/containerd/config.toml",
        );
        let held = lab.root_ok(i, "dpkg --get-selections kubelet kubeadm kubectl");
        assert_eq!(held.matches("hold").count(), 3, "t2-{i}: {held}");
    }

    // The load balancer: the control plane is its backend, and the config is valid.
    let cfg = lab.root_ok(LB, "cat /etc/haproxy/haproxy.cfg");
    assert!(cfg.contains(&format!("{}:6443", Tier2::addr(CP))), "{cfg}");
    lab.root_ok(
        LB,
        "haproxy -c -f /etc/haproxy/haproxy.cfg && systemctl is-active haproxy",
    );
}
