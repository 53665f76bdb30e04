//! Lab tests of `kubernetes_node` and `kubeadm` on t2-12 (control plane) and t2-13 (worker),
//! against test doubles of the Kubernetes packages served as a signed repository
//! (tests/common/k8s.rs). Every play runs twice (the second run must change nothing); the
//! doubles' logs count how often kubeadm ran.

mod common;

use common::k8s::{publish_k8s_doubles, K8sRepo};
use common::tier2::Tier2;

const CP: usize = 12;
const WORKER: usize = 13;

/// Both hosts as before any run: no Kubernetes packages, files or repository, an active
/// swap entry in fstab.
fn reset(lab: &Tier2) {
    for i in [CP, WORKER] {
        lab.root_ok(
            i,
            "apt-mark unhold kubelet kubeadm kubectl >/dev/null 2>&1; \
             systemctl disable kubelet >/dev/null 2>&1; \
             dpkg --purge kubelet kubeadm kubectl >/dev/null 2>&1; \
             rm -rf /etc/kubernetes /var/log/k8s-doubles /etc/apt/sources.list.d/kubernetes.sources \
             /etc/apt/keyrings/kubernetes.asc /etc/apt/keyrings/kubernetes.gpg \
             /etc/modules-load.d/k8s.conf /etc/sysctl.d/k8s.conf; \
             sed -i '/rsible-k8s-swap/d' /etc/fstab; \
             echo '/var/rsible-k8s-swapfile none swap sw 0 0' >>/etc/fstab; true",
        );
    }
}

fn node_play(repo: &K8sRepo, version: &str) -> String {
    format!(
        "- hosts: t2\n  become: true\n  gather_facts: false\n  tasks:\n\
         \x20   - name: node\n      kubernetes_node:\n        version: '1.31'\n\
         \x20       package_version: '{version}'\n        repo_url: '{}'\n        key_url: '{}'\n",
        repo.url, repo.key_url
    )
}

fn count(lab: &Tier2, i: usize, log: &str, pattern: &str) -> usize {
    let out = lab.root_ok(
        i,
        &format!("grep -cE '{pattern}' /var/log/k8s-doubles/{log}.log || true"),
    );
    out.trim().parse().unwrap_or(0)
}

fn node_checks(lab: &Tier2, version: &str, repo: &K8sRepo) {
    for i in [CP, WORKER] {
        let sources = lab.root_ok(i, "cat /etc/apt/sources.list.d/kubernetes.sources");
        assert!(
            sources.contains(&format!("URIs: {}\n", repo.url))
                && sources.contains("Suites: /\n")
                && sources.contains("Signed-By: /etc/apt/keyrings/kubernetes.asc\n"),
            "{sources}"
        );
        lab.root_ok(
            i,
            "grep -q 'BEGIN PGP PUBLIC KEY BLOCK' /etc/apt/keyrings/kubernetes.asc",
        );
        let pkgs = lab.root_ok(
            i,
            "dpkg-query -W -f '${Package} ${Version} ${Status}\\n' kubelet kubeadm kubectl",
        );
        for p in ["kubelet", "kubeadm", "kubectl"] {
            assert!(
                pkgs.contains(&format!("{p} {version} hold ok installed")),
                "{pkgs}"
            );
        }
        let fstab = lab.root_ok(i, "grep rsible-k8s-swap /etc/fstab");
        assert_eq!(fstab, "# /var/rsible-k8s-swapfile none swap sw 0 0\n");
        assert_eq!(
            lab.root_ok(i, "cat /etc/modules-load.d/k8s.conf"),
            "overlay\nbr_netfilter\n"
        );
        assert_eq!(
            lab.root_ok(i, "cat /etc/sysctl.d/k8s.conf"),
            "net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\n\
             net.ipv4.ip_forward = 1\n"
        );
        assert_eq!(lab.root_ok(i, "systemctl is-enabled kubelet"), "enabled\n");
    }
}

const CLUSTER: &str = "- hosts: t2-12\n  become: true\n  gather_facts: false\n  tasks:\n\
\x20   - name: init\n      kubeadm:\n        action: init\n        pod_network_cidr: 10.244.0.0/16\n\
\x20       upload_certs: true\n        fetch_kubeconfig: '@KUBECONFIG@'\n\
\x20   - name: join command\n      kubeadm: {action: join_command}\n      register: j\n\
- hosts: t2-13\n  become: true\n  gather_facts: false\n  tasks:\n\
\x20   - name: join\n      kubeadm:\n        action: join\n        command: \"{{ hostvars['t2-12'].j.join_command }}\"\n";

#[test]
fn a_node_prepared_initialised_joined_and_reset() {
    let lab = Tier2::lab();
    let repo = publish_k8s_doubles(&lab);
    reset(&lab);
    let dir = tempfile::tempdir().expect("tempdir");
    lab.inventory(dir.path(), &[CP, WORKER], "");

    // Check mode first: nothing changes on a fresh host.
    common::write(dir.path(), "site.yml", &node_play(repo, "1.31.1-1.1"));
    let check = lab.play(dir.path(), &["--check"]);
    assert_eq!(check.code, 0, "{}", check.dump());
    assert!(check.changed(&Tier2::name(CP)) > 0, "{}", check.dump());
    lab.root_ok(
        CP,
        "! test -e /etc/apt/sources.list.d/kubernetes.sources && ! dpkg -s kubelet >/dev/null 2>&1",
    );

    // The node, pinned, twice.
    let first = lab.converge(dir.path(), &[CP, WORKER], &node_play(repo, "1.31.1-1.1"));
    assert!(first.changed(&Tier2::name(WORKER)) > 0, "{}", first.dump());
    // The lab's hosts are containers: what a container cannot do is a warning that says so.
    let node = &first.results(&Tier2::name(CP), "node")[0]["result"];
    assert_eq!(node["container"], "systemd-nspawn", "{node}");
    for w in node["warnings"].as_array().into_iter().flatten() {
        assert!(
            w.as_str()
                .unwrap_or_default()
                .contains("this host is a container"),
            "{node}"
        );
    }
    assert!(
        node["changed_steps"]
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x == "hold kubelet")),
        "{node}"
    );
    node_checks(&lab, "1.31.1-1.1", repo);
    // A newer pinned version replaces the held packages, and they stay held.
    lab.converge(dir.path(), &[CP, WORKER], &node_play(repo, "1.31.2-1.1"));
    node_checks(&lab, "1.31.2-1.1", repo);
    let check = lab.play(dir.path(), &["--check", "--diff"]);
    assert_eq!(check.code, 0, "{}", check.dump());
    assert_eq!(check.changed(&Tier2::name(CP)), 0, "{}", check.dump());
    // A version the repository does not have fails in plain words and changes nothing.
    common::write(dir.path(), "site.yml", &node_play(repo, "1.31.9-1.1"));
    let bad = lab.play(dir.path(), &["--limit", "t2-13"]);
    assert_eq!(bad.code, 2, "{}", bad.dump());
    let msg = bad.results(&Tier2::name(WORKER), "node")[0]["result"]["msg"].clone();
    assert!(
        msg.as_str()
            .unwrap_or_default()
            .contains("kubelet=1.31.9-1.1"),
        "{msg}"
    );
    node_checks(&lab, "1.31.2-1.1", repo);

    // init once, the join command passed on through hostvars, join once.
    let kubeconfig = dir.path().join("kubeconfig/admin.conf");
    let play = CLUSTER.replace("@KUBECONFIG@", &kubeconfig.display().to_string());
    // Check mode: init would run and does not; there is no join command yet.
    common::write(
        dir.path(),
        "site.yml",
        &play[..play.find("- hosts: t2-13").unwrap()],
    );
    let check = lab.play(dir.path(), &["--check", "--diff"]);
    assert_eq!(check.code, 0, "{}", check.dump());
    assert_eq!(
        check.results(&Tier2::name(CP), "init")[0]["status"],
        "changed"
    );
    assert_eq!(
        check.results(&Tier2::name(CP), "join command")[0]["status"],
        "skipped"
    );
    assert_eq!(count(&lab, CP, "kubeadm", "^init --"), 0);
    assert!(!kubeconfig.exists());
    let run = lab.converge(dir.path(), &[CP, WORKER], &play);
    let jc = &run.results(&Tier2::name(CP), "join command")[0]["result"];
    let cmd = jc["join_command"].as_str().unwrap_or_default();
    assert!(
        cmd.starts_with("kubeadm join 10.214.0.22:6443 --token "),
        "{}",
        run.dump()
    );
    assert!(
        jc["control_plane_join_command"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&format!("{cmd} --control-plane --certificate-key ")),
        "{jc}"
    );
    assert_eq!(count(&lab, CP, "kubeadm", "^init --"), 1);
    assert_eq!(count(&lab, WORKER, "kubeadm", "^join "), 1);
    assert_eq!(
        count(&lab, WORKER, "kubeadm", "^join 10.214.0.22:6443 --token "),
        1
    );
    assert_eq!(count(&lab, WORKER, "kubeadm", "^init"), 0);
    let local = std::fs::read_to_string(&kubeconfig).expect("admin.conf fetched");
    assert!(
        local.contains("server: https://10.214.0.22:6443"),
        "{local}"
    );
    lab.root_ok(CP, "test -f /etc/kubernetes/admin.conf");
    lab.root_ok(WORKER, "test -f /etc/kubernetes/kubelet.conf");

    // Teardown.
    lab.converge(
        dir.path(),
        &[CP, WORKER],
        "- hosts: t2\n  become: true\n  gather_facts: false\n  tasks:\n\
         \x20   - name: reset\n      kubeadm: {action: reset}\n",
    );
    for i in [CP, WORKER] {
        assert_eq!(count(&lab, i, "kubeadm", "^reset -f"), 1);
        lab.root_ok(
            i,
            "! test -e /etc/kubernetes/admin.conf && ! test -e /etc/kubernetes/kubelet.conf",
        );
    }
}

#[test]
fn bad_arguments_fail_before_anything_is_sent() {
    let lab = Tier2::lab();
    let dir = tempfile::tempdir().expect("tempdir");
    lab.inventory(dir.path(), &[CP], "");
    for task in [
        "kubeadm: {action: join}",
        "kubeadm: {action: init, config: /k.yaml, pod_network_cidr: 10.0.0.0/8}",
        "kubeadm: {action: join, command: 'rm -rf /'}",
        "kubernetes_node: {version: '1.31.2'}",
    ] {
        common::write(
            dir.path(),
            "site.yml",
            &format!(
                "- hosts: t2\n  become: true\n  gather_facts: false\n  tasks:\n    - name: bad\n      {task}\n"
            ),
        );
        let run = lab.play(dir.path(), &[]);
        assert_ne!(run.code, 0, "{task}: {}", run.dump());
        let r = &run.results(&Tier2::name(CP), "bad");
        assert!(
            r.is_empty() || r[0]["result"]["failed"] == true,
            "{task}: {}",
            run.dump()
        );
    }
}
