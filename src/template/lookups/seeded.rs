//! Python's `random.Random(seed)` for a string seed and its `choice`, so the `password`
//! lookup's `seed=` gives the very password ansible-playbook gives: the Mersenne Twister
//! (MT19937) seeded as CPython seeds it from a `str` (the text followed by its SHA-512, read
//! as one big-endian integer). Pure arithmetic: knows nothing of lookups or files.

use sha2::{Digest, Sha512};

const N: usize = 624;
const M: usize = 397;

/// A Mersenne Twister in the state CPython's `random.Random(text)` starts in.
pub(super) struct PyRandom {
    mt: [u32; N],
    index: usize,
}

impl PyRandom {
    /// `random.Random(seed)` for a string `seed`.
    pub(super) fn from_text(seed: &str) -> PyRandom {
        let mut bytes = seed.as_bytes().to_vec();
        bytes.extend_from_slice(&Sha512::digest(seed.as_bytes()));
        // The integer's 32-bit words, least significant first (CPython's init_by_array key).
        let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        let digits = &bytes[first..];
        let mut key: Vec<u32> = digits
            .rchunks(4)
            .map(|c| c.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
            .collect();
        if key.is_empty() {
            key.push(0);
        }
        let mut r = PyRandom::from_u32(19_650_218);
        r.mix_key(&key);
        r
    }

    fn from_u32(s: u32) -> PyRandom {
        let mut mt = [0u32; N];
        mt[0] = s;
        for i in 1..N {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        PyRandom { mt, index: N }
    }

    fn mix_key(&mut self, key: &[u32]) {
        let mt = &mut self.mt;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30);
            mt[i] = (mt[i] ^ prev.wrapping_mul(1_664_525))
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
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30);
            mt[i] = (mt[i] ^ prev.wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        self.index = N;
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            for k in 0..N {
                let y = (self.mt[k] & 0x8000_0000) | (self.mt[(k + 1) % N] & 0x7fff_ffff);
                let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
                self.mt[k] = self.mt[(k + M) % N] ^ (y >> 1) ^ mag;
            }
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `random.choice` over `n` (1 ..= 2^32) elements: the index it picks.
    pub(super) fn below(&mut self, n: usize) -> usize {
        let bits = usize::BITS - n.leading_zeros();
        loop {
            let r = (self.next_u32() >> (32 - bits)) as usize;
            if r < n {
                return r;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(seed: &str, chars: &str, n: usize) -> String {
        let chars: Vec<char> = chars.chars().collect();
        let mut r = PyRandom::from_text(seed);
        (0..n).map(|_| chars[r.below(chars.len())]).collect()
    }

    #[test]
    fn choices_match_cpython() {
        // What CPython 3.11 prints for
        // `r = random.Random(SEED); ''.join(r.choice(CHARS) for _ in range(N))`.
        assert_eq!(pick("web1", "0123456789", 12), "545062271060");
        let default = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:-_";
        assert_eq!(pick("", default, 20), "6AXCRaPUg6XNyv-IYdFO");
    }
}
