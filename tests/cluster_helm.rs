//! Lab test of `kubernetes.core.helm` and `kubernetes.core.helm_repository` on t2-33, against
//! the recording test double of the `helm` CLI (tests/fixtures/doubles/helm: no cluster, no
//! charts; it keeps releases and repositories as files and logs every call; it needs
//! python3-yaml). Check mode first, with the repository already there (nothing deployed, no
//! deploy call), then the play twice (the second run changes nothing and deploys nothing),
//! then a changed value upgrades, and removal twice. tests/compat's case 39_helm compares
//! the same modules with ansible-playbook's.

mod common;

use common::tier2::Tier2;

const HOST: usize = 33;

/// Installs the double as /usr/local/bin/helm (with python3-yaml, from the lab's
/// repository) with empty state and log.
fn install_double(lab: &Tier2) {
    lab.debian_packages(&["python3-yaml"]);
    let double = include_str!("fixtures/doubles/helm");
    lab.root_ok(
        HOST,
        &format!(
            "rm -rf /var/lib/helm-double /var/log/helm-double.log /root/kc\n\
             test -e /usr/share/doc/python3-yaml || {{ apt-get update -qq && \
             DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-yaml >/dev/null; }}\n\
             cat >/usr/local/bin/helm <<'RSIBLE_DOUBLE'\n{double}RSIBLE_DOUBLE\n\
             chmod 755 /usr/local/bin/helm; echo 'apiVersion: v1' >/root/kc"
        ),
    );
}

fn play(tasks: &str) -> String {
    format!("- hosts: t2\n  become: true\n  gather_facts: false\n  tasks:\n{tasks}")
}

const PRESENT: &str = "    - name: repo\n      kubernetes.core.helm_repository:\n        \
    name: stable\n        repo_url: https://charts.example/stable\n\
    \x20   - name: refresh\n      kubernetes.core.helm:\n        state: absent\n        \
    binary_path: /usr/local/bin/helm\n        release_name: dummy\n        \
    release_namespace: kube-system\n        update_repo_cache: true\n\
    \x20   - name: app\n      kubernetes.core.helm:\n        name: web\n        \
    chart_ref: stable/nginx\n        chart_version: 2.1.0\n        namespace: apps\n        \
    create_namespace: true\n        atomic: true\n        wait: true\n        \
    kubeconfig: /root/kc\n        values: {replicas: VALUE, image: {tag: '1.27'}}\n";

fn log(lab: &Tier2) -> String {
    lab.root_ok(HOST, "cat /var/log/helm-double.log 2>/dev/null || true")
}

fn deploys(lab: &Tier2) -> usize {
    log(lab).matches("upgrade -i").count()
}

#[test]
fn releases_and_repositories_through_helm() {
    let lab = Tier2::lab();
    install_double(&lab);
    let dir = tempfile::tempdir().expect("tempdir");
    lab.inventory(dir.path(), &[HOST], "");
    let host = Tier2::name(HOST);

    // Check mode, the repository there already (helm cannot show a chart of a repository
    // it lacks): the release reported as a change, nothing deployed.
    lab.root_ok(HOST, "helm repo add stable https://charts.example/stable");
    common::write(
        dir.path(),
        "site.yml",
        &play(&PRESENT.replace("VALUE", "2")),
    );
    let check = lab.play(dir.path(), &["--check"]);
    assert_eq!(check.code, 0, "{}", check.dump());
    assert_eq!(check.changed(&host), 1, "{}", check.dump());
    assert_eq!(deploys(&lab), 0, "{}", log(&lab));

    // Twice: deployed once, the second run only reads.
    let first = lab.converge(dir.path(), &[HOST], &play(&PRESENT.replace("VALUE", "2")));
    let app = &first.results(&host, "app")[0]["result"];
    assert_eq!(app["changed"], true, "{app}");
    assert_eq!(app["status"]["chart"], "nginx-2.1.0", "{app}");
    assert_eq!(app["status"]["values"]["replicas"], 2, "{app}");
    assert_eq!(
        app["command"],
        "/usr/local/bin/helm --version=2.1.0 upgrade -i --reset-values --wait --atomic \
         --create-namespace -f=- web 'stable/nginx'",
        "{app}"
    );
    let refresh = &first.results(&host, "refresh")[0]["result"];
    assert_eq!(refresh["changed"], false, "{refresh}");
    let text = log(&lab);
    assert_eq!(deploys(&lab), 1, "{text}");
    assert!(text.contains("argv=repo update ns=kube-system"), "{text}");
    assert!(text.contains("ns=apps kubeconfig=/root/kc"), "{text}");
    assert!(
        text.contains(r#"values={"replicas":2,"image":{"tag":"1.27"}}"#),
        "{text}"
    );
    assert_eq!(text.matches("argv=repo add stable").count(), 1, "{text}");

    // A changed value upgrades; the same chart and values do not.
    common::write(
        dir.path(),
        "site.yml",
        &play(&PRESENT.replace("VALUE", "3")),
    );
    let again = lab.play(dir.path(), &[]);
    assert_eq!(again.code, 0, "{}", again.dump());
    let app = &again.results(&host, "app")[0]["result"];
    assert_eq!(
        (app["changed"].clone(), app["status"]["revision"].clone()),
        (true.into(), "2".into()),
        "{app}"
    );
    assert_eq!(deploys(&lab), 2, "{}", log(&lab));

    // Removal, twice.
    let absent = "    - kubernetes.core.helm: {name: web, namespace: apps, state: absent}\n\
                  \x20   - kubernetes.core.helm_repository: {name: stable, repo_state: absent}\n";
    lab.converge(dir.path(), &[HOST], &play(absent));
    let text = log(&lab);
    assert_eq!(text.matches("argv=uninstall web").count(), 1, "{text}");
    assert_eq!(text.matches("argv=repo rm stable").count(), 1, "{text}");
    lab.root_ok(
        HOST,
        "! test -e /var/lib/helm-double/releases/apps/web.json",
    );
}

#[test]
fn unsupported_helm_arguments_are_refused_at_load() {
    let lab = Tier2::lab();
    let dir = tempfile::tempdir().expect("tempdir");
    lab.inventory(dir.path(), &[HOST], "");
    for task in [
        "kubernetes.core.helm: {name: a, namespace: b, chart_ref: c, set_values: [{value: x=1}]}",
        "kubernetes.core.helm: {name: a, namespace: b}",
        "kubernetes.core.helm_repository: {name: a, api_key: k, repo_url: u}",
    ] {
        common::write(dir.path(), "site.yml", &play(&format!("    - {task}\n")));
        let run = lab.play(dir.path(), &[]);
        assert_eq!(run.code, 4, "{task}: {}", run.dump());
    }
}
