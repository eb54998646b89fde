//! # imc-search: search over discrete design spaces
//!
//! Generic and hardware-agnostic: a [`Space`] of named discrete dimensions, [`Point`]s of index
//! genes, [`Outcome`]s (objective vectors to minimize, or infeasibility with a violation and a
//! reason), ask/tell optimizers (one per file), Pareto sorting and exact hypervolume, and a
//! [`runner`] that enforces the evaluation budget, caches evaluations and evaluates in parallel
//! with results independent of the thread count. Tested on standard problems (ZDT, DTLZ).
#![warn(missing_docs)]

pub mod anneal;
#[cfg(feature = "bo")]
pub mod bayes;
pub mod ga4;
#[cfg(feature = "bo")]
pub mod gp;
pub mod hypervolume;
pub mod nsga2;
pub mod operators;
pub mod optimizer;
pub mod outcome;
pub mod pareto;
pub mod random;
pub mod runner;
pub mod space;
pub mod testproblems;
pub mod tpe;

pub use optimizer::Optimizer;
pub use outcome::Outcome;
pub use space::{Point, Space};
