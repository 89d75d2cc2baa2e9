//! A replayable random source for the parsers' randomised unit tests: seeded from `SEED=n`
//! (a fixed default otherwise), so a failing run is replayed by its seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Random choices from a seed; `SEED=n` in the environment replays a run.
pub(crate) struct Seeded(ChaCha8Rng);

impl Seeded {
    pub(crate) fn from_env() -> Seeded {
        let seed = std::env::var("SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0x5eed);
        Seeded(ChaCha8Rng::seed_from_u64(seed))
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            self.0.random_range(0..n)
        }
    }

    /// One of `items` ("" when there are none).
    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }
}
