//! Executable inventory scripts: runs `SCRIPT --list` (and `--host NAME` when `_meta` is
//! missing) and reads Ansible's JSON protocol. Knows nothing of INI/YAML or patterns.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::{Inventory, InventoryError};

fn run(path: &Path, args: &[&str]) -> Result<Value, InventoryError> {
    let out = Command::new(path)
        .args(args)
        .output()
        .map_err(|e| InventoryError::Script {
            path: path.to_path_buf(),
            message: format!("could not run inventory script: {e}"),
            stderr: String::new(),
        })?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        return Err(InventoryError::Script {
            path: path.to_path_buf(),
            message: format!(
                "inventory script `{}` failed ({})",
                args.join(" "),
                out.status
            ),
            stderr,
        });
    }
    serde_json::from_slice(&out.stdout).map_err(|e| InventoryError::Script {
        path: path.to_path_buf(),
        message: format!(
            "inventory script `{}` did not print valid JSON: {e} (line {}, column {})",
            args.join(" "),
            e.line(),
            e.column()
        ),
        stderr,
    })
}

fn bad(path: &Path, message: String) -> InventoryError {
    InventoryError::Script {
        path: path.to_path_buf(),
        message,
        stderr: String::new(),
    }
}

/// Runs the script and merges its groups, hosts and variables into `inv`.
pub fn load(inv: &mut Inventory, path: &Path) -> Result<(), InventoryError> {
    let data = run(path, &["--list"])?;
    let Value::Object(groups) = data else {
        return Err(bad(
            path,
            "inventory script output must be a JSON object of groups".into(),
        ));
    };
    let mut meta_hostvars: Option<&serde_json::Map<String, Value>> = None;
    let mut seen_hosts: Vec<usize> = Vec::new();
    for (name, gdata) in &groups {
        if name == "_meta" {
            match gdata.get("hostvars") {
                Some(Value::Object(hv)) => meta_hostvars = Some(hv),
                Some(_) => return Err(bad(path, "_meta.hostvars must be an object".into())),
                None => {}
            }
            continue;
        }
        let g = inv.add_group(name);
        let owned;
        let gdata = match gdata {
            Value::Object(m)
                if m.contains_key("hosts")
                    || m.contains_key("vars")
                    || m.contains_key("children") =>
            {
                gdata
            }
            Value::Object(_) => {
                // Simplified syntax: a host named like the group, with these vars.
                owned = serde_json::json!({"hosts": [name], "vars": gdata});
                &owned
            }
            other => {
                owned = serde_json::json!({ "hosts": other });
                &owned
            }
        };
        if let Some(hosts) = gdata.get("hosts") {
            let Value::Array(hosts) = hosts else {
                return Err(bad(
                    path,
                    format!(
                        "You defined a group '{name}' with bad data for the host list: {hosts}"
                    ),
                ));
            };
            for h in hosts {
                let hname = match h {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let hi = inv.add_host(&hname, Some(g), None);
                if !seen_hosts.contains(&hi) {
                    seen_hosts.push(hi);
                }
            }
        }
        if let Some(vars) = gdata.get("vars") {
            let Value::Object(vars) = vars else {
                return Err(bad(
                    path,
                    format!("You defined a group '{name}' with bad data for variables: {vars}"),
                ));
            };
            for (k, v) in vars {
                inv.set_group_var(g, k, v.clone())
                    .map_err(|m| bad(path, m))?;
            }
        }
        if let Some(children) = gdata.get("children") {
            let Value::Array(children) = children else {
                return Err(bad(
                    path,
                    format!("You defined a group '{name}' with bad data for children: {children}"),
                ));
            };
            for c in children {
                let cname = match c {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let ci = inv.add_group(&cname);
                inv.add_child(g, ci).map_err(|m| bad(path, m))?;
            }
        }
    }
    for h in seen_hosts {
        let name = inv.host_name(h).to_string();
        let got = match meta_hostvars {
            Some(hv) => hv
                .get(&name)
                .cloned()
                .unwrap_or(Value::Object(Default::default())),
            None => run(path, &["--host", &name])?,
        };
        let Value::Object(vars) = got else {
            return Err(bad(
                path,
                format!("host variables for '{name}' must be a JSON object, got {got}"),
            ));
        };
        for (k, v) in vars {
            inv.set_host_var(h, &k, v);
        }
    }
    Ok(())
}
