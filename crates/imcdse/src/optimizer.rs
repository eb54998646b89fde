//! The optimizers a study can run, as one enum: its name, default budget, whether it handles
//! only one objective, and its constructor over a [`Problem`]'s space (`imc-search` holds the
//! algorithms, one per file).

use crate::problem::Problem;
use crate::run_dir::Budget;
use anyhow::{Result, bail};
use imc_search::anneal::Anneal;
use imc_search::ga4::{Ga4, Ga4Config};
use imc_search::nsga2::Nsga2;
use imc_search::random::RandomSearch;
use imc_search::tpe::{Tpe, TpeConfig};
use imc_search::{Optimizer, Point};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// NSGA-II's population: each generation selects parents by binary tournament and crosses
/// them in pairs, so fewer than 2 means nothing; the upper end keeps a generation's front
/// sorting (quadratic in the population) within seconds.
pub const POPULATION: (usize, usize) = (2, 100_000);

/// The largest `--budget`: a trillion evaluations, more than any search could spend.
pub const MAX_BUDGET: u64 = 1_000_000_000_000;

/// The most seeds of one `grade` or `compare` (each seed reruns every search): ten thousand
/// runs are days of work at the default budgets, far past any study's need.
pub const MAX_SEEDS: u64 = 10_000;

/// Refuses `--seeds` outside 1..=[`MAX_SEEDS`].
pub fn check_seeds(seeds: u64) -> Result<()> {
    if !(1..=MAX_SEEDS).contains(&seeds) {
        bail!("--seeds {seeds}: out of range; allowed 1..={MAX_SEEDS}");
    }
    Ok(())
}

/// Refuses a population outside [`POPULATION`] and a budget outside 1..=[`MAX_BUDGET`] (the
/// flag names are the CLI's).
pub fn check_settings(population: usize, budget: Option<u64>) -> Result<()> {
    let (lo, hi) = POPULATION;
    if !(lo..=hi).contains(&population) {
        bail!("--population {population}: out of range; allowed {lo}..={hi}");
    }
    if budget == Some(0) {
        bail!("--budget 0: a search needs at least 1 evaluation");
    }
    if let Some(b) = budget.filter(|&b| b > MAX_BUDGET) {
        bail!("--budget {b}: out of range; allowed 1..={MAX_BUDGET}");
    }
    Ok(())
}

/// An optimizer of `imcdse sweep --optimizer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// The paper's four-phase genetic algorithm (`imc_search::ga4`).
    Ga4,
    /// NSGA-II (`imc_search::nsga2`).
    Nsga2,
    /// Gaussian-process Bayesian optimisation (`imc_search::bayes`, feature `bo`).
    Bayes,
    /// Simulated annealing (`imc_search::anneal`).
    Anneal,
    /// A tree-structured Parzen estimator with the free precheck and local steps
    /// (`imc_search::tpe`).
    Tpe,
    /// Uniform random sampling without repeats (`imc_search::random`).
    Random,
    /// Every design of the space (`studies::exhaustive`); not an ask/tell optimizer.
    Exhaustive,
}

impl OptimizerKind {
    /// `sweep`'s optimizer when none is given: the one that grades best at the default budget
    /// (the README's table: on paper-rram, paper-sram and the accuracy space).
    pub const DEFAULT: OptimizerKind = OptimizerKind::Tpe;

    /// Every kind, in the order help texts list them.
    pub const ALL: [OptimizerKind; 7] = [
        OptimizerKind::Ga4,
        OptimizerKind::Nsga2,
        OptimizerKind::Bayes,
        OptimizerKind::Anneal,
        OptimizerKind::Tpe,
        OptimizerKind::Random,
        OptimizerKind::Exhaustive,
    ];

    /// The ask/tell optimizers' names (every kind but `exhaustive`), comma-separated, for the
    /// messages of the studies that run searches (`grade`, `compare`).
    pub fn searches() -> String {
        let names: Vec<&str> = OptimizerKind::ALL
            .iter()
            .filter(|k| **k != OptimizerKind::Exhaustive)
            .map(|k| k.name())
            .collect();
        names.join(", ")
    }

    /// The name as typed on the command line.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Ga4 => "ga4",
            OptimizerKind::Nsga2 => "nsga2",
            OptimizerKind::Bayes => "bayes",
            OptimizerKind::Anneal => "anneal",
            OptimizerKind::Tpe => "tpe",
            OptimizerKind::Random => "random",
            OptimizerKind::Exhaustive => "exhaustive",
        }
    }

    /// The budget when none is given: ga4's own schedule (3,300 requests), 3,300 unique
    /// evaluations otherwise (bayes too, now that one objective's suggestion takes
    /// milliseconds; with several, egobox's EHVI takes tenths of a second a suggestion).
    pub fn default_budget(self) -> Budget {
        match self {
            OptimizerKind::Ga4 => Budget::Schedule,
            _ => Budget::Evaluations(3300),
        }
    }

    /// Whether it minimizes one objective only (so not `pareto`).
    pub fn single_objective(self) -> bool {
        matches!(
            self,
            OptimizerKind::Ga4 | OptimizerKind::Anneal | OptimizerKind::Tpe
        )
    }

    /// Whether this build can run it (`bayes` needs the `bo` feature).
    pub fn available(self) -> Result<()> {
        if self == OptimizerKind::Bayes && !cfg!(feature = "bo") {
            bail!(
                "this imcdse was built without the `bo` feature; rebuild with default features for `bayes`"
            );
        }
        Ok(())
    }

    /// The ask/tell optimizer over the problem's space, seeded. NSGA-II uses `population`.
    pub fn build<'a>(
        self,
        problem: &'a Problem,
        seed: u64,
        population: usize,
    ) -> Result<Box<dyn Optimizer + 'a>> {
        let space = problem.space.clone();
        Ok(match self {
            OptimizerKind::Ga4 => {
                let pre = move |pt: &Point| problem.precheck(pt);
                Box::new(Ga4::new(space, seed, Ga4Config::default(), Box::new(pre)))
            }
            OptimizerKind::Nsga2 => Box::new(Nsga2::new(space, seed, population)),
            OptimizerKind::Anneal => Box::new(Anneal::new(space, seed, 100_000)),
            OptimizerKind::Tpe => {
                let pre = move |pt: &Point| problem.precheck(pt);
                Box::new(Tpe::new(space, seed, TpeConfig::default(), Box::new(pre)))
            }
            OptimizerKind::Random => Box::new(RandomSearch::new(space, seed, 100)),
            OptimizerKind::Bayes => bayes(problem, space, seed)?,
            OptimizerKind::Exhaustive => {
                bail!("exhaustive enumeration is a study of its own, not an ask/tell optimizer")
            }
        })
    }
}

#[cfg(feature = "bo")]
fn bayes<'a>(
    problem: &'a Problem,
    space: imc_search::Space,
    seed: u64,
) -> Result<Box<dyn Optimizer + 'a>> {
    use imc_search::bayes::{Bayes, BayesConfig};
    let config = BayesConfig {
        objectives: problem.objective.dims(),
        ..BayesConfig::default()
    };
    let pre = move |pt: &Point| problem.precheck(pt);
    Ok(Box::new(
        Bayes::new(space, seed, config)
            .map_err(anyhow::Error::msg)?
            .with_precheck(Box::new(pre)),
    ))
}

#[cfg(not(feature = "bo"))]
fn bayes<'a>(_: &'a Problem, _: imc_search::Space, _: u64) -> Result<Box<dyn Optimizer + 'a>> {
    OptimizerKind::Bayes.available()?;
    unreachable!("available() refuses bayes without the bo feature")
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for OptimizerKind {
    type Err = String;

    fn from_str(s: &str) -> Result<OptimizerKind, String> {
        OptimizerKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = OptimizerKind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown optimizer `{s}`; available: {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_list_what_is_allowed() {
        for k in OptimizerKind::ALL {
            assert_eq!(k.name().parse::<OptimizerKind>(), Ok(k));
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.name())
            );
        }
        let e = "ga5".parse::<OptimizerKind>().unwrap_err();
        assert_eq!(
            e,
            "unknown optimizer `ga5`; available: ga4, nsga2, bayes, anneal, tpe, random, exhaustive"
        );
        assert_eq!(OptimizerKind::Ga4.default_budget(), Budget::Schedule);
        assert_eq!(
            OptimizerKind::Bayes.default_budget(),
            Budget::Evaluations(3300)
        );
        assert!(
            OptimizerKind::Anneal.single_objective() && !OptimizerKind::Nsga2.single_objective()
        );
    }
}
