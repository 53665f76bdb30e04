//! The remote programs shared by both runtimes: one probe that prints framed records (files,
//! command outputs, the service's state) and one apply program that writes files through the
//! atomic writer, removes stale ones and restarts or starts the service. Every path and
//! content is passed through `quote`. Knows nothing of containerd's or Docker's configuration
//! formats.

use crate::connection::quote::quote_str;
use crate::modules::cluster::common::write_text;
use crate::modules::{Ctx, Failure};
use std::collections::BTreeMap;

/// The line prefix that opens every probe record.
const MARK: &str = "@@rsible-crt@@ ";

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
            script: "LC_ALL=C; export LC_ALL\n\
                     PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH\n\
                     rec() { printf '\\n%s%s %s\\n' '@@rsible-crt@@ ' \"$1\" \"$2\"; }\n"
                .into(),
        }
    }

    /// Records file `path` (its content, or absent).
    pub fn file(mut self, path: &str) -> Probe {
        let q = quote_str(path);
        self.script.push_str(&format!(
            "if [ -f {q} ]; then rec F {q}; cat -- {q}; else rec N {q}; fi\n"
        ));
        self
    }

    /// Records every file matching `glob` (a trusted pattern of this module's own).
    pub fn glob(mut self, glob: &str) -> Probe {
        self.script.push_str(&format!(
            "for f in {glob}; do if [ -f \"$f\" ]; then rec F \"$f\"; cat -- \"$f\"; fi; done\n"
        ));
        self
    }

    /// Records the stdout of `cmd` (trusted sh text) as `name`, or absent when it fails.
    pub fn cmd(mut self, name: &str, cmd: &str) -> Probe {
        self.script.push_str(&format!(
            "if o=$({cmd} 2>/dev/null); then rec F {n}; printf '%s\\n' \"$o\"; else rec N {n}; fi\n",
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
        Ok(parse(&text))
    }
}

/// The records of a probe's output.
pub fn parse(text: &str) -> Records {
    let mut r = Records::new();
    let sep = format!("\n{MARK}");
    let mut pieces = text.split(&sep);
    pieces.next();
    for p in pieces {
        let (head, body) = p.split_once('\n').unwrap_or((p, ""));
        let Some((kind, name)) = head.split_once(' ') else {
            continue;
        };
        r.insert(name.to_string(), (kind == "F").then(|| body.to_string()));
    }
    r
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
    /// The apply program. Prints `RESTARTED` or `STARTED`; a failure prints `F message`.
    pub fn script(&self) -> Result<String, String> {
        let mut s =
            String::from("LC_ALL=C; export LC_ALL\nfail() { printf 'F %s\\n' \"$*\"; exit 0; }\n");
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
            format!("systemctl restart -- {u} && echo RESTARTED")
        } else {
            format!(
                "systemctl is-active -q -- {u} || {{ systemctl start -- {u} && echo STARTED; }}"
            )
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
        let text = String::from_utf8_lossy(&out.stdout);
        if let Some(f) = text.lines().find_map(|l| l.strip_prefix("F ")) {
            return Err(Failure::Failed(format!("container_runtime: {f}")));
        }
        if out.status.rc() != 0 {
            return Err(Failure::Failed(format!(
                "container_runtime: the remote program failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(text.lines().any(|l| l == "RESTARTED" || l == "STARTED"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_content_exactly() {
        let out =
            "\n@@rsible-crt@@ F /a\nx = 1\n\n@@rsible-crt@@ N /b\n\n@@rsible-crt@@ F v\n1.6\n";
        let r = parse(out);
        assert_eq!(r["/a"].as_deref(), Some("x = 1\n"));
        assert_eq!(r["/b"], None);
        assert_eq!(r["v"].as_deref(), Some("1.6\n"));
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
        assert!(s.contains("systemctl restart -- containerd && echo RESTARTED"));
    }
}
