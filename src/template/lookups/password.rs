//! `password`: a random password kept in a file on the controller. The file is read when it
//! exists (the text before ` salt=`), else a password of `length` characters from `chars` is
//! generated and written (directories 0700, file 0600, one trailing newline); `/dev/null`
//! generates without writing. Options come as `path key=value ...` or keyword arguments.
//! `seed` draws from Python's seeded generator (the same password as Ansible); `encrypt` and
//! `ident` are refused (rsible has no password hashing). Knows nothing of hosts.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use minijinja::value::{Value, ValueKind};
use minijinja::Error;

use super::super::filters::fail;
use super::super::pyrepr;
use super::{texts, Call};
use crate::template::filters::pyrandom::PyRandom;

/// Options the lookup knows.
const OPTIONS: &[&str] = &["length", "encrypt", "chars", "ident", "seed"];

/// Options rsible refuses.
const REFUSED: &[&str] = &["encrypt", "ident"];

/// Serialises reading and creating password files: hosts render in parallel threads.
static FILES: Mutex<()> = Mutex::new(());

/// `password`: one password per term.
pub(super) fn password(call: &Call, terms: &[Value]) -> Result<Vec<Value>, Error> {
    let mut common: BTreeMap<String, Value> = BTreeMap::new();
    for key in OPTIONS {
        if let Some(v) = call.kwargs.get::<Option<Value>>(key)? {
            common.insert(key.to_string(), v);
        }
    }
    let base = call.ctx.search_paths().last().cloned();
    texts(terms)
        .map(|term| {
            let (rel, opts) = parse_term(&term, &common)?;
            let length = match opts.get("length") {
                None => 20,
                Some(v) => pyrepr::to_str(v).trim().parse::<usize>().map_err(|_| {
                    fail(format!(
                        "password lookup: length must be an integer, got '{}'",
                        pyrepr::to_str(v)
                    ))
                })?,
            };
            let chars = candidate_chars(opts.get("chars"))?;
            let seed = opts
                .get("seed")
                .filter(|v| !v.is_none())
                .map(pyrepr::to_str);
            let path = match &base {
                Some(b) if !Path::new(&rel).is_absolute() => b.join(&rel),
                _ => PathBuf::from(&rel),
            };
            Ok(Value::from(get_or_create(
                &path,
                length,
                &chars,
                seed.as_deref(),
            )?))
        })
        .collect()
}

/// Splits `path k=v ...` and merges the options over `common`; refuses unknown and
/// unsupported ones.
fn parse_term(
    term: &str,
    common: &BTreeMap<String, Value>,
) -> Result<(String, BTreeMap<String, Value>), Error> {
    let mut opts = common.clone();
    let mut words = term.split(' ');
    let mut path = words.next().unwrap_or_default().to_string();
    let mut seen_option = false;
    for word in words {
        match word.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                seen_option = true;
                opts.insert(k.to_string(), Value::from(v));
            }
            _ if seen_option => {
                return Err(fail(
                    "Unrecognized value after key=value parameters given to password lookup",
                ))
            }
            _ => {
                path.push(' ');
                path.push_str(word);
            }
        }
    }
    let unknown: Vec<&str> = opts
        .keys()
        .map(String::as_str)
        .filter(|k| !OPTIONS.contains(k))
        .collect();
    if !unknown.is_empty() {
        return Err(fail(format!(
            "Unrecognized parameter(s) given to password lookup: {}",
            unknown.join(", ")
        )));
    }
    if let Some(k) = opts.keys().find(|k| REFUSED.contains(&k.as_str())) {
        return Err(fail(format!(
            "the password lookup's '{k}' option is not supported by rsible \
             (hint: generate the password with it, then hash it on the target)"
        )));
    }
    Ok((path, opts))
}

/// The characters a password is drawn from: Python `string` names or literal characters,
/// quotes removed.
fn candidate_chars(spec: Option<&Value>) -> Result<Vec<char>, Error> {
    let specs: Vec<String> = match spec {
        None => vec!["ascii_letters".into(), "digits".into(), ".,:-_".into()],
        Some(v) if v.kind() == ValueKind::String => {
            let s = pyrepr::to_str(v);
            let mut out = Vec::new();
            if s.contains(",,") {
                out.push(",".to_string());
            }
            out.extend(
                s.replace(",,", ",")
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(str::to_string),
            );
            out
        }
        Some(v) => v.try_iter()?.map(|x| pyrepr::to_str(&x)).collect(),
    };
    let lower = "abcdefghijklmnopqrstuvwxyz";
    let upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let digits = "0123456789";
    let punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    let whitespace = " \t\n\r\x0b\x0c";
    let mut chars = String::new();
    for s in &specs {
        match s.as_str() {
            "ascii_letters" => chars.extend([lower, upper]),
            "ascii_lowercase" => chars.push_str(lower),
            "ascii_uppercase" => chars.push_str(upper),
            "digits" => chars.push_str(digits),
            "hexdigits" => chars.push_str("0123456789abcdefABCDEF"),
            "octdigits" => chars.push_str("01234567"),
            "punctuation" => chars.push_str(punctuation),
            "whitespace" => chars.push_str(whitespace),
            "printable" => chars.extend([digits, lower, upper, punctuation, whitespace]),
            other => chars.push_str(other),
        }
    }
    let chars: Vec<char> = chars.chars().filter(|c| *c != '"' && *c != '\'').collect();
    if chars.is_empty() {
        return Err(fail("password lookup: no characters to choose from"));
    }
    Ok(chars)
}

/// The password stored at `path`, or a new one (from Python's generator seeded with `seed`,
/// when given) written there.
fn get_or_create(
    path: &Path,
    length: usize,
    chars: &[char],
    seed: Option<&str>,
) -> Result<String, Error> {
    let _guard = FILES
        .lock()
        .map_err(|_| fail("password lookup lock poisoned"))?;
    let dev_null = path == Path::new("/dev/null");
    if !dev_null && path.exists() {
        let text = std::fs::read_to_string(path).map_err(|e| {
            fail(format!(
                "password lookup: cannot read {}: {e}",
                path.display()
            ))
        })?;
        let text = text.trim_end();
        return Ok(match text.rfind(" salt=") {
            Some(at) => text[..at].to_string(),
            None => text.to_string(),
        });
    }
    let mut seeded = seed.map(PyRandom::from_text);
    let mut password = String::with_capacity(length);
    for _ in 0..length {
        let at = match seeded.as_mut() {
            Some(r) => r.below(chars.len() as u128) as usize,
            None => super::random_below(chars.len())?,
        };
        password.push(chars[at]);
    }
    if !dev_null {
        write(path, &password).map_err(|e| {
            fail(format!(
                "password lookup: cannot write {}: {e}",
                path.display()
            ))
        })?;
    }
    Ok(password)
}

fn write(path: &Path, password: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(format!("{password}\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_carry_options_after_the_path() {
        let (path, opts) = parse_term("creds/a b length=8 chars=digits", &BTreeMap::new()).unwrap();
        assert_eq!(path, "creds/a b");
        assert_eq!(opts["length"].as_str(), Some("8"));
        assert!(parse_term("p nosuch=1", &BTreeMap::new()).is_err());
        let refused = parse_term("p encrypt=sha512_crypt", &BTreeMap::new()).unwrap_err();
        assert!(refused.to_string().contains("not supported by rsible"));
    }

    #[test]
    fn a_seed_gives_ansibles_password() {
        let digits: Vec<char> = "0123456789".chars().collect();
        let pw = get_or_create(Path::new("/dev/null"), 12, &digits, Some("web1")).unwrap();
        assert_eq!(pw, "545062271060");
    }

    #[test]
    fn chars_name_python_sets_or_literals() {
        assert_eq!(
            candidate_chars(Some(&Value::from("digits,,")))
                .unwrap()
                .len(),
            11
        );
        assert_eq!(candidate_chars(None).unwrap().len(), 52 + 10 + 5);
    }

    #[test]
    fn the_file_is_created_once_then_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/pw");
        let digits: Vec<char> = "0123456789".chars().collect();
        let first = get_or_create(&path, 12, &digits, None).unwrap();
        assert_eq!(first.len(), 12);
        assert!(first.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{first}\n")
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(get_or_create(&path, 5, &digits, None).unwrap(), first);
        std::fs::write(&path, "secret salt=abc\n").unwrap();
        assert_eq!(get_or_create(&path, 5, &digits, None).unwrap(), "secret");
    }
}
