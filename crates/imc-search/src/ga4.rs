//! `ga4`: the joint co-optimization paper's optimized evolutionary algorithm (Krestinskaya et
//! al., arXiv 2603.03880; the authors' `jointSearchUPDATED_hammingDist_4phaseAggregation.py`;
//! shared/reference/paper-framework.md section 6), single-objective:
//!
//! 0. Sampling: draw `candidates` (1,000) random points that pass the problem's cheap
//!    pre-check (the paper: capacity-feasible for every workload), pick `sampled` (500) of them
//!    greedily by max-min Hamming distance (start from the first, add the candidate farthest
//!    from all picked), evaluate them all.
//! 1. to 4. Four GA phases, each `generations` (10) generations of a population of `pop` (70) with
//!    `pop` offspring per generation: binary tournament (feasible before infeasible, then score,
//!    then violation), SBX and polynomial mutation on index genes with the phase's
//!    (crossover probability, mutation probability, eta): (1.0, 1.0, 3), (0.9, 0.5, 7),
//!    (1.0, 0.2, 15), (1.0, 0.05, 25); elitist (mu + lambda) survival; duplicates eliminated.
//!    Phase 1 starts from the best `pop` sampled designs; phases 2-4 restart from the best `pop`
//!    designs evaluated so far, ranked by the joint objective (random unseen points fill a
//!    shortfall).
//!
//! Two bugs of the original are not copied: its reseeding ranked designs by the last workload's
//! score only, and a failed evaluation counted as a score of 0 (the best); here reseeding uses
//! the objective the search optimizes and infeasible outcomes rank below every feasible one.
//! Requests: 500 + 4 x 700 = 3,300; repeats are free (the runner's cache).

use crate::operators::{polynomial_mutation, random_point, sbx, tournament};
use crate::optimizer::{Optimizer, Rng, rng};
use crate::outcome::{Outcome, rank_cmp};
use crate::space::{Point, Space, hamming};
use std::collections::{HashMap, HashSet};

/// (SBX probability, PM probability, eta) of phases 1-4.
pub const PHASES: [(f64, f64, f64); 4] = [
    (1.0, 1.0, 3.0),
    (0.9, 0.5, 7.0),
    (1.0, 0.2, 15.0),
    (1.0, 0.05, 25.0),
];

/// Sizes of the paper's schedule (reference/paper-framework.md): defaults 1,000 / 500 / 70 / 10.
pub struct Ga4Config {
    /// Random candidates the initial sample is drawn from.
    pub candidates: usize,
    /// Designs kept by max-min Hamming-distance sampling.
    pub sampled: usize,
    /// Population of each GA phase.
    pub pop: usize,
    /// Generations per phase.
    pub generations: usize,
}

impl Default for Ga4Config {
    fn default() -> Self {
        Ga4Config {
            candidates: 1000,
            sampled: 500,
            pop: 70,
            generations: 10,
        }
    }
}

enum Stage {
    Sampling,
    Phase { index: usize, generation: usize },
    Done,
}

/// The paper's four-phase genetic algorithm (see the module doc).
pub struct Ga4<'a> {
    space: Space,
    rng: Rng,
    cfg: Ga4Config,
    precheck: Box<dyn Fn(&Point) -> bool + Send + 'a>,
    stage: Stage,
    population: Vec<(Point, Outcome)>,
    archive: HashMap<Point, Outcome>,
    archive_order: Vec<Point>,
}

impl<'a> Ga4<'a> {
    /// A seeded run over `space`; `precheck` rejects designs that cannot be built before they are
    /// asked for (the sampling keeps only designs that pass it, when it can).
    pub fn new(
        space: Space,
        seed: u64,
        cfg: Ga4Config,
        precheck: Box<dyn Fn(&Point) -> bool + Send + 'a>,
    ) -> Ga4<'a> {
        Ga4 {
            space,
            rng: rng(seed),
            cfg,
            precheck,
            stage: Stage::Sampling,
            population: Vec::new(),
            archive: HashMap::new(),
            archive_order: Vec::new(),
        }
    }

    /// Max-min Hamming-distance selection of `k` of `cands` (greedy; ties to the lower index).
    pub fn spread(cands: &[Point], k: usize) -> Vec<usize> {
        if cands.is_empty() || k == 0 {
            return Vec::new();
        }
        let mut picked = vec![0usize];
        let mut mind: Vec<usize> = cands.iter().map(|c| hamming(c, &cands[0])).collect();
        while picked.len() < k.min(cands.len()) {
            let (best, _) = mind
                .iter()
                .enumerate()
                .filter(|(i, _)| !picked.contains(i))
                .fold((usize::MAX, 0), |acc, (i, &d)| {
                    if acc.0 == usize::MAX || d > acc.1 {
                        (i, d)
                    } else {
                        acc
                    }
                });
            picked.push(best);
            for (i, c) in cands.iter().enumerate() {
                mind[i] = mind[i].min(hamming(c, &cands[best]));
            }
        }
        picked
    }

    fn best_of_archive(&mut self) -> Vec<(Point, Outcome)> {
        let mut all: Vec<(Point, Outcome)> = self
            .archive_order
            .iter()
            .map(|p| (p.clone(), self.archive[p].clone()))
            .collect();
        all.sort_by(|a, b| rank_cmp(&a.1, &b.1));
        all.truncate(self.cfg.pop);
        all
    }

    fn offspring(&mut self, index: usize) -> Vec<Point> {
        let (pc, pm, eta) = PHASES[index];
        let pop = &self.population;
        let better =
            |a: usize, b: usize| rank_cmp(&pop[a].1, &pop[b].1) == std::cmp::Ordering::Less;
        let mut seen: HashSet<Point> = pop.iter().map(|(p, _)| p.clone()).collect();
        let mut out = Vec::new();
        let mut attempts = 0;
        while out.len() < self.cfg.pop && attempts < 100 * self.cfg.pop {
            attempts += 1;
            let i = tournament(pop.len(), better, &mut self.rng);
            let j = tournament(pop.len(), better, &mut self.rng);
            let (mut a, mut b) = sbx(&pop[i].0, &pop[j].0, &self.space, pc, eta, &mut self.rng);
            polynomial_mutation(&mut a, &self.space, pm, eta, &mut self.rng);
            polynomial_mutation(&mut b, &self.space, pm, eta, &mut self.rng);
            for c in [a, b] {
                if out.len() < self.cfg.pop && seen.insert(c.clone()) {
                    out.push(c);
                }
            }
        }
        out
    }
}

impl Optimizer for Ga4<'_> {
    fn ask(&mut self) -> Vec<Point> {
        match self.stage {
            Stage::Sampling => {
                let mut cands: Vec<Point> = Vec::new();
                // Every point drawn is remembered, feasible or not, so the pre-check runs once
                // per distinct point and the loop ends when the space is exhausted.
                let mut tried = HashSet::new();
                let mut draws = 0usize;
                let size = self.space.size();
                while cands.len() < self.cfg.candidates
                    && draws < 1000 * self.cfg.candidates
                    && (tried.len() as u128) < size
                {
                    draws += 1;
                    let p = random_point(&self.space, &mut self.rng);
                    if tried.insert(p.clone()) && (self.precheck)(&p) {
                        cands.push(p);
                    }
                }
                Ga4::spread(&cands, self.cfg.sampled)
                    .into_iter()
                    .map(|i| cands[i].clone())
                    .collect()
            }
            Stage::Phase { index, .. } => self.offspring(index),
            Stage::Done => Vec::new(),
        }
    }

    fn tell(&mut self, results: &[(Point, Outcome)]) {
        for (p, o) in results {
            if !self.archive.contains_key(p) {
                self.archive.insert(p.clone(), o.clone());
                self.archive_order.push(p.clone());
            }
        }
        match self.stage {
            Stage::Sampling => {
                self.population = self.best_of_archive();
                self.stage = Stage::Phase {
                    index: 0,
                    generation: 0,
                };
            }
            Stage::Phase { index, generation } => {
                let mut all = std::mem::take(&mut self.population);
                for r in results {
                    if !all.iter().any(|(p, _)| *p == r.0) {
                        all.push(r.clone());
                    }
                }
                all.sort_by(|a, b| rank_cmp(&a.1, &b.1));
                all.truncate(self.cfg.pop);
                self.population = all;
                if generation + 1 < self.cfg.generations {
                    self.stage = Stage::Phase {
                        index,
                        generation: generation + 1,
                    };
                } else if index + 1 < PHASES.len() {
                    self.stage = Stage::Phase {
                        index: index + 1,
                        generation: 0,
                    };
                    let mut seed = self.best_of_archive();
                    let mut guard = 0;
                    while seed.len() < self.cfg.pop && guard < 1000 * self.cfg.pop {
                        guard += 1;
                        let p = random_point(&self.space, &mut self.rng);
                        if !self.archive.contains_key(&p) && !seed.iter().any(|(q, _)| *q == p) {
                            seed.push((
                                p,
                                Outcome::Infeasible {
                                    violation: f64::INFINITY,
                                    reason: "not evaluated".into(),
                                },
                            ));
                        }
                    }
                    self.population = seed;
                } else {
                    self.stage = Stage::Done;
                }
            }
            Stage::Done => {}
        }
    }

    fn phase(&self) -> String {
        match self.stage {
            Stage::Sampling => "sampling".into(),
            Stage::Phase { index, .. } => format!("phase{}", index + 1),
            Stage::Done => "done".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_picks_far_points_first() {
        let c = vec![
            Point(vec![0, 0, 0]),
            Point(vec![0, 0, 1]),
            Point(vec![1, 1, 1]),
            Point(vec![0, 1, 1]),
        ];
        assert_eq!(Ga4::spread(&c, 2), vec![0, 2]);
        assert_eq!(Ga4::spread(&c, 10).len(), 4);
    }
}
