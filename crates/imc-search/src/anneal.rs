//! `anneal`: simulated annealing (Kirkpatrick, Gelatt, Vecchi, Science 220, 1983,
//! doi:10.1126/science.220.4598.671) with argmin's `SimulatedAnnealing` solver, behind the
//! ask/tell interface.
//!
//! argmin's `Executor` owns its loop, so the solver runs in a worker thread whose cost
//! function sends each point to [`Anneal::ask`] and waits for the outcome from
//! [`Anneal::tell`]. Everything is sequential and seeded, so runs repeat exactly.
//!
//! - Cost: `ln(score)` of a feasible design (the joint objectives are products, so the log makes
//!   the temperature scale-free); an infeasible design costs `100 + violation`, above any
//!   feasible cost (scores below e^100).
//! - Neighbour move at temperature `t` (argmin passes the temperature as the move's extent):
//!   `1 + floor(t * dims / 2)` genes, at most all of them, each stepped by +-1 index (inward at a
//!   bound). Hot moves are wide, cold moves local.
//! - Schedule: argmin's `Boltzmann` (`t_i = t0 / ln(i)`) from `t0 = 1.0`, reannealed (back to
//!   `t0`) after [`REANNEAL_AFTER`] iterations without a new best. The faster `t0 / i`
//!   schedule froze on small spaces: once every neighbour had been seen it only revisited
//!   cached designs. The solver stops after `max_iters` (default 100,000) or when the runner's
//!   budget is spent.
//! - Start: a random point from the run seed.

use crate::operators::random_point;
use crate::optimizer::{Optimizer, Rng, rng};
use crate::outcome::Outcome;
use crate::space::{Point, Space};
use argmin::core::{CostFunction, Error, Executor};
use argmin::solver::simulatedannealing::{Anneal as AnnealMove, SATempFunc, SimulatedAnnealing};
use rand::RngExt;
use rand_xoshiro::rand_core::SeedableRng;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

/// Iterations without a new best before the temperature is reset.
pub const REANNEAL_AFTER: u64 = 300;

/// The problem argmin sees: costs come back over a channel.
struct Channelled {
    space: Space,
    to_optimizer: Sender<Point>,
    from_optimizer: Mutex<Receiver<f64>>,
    moves: Mutex<Rng>,
}

impl CostFunction for Channelled {
    type Param = Vec<u32>;
    type Output = f64;

    fn cost(&self, p: &Vec<u32>) -> Result<f64, Error> {
        self.to_optimizer
            .send(Point(p.clone()))
            .map_err(|_| Error::msg("the search stopped"))?;
        let rx = self
            .from_optimizer
            .lock()
            .map_err(|_| Error::msg("poisoned"))?;
        rx.recv().map_err(|_| Error::msg("the search stopped"))
    }
}

impl AnnealMove for Channelled {
    type Param = Vec<u32>;
    type Output = Vec<u32>;
    type Float = f64;

    fn anneal(&self, p: &Vec<u32>, extent: f64) -> Result<Vec<u32>, Error> {
        let mut r = self.moves.lock().map_err(|_| Error::msg("poisoned"))?;
        let dims = self.space.dims();
        let k = (1 + (extent.max(0.0) * dims as f64 / 2.0).floor() as usize).min(dims);
        let mut next = p.clone();
        for _ in 0..k {
            let i = r.random_range(0..dims);
            let n = self.space.sizes[i];
            if n < 2 {
                continue;
            }
            let up = if next[i] == 0 {
                true
            } else if next[i] == n - 1 {
                false
            } else {
                r.random::<bool>()
            };
            next[i] = if up { next[i] + 1 } else { next[i] - 1 };
        }
        Ok(next)
    }
}

/// The cost of an outcome (see the module documentation).
pub fn cost(o: &Outcome) -> f64 {
    match o {
        Outcome::Feasible(f) => f[0].max(f64::MIN_POSITIVE).ln(),
        Outcome::Infeasible { violation, .. } => 100.0 + violation.min(1e12),
    }
}

/// Simulated annealing over index genes (see the module doc): an ask/tell front to argmin's
/// solver, which runs on a worker thread.
pub struct Anneal {
    space: Space,
    seed: u64,
    max_iters: u64,
    worker: Option<JoinHandle<()>>,
    points: Option<Receiver<Point>>,
    costs: Option<Sender<f64>>,
}

impl Anneal {
    /// A seeded annealer over `space`, stopped after `max_iters` iterations at most.
    pub fn new(space: Space, seed: u64, max_iters: u64) -> Anneal {
        Anneal {
            space,
            seed,
            max_iters,
            worker: None,
            points: None,
            costs: None,
        }
    }

    fn start(&mut self) {
        let (to_opt, points) = channel();
        let (costs, from_opt) = channel();
        let mut r = rng(self.seed);
        let x0 = random_point(&self.space, &mut r).0;
        let problem = Channelled {
            space: self.space.clone(),
            to_optimizer: to_opt,
            from_optimizer: Mutex::new(from_opt),
            moves: Mutex::new(r),
        };
        let solver_rng =
            rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(self.seed ^ 0x5A5A_5A5A_5A5A_5A5A);
        let max_iters = self.max_iters;
        self.worker = Some(std::thread::spawn(move || {
            let Ok(solver) = SimulatedAnnealing::new_with_rng(1.0, solver_rng) else {
                return;
            };
            let solver = solver
                .with_temp_func(SATempFunc::Boltzmann)
                .with_reannealing_best(REANNEAL_AFTER);
            // Ends with an error when the runner stops asking; either way the thread finishes.
            let _ = Executor::new(problem, solver)
                .configure(|s| s.param(x0).max_iters(max_iters))
                .run();
        }));
        self.points = Some(points);
        self.costs = Some(costs);
    }
}

impl Optimizer for Anneal {
    fn ask(&mut self) -> Vec<Point> {
        if self.worker.is_none() {
            self.start();
        }
        match self.points.as_ref().map(Receiver::recv) {
            Some(Ok(p)) => vec![p],
            _ => Vec::new(),
        }
    }

    fn tell(&mut self, results: &[(Point, Outcome)]) {
        if let (Some(tx), Some((_, o))) = (&self.costs, results.first()) {
            let _ = tx.send(cost(o));
        }
    }

    fn phase(&self) -> String {
        "anneal".into()
    }
}

impl Drop for Anneal {
    fn drop(&mut self) {
        // Closing the cost channel makes the worker's pending cost() fail, ending its run.
        self.costs = None;
        self.points = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infeasible_costs_more_than_any_feasible_score() {
        assert!(
            cost(&Outcome::Infeasible {
                violation: 0.0,
                reason: String::new()
            }) > cost(&Outcome::Feasible(vec![1e40]))
        );
        assert!(cost(&Outcome::Feasible(vec![2.0])) < cost(&Outcome::Feasible(vec![3.0])));
    }
}
