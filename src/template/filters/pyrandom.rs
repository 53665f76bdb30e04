//! Python's `random.Random` (Mersenne Twister MT19937, seeded as `random.seed()` version 2
//! seeds it), so that a seeded `random` or `shuffle` gives what Ansible gives for the same
//! seed (and the `password` lookup's `seed=` the password Ansible gives); unseeded use draws the
//! seed from the operating system. Knows nothing of templates.

use sha2::{Digest, Sha512};

const N: usize = 624;
const M: usize = 397;

/// Python's `random.Random`.
pub(crate) struct PyRandom {
    state: [u32; N],
    index: usize,
}

impl PyRandom {
    fn init_genrand(s: u32) -> PyRandom {
        let mut state = [0u32; N];
        state[0] = s;
        for i in 1..N {
            let prev = state[i - 1];
            state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        PyRandom { state, index: N }
    }

    /// Seeded with the 32-bit words of an integer, least significant first (`init_by_array`).
    fn from_words(key: &[u32]) -> PyRandom {
        let mut r = PyRandom::init_genrand(19_650_218);
        let mt = &mut r.state;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = mt[i - 1];
            mt[i] = (mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = mt[i - 1];
            mt[i] =
                (mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        r
    }

    /// Seeded with a non-negative integer given as big-endian bytes (`random.seed(int)`).
    fn from_int_bytes(be: &[u8]) -> PyRandom {
        let mut words: Vec<u32> = be
            .rchunks(4)
            .map(|c| c.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
            .collect();
        while words.len() > 1 && words.last() == Some(&0) {
            words.pop();
        }
        if words.is_empty() {
            words.push(0);
        }
        PyRandom::from_words(&words)
    }

    /// `random.Random(n)` for an integer seed (its absolute value, as Python uses).
    pub fn from_int(n: i128) -> PyRandom {
        PyRandom::from_int_bytes(&n.unsigned_abs().to_be_bytes())
    }

    /// `random.Random(s)` for a text seed: the text's bytes followed by their SHA-512, read
    /// as one big-endian integer.
    pub fn from_text(s: &str) -> PyRandom {
        let mut bytes = s.as_bytes().to_vec();
        bytes.extend_from_slice(&Sha512::digest(s.as_bytes()));
        PyRandom::from_int_bytes(&bytes)
    }

    /// `random.SystemRandom`'s role: a generator seeded from the operating system.
    pub fn from_os() -> PyRandom {
        let mut buf = [0u8; 32];
        // SAFETY: `buf` is valid for writes of its length.
        let got = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
        if got < 0 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            buf[..16].copy_from_slice(&nanos.to_be_bytes());
        }
        PyRandom::from_int_bytes(&buf)
    }

    fn genrand(&mut self) -> u32 {
        if self.index >= N {
            let mt = &mut self.state;
            for k in 0..N {
                let y = (mt[k] & 0x8000_0000) | (mt[(k + 1) % N] & 0x7fff_ffff);
                let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
                mt[k] = mt[(k + M) % N] ^ (y >> 1) ^ mag;
            }
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `getrandbits(k)` for k up to 128.
    fn getrandbits(&mut self, k: u32) -> u128 {
        if k <= 32 {
            return u128::from(self.genrand() >> (32 - k));
        }
        let mut out = 0u128;
        let mut left = k;
        let mut shift = 0;
        while left > 0 {
            let mut r = self.genrand();
            if left < 32 {
                r >>= 32 - left;
            }
            out |= u128::from(r) << shift;
            shift += 32;
            left = left.saturating_sub(32);
        }
        out
    }

    /// `_randbelow(n)`: uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u128) -> u128 {
        let k = 128 - n.leading_zeros();
        loop {
            let r = self.getrandbits(k);
            if r < n {
                return r;
            }
        }
    }

    /// `shuffle(list)`.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u128 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values from CPython 3.11 (`random.Random(seed)`).
    #[test]
    fn matches_cpython() {
        assert_eq!(PyRandom::from_int(42).below(100), 81);
        assert_eq!(PyRandom::from_text("web1").below(60), 52);
        assert_eq!(PyRandom::from_int(1 << 40).getrandbits(32), 445_128_065);
        assert_eq!(PyRandom::from_int(-7).below(1000), 331);
        assert_eq!(
            PyRandom::from_int(1 << 70).below(10u128.pow(30)),
            587_482_081_850_853_106_209_667_941_124
        );
        let mut l: Vec<u32> = (0..10).collect();
        PyRandom::from_text("x").shuffle(&mut l);
        assert_eq!(l, [0, 8, 2, 9, 4, 3, 6, 1, 7, 5]);
    }

    /// `random.Random(SEED).choice(CHARS)` repeated, as the `password` lookup's `seed=` draws.
    #[test]
    fn choices_match_cpython() {
        let pick = |seed: &str, chars: &str, n: usize| -> String {
            let chars: Vec<char> = chars.chars().collect();
            let mut r = PyRandom::from_text(seed);
            (0..n)
                .map(|_| chars[r.below(chars.len() as u128) as usize])
                .collect()
        };
        assert_eq!(pick("web1", "0123456789", 12), "545062271060");
        let default = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:-_";
        assert_eq!(pick("", default, 20), "6AXCRaPUg6XNyv-IYdFO");
    }
}
