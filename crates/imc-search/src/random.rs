//! Random search: batches of uniformly drawn points not asked before. Runs until the budget
//! stops it (or the space is exhausted).

use crate::operators::random_point;
use crate::optimizer::{Optimizer, Rng, rng};
use crate::outcome::Outcome;
use crate::space::{Point, Space};
use std::collections::HashSet;

/// Uniform random sampling of the space without repeats, in batches.
pub struct RandomSearch {
    space: Space,
    rng: Rng,
    seen: HashSet<Point>,
    batch: usize,
}

impl RandomSearch {
    /// A seeded sampler asking `batch` points at a time.
    pub fn new(space: Space, seed: u64, batch: usize) -> RandomSearch {
        RandomSearch {
            space,
            rng: rng(seed),
            seen: HashSet::new(),
            batch: batch.max(1),
        }
    }
}

impl Optimizer for RandomSearch {
    fn ask(&mut self) -> Vec<Point> {
        let left = self.space.size().saturating_sub(self.seen.len() as u128);
        let want = (self.batch as u128).min(left) as usize;
        let mut out = Vec::with_capacity(want);
        let mut tries = 0;
        while out.len() < want && tries < 1000 * want.max(1) {
            tries += 1;
            let p = random_point(&self.space, &mut self.rng);
            if self.seen.insert(p.clone()) {
                out.push(p);
            }
        }
        out
    }

    fn tell(&mut self, _results: &[(Point, Outcome)]) {}

    fn phase(&self) -> String {
        "random".into()
    }
}
