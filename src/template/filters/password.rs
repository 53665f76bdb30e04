//! `password_hash` as ansible-core 2.19 has it (through passlib): sha512, sha256 and md5
//! crypt with a given or random salt and rounds (passlib's defaults otherwise: 656000 and
//! 535000, as Ansible pins them). bcrypt (`blowfish`) is not supported by rsible. Knows
//! nothing of scopes.

use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error};

use super::crypt::{self, ALPHABET};
use super::pyrandom::PyRandom;
use super::{defined, fail};
use crate::template::pyrepr;

pub(super) fn register(env: &mut Environment<'static>) {
    env.add_filter("password_hash", password_hash);
}

/// The crypt schemes by Ansible's and passlib's names.
#[derive(Clone, Copy, PartialEq)]
enum Scheme {
    Sha512,
    Sha256,
    Md5,
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Scheme::Sha512 => "sha512_crypt",
            Scheme::Sha256 => "sha256_crypt",
            Scheme::Md5 => "md5_crypt",
        }
    }

    fn max_salt(self) -> usize {
        if self == Scheme::Md5 {
            8
        } else {
            16
        }
    }
}

fn positional_or(pos: Option<Value>, kwargs: &Kwargs, name: &str) -> Result<Option<Value>, Error> {
    match pos {
        Some(v) => Ok(Some(v)),
        None => kwargs.get(name),
    }
}

fn text_arg(v: Option<Value>) -> Option<String> {
    v.filter(|v| !v.is_none() && !v.is_undefined())
        .map(|v| pyrepr::to_str(&v))
}

fn int_arg(v: Option<Value>, name: &str) -> Result<Option<u64>, Error> {
    match v {
        Some(v) if v.is_true() => match v.kind() {
            ValueKind::Number if v.is_integer() => u64::try_from(v)
                .map(Some)
                .map_err(|_| fail(format!("{name} must be a positive integer"))),
            ValueKind::String => v
                .as_str()
                .and_then(|s| s.trim().parse().ok())
                .map(Some)
                .ok_or_else(|| fail(format!("{name} must be an integer"))),
            _ => Err(fail(format!("{name} must be an integer"))),
        },
        _ => Ok(None),
    }
}

fn password_hash(
    v: &Value,
    hashtype: Option<Value>,
    salt: Option<Value>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    defined(v)?;
    let hashtype =
        text_arg(positional_or(hashtype, &kwargs, "hashtype")?).unwrap_or_else(|| "sha512".into());
    let salt = text_arg(positional_or(salt, &kwargs, "salt")?).filter(|s| !s.is_empty());
    let salt_size = int_arg(kwargs.get("salt_size")?, "salt_size")?;
    let rounds = int_arg(kwargs.get("rounds")?, "rounds")?;
    // Ansible passes `ident` to bcrypt only; for the crypt schemes here it drops it too.
    let _ident: Option<Value> = kwargs.get("ident")?;
    kwargs.assert_all_used()?;
    let scheme = match hashtype.as_str() {
        "sha512" | "sha512_crypt" => Scheme::Sha512,
        "sha256" | "sha256_crypt" => Scheme::Sha256,
        "md5" | "md5_crypt" => Scheme::Md5,
        "blowfish" | "bcrypt" => {
            return Err(fail(
                "password_hash('blowfish') (bcrypt) is not supported by rsible",
            ))
        }
        other => {
            return Err(fail(format!(
                "{other} is not in the list of supported passlib algorithms: md5, blowfish, sha256, sha512"
            )))
        }
    };
    let could_not = |why: String| fail(format!("Could not hash the secret: {why}"));
    let salt = match salt {
        Some(s) => s,
        None => random_salt(salt_size.unwrap_or(scheme.max_salt() as u64) as usize),
    };
    if salt.len() > scheme.max_salt() {
        return Err(could_not(format!(
            "salt too large ({} requires <= {} chars)",
            scheme.name(),
            scheme.max_salt()
        )));
    }
    if !salt.bytes().all(|b| ALPHABET.contains(&b)) {
        return Err(could_not(format!(
            "invalid characters in {} salt",
            scheme.name()
        )));
    }
    let secret = pyrepr::to_str(v);
    let secret = secret.as_bytes();
    let rounds_for = |default: u32| -> Result<u32, Error> {
        let r = rounds.unwrap_or(u64::from(default));
        if r < 1000 {
            return Err(could_not(format!(
                "{}: min_desired_rounds ({r}) is too low, must be at least 1000",
                scheme.name()
            )));
        }
        u32::try_from(r)
            .ok()
            .filter(|r| *r <= 999_999_999)
            .ok_or_else(|| could_not(format!("{}: rounds ({r}) is too high", scheme.name())))
    };
    Ok(match scheme {
        Scheme::Sha512 => crypt::sha512_crypt(secret, &salt, rounds_for(656_000)?),
        Scheme::Sha256 => crypt::sha256_crypt(secret, &salt, rounds_for(535_000)?),
        Scheme::Md5 => {
            if rounds.is_some() {
                return Err(fail("md5_crypt does not take rounds"));
            }
            crypt::md5_crypt(secret, &salt)
        }
    })
}

/// `len` random salt characters.
fn random_salt(len: usize) -> String {
    let mut rng = PyRandom::from_os();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.below(ALPHABET.len() as u128) as usize]))
        .collect()
}
