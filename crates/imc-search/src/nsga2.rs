//! NSGA-II (Deb, Pratap, Agarwal, Meyarivan, IEEE TEC 6(2), 2002, doi:10.1109/4235.996017):
//! a random initial population; each generation, parents by binary tournament on (front rank,
//! crowding distance), children by SBX and polynomial mutation on index genes, duplicates of the
//! population and of each other removed; survival of the best `pop` of parents + children by
//! fronts of constrained domination, ties in the last front broken by crowding distance.
//! Defaults follow pymoo's NSGA2: SBX probability 0.9 and eta 15, mutation eta 20.

use crate::operators::{polynomial_mutation, random_point, sbx, tournament};
use crate::optimizer::{Optimizer, Rng, rng};
use crate::outcome::Outcome;
use crate::pareto::{crowding_distance, non_dominated_sort};
use crate::space::{Point, Space};
use std::collections::HashSet;

/// NSGA-II (Deb et al. 2002) over index genes: non-dominated sorting and crowding, SBX and
/// polynomial mutation on the indices.
pub struct Nsga2 {
    space: Space,
    rng: Rng,
    pop_size: usize,
    /// SBX crossover probability per pair.
    pub crossover_prob: f64,
    /// SBX distribution index.
    pub crossover_eta: f64,
    /// Polynomial-mutation probability per gene.
    pub mutation_prob: f64,
    /// Polynomial-mutation distribution index.
    pub mutation_eta: f64,
    population: Vec<(Point, Outcome)>,
    /// (rank, crowding) of each population member, for tournaments.
    fitness: Vec<(usize, f64)>,
    generation: usize,
}

impl Nsga2 {
    /// A seeded run over `space` with populations of `pop_size`.
    pub fn new(space: Space, seed: u64, pop_size: usize) -> Nsga2 {
        Nsga2 {
            space,
            rng: rng(seed),
            pop_size: pop_size.max(2),
            crossover_prob: 0.9,
            crossover_eta: 15.0,
            mutation_prob: 1.0,
            mutation_eta: 20.0,
            population: Vec::new(),
            fitness: Vec::new(),
            generation: 0,
        }
    }

    /// The current population and outcomes.
    pub fn population(&self) -> &[(Point, Outcome)] {
        &self.population
    }

    fn select(&mut self, mut all: Vec<(Point, Outcome)>) {
        let refs: Vec<&Outcome> = all.iter().map(|(_, o)| o).collect();
        let fronts = non_dominated_sort(&refs);
        let mut chosen: Vec<(usize, usize, f64)> = Vec::new();
        for (rank, front) in fronts.iter().enumerate() {
            let crowd = crowding_distance(front, &refs);
            if chosen.len() + front.len() <= self.pop_size {
                chosen.extend(front.iter().zip(&crowd).map(|(&i, &c)| (i, rank, c)));
            } else {
                let mut order: Vec<usize> = (0..front.len()).collect();
                order.sort_by(|&a, &b| crowd[b].total_cmp(&crowd[a]).then(front[a].cmp(&front[b])));
                for &k in order.iter().take(self.pop_size - chosen.len()) {
                    chosen.push((front[k], rank, crowd[k]));
                }
            }
            if chosen.len() >= self.pop_size {
                break;
            }
        }
        let mut take: Vec<Option<(Point, Outcome)>> = all.drain(..).map(Some).collect();
        self.population = chosen
            .iter()
            .map(|(i, _, _)| take[*i].take().expect("chosen once"))
            .collect();
        self.fitness = chosen.iter().map(|(_, r, c)| (*r, *c)).collect();
    }
}

impl Optimizer for Nsga2 {
    fn ask(&mut self) -> Vec<Point> {
        let mut seen: HashSet<Point> = self.population.iter().map(|(p, _)| p.clone()).collect();
        let mut out = Vec::with_capacity(self.pop_size);
        let mut attempts = 0;
        while out.len() < self.pop_size && attempts < 100 * self.pop_size {
            attempts += 1;
            if self.population.is_empty() {
                let p = random_point(&self.space, &mut self.rng);
                if seen.insert(p.clone()) {
                    out.push(p);
                }
                continue;
            }
            let fit = &self.fitness;
            let better = |a: usize, b: usize| {
                fit[a].0 < fit[b].0 || (fit[a].0 == fit[b].0 && fit[a].1 > fit[b].1)
            };
            let i = tournament(self.population.len(), better, &mut self.rng);
            let j = tournament(self.population.len(), better, &mut self.rng);
            let (mut c1, mut c2) = sbx(
                &self.population[i].0,
                &self.population[j].0,
                &self.space,
                self.crossover_prob,
                self.crossover_eta,
                &mut self.rng,
            );
            polynomial_mutation(
                &mut c1,
                &self.space,
                self.mutation_prob,
                self.mutation_eta,
                &mut self.rng,
            );
            polynomial_mutation(
                &mut c2,
                &self.space,
                self.mutation_prob,
                self.mutation_eta,
                &mut self.rng,
            );
            for c in [c1, c2] {
                if out.len() < self.pop_size && seen.insert(c.clone()) {
                    out.push(c);
                }
            }
        }
        out
    }

    fn tell(&mut self, results: &[(Point, Outcome)]) {
        let mut all = std::mem::take(&mut self.population);
        all.extend(results.iter().cloned());
        self.select(all);
        self.generation += 1;
    }

    fn phase(&self) -> String {
        if self.generation == 0 {
            "initial".into()
        } else {
            format!("generation{}", self.generation)
        }
    }
}
