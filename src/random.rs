//! Random bytes from the system's generator, for whatever must not be guessed: salts, vault
//! keys, `password` lookups, the names of temp files on targets. Knows nothing of its callers.

use std::io::Read;

/// Fills `buf` from /dev/urandom.
pub fn fill(buf: &mut [u8]) -> std::io::Result<()> {
    std::fs::File::open("/dev/urandom")?.read_exact(buf)
}
