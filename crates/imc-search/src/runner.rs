//! Drives an optimizer: ask, evaluate what is new, tell; until the optimizer finishes or the
//! budget of unique evaluations is spent.
//!
//! - Each distinct point is evaluated once per run (a cache); repeats are told from it free.
//!   A run whose optimizer asks only repeats for [`STALL_BATCHES`] batches stops as stalled.
//! - New points of a batch are evaluated in parallel (rayon) and numbered in the order asked,
//!   so records are identical whatever the thread count.
//! - Resume: pass the records of an interrupted run as `prior`; the optimizer, replayed from the
//!   same seed, asks the same points, which are answered from the prior records without
//!   evaluation, and the run continues where it stopped.

use crate::optimizer::Optimizer;
use crate::outcome::Outcome;
use crate::space::Point;
use rayon::prelude::*;
use std::collections::HashMap;

/// One unique evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The design.
    pub point: Point,
    /// What it cost (or why it is infeasible).
    pub outcome: Outcome,
    /// 0-based, in the order first asked.
    pub eval_index: u64,
    /// The optimizer's phase when it asked.
    pub phase: String,
}

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The optimizer finished its own schedule.
    Finished,
    /// The budget of unique evaluations was spent.
    Budget,
    /// [`STALL_BATCHES`] batches in a row asked only for points already evaluated: the
    /// optimizer has converged (or the space is nearly exhausted) and would loop on its cache.
    Stalled,
}

/// Consecutive batches without a new point after which a run stops as [`Stop::Stalled`].
pub const STALL_BATCHES: usize = 500;

/// What a run did.
pub struct RunResult {
    /// Each unique evaluation, in the order first asked.
    pub records: Vec<Record>,
    /// Why it ended.
    pub stop: Stop,
    /// Points asked, repeats included.
    pub requests: u64,
}

/// Runs `opt` with `evaluate` for at most `budget` unique evaluations. `on_batch` sees each
/// batch's new records as they are made (for progress and checkpoints).
pub fn run(
    opt: &mut dyn Optimizer,
    evaluate: &(dyn Fn(&Point) -> Outcome + Sync),
    budget: u64,
    prior: Vec<Record>,
    on_batch: &mut dyn FnMut(&[Record]),
) -> RunResult {
    let mut prior_map: HashMap<Point, Record> =
        prior.into_iter().map(|r| (r.point.clone(), r)).collect();
    let mut cache: HashMap<Point, usize> = HashMap::new();
    let mut records: Vec<Record> = Vec::new();
    let mut requests = 0u64;
    let mut stale = 0usize;
    loop {
        let batch = opt.ask();
        if batch.is_empty() {
            return RunResult {
                records,
                stop: Stop::Finished,
                requests,
            };
        }
        requests += batch.len() as u64;
        let phase = opt.phase();
        // New points, in order of first appearance.
        let mut fresh: Vec<Point> = Vec::new();
        for p in &batch {
            if !cache.contains_key(p) && !fresh.contains(p) {
                fresh.push(p.clone());
            }
        }
        stale = if fresh.is_empty() { stale + 1 } else { 0 };
        if stale >= STALL_BATCHES {
            return RunResult {
                records,
                stop: Stop::Stalled,
                requests,
            };
        }
        let room = budget.saturating_sub(records.len() as u64) as usize;
        let truncated = fresh.len() > room;
        fresh.truncate(room);
        // Replayed points come from the prior run; the rest are evaluated in parallel.
        let todo: Vec<&Point> = fresh
            .iter()
            .filter(|p| !prior_map.contains_key(*p))
            .collect();
        let computed: Vec<Outcome> = todo.par_iter().map(|p| evaluate(p)).collect();
        let mut computed = todo
            .into_iter()
            .zip(computed)
            .map(|(p, o)| (p.clone(), o))
            .collect::<HashMap<_, _>>();
        let start = records.len();
        for p in fresh {
            let (outcome, phase_of) = match prior_map.remove(&p) {
                Some(r) => (r.outcome, r.phase),
                None => (computed.remove(&p).expect("evaluated"), phase.clone()),
            };
            cache.insert(p.clone(), records.len());
            records.push(Record {
                point: p,
                outcome,
                eval_index: records.len() as u64,
                phase: phase_of,
            });
        }
        on_batch(&records[start..]);
        if truncated {
            return RunResult {
                records,
                stop: Stop::Budget,
                requests,
            };
        }
        let told: Vec<(Point, Outcome)> = batch
            .iter()
            .map(|p| (p.clone(), records[cache[p]].outcome.clone()))
            .collect();
        opt.tell(&told);
        if records.len() as u64 >= budget {
            return RunResult {
                records,
                stop: Stop::Budget,
                requests,
            };
        }
    }
}
