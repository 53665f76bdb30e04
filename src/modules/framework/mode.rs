//! File modes as Ansible accepts them: an octal string (`"0644"`, `"644"`), an integer
//! (written in YAML as `0644`, which YAML 1.1 reads as octal: 420), a symbolic mode
//! (`u=rw,g=r,o=`, `u+x`, `a-w`), or `preserve`. Knows nothing of targets.

use serde_json::Value;

/// A requested mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Permission bits (with setuid/setgid/sticky).
    Bits(u32),
    /// A symbolic mode, applied to the current mode.
    Symbolic(String),
    /// Keep the source file's mode (`copy` with `mode: preserve`).
    Preserve,
}

impl Mode {
    /// Reads a `mode:` value.
    pub fn parse(v: &Value) -> Result<Mode, String> {
        match v {
            Value::Number(n) => n
                .as_u64()
                .filter(|m| *m <= 0o7777)
                .map(|m| Mode::Bits(m as u32))
                .ok_or_else(|| format!("mode {n} is not a valid file mode")),
            Value::String(s) => {
                let s = s.trim();
                if s == "preserve" {
                    return Ok(Mode::Preserve);
                }
                if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                    return u32::from_str_radix(s, 8)
                        .ok()
                        .filter(|m| *m <= 0o7777)
                        .map(Mode::Bits)
                        .ok_or_else(|| {
                            format!("mode '{s}' is not a valid octal mode (digits 0-7, at most 4)")
                        });
                }
                apply_symbolic(0, s, false)?;
                Ok(Mode::Symbolic(s.to_string()))
            }
            other => Err(format!("mode must be a string like '0644', got {other}")),
        }
    }

    /// The bits this mode gives a file whose current bits are `current`.
    pub fn resolve(&self, current: u32, is_dir: bool) -> Result<Option<u32>, String> {
        match self {
            Mode::Bits(b) => Ok(Some(*b)),
            Mode::Symbolic(s) => apply_symbolic(current, s, is_dir).map(Some),
            Mode::Preserve => Ok(None),
        }
    }
}

/// Applies a chmod-style symbolic mode (`u=rw,g+x,o-rwx,a=r`, `X`, `s`, `t`) to `current`.
pub fn apply_symbolic(current: u32, spec: &str, is_dir: bool) -> Result<u32, String> {
    let bad = || format!("mode '{spec}' is not a valid symbolic mode (like u=rw,g=r,o=)");
    let mut mode = current & 0o7777;
    for clause in spec.split(',') {
        let ops_at = clause.find(['=', '+', '-']).ok_or_else(bad)?;
        let (who_s, mut rest) = clause.split_at(ops_at);
        let mut who = 0u32;
        for c in who_s.chars() {
            who |= match c {
                'u' => 0o4700,
                'g' => 0o2070,
                'o' => 0o1007,
                'a' => 0o7777,
                _ => return Err(bad()),
            };
        }
        if who == 0 {
            who = 0o7777;
        }
        while !rest.is_empty() {
            let op = rest.chars().next().ok_or_else(bad)?;
            rest = &rest[1..];
            let end = rest.find(['=', '+', '-']).unwrap_or(rest.len());
            let (perms, tail) = rest.split_at(end);
            rest = tail;
            let mut bits = 0u32;
            for c in perms.chars() {
                bits |= match c {
                    'r' => 0o444,
                    'w' => 0o222,
                    'x' => 0o111,
                    'X' if is_dir || mode & 0o111 != 0 => 0o111,
                    'X' => 0,
                    's' => 0o6000,
                    't' => 0o1000,
                    'u' => spread((mode >> 6) & 7),
                    'g' => spread((mode >> 3) & 7),
                    'o' => spread(mode & 7),
                    _ => return Err(bad()),
                };
            }
            let bits = bits & who;
            mode = match op {
                '=' => (mode & !(who & 0o7777)) | bits,
                '+' => mode | bits,
                '-' => mode & !bits,
                _ => return Err(bad()),
            };
        }
    }
    Ok(mode)
}

/// Three permission bits copied to user, group and other positions.
fn spread(b: u32) -> u32 {
    (b << 6) | (b << 3) | b
}

/// `0644`-style text, as Ansible returns modes.
pub fn octal(bits: u32) -> String {
    format!("{bits:04o}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn octal_strings_integers_and_preserve() {
        assert_eq!(Mode::parse(&json!("0644")), Ok(Mode::Bits(0o644)));
        assert_eq!(Mode::parse(&json!("755")), Ok(Mode::Bits(0o755)));
        assert_eq!(Mode::parse(&json!(420)), Ok(Mode::Bits(0o644)));
        assert_eq!(Mode::parse(&json!("preserve")), Ok(Mode::Preserve));
        assert!(Mode::parse(&json!("0999")).is_err());
        assert!(Mode::parse(&json!("rwx")).is_err());
    }

    #[test]
    fn symbolic_modes_follow_chmod() {
        assert_eq!(apply_symbolic(0o777, "u=rw,g=r,o=", false), Ok(0o640));
        assert_eq!(apply_symbolic(0o644, "u+x", false), Ok(0o744));
        assert_eq!(apply_symbolic(0o644, "a-w", false), Ok(0o444));
        assert_eq!(apply_symbolic(0o600, "go=u", false), Ok(0o666));
        assert_eq!(apply_symbolic(0o644, "a+X", true), Ok(0o755));
        assert_eq!(apply_symbolic(0o644, "a+X", false), Ok(0o644));
        assert_eq!(apply_symbolic(0o755, "u+s", false), Ok(0o4755));
    }
}
