//! The VM's random generator: xoshiro256** (Blackman and Vigna), seeded
//! through SplitMix64 from one 64-bit seed, so that the same seed gives
//! the same sequence on every machine. Its state is part of the VM's
//! state; programs reach it through the `rand*` instructions (and the
//! `random` module's natives, for function values). Until it is seeded
//! (`random::seed(n)`), the first draw asks the host for a seed (`--seed
//! N`, or the system's randomness), so a recording holds it.

use crate::host::{Host, HostError};

/// The generator's state: `None` until seeded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rng {
    state: Option<[u64; 4]>,
}

fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// Seeds the generator (`random::seed`).
    pub fn seed(&mut self, seed: u64) {
        let mut x = seed;
        self.state = Some([
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
        ]);
    }

    /// The next 64 random bits, seeding from the host first if needed.
    pub fn next_u64(&mut self, host: &mut dyn Host) -> Result<u64, String> {
        if self.state.is_none() {
            match host.random_seed() {
                Ok(seed) => self.seed(seed),
                Err(HostError::Fatal(m) | HostError::Failed(m)) => return Err(m),
            }
        }
        let s = self.state.get_or_insert([1, 2, 3, 4]);
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        Ok(result)
    }

    /// A uniform Int in `lo..hi` (Lemire's method, without bias); an error
    /// if the range is empty.
    pub fn int(&mut self, lo: i64, hi: i64, host: &mut dyn Host) -> Result<i64, String> {
        if lo >= hi {
            return Err(format!(
                "random::int({lo}, {hi}): the range is empty (lo must be less than hi)"
            ));
        }
        let range = (hi as i128 - lo as i128) as u64;
        let threshold = range.wrapping_neg() % range;
        loop {
            let m = self.next_u64(host)? as u128 * range as u128;
            if (m as u64) >= threshold {
                return Ok((lo as i128 + (m >> 64) as i128) as i64);
            }
        }
    }

    /// A uniform Float in `[0, 1)`: 53 random bits.
    pub fn float(&mut self, host: &mut dyn Host) -> Result<f64, String> {
        Ok((self.next_u64(host)? >> 11) as f64 * (1.0 / (1u64 << 53) as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::CaptureHost;

    #[test]
    fn the_sequence_is_xoshiro256starstar_from_splitmix64() {
        // The reference generator's first outputs for state {1, 2, 3, 4}.
        let mut r = Rng {
            state: Some([1, 2, 3, 4]),
        };
        let mut h = CaptureHost::default();
        let first: Vec<u64> = (0..3).map(|_| r.next_u64(&mut h).unwrap_or(0)).collect();
        assert_eq!(first, vec![11520, 0, 1509978240]);
        // Seeding is SplitMix64 of the seed.
        let mut a = Rng::default();
        a.seed(42);
        let mut x = 42u64;
        assert_eq!(a.state.map(|s| s[0]), Some(splitmix64(&mut x)));
    }

    #[test]
    fn ints_stay_in_range_and_cover_it() {
        let mut r = Rng::default();
        r.seed(7);
        let mut h = CaptureHost::default();
        let mut seen = [false; 6];
        for _ in 0..1000 {
            let n = r.int(-3, 3, &mut h).unwrap_or(99);
            assert!((-3..3).contains(&n));
            seen[(n + 3) as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
        assert!(r.int(i64::MIN, i64::MAX, &mut h).is_ok());
        assert!(r.int(3, 3, &mut h).is_err());
        let x = r.float(&mut h).unwrap_or(2.0);
        assert!((0.0..1.0).contains(&x));
    }
}
