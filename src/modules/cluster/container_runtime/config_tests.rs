//! Unit tests of the containerd config editing, on real `containerd config default` outputs
//! captured from Debian's containerd 1.6.20 (bookworm), 1.7.24 (trixie) and 2.1.9 (sid).

use super::*;

const V16: &str = include_str!("fixtures/containerd-1.6.20.toml");
const V17: &str = include_str!("fixtures/containerd-1.7.24.toml");
const V21: &str = include_str!("fixtures/containerd-2.1.9.toml");

fn parsed(s: &str) -> toml::Table {
    toml::from_str(s).unwrap()
}

fn all() -> Settings {
    Settings {
        systemd_cgroup: true,
        sandbox_image: Some("registry.k8s.io/pause:3.9".into()),
        certs_d: true,
    }
}

#[test]
fn versions() {
    assert_eq!(version(V16), Ok(2));
    assert_eq!(version(V17), Ok(2));
    assert_eq!(version(V21), Ok(3));
    assert!(version("version = 1\n").is_err());
    assert!(version("not toml [").is_err());
}

#[test]
fn v2_settings_land_under_the_grpc_cri_plugin() {
    for default in [V16, V17] {
        let out = render(default, &all()).unwrap();
        let t = parsed(&out);
        let cri = r#"plugins."io.containerd.grpc.v1.cri""#;
        let opts = lookup(&t, &format!("{cri}.containerd.runtimes.runc.options")).unwrap();
        assert_eq!(opts["SystemdCgroup"], toml::Value::Boolean(true));
        assert_eq!(
            lookup(&t, cri).unwrap()["sandbox_image"].as_str(),
            Some("registry.k8s.io/pause:3.9")
        );
        assert_eq!(
            lookup(&t, &format!("{cri}.registry")).unwrap()["config_path"].as_str(),
            Some(CERTS_D)
        );
        // Only the three lines differ from the default.
        let changed = default
            .lines()
            .zip(out.lines())
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(changed, 3, "{out}");
        assert_eq!(default.lines().count(), out.lines().count());
    }
}

#[test]
fn v3_settings_land_under_the_split_cri_plugins() {
    let out = render(V21, &all()).unwrap();
    let t = parsed(&out);
    let rt = r#"plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options"#;
    assert_eq!(
        lookup(&t, rt).unwrap()["SystemdCgroup"],
        toml::Value::Boolean(true)
    );
    let img = r#"plugins."io.containerd.cri.v1.images""#;
    assert_eq!(
        lookup(&t, &format!("{img}.pinned_images")).unwrap()["sandbox"].as_str(),
        Some("registry.k8s.io/pause:3.9")
    );
    assert_eq!(
        lookup(&t, &format!("{img}.registry")).unwrap()["config_path"].as_str(),
        Some(CERTS_D)
    );
    assert_eq!(version(&out), Ok(3));
}

#[test]
fn defaults_only_touch_systemd_cgroup() {
    let s = Settings {
        systemd_cgroup: true,
        ..Settings::default()
    };
    for default in [V16, V17, V21] {
        let out = render(default, &s).unwrap();
        let diff: Vec<_> = default
            .lines()
            .zip(out.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(diff.len(), 1, "{diff:?}");
        assert!(diff[0].1.trim() == "SystemdCgroup = true", "{diff:?}");
    }
    // Rendering is stable: the same input gives the same file.
    assert_eq!(render(V16, &s).unwrap(), render(V16, &s).unwrap());
}

#[test]
fn systemd_cgroup_false_keeps_the_default() {
    let s = Settings::default();
    assert_eq!(render(V16, &s).unwrap(), format!("{}\n", V16.trim_end()));
}

#[test]
fn cri_is_removed_from_disabled_plugins() {
    let text = V16.replacen(
        "disabled_plugins = []",
        r#"disabled_plugins = ["cri", "io.containerd.snapshotter.v1.zfs"]"#,
        1,
    );
    let out = render(&text, &all()).unwrap();
    let t = parsed(&out);
    let d = t["disabled_plugins"].as_array().unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].as_str(), Some("io.containerd.snapshotter.v1.zfs"));
}

#[test]
fn missing_table_is_added() {
    let out = render("version = 2\n", &all()).unwrap();
    let t = parsed(&out);
    let opts = lookup(
        &t,
        r#"plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options"#,
    )
    .unwrap();
    assert_eq!(opts["SystemdCgroup"], toml::Value::Boolean(true));
}

#[test]
fn sandbox_image_is_escaped() {
    let s = Settings {
        systemd_cgroup: true,
        sandbox_image: Some("a\"b\\c".into()),
        certs_d: false,
    };
    let t = parsed(&render(V16, &s).unwrap());
    assert_eq!(
        lookup(&t, r#"plugins."io.containerd.grpc.v1.cri""#).unwrap()["sandbox_image"].as_str(),
        Some("a\"b\\c")
    );
}

#[test]
fn hosts_toml_lists_mirrors_in_order() {
    let h = hosts_toml(
        "docker.io",
        &["https://m1.example".into(), "http://m2:5000".into()],
    );
    let t = parsed(&h);
    assert_eq!(t["server"].as_str(), Some("https://registry-1.docker.io"));
    let hosts = t["host"].as_table().unwrap();
    assert_eq!(hosts.len(), 2);
    assert!(h.find("m1.example").unwrap() < h.find("m2:5000").unwrap());
    assert!(h.starts_with(MANAGED));
    assert_eq!(
        parsed(&hosts_toml("quay.io", &[]))["server"].as_str(),
        Some("https://quay.io")
    );
}

#[test]
fn registry_names() {
    assert!(valid_registry("docker.io"));
    assert!(valid_registry("10.0.0.1:5000"));
    assert!(valid_registry("_default"));
    for bad in ["", "..", "a/b", "a b", "x'y"] {
        assert!(!valid_registry(bad), "{bad}");
    }
}
