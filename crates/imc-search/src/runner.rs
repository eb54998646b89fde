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
    let stop = loop {
        let batch = opt.ask();
        if batch.is_empty() {
            break Stop::Finished;
        }
        requests += batch.len() as u64;
        // New points, in order of first appearance.
        let mut fresh: Vec<Point> = Vec::new();
        for p in &batch {
            if !cache.contains_key(p) && !fresh.contains(p) {
                fresh.push(p.clone());
            }
        }
        stale = if fresh.is_empty() { stale + 1 } else { 0 };
        if stale >= STALL_BATCHES {
            break Stop::Stalled;
        }
        let room = budget.saturating_sub(records.len() as u64) as usize;
        let truncated = fresh.len() > room;
        fresh.truncate(room);
        let start = records.len();
        let phase = opt.phase();
        record(
            fresh,
            &phase,
            &mut prior_map,
            evaluate,
            &mut cache,
            &mut records,
        );
        on_batch(&records[start..]);
        if truncated {
            break Stop::Budget;
        }
        let told: Vec<(Point, Outcome)> = batch
            .iter()
            .map(|p| (p.clone(), records[cache[p]].outcome.clone()))
            .collect();
        opt.tell(&told);
        if records.len() as u64 >= budget {
            break Stop::Budget;
        }
    };
    RunResult {
        records,
        stop,
        requests,
    }
}

/// Records the new points of a batch in order: replayed ones from the prior run, the rest
/// evaluated in parallel.
fn record(
    fresh: Vec<Point>,
    phase: &str,
    prior: &mut HashMap<Point, Record>,
    evaluate: &(dyn Fn(&Point) -> Outcome + Sync),
    cache: &mut HashMap<Point, usize>,
    records: &mut Vec<Record>,
) {
    let todo: Vec<&Point> = fresh.iter().filter(|p| !prior.contains_key(*p)).collect();
    let computed: Vec<Outcome> = todo.par_iter().map(|p| evaluate(p)).collect();
    let mut computed = todo
        .into_iter()
        .zip(computed)
        .map(|(p, o)| (p.clone(), o))
        .collect::<HashMap<_, _>>();
    for p in fresh {
        let (outcome, phase_of) = match prior.remove(&p) {
            Some(r) => (r.outcome, r.phase),
            None => match computed.remove(&p) {
                Some(o) => (o, phase.to_string()),
                None => unreachable!("every fresh point not replayed was evaluated"),
            },
        };
        cache.insert(p.clone(), records.len());
        records.push(Record {
            point: p,
            outcome,
            eval_index: records.len() as u64,
            phase: phase_of,
        });
    }
}
