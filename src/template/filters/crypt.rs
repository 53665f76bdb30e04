//! The crypt(3) password hashes `password_hash` writes: SHA-512 and SHA-256 crypt
//! (`$6$`, `$5$`, Drepper's specification) and MD5 crypt (`$1$`), in the text form passlib
//! gives them (`rounds=` only when not the 5000 default). Knows nothing of templates.

use sha2::{Digest, Sha256, Sha512};

/// The alphabet of crypt's base-64 encoding (also the characters a salt may use).
pub(crate) const ALPHABET: &[u8] =
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Appends `n` characters encoding the 24 bits `b2 b1 b0`, least significant first.
fn b64(out: &mut String, b2: u8, b1: u8, b0: u8, n: usize) {
    let mut w = (u32::from(b2) << 16) | (u32::from(b1) << 8) | u32::from(b0);
    for _ in 0..n {
        out.push(char::from(ALPHABET[(w & 0x3f) as usize]));
        w >>= 6;
    }
}

/// `data` repeated to exactly `len` bytes.
fn stretch(data: &[u8], len: usize) -> Vec<u8> {
    data.iter().copied().cycle().take(len).collect()
}

/// The SHA-crypt digest of `pw` with `salt` over `rounds`.
fn sha_digest<D: Digest>(pw: &[u8], salt: &[u8], rounds: u32) -> Vec<u8> {
    let b = D::new()
        .chain_update(pw)
        .chain_update(salt)
        .chain_update(pw)
        .finalize();
    let mut a = D::new().chain_update(pw).chain_update(salt);
    a.update(stretch(&b, pw.len()));
    let mut n = pw.len();
    while n > 0 {
        if n & 1 == 1 {
            a.update(&b);
        } else {
            a.update(pw);
        }
        n >>= 1;
    }
    let a = a.finalize().to_vec();
    let mut dp = D::new();
    for _ in 0..pw.len() {
        dp.update(pw);
    }
    let p = stretch(&dp.finalize(), pw.len());
    let mut ds = D::new();
    for _ in 0..16 + usize::from(a[0]) {
        ds.update(salt);
    }
    let s = stretch(&ds.finalize(), salt.len());
    let mut c = a;
    for i in 0..rounds {
        let mut ctx = D::new();
        if i % 2 == 1 {
            ctx.update(&p);
        } else {
            ctx.update(&c);
        }
        if i % 3 != 0 {
            ctx.update(&s);
        }
        if i % 7 != 0 {
            ctx.update(&p);
        }
        if i % 2 == 1 {
            ctx.update(&c);
        } else {
            ctx.update(&p);
        }
        c = ctx.finalize().to_vec();
    }
    c
}

fn prefix(id: &str, salt: &str, rounds: u32) -> String {
    if rounds == 5000 {
        format!("${id}${salt}$")
    } else {
        format!("${id}$rounds={rounds}${salt}$")
    }
}

/// `$6$[rounds=N$]salt$hash`.
pub(crate) fn sha512_crypt(pw: &[u8], salt: &str, rounds: u32) -> String {
    let c = sha_digest::<Sha512>(pw, salt.as_bytes(), rounds);
    let mut out = prefix("6", salt, rounds);
    for i in 0..21 {
        let (x, y, z) = (i, i + 21, i + 42);
        let order = [(x, y, z), (y, z, x), (z, x, y)][i % 3];
        b64(&mut out, c[order.0], c[order.1], c[order.2], 4);
    }
    b64(&mut out, 0, 0, c[63], 2);
    out
}

/// `$5$[rounds=N$]salt$hash`.
pub(crate) fn sha256_crypt(pw: &[u8], salt: &str, rounds: u32) -> String {
    let c = sha_digest::<Sha256>(pw, salt.as_bytes(), rounds);
    let mut out = prefix("5", salt, rounds);
    for i in 0..10 {
        let (x, y, z) = (i, i + 10, i + 20);
        let order = [(x, y, z), (z, x, y), (y, z, x)][i % 3];
        b64(&mut out, c[order.0], c[order.1], c[order.2], 4);
    }
    b64(&mut out, 0, c[31], c[30], 3);
    out
}

/// `$1$salt$hash`.
pub(crate) fn md5_crypt(pw: &[u8], salt: &str) -> String {
    let salt_b = salt.as_bytes();
    let mut alt = md5::Context::new();
    alt.consume(pw);
    alt.consume(salt_b);
    alt.consume(pw);
    let alt = alt.finalize().0;
    let mut ctx = md5::Context::new();
    ctx.consume(pw);
    ctx.consume(b"$1$");
    ctx.consume(salt_b);
    ctx.consume(stretch(&alt, pw.len()));
    let mut n = pw.len();
    while n > 0 {
        if n & 1 == 1 {
            ctx.consume([0u8]);
        } else {
            ctx.consume(&pw[..1]);
        }
        n >>= 1;
    }
    let mut fin = ctx.finalize().0;
    for i in 0..1000 {
        let mut c = md5::Context::new();
        if i % 2 == 1 {
            c.consume(pw);
        } else {
            c.consume(fin);
        }
        if i % 3 != 0 {
            c.consume(salt_b);
        }
        if i % 7 != 0 {
            c.consume(pw);
        }
        if i % 2 == 1 {
            c.consume(fin);
        } else {
            c.consume(pw);
        }
        fin = c.finalize().0;
    }
    let mut out = format!("$1${salt}$");
    for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        b64(&mut out, fin[a], fin[b], fin[c], 4);
    }
    b64(&mut out, 0, 0, fin[11], 2);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hashes from passlib 1.7.4 (what ansible-core 2.19's `password_hash` uses).
    #[test]
    fn matches_passlib() {
        assert_eq!(
            sha512_crypt(b"secret", "somesalt", 5000),
            "$6$somesalt$JX0Uhce8rLRHbaqoSQDYsnTxsqcjCNNcrl79ieTwPGzEhxBEeJcsgDUWIOwc3sDvZN34ZJBWQep7.lcAuSesy/"
        );
        assert_eq!(
            sha256_crypt(b"secret", "somesalt", 535_000),
            "$5$rounds=535000$somesalt$4F9zI6qaFX1ii/U5MYVLpLseNM8Unv2sS/OT/F2/iI2"
        );
        assert_eq!(
            md5_crypt(b"secret", "somesalt"),
            "$1$somesalt$jezmI5TSY7mVTzHLgsK5L."
        );
        assert_eq!(
            sha512_crypt(b"", "s", 1000),
            "$6$rounds=1000$s$u6h1nDplZjxDo4zJTtL/gDw7SGioQGm.0uRtQXjSgB6lTpGGOfGi4A6UMV.7Q7d2K2ppsidkHUrit0FKUiAv71"
        );
    }
}
