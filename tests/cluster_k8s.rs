//! Lab test of `k8s` (kubernetes.core.k8s) on t2-29 against the kubectl test double
//! (tests/fixtures/doubles/kubectl: it records every call and keeps applied manifests in a
//! directory that stands in for the API server; the lab has no cluster). Checked: check mode
//! sends no apply, a play of inline definitions, a target-side `src` and a waited Deployment
//! converges (the second run changes nothing), each kubectl call carries the flags the task
//! asked for, and `state: absent` deletes once.

mod common;

use common::tier2::Tier2;

const HOST: usize = 29;

/// The double's source.
const DOUBLE: &str = include_str!("fixtures/doubles/kubectl");

/// t2-29 with the double installed as kubectl, nothing recorded or applied yet, and the
/// `src` manifest in place.
fn reset(lab: &Tier2) {
    lab.root_ok(
        HOST,
        &format!(
            "rm -rf /var/log/k8s-doubles /var/lib/k8s-doubles /root/rbac.yaml\n\
             cat >/usr/local/bin/kubectl <<'RSIBLE_DOUBLE'\n{DOUBLE}RSIBLE_DOUBLE\n\
             chmod 755 /usr/local/bin/kubectl\n\
             mkdir -p /var/lib/k8s-doubles/kubectl\n\
             echo 'Deployment web apps' >/var/lib/k8s-doubles/kubectl/columns\n\
             printf 'kind: ServiceAccount\\nmetadata:\\n  name: viewer\\n' >/root/rbac.yaml\n"
        ),
    );
}

const PLAY: &str = r#"- hosts: t2
  become: true
  gather_facts: false
  vars:
    kc: /etc/kubernetes/admin.conf
  tasks:
    - name: inline
      kubernetes.core.k8s:
        kubeconfig: "{{ kc }}"
        apply: true
        server_side_apply:
          field_manager: rsible
        definition: |
          apiVersion: rbac.authorization.k8s.io/v1
          kind: ClusterRole
          metadata:
            name: pod-reader
          rules:
            - apiGroups: [""]
              resources: [pods]
              verbs: [get, list, watch]
          ---
          apiVersion: rbac.authorization.k8s.io/v1
          kind: ClusterRoleBinding
          metadata:
            name: pod-readers
          roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
          subjects:
            - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: pod-readers}
      register: inline
    - name: namespace
      k8s:
        kubeconfig: "{{ kc }}"
        kind: Namespace
        name: apps
    - name: src
      k8s:
        kubeconfig: "{{ kc }}"
        src: /root/rbac.yaml
        namespace: apps
    - name: deployment
      k8s:
        kubeconfig: "{{ kc }}"
        namespace: apps
        wait: true
        wait_timeout: 7
        definition:
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: web}
          spec:
            replicas: 1
            selector: {matchLabels: {app: web}}
            template:
              metadata: {labels: {app: web}}
              spec:
                containers: [{name: web, image: nginx}]
"#;

const ABSENT: &str = r#"- hosts: t2
  become: true
  gather_facts: false
  tasks:
    - name: gone
      k8s:
        kubeconfig: /etc/kubernetes/admin.conf
        state: absent
        kind: Namespace
        name: apps
"#;

fn log(lab: &Tier2) -> String {
    lab.root_ok(HOST, "cat /var/log/k8s-doubles/kubectl.log")
}

/// Calls whose argv has `verb` as its first word after the connection flags, and not
/// `--dry-run`.
fn real(log: &str, verb: &str) -> Vec<String> {
    log.lines()
        .filter(|l| {
            l.split_whitespace().find(|w| !w.starts_with("--")) == Some(verb)
                && !l.contains("--dry-run")
        })
        .map(String::from)
        .collect()
}

#[test]
fn objects_applied_waited_for_and_deleted_through_kubectl() {
    let lab = Tier2::lab();
    reset(&lab);
    let dir = tempfile::tempdir().expect("tempdir");
    lab.inventory(dir.path(), &[HOST], "");
    let host = Tier2::name(HOST);

    // Check mode: every task would change, nothing is applied.
    common::write(dir.path(), "site.yml", PLAY);
    let check = lab.play(dir.path(), &["--check", "--diff"]);
    assert_eq!(check.code, 0, "{}", check.dump());
    assert_eq!(check.changed(&host), 4, "{}", check.dump());
    let calls = log(&lab);
    assert!(real(&calls, "apply").is_empty(), "{calls}");
    assert!(calls.contains("--dry-run=server"), "{calls}");
    // The server's dry run is the check-mode result.
    let inline = &check.results(&host, "inline")[0]["result"];
    let results = inline["result"]["results"].as_array().expect("two objects");
    assert_eq!(
        results[1]["result"]["kind"], "ClusterRoleBinding",
        "{inline}"
    );
    assert_eq!(results[0]["method"], "apply", "{inline}");

    // Applied, then unchanged.
    let run = lab.converge(dir.path(), &[HOST], PLAY);
    let ns = &run.results(&host, "namespace")[0]["result"];
    assert_eq!(ns["method"], "create", "{ns}");
    assert_eq!(
        ns["result"],
        serde_json::json!({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "apps"}})
    );
    let calls = log(&lab);
    let applies = real(&calls, "apply");
    assert_eq!(applies.len(), 4, "one apply per task, once: {calls}");
    assert!(
        applies.iter().all(|l| l.starts_with(
            "--kubeconfig=/etc/kubernetes/admin.conf apply --server-side --field-manager=rsible"
        ) && l.contains(" -o json -f ")),
        "{calls}"
    );
    assert_eq!(
        applies
            .iter()
            .filter(|l| l.contains("--force-conflicts"))
            .count(),
        3,
        "apply: false is a forced server-side apply, apply: true is not: {calls}"
    );
    assert!(
        applies
            .iter()
            .any(|l| l.ends_with("--namespace=apps -o json -f /root/rbac.yaml")),
        "{calls}"
    );
    let rollouts = real(&calls, "rollout");
    assert_eq!(
        rollouts,
        ["--kubeconfig=/etc/kubernetes/admin.conf rollout status Deployment/web --timeout=7s --namespace=apps"; 2],
        "waited for on both runs (kubernetes.core waits for an unchanged object too): {calls}"
    );
    let manifests = lab.root_ok(HOST, "cat /var/log/k8s-doubles/kubectl.manifests");
    assert!(
        manifests.contains(r#""metadata":{"name":"web","namespace":"apps"}"#),
        "the task's namespace completes the definition: {manifests}"
    );

    // Deleted once; a second run finds nothing to delete.
    let gone = lab.converge(dir.path(), &[HOST], ABSENT);
    assert_eq!(gone.changed(&host), 1, "{}", gone.dump());
    let calls = log(&lab);
    let deletes = real(&calls, "delete");
    assert_eq!(deletes.len(), 1, "{calls}");
    assert!(
        deletes[0].contains("--ignore-not-found --wait=false"),
        "{calls}"
    );

    // A wait that times out fails the task in Ansible's words.
    lab.root_ok(
        HOST,
        "rm -rf /var/lib/k8s-doubles/kubectl/applied; echo 1 >/var/lib/k8s-doubles/kubectl/wait-rc",
    );
    common::write(dir.path(), "site.yml", PLAY);
    let timeout = lab.play(dir.path(), &[]);
    assert_eq!(timeout.code, 2, "{}", timeout.dump());
    let msg = &timeout.results(&host, "deployment")[0]["result"]["msg"];
    assert!(
        msg.as_str()
            .unwrap_or_default()
            .starts_with("Resource creation timed out"),
        "{msg}"
    );
}
