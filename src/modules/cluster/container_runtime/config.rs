//! Pure text editing of containerd's configuration: `/etc/containerd/config.toml` derived
//! from the runtime's own `containerd config default` output (config version 2 for
//! containerd 1.x, version 3 for 2.x), the registry `certs.d/<registry>/hosts.toml` files and
//! `/etc/crictl.yaml`. The edit keeps every other line of the default as it is (comments,
//! order, quoting), so the file stays what `containerd config default` writes plus our keys.
//! Knows nothing of hosts, connections or module arguments.

use std::collections::BTreeMap;

/// What to set in the default configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `SystemdCgroup` of the runc runtime's options.
    pub systemd_cgroup: bool,
    /// The pause (sandbox) image, when given.
    pub sandbox_image: Option<String>,
    /// Whether `config_path = "/etc/containerd/certs.d"` is set for registries.
    pub certs_d: bool,
}

/// The directory of registry host configuration.
pub const CERTS_D: &str = "/etc/containerd/certs.d";

/// First line of every `hosts.toml` this module writes: marks the files it may remove.
pub const MANAGED: &str = "# Managed by rsible container_runtime; edits are overwritten.";

/// The tables (dotted paths, double-quoted) that hold what we set, per config version.
struct Tables {
    runc_options: &'static str,
    sandbox: (&'static str, &'static str),
    registry: &'static str,
}

const V2: Tables = Tables {
    runc_options: r#"plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options"#,
    sandbox: (r#"plugins."io.containerd.grpc.v1.cri""#, "sandbox_image"),
    registry: r#"plugins."io.containerd.grpc.v1.cri".registry"#,
};

const V3: Tables = Tables {
    runc_options: r#"plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options"#,
    sandbox: (
        r#"plugins."io.containerd.cri.v1.images".pinned_images"#,
        "sandbox",
    ),
    registry: r#"plugins."io.containerd.cri.v1.images".registry"#,
};

/// The config file's `version` (2 for containerd 1.x defaults, 3 for 2.x).
pub fn version(text: &str) -> Result<i64, String> {
    let t: toml::Table = toml::from_str(text)
        .map_err(|e| format!("containerd's default config is not TOML: {e}"))?;
    match t.get("version").and_then(toml::Value::as_integer) {
        Some(v @ (2 | 3)) => Ok(v),
        Some(v) => Err(format!(
            "containerd's default config has version {v}; rsible knows versions 2 and 3"
        )),
        None => Err("containerd's default config has no version".into()),
    }
}

/// `default` (the output of `containerd config default`) with `s` applied.
pub fn render(default: &str, s: &Settings) -> Result<String, String> {
    let tables = match version(default)? {
        2 => V2,
        _ => V3,
    };
    let mut lines: Vec<String> = default.lines().map(str::to_string).collect();
    enable_cri(&mut lines);
    set(
        &mut lines,
        tables.runc_options,
        "SystemdCgroup",
        &s.systemd_cgroup.to_string(),
    );
    if let Some(img) = &s.sandbox_image {
        set(&mut lines, tables.sandbox.0, tables.sandbox.1, &string(img));
    }
    if s.certs_d {
        set(&mut lines, tables.registry, "config_path", &string(CERTS_D));
    }
    let mut out = lines.join("\n");
    out.push('\n');
    // The result must still be TOML, with the value where containerd reads it.
    let t: toml::Table = toml::from_str(&out).map_err(|e| format!("edited config: {e}"))?;
    let got = lookup(&t, tables.runc_options).and_then(|o| o.get("SystemdCgroup"));
    if got != Some(&toml::Value::Boolean(s.systemd_cgroup)) {
        return Err("edited config: SystemdCgroup did not land in the runc options".into());
    }
    Ok(out)
}

/// A TOML basic string: `"..."` with `\\`, `"` and control characters escaped.
fn string(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The table at dotted `path` (our double-quoted form) in a parsed document.
pub fn lookup<'a>(t: &'a toml::Table, path: &str) -> Option<&'a toml::Table> {
    let mut cur = t;
    for key in split_path(path) {
        cur = cur.get(&key)?.as_table()?;
    }
    Some(cur)
}

/// The keys of a dotted path: `a."b.c".d` -> `a`, `b.c`, `d` (either quote style).
fn split_path(path: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in path.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, '.') => keys.push(std::mem::take(&mut cur)),
            (None, c) if c.is_whitespace() => {}
            (None, c) => cur.push(c),
        }
    }
    keys.push(cur);
    keys
}

/// The dotted path of a `[table]` header line, `None` for other lines (and `[[arrays]]`).
fn header(line: &str) -> Option<Vec<String>> {
    let t = line.trim();
    let inner = t.strip_prefix('[')?.strip_suffix(']')?;
    if inner.starts_with('[') {
        return None;
    }
    Some(split_path(inner))
}

/// Sets `key = value` in table `table`: replaces the key's line, or adds it right after the
/// header; adds the table at the end when it is missing.
fn set(lines: &mut Vec<String>, table: &str, key: &str, value: &str) {
    let want = split_path(table);
    let Some(start) = lines.iter().position(|l| header(l) == Some(want.clone())) else {
        lines.push(String::new());
        lines.push(format!("[{table}]"));
        lines.push(format!("  {key} = {value}"));
        return;
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .map_or(lines.len(), |p| start + 1 + p);
    for line in &mut lines[start + 1..end] {
        let t = line.trim_start();
        if let Some((k, _)) = t.split_once('=') {
            if k.trim() == key {
                let indent = &line[..line.len() - t.len()];
                *line = format!("{indent}{key} = {value}");
                return;
            }
        }
    }
    let indent = lines[start].len() - lines[start].trim_start().len() + 2;
    lines.insert(start + 1, format!("{}{key} = {value}", " ".repeat(indent)));
}

/// Removes `"cri"` (and the plugin's full id) from the top-level `disabled_plugins`.
fn enable_cri(lines: &mut [String]) {
    for line in lines.iter_mut() {
        if line.trim_start().starts_with('[') {
            return;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if k.trim() != "disabled_plugins" {
            continue;
        }
        let Ok(toml::Value::Array(items)) = toml::from_str::<toml::Table>(&format!("v = {v}"))
            .map(|mut t| t.remove("v").unwrap_or(toml::Value::Boolean(false)))
        else {
            continue;
        };
        let cri = |s: &str| s == "cri" || s.starts_with("io.containerd.grpc.v1.cri");
        let kept: Vec<String> = items
            .iter()
            .filter_map(toml::Value::as_str)
            .filter(|i| !cri(i))
            .map(string)
            .collect();
        if kept.len() != items.len() {
            *line = format!("{}= [{}]", k, kept.join(", "));
        }
    }
}

/// The `hosts.toml` of `registry` with `mirrors` tried in order before the registry itself.
pub fn hosts_toml(registry: &str, mirrors: &[String]) -> String {
    let server = match registry {
        "docker.io" => "https://registry-1.docker.io".to_string(),
        r if r.starts_with("http://") || r.starts_with("https://") => r.to_string(),
        r => format!("https://{r}"),
    };
    let mut s = format!("{MANAGED}\nserver = {}\n", string(&server));
    for m in mirrors {
        s.push_str(&format!(
            "\n[host.{}]\n  capabilities = [\"pull\", \"resolve\"]\n",
            string(m)
        ));
    }
    s
}

/// Whether `registry` is usable as a `certs.d` directory name.
pub fn valid_registry(registry: &str) -> bool {
    !registry.is_empty()
        && registry != "."
        && registry != ".."
        && registry
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
}

/// Every managed file under `certs.d`, by path, from the registry mirrors.
pub fn mirror_files(mirrors: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, String> {
    mirrors
        .iter()
        .map(|(r, m)| (format!("{CERTS_D}/{r}/hosts.toml"), hosts_toml(r, m)))
        .collect()
}

/// `/etc/crictl.yaml` pointing crictl at containerd's socket.
pub fn crictl_yaml() -> String {
    "runtime-endpoint: unix:///run/containerd/containerd.sock\n\
     image-endpoint: unix:///run/containerd/containerd.sock\n\
     timeout: 10\n"
        .to_string()
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
