//! The sh programs `k8s` runs on the target, all through its `kubectl`. The manifest is a
//! file: the objects sent on stdin (saved to a private temporary directory, removed at exit),
//! or `src` on the target (a leading `~/` is the login's home), or a URL kubectl fetches.
//! Each probe prints the objects as they are (`before`), sets the gate, `k8s_apply` and prints
//! `changed` when the apply has work (with `wait` the gate is always set, the apply then waits
//! and prints `duration`, the seconds it waited), and `probed` at its end; the present probe asks `kubectl diff`
//! (exit 1: differs; a failure to compare is reported as `differr` and counts as a change)
//! and the server's dry run (`planned`). A failing kubectl call ends the program with
//! `failed STEP`, `rc` and its `stderr`. Knows nothing of the module's arguments.

use crate::connection::quote::quote_str;
use crate::modules::framework::report::{MARK_FILE_FN, MARK_FN};

/// The field manager of the default mode (create or update, `apply: false`).
pub const DEFAULT_MANAGER: &str = "rsible";

/// How kubectl applies the objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// `kubectl apply --server-side` as `field_manager`, with `--force-conflicts` when asked.
    ServerSide {
        /// `--field-manager`.
        field_manager: String,
        /// `--force-conflicts`.
        force_conflicts: bool,
    },
    /// `kubectl apply` (client-side, the last-applied annotation).
    ClientSide,
}

/// Where the manifest comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The program's stdin (the objects rendered on the controller).
    Stdin,
    /// `src`: a path on the target or an http(s)/ftp URL.
    Target(String),
}

/// One task's kubectl programs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The manifest.
    pub source: Source,
    /// `--namespace` for the objects of `src` that name none.
    pub namespace: Option<String>,
    /// `--kubeconfig`.
    pub kubeconfig: Option<String>,
    /// `--context`.
    pub context: Option<String>,
    /// How to apply.
    pub mode: Mode,
    /// Wait for rollouts and pods (present), or for the deletion (absent).
    pub wait: bool,
    /// Seconds each wait may take.
    pub wait_timeout: i64,
}

impl Plan {
    /// What every program starts with: the report functions, `kc` (kubectl with the
    /// connection flags), `fail`, the temporary directory and `$f`, the manifest.
    fn prelude(&self) -> String {
        let mut global = String::new();
        if let Some(k) = &self.kubeconfig {
            global.push_str(&format!(" --kubeconfig={}", quote_str(k)));
        }
        if let Some(c) = &self.context {
            global.push_str(&format!(" --context={}", quote_str(c)));
        }
        let file = match &self.source {
            Source::Stdin => "f=\"$d/manifest.json\"\ncat >\"$f\"\n".to_string(),
            Source::Target(s) if is_url(s) => format!("f={}\n", quote_str(s)),
            Source::Target(s) => match s.strip_prefix("~/") {
                Some(rest) => format!("f=\"$HOME\"/{}\n", quote_str(rest)),
                None => format!("f={}\n", quote_str(s)),
            },
        };
        format!(
            r#"{MARK_FN}{MARK_FILE_FN}k=$(command -v kubectl) || {{ m nokubectl; exit 0; }}
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
kc() {{ "$k"{global} "$@"; }}
fail() {{ m failed "$1"; m rc "$2"; mf stderr "$d/err"; exit 0; }}
{file}"#
        )
    }

    /// ` --namespace=NS` for the commands that read the manifest.
    fn ns(&self) -> String {
        self.namespace
            .as_ref()
            .map(|n| format!(" --namespace={}", quote_str(n)))
            .unwrap_or_default()
    }

    /// The apply flags of the mode.
    fn mode_flags(&self) -> String {
        match &self.mode {
            Mode::ServerSide {
                field_manager,
                force_conflicts,
            } => format!(
                " --server-side --field-manager={}{}",
                quote_str(field_manager),
                if *force_conflicts {
                    " --force-conflicts"
                } else {
                    ""
                }
            ),
            Mode::ClientSide => String::new(),
        }
    }

    /// The probe of `state: present`.
    pub fn present_probe(&self) -> String {
        let (ns, mode) = (self.ns(), self.mode_flags());
        format!(
            r#"{}kc get{ns} -f "$f" -o json --ignore-not-found >"$d/before" 2>"$d/err" || fail get $?
mf before "$d/before"
kc diff{mode}{ns} -f "$f" >/dev/null 2>"$d/err"; c=$?
case $c in
0) ;;
1) rsible_change=1 ;;
*) rsible_change=1; mf differr "$d/err" ;;
esac
if [ "$rsible_change" = 1 ]; then
  m changed
  k8s_apply=1
  if kc apply{mode}{ns} --dry-run=server -o json -f "$f" >"$d/planned" 2>"$d/err"; then mf planned "$d/planned"; fi
fi
{}m probed
"#,
            self.prelude(),
            self.wait_gate()
        )
    }

    /// With `wait`, the gate opens even when nothing changes: kubernetes.core waits for an
    /// unchanged object too (outside check mode, as the gate does); `k8s_apply` tells the
    /// apply whether to change anything.
    fn wait_gate(&self) -> &'static str {
        if self.wait {
            "rsible_change=1\n"
        } else {
            ""
        }
    }

    /// The apply of `state: present`, then the waits.
    pub fn present_apply(&self) -> String {
        let (ns, mode, t) = (self.ns(), self.mode_flags(), self.wait_timeout);
        let mut s = format!(
            r#"if [ "${{k8s_apply:-0}}" = 1 ]; then
  kc apply{mode}{ns} -o json -f "$f" >"$d/after" 2>"$d/err" || fail apply $?
  mf after "$d/after"
fi
"#
        );
        if self.wait {
            s.push_str(&format!(
                r#"t0=$(date +%s)
kc get{ns} -f "$f" --no-headers -o 'custom-columns=K:.kind,N:.metadata.name,S:.metadata.namespace' >"$d/names" 2>"$d/err" || fail get $?
while read -r kind name space; do
  case $space in '<none>') space= ;; esac
  case $kind in
  Deployment|DaemonSet|StatefulSet) set -- rollout status "$kind/$name" ;;
  Pod) set -- wait --for=condition=Ready "pod/$name" ;;
  *) continue ;;
  esac
  kc "$@" --timeout={t}s ${{space:+--namespace="$space"}} >/dev/null 2>"$d/err" || fail timeout $?
done <"$d/names"
m duration $(($(date +%s) - t0))
"#
            ));
        }
        s
    }

    /// The probe of `state: absent`.
    pub fn absent_probe(&self) -> String {
        let ns = self.ns();
        format!(
            r#"{}kc get{ns} -f "$f" -o name --ignore-not-found >"$d/names" 2>"$d/err" || fail get $?
if [ -s "$d/names" ]; then
  rsible_change=1
  m changed
  k8s_apply=1
  kc get{ns} -f "$f" -o json --ignore-not-found >"$d/before" 2>"$d/err" || fail get $?
  mf before "$d/before"
fi
{}m probed
"#,
            self.prelude(),
            self.wait_gate()
        )
    }

    /// The apply of `state: absent`.
    pub fn absent_apply(&self) -> String {
        let wait = if self.wait {
            format!("--wait=true --timeout={}s", self.wait_timeout)
        } else {
            "--wait=false".into()
        };
        let step = if self.wait { "timeout" } else { "delete" };
        let delete = format!(
            "kc delete{} -f \"$f\" --ignore-not-found {wait} >/dev/null 2>\"$d/err\" || fail {step} $?",
            self.ns()
        );
        if self.wait {
            format!(
                "t0=$(date +%s)\nif [ \"${{k8s_apply:-0}}\" = 1 ]; then\n  {delete}\nfi\nm duration $(($(date +%s) - t0))\n"
            )
        } else {
            format!("{delete}\n")
        }
    }
}

/// Whether `src` is a URL kubectl fetches (Ansible's http, https and ftp).
fn is_url(s: &str) -> bool {
    ["http://", "https://", "ftp://"]
        .iter()
        .any(|p| s.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::report::Report;
    use crate::modules::framework::sh_check;

    fn plan(source: Source, mode: Mode, wait: bool) -> Plan {
        Plan {
            source,
            namespace: None,
            kubeconfig: Some("/etc/kubernetes/admin.conf".into()),
            context: None,
            mode,
            wait,
            wait_timeout: 30,
        }
    }

    fn ssa() -> Mode {
        Mode::ServerSide {
            field_manager: "rsible".into(),
            force_conflicts: true,
        }
    }

    #[test]
    fn programs_are_sh_and_the_probes_change_nothing() {
        for p in [
            plan(Source::Stdin, ssa(), true),
            plan(Source::Target("~/m y.yaml".into()), Mode::ClientSide, false),
        ] {
            sh_check::assert_parses(&sh_check::gated(&p.present_probe(), &p.present_apply()));
            sh_check::assert_parses(&sh_check::gated(&p.absent_probe(), &p.absent_apply()));
            for probe in [p.present_probe(), p.absent_probe()] {
                for line in probe.lines() {
                    let writes = line.contains("kc delete")
                        || line.contains(" rollout ")
                        || (line.contains("kc apply") && !line.contains("--dry-run=server"));
                    assert!(!writes, "a probe changes nothing: {line}");
                }
            }
            assert!(p.present_probe().contains("--dry-run=server"));
        }
    }

    #[test]
    fn flags_are_built_and_quoted() {
        let mut p = plan(Source::Target("https://e.x/m.yaml".into()), ssa(), false);
        p.namespace = Some("kube system".into());
        p.context = Some("c'1".into());
        let s = p.present_probe();
        assert!(s.contains("f=https://e.x/m.yaml\n"), "{s}");
        assert!(
            s.contains(
                r#"kc() { "$k" --kubeconfig=/etc/kubernetes/admin.conf --context='c'\''1' "$@"; }"#
            ),
            "{s}"
        );
        assert!(s.contains("kc diff --server-side --field-manager=rsible --force-conflicts --namespace='kube system' -f \"$f\""), "{s}");
        let home = plan(Source::Target("~/m.yaml".into()), Mode::ClientSide, false);
        assert!(home.present_probe().contains("f=\"$HOME\"/m.yaml\n"));
        assert!(home
            .present_apply()
            .contains("\n  kc apply -o json -f \"$f\""));
        assert!(!home.present_probe().contains("rsible_change=1\nm probed"));
        assert!(home
            .absent_apply()
            .contains("--ignore-not-found --wait=false "));
        let w = plan(Source::Stdin, Mode::ClientSide, true);
        assert!(w.absent_apply().contains("--wait=true --timeout=30s"));
        assert!(w.present_apply().contains("rollout status"));
        for s in [w.present_probe(), w.absent_probe()] {
            assert!(
                s.contains("fi\nrsible_change=1\nm probed"),
                "waits gate always: {s}"
            );
        }
        for s in [w.present_apply(), w.absent_apply()] {
            assert!(s.contains("m duration $(($(date +%s) - t0))"), "{s}");
        }
    }

    /// The programs run by sh against a stand-in `kubectl` function: the present probe on
    /// a differing object prints before, changed and planned; an unchanged one neither.
    #[test]
    fn the_present_probe_reads_kubectl() {
        let p = plan(Source::Stdin, ssa(), false);
        let run = |diff_rc: u8| {
            let script = format!(
                "rsible_change=0\nkubectl() {{ case \"$2\" in get) echo '{{\"kind\":\"A\"}}' ;; diff) return {diff_rc} ;; apply) echo '{{\"kind\":\"B\"}}' ;; esac; }}\n{}",
                p.present_probe()
            );
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(&script)
                .output()
                .expect("run sh");
            Report::parse("t", &String::from_utf8_lossy(&out.stdout)).expect("report")
        };
        let changed = run(1);
        assert_eq!(changed.get("before"), Some("{\"kind\":\"A\"}\n"));
        assert_eq!(changed.get("planned"), Some("{\"kind\":\"B\"}\n"));
        assert!(changed.has("changed") && changed.has("probed"));
        let same = run(0);
        assert!(!same.has("changed") && !same.has("planned") && same.has("probed"));
        let broken = run(2);
        assert!(broken.has("changed") && broken.has("differr"));
    }
}
