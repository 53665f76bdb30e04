//! Ansible's `ssh_args`, `ssh_common_args` and `ssh_extra_args` settings are OpenSSH command
//! line arguments. This splits one such string into what rsible has an equivalent for: the
//! arguments its connection layer applies (asked of [`ssh_config::apply_common_args`] itself,
//! so the two never disagree), `ControlPersist` (rsible's `control_persist`) and
//! `ControlMaster` (implied by it), and the rest, which the caller lists as not understood.
//! Knows nothing of where the string came from.

use crate::connection::ssh::ssh_config::{self, HostConfig, SSH_FLAGS_WITH_ARG};

/// What rsible makes of one `ssh_args`-style string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshArgs {
    /// The arguments the connection layer applies, quoted again for the shell.
    pub kept: String,
    /// Seconds from `-o ControlPersist=...` (`no`, or `ControlMaster=no`: 0, not kept).
    pub control_persist: Option<u64>,
    /// The arguments rsible has no equivalent for, as written.
    pub not_understood: Vec<String>,
}

/// Splits `args`; `Err` when its quotes do not balance.
pub fn split(args: &str) -> Result<SshArgs, String> {
    let tokens = shlex::split(args).ok_or("unbalanced quotes")?;
    let mut out = SshArgs::default();
    let mut kept: Vec<String> = Vec::new();
    let mut master_off = false;
    for unit in units(&tokens) {
        if let Some((key, value)) = dash_o(&unit) {
            match key.to_ascii_lowercase().as_str() {
                "controlpersist" => {
                    match persist_seconds(&value) {
                        Some(s) => out.control_persist = Some(s),
                        None => out.not_understood.push(format!(
                            "{} (rsible keeps connections for a number of seconds, not forever)",
                            unit.join(" ")
                        )),
                    }
                    continue;
                }
                "controlmaster" => {
                    master_off = value.eq_ignore_ascii_case("no");
                    continue;
                }
                _ => {}
            }
        }
        let quoted = unit
            .iter()
            .map(|w| quote(w))
            .collect::<Result<Vec<_>, _>>()?
            .join(" ");
        if ssh_config::apply_common_args(&mut HostConfig::default(), &quoted).is_empty() {
            kept.push(quoted);
        } else {
            out.not_understood.push(unit.join(" "));
        }
    }
    if master_off {
        out.control_persist = Some(0);
    }
    out.kept = kept.join(" ");
    Ok(out)
}

/// `w` as a shell word: as written when nothing in it is special to the shell.
fn quote(w: &str) -> Result<String, String> {
    let plain = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-=/.,:@%+".contains(c));
    match plain {
        true => Ok(w.to_string()),
        false => shlex::try_quote(w)
            .map(|q| q.into_owned())
            .map_err(|e| e.to_string()),
    }
}

/// The tokens grouped as ssh reads them: a flag with its argument, `-o Key Value` as one.
fn units(tokens: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        i += 1;
        let mut unit = vec![t.clone()];
        let flag = t.strip_prefix('-').and_then(|f| f.chars().next());
        let takes_arg = flag.is_some_and(|f| SSH_FLAGS_WITH_ARG.contains(f));
        if takes_arg && t.len() == 2 && i < tokens.len() {
            unit.push(tokens[i].clone());
            i += 1;
        }
        // `-o Key Value`: a bare keyword takes the next word as its value.
        if flag == Some('o') {
            let value = unit
                .last()
                .map(|v| v.trim_start_matches("-o"))
                .unwrap_or("");
            let bare = !value.contains(['=', ' ', '\t']);
            if bare && i < tokens.len() && !tokens[i].starts_with('-') {
                unit.push(tokens[i].clone());
                i += 1;
            }
        }
        out.push(unit);
    }
    out
}

/// `(Key, Value)` of a `-o` unit.
fn dash_o(unit: &[String]) -> Option<(String, String)> {
    let first = unit.first()?;
    let rest: Vec<&str> = match first.strip_prefix("-o") {
        Some("") => unit[1..].iter().map(String::as_str).collect(),
        Some(attached) => std::iter::once(attached)
            .chain(unit[1..].iter().map(String::as_str))
            .collect(),
        None => return None,
    };
    let joined = rest.join(" ");
    let (k, v) = joined
        .split_once(['=', ' ', '\t'])
        .unwrap_or((joined.as_str(), ""));
    Some((k.trim().to_string(), v.trim().to_string()))
}

/// OpenSSH's ControlPersist time (`60`, `60s`, `10m`, `1h30m`); `no`: 0. `yes` and `0` mean
/// "forever" to OpenSSH, which rsible does not do: `None`.
fn persist_seconds(v: &str) -> Option<u64> {
    let v = v.trim().to_ascii_lowercase();
    if v == "no" {
        return Some(0);
    }
    let mut total = 0u64;
    let mut digits = String::new();
    for c in v.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        total += digits.parse::<u64>().ok()? * unit;
        digits.clear();
    }
    if !digits.is_empty() {
        total += digits.parse::<u64>().ok()?;
    }
    (total > 0).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn understood_persist_and_the_rest() {
        let s = split(
            "-C -o ControlMaster=auto -o ControlPersist=1h30m -o ServerAliveInterval=5 \
             -o ControlPath=/tmp/%h -p 2222 -o User deploy",
        )
        .unwrap();
        assert_eq!(s.control_persist, Some(5400));
        assert_eq!(s.kept, "-o ServerAliveInterval=5 -p 2222 -o User deploy");
        assert_eq!(s.not_understood, ["-C", "-o ControlPath=/tmp/%h"]);
    }

    #[test]
    fn persist_forms() {
        assert_eq!(
            split("-oControlPersist=60").unwrap().control_persist,
            Some(60)
        );
        assert_eq!(
            split("-o ControlPersist no").unwrap().control_persist,
            Some(0)
        );
        let s = split("-o ControlPersist=yes").unwrap();
        assert_eq!(s.control_persist, None);
        assert_eq!(s.not_understood.len(), 1);
        let s = split("-o ControlMaster=no -o ControlPersist=60s").unwrap();
        assert_eq!(s.control_persist, Some(0), "no master, nothing kept");
        assert!(split("-o 'unbalanced").is_err());
    }
}
