//! The Helm modules' argument rules, programs and decisions, without a host.

use super::release::{self, Helm};
use super::repository::{self, HelmRepository};
use crate::modules::framework::args;
use crate::modules::framework::report::Report;
use crate::modules::framework::sh_check::assert_parses;
use crate::modules::framework::spec::check;
use serde_json::{json, Map, Value};

fn helm_args(v: Value) -> release::Args {
    args::parse("helm", v.as_object().expect("obj")).expect("args")
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("obj")
}

#[test]
fn arguments_as_kubernetes_core_names_them() {
    let ok = json!({"name": "web", "namespace": "apps", "chart_ref": "stable/nginx",
        "values": {"a": 1}, "kubeconfig_path": "/kc", "kube_context": "c", "dep_up": false});
    assert_eq!(check::<Helm>(ok), Ok(true));
    assert_eq!(
        check::<Helm>(json!({"name": "web", "namespace": "apps", "state": "absent"})),
        Ok(true)
    );
    let e = check::<Helm>(json!({"name": "web", "namespace": "apps"})).unwrap_err();
    assert!(e.contains("chart_ref"), "{e}");
    let e = check::<Helm>(json!({"name": "w", "namespace": "n", "chart_ref": "c",
        "kubeconfig": {"clusters": []}}))
    .unwrap_err();
    assert!(
        e.contains("kubeconfig") && e.contains("not supported by rsible"),
        "{e}"
    );
    let e = check::<Helm>(json!({"name": "w", "namespace": "n", "chart_ref": "c",
        "wait_timeout": "5m", "timeout": "5m"}))
    .unwrap_err();
    assert!(e.contains("mutually exclusive"), "{e}");
    assert_eq!(
        check::<HelmRepository>(json!({"name": "s", "url": "https://x", "force": true})),
        Ok(true)
    );
    let e = check::<HelmRepository>(json!({"name": "s"})).unwrap_err();
    assert!(e.contains("repo_url"), "{e}");
    let e =
        check::<HelmRepository>(json!({"name": "s", "url": "u", "username": "me"})).unwrap_err();
    assert!(e.contains("required together"), "{e}");
}

#[test]
fn programs_are_valid_sh() {
    let a = helm_args(
        json!({"name": "web", "namespace": "apps", "chart_ref": "st/ngx",
        "chart_version": "1.2", "update_repo_cache": true, "values_files": ["/v 1.yml"],
        "binary_path": "/opt/helm", "kubeconfig": "/k c"}),
    );
    let probe = release::probe(&a);
    assert_parses(&probe);
    assert!(
        probe.contains("KUBECONFIG='/k c'") && probe.contains("helm=/opt/helm"),
        "{probe}"
    );
    assert_parses(&release::apply(&a, &release::deploy_args(&a)));
    let r: repository::Args =
        args::parse("helm_repository", &obj(json!({"name": "s", "url": "u"}))).expect("args");
    assert_parses(&repository::probe(&r));
}

#[test]
fn deploy_and_uninstall_commands_in_ansibles_order() {
    let a = helm_args(
        json!({"name": "web", "namespace": "apps", "chart_ref": "st/ngx",
        "chart_version": "1.2", "values": {"x": 1}, "values_files": ["/v.yml"], "atomic": true,
        "wait": true, "wait_timeout": "5m", "history_max": 3.0, "force": true}),
    );
    assert_eq!(
        release::deploy_args(&a).join(" "),
        "--version=1.2 upgrade -i --reset-values --wait --timeout 5m --atomic --force \
         --values=/v.yml -f=- --history-max=3 web st/ngx"
    );
    let a = helm_args(
        json!({"name": "web", "namespace": "apps", "state": "absent",
        "purge": false, "wait": true}),
    );
    assert_eq!(
        release::uninstall_args(&a).join(" "),
        "uninstall --keep-history --wait web"
    );
    // `command` as the module shows it: the chart quoted, two spaces after `uninstall`.
    assert_eq!(
        release::display(&release::uninstall_args(&a), false),
        "uninstall  --keep-history --wait web"
    );
    let words: Vec<String> = ["upgrade", "-i", "web", "st/ngx"].map(String::from).into();
    assert_eq!(release::display(&words, true), "upgrade -i web 'st/ngx'");
    let r: repository::Args = args::parse(
        "helm_repository",
        &obj(
            json!({"name": "s", "url": "u", "username": "me", "password": "pw",
            "force_update": true}),
        ),
    )
    .expect("args");
    assert_eq!(
        repository::add_args(&r).join(" "),
        "repo add s u --username=me --password=pw --force-update"
    );
}

#[test]
fn the_default_check_compares_chart_app_version_and_values() {
    let a = helm_args(json!({"name": "web", "namespace": "apps", "chart_ref": "st/ngx"}));
    let report = "@@rsible list:x 5b7b226e616d65223a22776562222c226368617274223a226e67782d312e30222c226170705f76657273696f6e223a2231227d5d\n\
                  @@rsible values {\"x\":1}\n@@rsible chart name: ngx\n";
    let r = Report::parse("helm", report).expect("report");
    let f = release::found(&a, &r).expect("found");
    let rel = f.release.expect("release");
    assert_eq!(rel["values"], json!({"x": 1}));
    let chart = obj(json!({"name": "ngx", "version": "1.0", "appVersion": "1"}));
    let same = obj(json!({"x": 1}));
    assert!(!release::would_change(&same, &rel, &chart));
    assert!(release::would_change(&obj(json!({"x": 2})), &rel, &chart));
    let newer = obj(json!({"name": "ngx", "version": "1.1", "appVersion": "1"}));
    assert!(release::would_change(&same, &rel, &newer));
    let app = obj(json!({"name": "ngx", "version": "1.0", "appVersion": "2"}));
    assert!(release::would_change(&same, &rel, &app));
    assert_eq!(
        repository::listed_url(r#"[{"name":"s","url":"u"}]"#, "s"),
        Ok(Some("u".into()))
    );
    assert_eq!(repository::listed_url("[]", "s"), Ok(None));
}
