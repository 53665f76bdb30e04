//! Unit tests of `container_runtime`'s argument checking, at run time and at load.

use super::args::{want, Args, Source, Want};
use super::ContainerRuntime;
use crate::modules::framework::spec;
use crate::modules::framework::spec::Module;
use serde_json::{json, Map, Value};

/// The run-time reading: parse, validate, then what to do.
fn check(v: Value) -> Result<Want, String> {
    let m: Map<String, Value> = v.as_object().unwrap().clone();
    let a: Args = crate::modules::framework::args::parse("container_runtime", &m)?;
    ContainerRuntime::validate(&a)?;
    want(&a)
}

#[test]
fn containerd_defaults() {
    let Want::Containerd(c) = check(json!({})).unwrap() else {
        panic!("not containerd")
    };
    assert_eq!(
        c.source,
        Source::Packages(vec!["containerd".into(), "runc".into()])
    );
    assert!(c.settings.systemd_cgroup);
    assert!(!c.settings.certs_d);
    assert!(c.crictl);
}

#[test]
fn version_pins_the_package_and_mirrors_enable_certs_d() {
    let Want::Containerd(c) = check(json!({
        "version": "1.6.20~ds1-1+deb12u3",
        "systemd_cgroup": "no",
        "registry_mirrors": {"docker.io": ["https://m.example"]}
    }))
    .unwrap() else {
        panic!()
    };
    let Source::Packages(p) = c.source else {
        panic!("not packages")
    };
    assert_eq!(p[0], "containerd=1.6.20~ds1-1+deb12u3");
    assert!(!c.settings.systemd_cgroup);
    assert!(c.settings.certs_d);
}

#[test]
fn bad_arguments() {
    for (v, needle) in [
        (json!({"runtime": "podman"}), "runtime"),
        (json!({"source": "release"}), "release"),
        (
            json!({"release": {"containerd": "a", "runc": "b"}}),
            "source: release",
        ),
        (json!({"daemon_json": {}}), "docker"),
        (
            json!({"runtime": "docker", "sandbox_image": "x"}),
            "containerd",
        ),
        (json!({"runtime": "docker", "compose": true}), "docker-ce"),
        (
            json!({"runtime": "docker", "source": "docker-ce"}),
            "suites",
        ),
        (json!({"registry_mirrors": {"a/b": []}}), "a/b"),
        (json!({"state": "absent"}), "state"),
        (json!({"bogus": 1}), "bogus"),
        (json!({"registry_mirrors": ["x"]}), "container_runtime"),
    ] {
        let e = check(v.clone()).unwrap_err();
        assert!(e.contains(needle), "{v}: {e}");
    }
}

#[test]
fn docker_ce_packages() {
    let Want::Docker(d) = check(json!({
        "runtime": "docker", "source": "docker-ce",
        "repository": {"suites": "bookworm"}
    }))
    .unwrap() else {
        panic!()
    };
    assert!(d.packages.contains(&"docker-compose-plugin".to_string()));
    assert!(d.repository.is_some());
    let Want::Docker(d) = check(json!({"runtime": "docker"})).unwrap() else {
        panic!()
    };
    assert_eq!(d.packages, vec!["docker.io".to_string()]);
    assert_eq!(
        d.daemon_json["exec-opts"],
        json!(["native.cgroupdriver=systemd"])
    );
}

#[test]
fn load_time_check() {
    // The shipped k8s-cluster.yml's task.
    assert_eq!(
        spec::check::<ContainerRuntime>(json!({
            "runtime": "containerd",
            "registry_mirrors": "{{ containerd_mirrors | default(omit) }}",
            "sandbox_image": "{{ containerd_sandbox_image | default(omit) }}",
        })),
        Ok(true)
    );
    // A templated dict is not read as an empty one (which would lack `suites`).
    assert_eq!(
        spec::check::<ContainerRuntime>(
            json!({"runtime": "docker", "source": "docker-ce", "repository": "{{ r }}"})
        ),
        Ok(false)
    );
    assert_eq!(
        spec::check::<ContainerRuntime>(json!({"runtime": "{{ rt }}"})),
        Ok(false)
    );
    let e = spec::check::<ContainerRuntime>(json!({"runtime": "podman"})).unwrap_err();
    assert!(
        e.contains("value of runtime must be one of: containerd, docker, got: podman"),
        "{e}"
    );
    let e = spec::check::<ContainerRuntime>(json!({"runtim": "docker"})).unwrap_err();
    assert!(e.contains("runtim"), "{e}");
    let e = spec::check::<ContainerRuntime>(
        json!({"source": "release", "release": {"containerd": "/c.tgz"}}),
    )
    .unwrap_err();
    assert!(e.contains("missing required arguments: runc"), "{e}");
    let e = spec::check::<ContainerRuntime>(json!({"systemd_cgroup": "maybe"})).unwrap_err();
    assert!(e.contains("systemd_cgroup"), "{e}");
    let e = spec::check::<ContainerRuntime>(json!({"runtime": "docker", "source": "release"}))
        .unwrap_err();
    assert!(e.contains("for docker"), "{e}");
}
