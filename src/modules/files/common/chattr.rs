//! The `attributes` argument (alias `attr`) of `file`, `copy` and `template`: ext2-style
//! flags set with `chattr` as Ansible's `set_attributes_if_different` sets them. The value
//! is `=FLAGS` (the default operator), `+FLAGS` or `-FLAGS`. The flags `lsattr -d` shows
//! (dashes removed) are compared with FLAGS as text, so Ansible's quirks come along: `+i`
//! on a file that also has `e` runs `chattr +i` (and reports a change) on every run, `-…`
//! always runs, and a target without `chattr` changes nothing. Pieces of sh for the probe
//! and the apply, and the decision read from a report. Knows nothing of any one module.

use crate::connection::quote::quote;
use crate::modules::framework::report::Report;

/// A requested `attributes` value: the operator and the flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    op: char,
    flags: String,
}

impl Attributes {
    /// Reads an `attributes` value; `None` when it asks for nothing (no flags).
    pub fn parse(s: &str) -> Option<Attributes> {
        let (op, flags) = match s.chars().next() {
            Some(c @ ('+' | '-')) => (c, &s[1..]),
            _ => ('=', s),
        };
        (!flags.is_empty()).then(|| Attributes {
            op,
            flags: flags.to_string(),
        })
    }

    /// The `chattr` argument (and Ansible's `after` in the diff): `=i`, `+A`, `-d`.
    pub fn arg(&self) -> String {
        format!("{}{}", self.op, self.flags)
    }

    /// Whether `chattr` runs for a path whose flags are `existing` (`None` when `lsattr`
    /// could not read them, which Ansible reads as no flags).
    fn differs(&self, existing: Option<&str>) -> bool {
        existing.unwrap_or("") != self.flags || self.op == '-'
    }

    /// The change the probe named `name` ([`probe_sh`]) found: the flags before, when
    /// `chattr` would run.
    pub fn change(&self, r: &Report, name: &str) -> Option<String> {
        if !r.has(&format!("{name}.chattr")) {
            return None;
        }
        let existing = flags(r, name);
        self.differs(existing.as_deref())
            .then(|| existing.unwrap_or_default())
    }

    /// sh that runs `chattr` on the path `word` (a quoted or `"$var"` shell word) when its
    /// flags differ, reading them again first (the path may have just been made). It
    /// reports the flags before under `NAME.was`, or stops with `chattr_failed` and
    /// `chattr_details` (Ansible's `msg` and `details`) when `chattr` fails.
    pub fn apply_sh(&self, word: &str, name: &str) -> String {
        let want = String::from_utf8_lossy(&quote(self.flags.as_bytes())).into_owned();
        let arg = String::from_utf8_lossy(&quote(self.arg().as_bytes())).into_owned();
        // `-FLAGS` runs whatever the flags are.
        let differs = if self.op == '-' {
            String::new()
        } else {
            format!(" && [ \"$af\" != {want} ]")
        };
        format!(
            "{}if [ -n \"$ch\" ]{differs}; then\n  \
             e=$(chattr {arg} {word} 2>&1); c=$?\n  \
             if [ \"$c\" != 0 ] || [ -n \"$e\" ]; then m chattr_failed; \
             mx chattr_details \"Error while setting attributes: $e\"; exit 1; fi\n  \
             m {name}.was \"f$af\"\nfi\n",
            read_sh(word),
        )
    }
}

/// sh setting `af` to the flags `lsattr -d` shows for `word` (empty when it cannot) and
/// `ch` when `chattr` is there.
fn read_sh(word: &str) -> String {
    format!(
        "af=''; ch=''\ncommand -v chattr >/dev/null 2>&1 && ch=1\n\
         if command -v lsattr >/dev/null 2>&1 && a=$(lsattr -d -- {word} 2>/dev/null); then \
         af=$(printf '%s\\n' \"$a\" | awk 'NR == 1 {{ print $1 }}' | tr -d -); fi\n"
    )
}

/// The probe's sh for the path `word`, reported under `name`: `NAME.flags` (the flags,
/// after an `f`, when `lsattr` read them) and `NAME.chattr` (when `chattr` is there and
/// the path exists: a path the apply makes is compared after it is made).
pub fn probe_sh(word: &str, name: &str) -> String {
    format!(
        "{}[ -z \"$ch\" ] || ! [ -e {word} ] || m {name}.chattr\n\
         if command -v lsattr >/dev/null 2>&1 && lsattr -d -- {word} >/dev/null 2>&1; then \
         m {name}.flags \"f$af\"; fi\n",
        read_sh(word)
    )
}

/// The flags a probe named `name` read, if it could.
fn flags(r: &Report, name: &str) -> Option<String> {
    r.get(&format!("{name}.flags"))
        .map(|f| f.strip_prefix('f').unwrap_or(f).to_string())
}

/// The flags before, as the apply named `name` ([`Attributes::apply_sh`]) reported them
/// when it ran `chattr`.
pub fn applied(r: &Report, name: &str) -> Option<String> {
    r.get(&format!("{name}.was"))
        .map(|f| f.strip_prefix('f').unwrap_or(f).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::report::MARK_FN;

    fn run(script: &str) -> Report {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{MARK_FN}{script}"))
            .output()
            .expect("sh");
        Report::parse("t", &String::from_utf8_lossy(&out.stdout)).expect("report")
    }

    #[test]
    fn values_read_as_ansible_reads_them() {
        let a = Attributes::parse("i").unwrap();
        assert_eq!(a.arg(), "=i");
        assert_eq!(Attributes::parse("+iA").unwrap().arg(), "+iA");
        assert_eq!(Attributes::parse("-d").unwrap().arg(), "-d");
        assert_eq!(Attributes::parse(""), None);
        assert_eq!(Attributes::parse("+"), None);
        assert!(!a.differs(Some("i")));
        assert!(a.differs(Some("ie")));
        assert!(a.differs(None));
        // `+` compares the whole text; `-` always runs.
        assert!(Attributes::parse("+i").unwrap().differs(Some("ie")));
        assert!(Attributes::parse("-i").unwrap().differs(Some("")));
    }

    #[test]
    fn the_probe_and_the_apply_read_lsattr() {
        let script = "lsattr() { echo '----i---------e------- /x'; }\n\
                      chattr() { echo \"chattr $*\" >&2; }\n";
        let r = run(&format!("{script}{}", probe_sh("/", "attr")));
        assert!(r.has("attr.chattr"));
        let a = Attributes::parse("+i").unwrap();
        assert_eq!(a.change(&r, "attr"), Some("ie".into()));
        assert_eq!(Attributes::parse("ie").unwrap().change(&r, "attr"), None);
        let r = run(&format!(
            "{script}{}",
            Attributes::parse("A").unwrap().apply_sh("'/x'", "attr")
        ));
        assert!(r.has("chattr_failed"), "chattr wrote to stderr");
        let quiet = "lsattr() { echo '---------------------- /x'; }\nchattr() { :; }\n";
        let r = run(&format!(
            "{quiet}{}",
            Attributes::parse("A").unwrap().apply_sh("'/x'", "attr")
        ));
        assert_eq!(applied(&r, "attr"), Some(String::new()));
    }
}
