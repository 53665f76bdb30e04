//! The remote programs shared by both runtimes: one probe that reports records (files,
//! command outputs, the service's state) and one apply program that writes files through the
//! atomic writer, removes stale ones and restarts or starts the service. Both answer in the
//! report format (`framework::report`): a record is `name` (encoded) followed by `found`
//! (its text, encoded exactly; a file's through `mf`), or `missing` (its name, encoded); the apply reports `restarted` or `started`,
//! or `fail` (encoded). Every path and content is passed through `quote`. Knows nothing of
//! containerd's or Docker's configuration formats.

use crate::connection::quote::quote_str;
use crate::modules::cluster::common::{write_text, Report, MARK_FILE_FN, MARK_FN};
use crate::modules::{Ctx, Failure};
use std::collections::BTreeMap;

/// Probe output: `name -> Some(text)` for files that exist and commands that succeeded.
pub type Records = BTreeMap<String, Option<String>>;

/// A probe being assembled.
#[derive(Default)]
pub struct Probe {
    script: String,
}

impl Probe {
    /// A probe with a PATH that also finds release installs under /usr/local.
    pub fn new() -> Probe {
        Probe {
            script: format!(
                "LC_ALL=C; export LC_ALL\n\
                 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH\n\
                 {MARK_FN}{MARK_FILE_FN}cat_found() {{ mx name \"$1\"; mf found \"$1\"; }}\n"
            ),
        }
    }

    /// Records file `path` (its content, or absent).
    pub fn file(mut self, path: &str) -> Probe {
        let q = quote_str(path);
        self.script.push_str(&format!(
            "if [ -f {q} ]; then cat_found {q}; else mx missing {q}; fi\n"
        ));
        self
    }

    /// Records every file matching `glob` (a trusted pattern of this module's own).
    pub fn glob(mut self, glob: &str) -> Probe {
        self.script.push_str(&format!(
            "for f in {glob}; do if [ -f \"$f\" ]; then cat_found \"$f\"; fi; done\n"
        ));
        self
    }

    /// Records the stdout of `cmd` (trusted sh text) as `name`, or absent when it fails.
    pub fn cmd(mut self, name: &str, cmd: &str) -> Probe {
        self.script.push_str(&format!(
            "if o=$({cmd} 2>/dev/null); then mx name {n}; mx found \"$o\n\"; else mx missing {n}; fi\n",
            n = quote_str(name)
        ));
        self
    }

    /// Runs the probe.
    pub async fn run(self, ctx: &Ctx<'_>, what: &str) -> Result<Records, Failure> {
        let out = ctx.probe(self.script.into_bytes(), Vec::new()).await?;
        let text = String::from_utf8_lossy(&out.stdout);
        if out.status.rc() != 0 {
            return Err(Failure::Failed(format!(
                "container_runtime: reading the state of {what} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        parse(&text)
    }
}

/// The records of a probe's output; a malformed report fails, naming the module.
pub fn parse(text: &str) -> Result<Records, Failure> {
    let mut r = Records::new();
    let mut name = None;
    for (k, v) in Report::parse("container_runtime", text)?.entries() {
        match k {
            "name" => name = Some(v),
            "found" => {
                let name = name.take().ok_or_else(|| {
                    Failure::Failed(format!(
                        "container_runtime: the probe reported a record without a name: {v:?}"
                    ))
                })?;
                r.insert(name.to_string(), Some(v.to_string()));
            }
            "missing" => {
                r.insert(v.to_string(), None);
            }
            _ => {}
        }
    }
    Ok(r)
}

/// What the apply program does.
#[derive(Debug, Default)]
pub struct Apply {
    /// Files to write: path, mode, content.
    pub write: Vec<(String, u32, String)>,
    /// Files to remove (their directory too, when it becomes empty).
    pub remove: Vec<String>,
    /// Run `systemctl daemon-reload` first (a unit file was written).
    pub daemon_reload: bool,
    /// The systemd unit.
    pub unit: String,
    /// Restart it (else start it only when it is not running).
    pub restart: bool,
}

impl Apply {
    /// The apply program. Reports `restarted` or `started`; a failure reports `fail`.
    pub fn script(&self) -> Result<String, String> {
        let mut s =
            format!("LC_ALL=C; export LC_ALL\n{MARK_FN}fail() {{ mx fail \"$*\"; exit 0; }}\n");
        for (path, mode, content) in &self.write {
            let write = write_text(path, content, *mode)?;
            s.push_str(&format!(
                "f={}\ne=$({} 2>&1) || fail \"cannot write $f: $e\"\n",
                quote_str(path),
                String::from_utf8_lossy(&write),
            ));
        }
        for path in &self.remove {
            s.push_str(&format!(
                "f={}\nrm -f -- \"$f\" || fail \"cannot remove $f\"\n\
                 rmdir -- \"$(dirname -- \"$f\")\" 2>/dev/null\n",
                quote_str(path)
            ));
        }
        let u = quote_str(&self.unit);
        if self.daemon_reload {
            s.push_str("systemctl daemon-reload || fail 'systemctl daemon-reload failed'\n");
        }
        s.push_str(&format!(
            "systemctl enable -q -- {u} 2>/dev/null || fail \"cannot enable {unit}\"\n",
            unit = self.unit
        ));
        let verb = if self.restart {
            format!("systemctl restart -- {u} && m restarted")
        } else {
            format!("systemctl is-active -q -- {u} || {{ systemctl start -- {u} && m started; }}")
        };
        s.push_str(&format!(
            "if ! {{ {verb}; }}; then fail \"{unit} did not start: $(journalctl -u {u} -n 5 --no-pager -o cat 2>/dev/null | tr '\\n' ' ')\"; fi\n",
            unit = self.unit
        ));
        Ok(s)
    }

    /// Runs the program; returns whether the service was restarted (or started). In check
    /// mode nothing is sent and the answer is `false`.
    pub async fn run(&self, ctx: &Ctx<'_>) -> Result<bool, Failure> {
        let script = self
            .script()
            .map_err(|e| Failure::Failed(format!("container_runtime: {e}")))?;
        let Some(out) = ctx.apply(script.into_bytes(), Vec::new()).await? else {
            return Ok(false);
        };
        let r = Report::parse("container_runtime", &String::from_utf8_lossy(&out.stdout))?;
        if let Some(f) = r.get("fail") {
            return Err(Failure::Failed(format!("container_runtime: {f}")));
        }
        if out.status.rc() != 0 {
            return Err(Failure::Failed(format!(
                "container_runtime: the remote program failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(r.has("restarted") || r.has("started"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The probe, run by sh here, reports files byte for byte (no final newline, blank
    /// lines at the end), absent ones, command outputs and globbed files.
    #[test]
    fn records_keep_content_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        std::fs::write(dir.path().join("a b"), "x = 1\n\n").unwrap();
        std::fs::create_dir(dir.path().join("r")).unwrap();
        std::fs::write(dir.path().join("r/hosts.toml"), "no newline").unwrap();
        let probe = Probe::new()
            .file(&format!("{d}/a b"))
            .file(&format!("{d}/none"))
            .cmd("v", "echo 1.6; echo")
            .cmd("bad", "false")
            .glob(&format!("{d}/*/hosts.toml"));
        let out = std::process::Command::new("sh")
            .args(["-c", &probe.script])
            .output()
            .expect("sh");
        let r = parse(&String::from_utf8_lossy(&out.stdout)).unwrap();
        assert_eq!(r[&format!("{d}/a b")].as_deref(), Some("x = 1\n\n"));
        assert_eq!(r[&format!("{d}/none")], None);
        assert_eq!(r["v"].as_deref(), Some("1.6\n"));
        assert_eq!(r["bad"], None);
        assert_eq!(
            r[&format!("{d}/r/hosts.toml")].as_deref(),
            Some("no newline")
        );
        assert_eq!(r.len(), 5);
    }

    #[test]
    fn a_malformed_report_names_the_module() {
        for bad in ["@@rsible found:x 61\n", "@@rsible missing:x 6\n"] {
            let e = parse(bad).unwrap_err();
            assert!(
                matches!(&e, Failure::Failed(m) if m.starts_with("container_runtime: ")),
                "{e:?}"
            );
        }
        assert!(
            parse("@@rsible found:x 62\n").is_err(),
            "a record without a name"
        );
        let r = parse("tool output\n@@rsible name a\n@@rsible found:x 62\n@@rsible missing n\n")
            .unwrap();
        assert_eq!(r["a"].as_deref(), Some("b"));
        assert_eq!(r["n"], None);
    }

    #[test]
    fn apply_quotes_paths_and_content() {
        let a = Apply {
            write: vec![("/etc/x y".into(), 0o644, "it's $HOME\n".into())],
            remove: vec!["/etc/containerd/certs.d/q/hosts.toml".into()],
            daemon_reload: false,
            unit: "containerd".into(),
            restart: true,
        };
        let s = a.script().unwrap();
        assert!(s.contains("printf '%s' 'it'\\''s $HOME\n' | ("), "{s}");
        assert!(s.contains("p='/etc/x y'"), "{s}");
        assert!(crate::modules::cluster::common::tests::parses(s.as_bytes()));
        assert!(s.contains("systemctl restart -- containerd && m restarted"));
    }
}
