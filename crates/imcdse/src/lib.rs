//! # imcdse: joint hardware-workload design-space exploration of IMC accelerators
//!
//! The library under the `imcdse` command (and of its Python package). How it fits
//! together, in the order data flows:
//!
//! 1. A design-space file ([`space`]) names the architecture parameters that are searched and
//!    their allowed values; workloads come from `imc-zoo`. A [`problem::Problem`] joins them
//!    with an [`objective::Objective`]: a point of the space becomes an `imc_model`
//!    architecture, is costed on every workload, and scored (or found infeasible, with a
//!    reason).
//! 2. The [`studies`] run searches over a problem: a [`studies::sweep`] with one
//!    [`optimizer::OptimizerKind`] (or every design: [`studies::exhaustive`]), a
//!    [`studies::grade`] of optimizers against the certified optimum, a [`studies::compare`]
//!    of the joint design against workload-specific ones, a [`studies::merge`] of sharded runs
//!    ([`shard`]). They take typed options, report through [`progress::Progress`], and return
//!    typed results.
//! 3. Each study writes a run folder: `run.toml` and the journals through [`run_dir`], Parquet
//!    tables through [`results`], Markdown through [`report`]. [`export`] and [`plot`] turn
//!    the tables into paper-ready tables and figures.
//!
//! 4. An external simulator can stand in for the model: [`evaluator`] runs worker processes
//!    speaking a JSON Lines protocol behind a problem ([`problem::Problem::attach`]), so any
//!    sweep or comparison is costed by it; [`studies::refine`] re-costs an analytic run's best
//!    designs, and [`studies::analytic_first`] spends it only where the model points.
//!    `imcdse serve` ([`evaluator::serve`]) is the model behind the same protocol.
//!
//! 5. Library callers holding designs as arrays (the Python package, `crates/imcdse-py`) cost
//!    them in parallel batches with [`batch`], into the columns of the results table.
//!
//! The binary (`src/main.rs`, `src/cli/`) only parses arguments into these options, draws
//! progress bars and prints; nothing here parses command lines or prints.
#![warn(missing_docs)]

pub mod accuracy;
pub mod batch;
pub mod calibration;
pub mod consistency;
pub mod csv;
pub mod describe;
pub mod evaluator;
pub mod export;
pub mod hash;
pub mod infeasibility;
pub mod lock;
#[cfg(test)]
mod mutate;
pub mod objective;
pub mod optimizer;
pub mod plot;
pub mod problem;
pub mod progress;
pub mod published;
pub mod rank;
pub mod reference;
pub mod report;
pub mod results;
pub mod run_dir;
pub mod shard;
pub mod silicon;
pub mod space;
pub mod spec_file;
pub mod studies;
