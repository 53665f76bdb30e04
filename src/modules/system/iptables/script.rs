//! The sh of `iptables`: one gated program per task. The probe finds each binary
//! (`iptables`, `ip6tables`) as Ansible's `get_bin_path` does (PATH, then the sbin
//! directories), asks the same question Ansible's module asks (`-C` for a rule, `-L` for a
//! chain or its policy) and marks each binary whose answer differs (`ch1`, `ch2`, the gate);
//! the apply runs the one command per marked binary (`-A`/`-I`/`-D`, `-N`/`-X`, `-P`, `-F`).
//! A command that must succeed and fails stops the program with its `rc`, `cmd` (as Python's
//! `shlex` writes it), `stdout` and `stderr`. Knows nothing of the result's shape.

use crate::connection::quote::{quote_str, shlex_quote};
use crate::modules::framework::report::{MARK_FILE_FN, MARK_FN};

/// What the task does, decided from the arguments as Ansible's module decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// `flush`: always a change.
    Flush,
    /// `policy`: a change when the chain's policy differs.
    Policy(String),
    /// `state: absent` and no rule words: a change when the chain exists; deleted only
    /// with `chain_management`.
    ChainAbsent { manage: bool },
    /// `state: present` and no rule words: a change when the chain is missing; created
    /// only with `chain_management`.
    ChainPresent { manage: bool },
    /// A rule, wanted present (appended, or inserted at `rule_num`) or absent.
    Rule { present: bool, insert: bool },
}

/// The command words common to every command of the task, after the binary.
pub struct Target<'a> {
    /// `-t` table.
    pub table: &'a str,
    /// The chain, when given.
    pub chain: Option<&'a str>,
    /// `-w` seconds, when given (and not empty).
    pub wait: Option<&'a str>,
    /// `rule_num`, for an insert.
    pub rule_num: Option<&'a str>,
    /// `numeric`: `--numeric` on the `-L` listings.
    pub numeric: bool,
}

impl Target<'_> {
    /// `-t TABLE ACTION [CHAIN] [NUM] [-w W] [extra...]` as Ansible's module orders them.
    fn words(&self, action: &str, extra: &[String]) -> Vec<String> {
        let mut w = vec!["-t".to_string(), self.table.into(), action.into()];
        w.extend(self.chain.map(String::from));
        if action == "-I" {
            w.extend(self.rule_num.map(String::from));
        }
        if let Some(s) = self.wait {
            w.extend(["-w".to_string(), s.into()]);
        }
        w.extend(extra.iter().cloned());
        w
    }

    /// The `-L` listing's words.
    fn list(&self) -> Vec<String> {
        let mut w = self.words("-L", &[]);
        if self.numeric {
            w.push("--numeric".into());
        }
        w
    }
}

/// sh words for `words` after the binary `$bN`, and the shlex text Ansible's `cmd` shows.
fn sh(words: &[String]) -> (String, String) {
    let quoted: Vec<String> = words.iter().map(|w| quote_str(w)).collect();
    let shown: Vec<String> = words.iter().map(|w| shlex_quote(w)).collect();
    (quoted.join(" "), shown.join(" "))
}

/// A command that must succeed, on binary `i` (`x` stops the program when it fails).
fn must(i: usize, words: &[String]) -> String {
    let (q, shown) = sh(words);
    format!("x {} \"$b{i}\" {q}", quote_str(&shown))
}

/// A command whose exit status is the answer, on binary `i`.
fn asks(i: usize, words: &[String]) -> String {
    format!("\"$b{i}\" {} >/dev/null 2>&1", sh(words).0)
}

/// The probe and the apply for `mode` on the binaries `bins` with the rule words `rule`.
pub fn programs(bins: &[&str], t: &Target, mode: &Mode, rule: &[String]) -> (String, String) {
    let mut probe = format!(
        r#"LC_ALL=C; export LC_ALL
{MARK_FN}{MARK_FILE_FN}t=$(mktemp -d) || exit 1; trap 'rm -rf "$t"' EXIT
x() {{ q=$1; shift; "$@" >"$t/o" 2>"$t/e" && return 0; c=$?; m rc "$c"; mx cmd "$1 $q"; mf stdout "$t/o"; mf stderr "$t/e"; exit 0; }}
ch() {{ eval "ch$1=1"; rsible_change=1; m changed; }}
ch1=; ch2=
P=$PATH
for d in /sbin /usr/sbin /usr/local/sbin; do case ":$P:" in *":$d:"*) ;; *) [ ! -e "$d" ] || P=$P:$d ;; esac; done
"#
    );
    for (i, b) in bins.iter().enumerate() {
        probe.push_str(&format!(
            "b{n}=$(PATH=$P; command -v {b}) || {{ m nobin {b}; mx paths \"$P\"; exit 0; }}\n",
            n = i + 1
        ));
    }
    let mut apply = String::from(":\n");
    for i in 1..=bins.len() {
        let (question, command) = match mode {
            Mode::Flush => (format!("ch {i}"), Some(t.words("-F", &[]))),
            Mode::Policy(p) => (
                format!(
                    "{}\np=$(sed -n '1s/.*(policy \\([A-Z][A-Z]*\\)).*/\\1/p' \"$t/o\")\n\
                     [ -n \"$p\" ] || {{ m nopolicy; exit 0; }}\n[ \"$p\" = {} ] || ch {i}",
                    must(i, &t.list()),
                    quote_str(p)
                ),
                Some(t.words("-P", std::slice::from_ref(p))),
            ),
            Mode::ChainAbsent { manage } => (
                format!("{} && ch {i}", asks(i, &t.list())),
                manage.then(|| t.words("-X", &[])),
            ),
            Mode::ChainPresent { manage } => (
                format!("{} || ch {i}", asks(i, &t.list())),
                manage.then(|| t.words("-N", &[])),
            ),
            Mode::Rule { present, insert } => {
                let check = asks(i, &t.words("-C", rule));
                let action = match (present, insert) {
                    (false, _) => "-D",
                    (true, true) => "-I",
                    (true, false) => "-A",
                };
                let op = if *present { "||" } else { "&&" };
                (format!("{check} {op} ch {i}"), Some(t.words(action, rule)))
            }
        };
        probe.push_str(&question);
        probe.push('\n');
        if let Some(c) = command {
            apply.push_str(&format!("[ \"$ch{i}\" != 1 ] || {}\n", must(i, &c)));
        }
    }
    (probe, apply)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::sh_check::{assert_parses, gated};

    fn target() -> Target<'static> {
        Target {
            table: "filter",
            chain: Some("INPUT"),
            wait: Some("5"),
            rule_num: Some("2"),
            numeric: true,
        }
    }

    #[test]
    fn words_follow_ansibles_order() {
        let t = target();
        let rule = vec!["-p".to_string(), "tcp".into()];
        assert_eq!(
            t.words("-I", &rule).join(" "),
            "-t filter -I INPUT 2 -w 5 -p tcp"
        );
        assert_eq!(
            t.words("-C", &rule).join(" "),
            "-t filter -C INPUT -w 5 -p tcp"
        );
        assert_eq!(t.list().join(" "), "-t filter -L INPUT -w 5 --numeric");
        let flush = Target {
            chain: None,
            wait: None,
            ..target()
        };
        assert_eq!(flush.words("-F", &[]).join(" "), "-t filter -F");
    }

    #[test]
    fn the_cmd_reads_as_python_writes_it() {
        let (q, shown) = sh(&["--comment".to_string(), "a b".into()]);
        assert_eq!(q, "--comment 'a b'");
        assert_eq!(shown, "--comment 'a b'");
    }

    #[test]
    fn every_mode_parses_and_the_probe_changes_nothing() {
        let rule = vec![
            "-j".to_string(),
            "ACCEPT".into(),
            "-m".into(),
            "comment".into(),
        ];
        let modes = [
            Mode::Flush,
            Mode::Policy("DROP".into()),
            Mode::ChainAbsent { manage: true },
            Mode::ChainPresent { manage: false },
            Mode::Rule {
                present: true,
                insert: true,
            },
            Mode::Rule {
                present: false,
                insert: false,
            },
        ];
        for mode in &modes {
            let (probe, apply) = programs(&["iptables", "ip6tables"], &target(), mode, &rule);
            assert_parses(&gated(&probe, &apply));
            for w in ["-A", "-I", "-D", "-N", "-X", "-P", "-F"] {
                assert!(
                    !probe.contains(&format!(" {w} ")),
                    "{mode:?}: the probe runs {w}"
                );
            }
            assert!(probe.contains("b2=$(PATH=$P; command -v ip6tables)"));
        }
    }

    /// The probe for `mode` run by sh with the binary a function printing `listing`.
    fn probe_with(mode: &Mode, listing: &str) -> crate::modules::framework::report::Report {
        let (probe, _) = programs(&["iptables"], &target(), mode, &[]);
        let script = probe.replace(
            "b1=$(PATH=$P; command -v iptables)",
            &format!("fake() {{ printf '%s' '{listing}'; }}; b1=fake; true"),
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("rsible_change=0\n{script}"))
            .output()
            .expect("run sh");
        crate::modules::framework::report::Report::parse("t", &String::from_utf8_lossy(&out.stdout))
            .expect("report")
    }

    #[test]
    fn the_policy_is_read_from_the_listings_first_line() {
        let listing = "Chain INPUT (policy DROP)\ntarget     prot opt source    destination\n";
        assert!(!probe_with(&Mode::Policy("DROP".into()), listing).has("changed"));
        assert!(probe_with(&Mode::Policy("ACCEPT".into()), listing).has("changed"));
        let own = "Chain X (1 references)\n";
        assert!(probe_with(&Mode::Policy("DROP".into()), own).has("nopolicy"));
    }

    #[test]
    fn a_failed_command_is_reported() {
        let script = format!(
            "{}\nb1=false\n{}",
            programs(&["iptables"], &target(), &Mode::Flush, &[]).0,
            must(1, &["-L".to_string()])
        )
        .replace("b1=$(PATH=$P; command -v iptables)", "b1=false; true");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .output()
            .expect("run sh");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let r = crate::modules::framework::report::Report::parse("t", &stdout).expect("report");
        assert_eq!(r.get("rc"), Some("1"));
        assert_eq!(r.get("cmd"), Some("false -L"));
        assert_eq!(r.get("stderr"), Some(""));
    }
}
