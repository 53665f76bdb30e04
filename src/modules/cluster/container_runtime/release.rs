//! `source: release`: containerd's release tarball unpacked under /usr/local, runc installed
//! as /usr/local/sbin/runc, the CNI plugins tarball unpacked into /opt/cni/bin, and
//! containerd's upstream systemd unit in /etc/systemd/system. Each artifact is a URL (the
//! host downloads it with curl or wget) or a controller file (streamed over stdin). What is
//! installed is recorded in [`MARKER`] (a controller file by its sha256, a URL by itself), so
//! an unchanged release costs nothing; a changed one costs one round trip per artifact (none
//! in check mode: the framework sends no apply). runc and the marker are written through the
//! atomic writer. The install program reports `fail` (encoded) in the report format
//! (`framework::report`). Knows nothing of containerd's configuration.

use super::args::Release;
use super::remote::Records;
use crate::connection::quote::quote_str;
use crate::modules::cluster::common::{write_text, Report, MARK_FN};
use crate::modules::framework::write::{self, WriteOpts};
use crate::modules::{Ctx, Failure};

/// Records which release artifacts are installed, one `name identity` line each.
pub const MARKER: &str = "/etc/containerd/rsible-release";
/// The systemd unit of a release install.
pub const UNIT: &str = "/etc/systemd/system/containerd.service";

/// One artifact to install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// `containerd`, `runc` or `cni`.
    pub name: &'static str,
    /// The URL or controller path.
    pub from: String,
    /// What the marker records for it.
    pub identity: String,
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// A controller file's sha256, or the URL itself.
fn identity(from: &str) -> Result<String, Failure> {
    if is_url(from) {
        return Ok(from.to_string());
    }
    use sha2::Digest;
    let bytes = std::fs::read(from).map_err(|e| {
        Failure::Failed(format!(
            "container_runtime: cannot read the release file {from}: {e}"
        ))
    })?;
    Ok(format!(
        "sha256:{}",
        crate::modules::framework::write::hex(&sha2::Sha256::digest(&bytes))
    ))
}

/// The artifacts of `r` whose marker line differs from what the host recorded.
pub fn plan(r: &Release, rec: &Records) -> Result<Vec<Artifact>, Failure> {
    let mut items = vec![("containerd", &r.containerd), ("runc", &r.runc)];
    if let Some(c) = &r.cni {
        items.push(("cni", c));
    }
    let mut lines = Vec::new();
    for (name, from) in &items {
        lines.push((*name, (*from).clone(), identity(from)?));
    }
    let have = rec.get(MARKER).cloned().flatten().unwrap_or_default();
    Ok(lines
        .into_iter()
        .filter(|(n, _, id)| !have.lines().any(|l| l == format!("{n} {id}")))
        .map(|(name, from, identity)| Artifact {
            name,
            from,
            identity,
        })
        .collect())
}

/// The sh that puts an artifact read from stdin in place; `sum` is the sha256 the writer
/// checks runc's bytes against (a shell word).
fn place(name: &str, sum: &str) -> Result<String, String> {
    Ok(match name {
        "containerd" => {
            "tar -xzf - -C /usr/local || fail 'unpacking the containerd tarball failed'\n".into()
        }
        "runc" => {
            let opts = WriteOpts {
                mode: Some(0o755),
                ..WriteOpts::default()
            };
            let w = write::script("/usr/local/sbin/runc", sum, &opts)?;
            format!(
                "e=$( (\n{}) 2>&1) || fail \"installing runc failed: $e\"\n",
                String::from_utf8_lossy(&w)
            )
        }
        _ => "mkdir -p /opt/cni/bin && tar -xzf - -C /opt/cni/bin \
              || fail 'unpacking the CNI plugins failed'\n"
            .into(),
    })
}

/// The marker's content once `a` is installed over `have` (its current content).
fn recorded(have: &str, a: &Artifact) -> String {
    let prefix = format!("{} ", a.name);
    let mut out: String = have
        .lines()
        .filter(|l| !l.starts_with(&prefix))
        .map(|l| format!("{l}\n"))
        .collect();
    out.push_str(&format!("{} {}\n", a.name, a.identity));
    out
}

/// The install program of one artifact (its bytes on stdin unless it is a URL), which then
/// records it: the marker becomes `marker`.
fn script(a: &Artifact, marker: &str) -> Result<String, String> {
    let mut s = format!(
        "LC_ALL=C; export LC_ALL\n{MARK_FN}fail() {{ mx fail \"$*\"; exit 0; }}\n\
         mkdir -p /usr/local/sbin /usr/local/bin /etc/containerd || fail 'cannot create directories'\n",
    );
    // A controller file is checked against its sha256 on arrival; a download is already on
    // the host, so the writer checks the copy against the downloaded file's own sum.
    let sum = if is_url(&a.from) {
        let u = quote_str(&a.from);
        s.push_str(&format!(
            "if command -v curl >/dev/null; then get() {{ curl -fsSL -- {u}; }}; \
             else get() {{ wget -qO- -- {u}; }}; fi\n\
             f=$(mktemp) || fail 'no temp file'\n\
             get >\"$f\" || {{ rm -f -- \"$f\"; fail \"downloading \"{u}\" failed\"; }}\n\
             sum=$(sha256sum <\"$f\") || fail 'sha256sum failed'; sum=${{sum%% *}}\n\
             exec <\"$f\"; rm -f -- \"$f\"\n"
        ));
        "\"$sum\"".to_string()
    } else {
        a.identity.trim_start_matches("sha256:").to_string()
    };
    s.push_str(&place(a.name, &sum)?);
    let record = String::from_utf8_lossy(&write_text(MARKER, marker, 0o644)?).into_owned();
    s.push_str(&format!(
        "e=$({record} 2>&1) || fail \"recording the install in {MARKER} failed: $e\"\n"
    ));
    Ok(s)
}

/// Installs `todo`, one round trip each, over the probe's records `rec`. Returns whether it
/// did: in check mode nothing is sent and the answer is `false`.
pub async fn install(todo: &[Artifact], rec: &Records, ctx: &Ctx<'_>) -> Result<bool, Failure> {
    let mut marker = rec.get(MARKER).cloned().flatten().unwrap_or_default();
    for a in todo {
        marker = recorded(&marker, a);
        let program =
            script(a, &marker).map_err(|e| Failure::Failed(format!("container_runtime: {e}")))?;
        let file = (!is_url(&a.from)).then(|| std::path::Path::new(&a.from));
        let Some(out) = ctx
            .apply_streaming(program.into_bytes(), Vec::new(), file)
            .await?
        else {
            return Ok(false);
        };
        failure(a, &out.stdout)?;
        if out.status.rc() != 0 {
            return Err(Failure::Failed(format!(
                "container_runtime: installing {} failed: {}",
                a.name,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
    }
    Ok(true)
}

/// The failure an install program of `a` reported in `stdout`, if any; a malformed report is
/// a failure too, naming the module.
fn failure(a: &Artifact, stdout: &[u8]) -> Result<(), Failure> {
    let r = Report::parse("container_runtime", &String::from_utf8_lossy(stdout))?;
    match r.get("fail") {
        Some(f) => Err(Failure::Failed(format!(
            "container_runtime: {} ({}): {f}",
            a.name, a.from
        ))),
        None => Ok(()),
    }
}

/// containerd's upstream unit (containerd.service of the release), for /usr/local/bin.
pub fn unit() -> String {
    "[Unit]\nDescription=containerd container runtime\nDocumentation=https://containerd.io\n\
     After=network.target local-fs.target dbus.service\n\n\
     [Service]\nExecStartPre=-/sbin/modprobe overlay\nExecStart=/usr/local/bin/containerd\n\n\
     Type=notify\nDelegate=yes\nKillMode=process\nRestart=always\nRestartSec=5\n\
     LimitNPROC=infinity\nLimitCORE=infinity\nTasksMax=infinity\nOOMScoreAdjust=-999\n\n\
     [Install]\nWantedBy=multi-user.target\n"
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel() -> Release {
        Release {
            containerd: "https://example.com/containerd.tgz".into(),
            runc: "https://example.com/runc".into(),
            cni: None,
        }
    }

    #[test]
    fn plan_skips_recorded_artifacts() {
        let mut rec = Records::new();
        assert_eq!(plan(&rel(), &rec).unwrap().len(), 2);
        rec.insert(
            MARKER.into(),
            Some("containerd https://example.com/containerd.tgz\n".into()),
        );
        let todo = plan(&rel(), &rec).unwrap();
        assert_eq!(todo.len(), 1);
        assert_eq!(todo[0].name, "runc");
    }

    #[test]
    fn missing_controller_file_is_named() {
        let r = Release {
            containerd: "/nonexistent/containerd.tgz".into(),
            ..rel()
        };
        let e = plan(&r, &Records::new()).unwrap_err().to_string();
        assert!(e.contains("/nonexistent/containerd.tgz"), "{e}");
    }

    #[test]
    fn url_is_quoted() {
        let a = Artifact {
            name: "runc",
            from: "https://x/'a".into(),
            identity: "https://x/'a".into(),
        };
        let s = script(&a, "runc https://x/'a\n").unwrap();
        assert!(s.contains(r"'https://x/'\''a'"), "{s}");
        assert!(s.contains("rsible_sum=\"$sum\""), "{s}");
        assert!(crate::modules::cluster::common::tests::parses(s.as_bytes()));
    }

    #[test]
    fn the_marker_keeps_other_artifacts() {
        let a = Artifact {
            name: "runc",
            from: "/r".into(),
            identity: "sha256:00".into(),
        };
        assert_eq!(
            recorded("containerd u\nrunc old\n", &a),
            "containerd u\nrunc sha256:00\n"
        );
        assert_eq!(recorded("", &a), "runc sha256:00\n");
        for name in ["containerd", "cni"] {
            let s = script(&Artifact { name, ..a.clone() }, "x\n").unwrap();
            assert!(crate::modules::cluster::common::tests::parses(s.as_bytes()));
        }
    }

    /// A failing install program, run by sh here, reports its message to the parser.
    #[test]
    fn failures_are_reported_in_the_one_format() {
        let a = Artifact {
            name: "cni",
            from: "/c.tgz".into(),
            identity: "sha256:00".into(),
        };
        let s = script(&a, "cni sha256:00\n").unwrap();
        let fail = &s[..s.find("mkdir -p").expect("mkdir")];
        let out = std::process::Command::new("sh")
            .args(["-c", &format!("{fail}fail 'a\nb'\n")])
            .output()
            .expect("sh");
        let e = failure(&a, &out.stdout).unwrap_err().to_string();
        assert_eq!(e, "container_runtime: cni (/c.tgz): a\nb");
        assert!(failure(&a, b"tar: ok\n").is_ok());
        let e = failure(&a, b"@@rsible fail:x 1\n").unwrap_err().to_string();
        assert!(e.starts_with("container_runtime: "), "{e}");
    }
}
