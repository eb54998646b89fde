//! The ask/tell interface every optimizer implements. The optimizer owns its seeded random
//! stream and decides what to try; the [`crate::runner`] evaluates (in parallel, with a cache
//! and a budget) and tells the outcomes back in the order asked. An optimizer never evaluates
//! anything itself, so its decisions depend only on its seed and the outcomes, not on threads.

use crate::outcome::Outcome;
use crate::space::Point;

/// An ask/tell optimizer over the points of a space.
pub trait Optimizer: Send {
    /// The next points to evaluate; an empty batch means the optimizer has finished.
    fn ask(&mut self) -> Vec<Point>;
    /// The outcomes of the last batch, in the order asked.
    fn tell(&mut self, results: &[(Point, Outcome)]);
    /// The current stage, recorded with each evaluation (e.g. "sampling", "phase2").
    fn phase(&self) -> String;
}

/// The optimizer's random stream: xoshiro256++ (portable, documented output) from a u64 seed.
pub type Rng = rand::rngs::Xoshiro256PlusPlus;

/// The seeded random generator every optimizer draws from.
pub fn rng(seed: u64) -> Rng {
    use rand::SeedableRng;
    Rng::seed_from_u64(seed)
}
