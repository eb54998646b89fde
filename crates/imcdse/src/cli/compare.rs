//! `imcdse compare`: the joint design against workload-specific, largest-workload and
//! sequential designs ([`imcdse::studies::compare`]).

use super::progress::Terminal;
use super::{Common, EvaluatorArgs, with_folder};
use anyhow::Result;
use imcdse::optimizer::OptimizerKind;
use imcdse::shard::Shard;
use imcdse::studies::compare::{CompareOptions, Comparison};
use imcdse::studies::sequential::Start;

/// Options of `imcdse compare`.
#[derive(clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Optimizer of the joint and specific searches: ga4 | nsga2 | bayes | anneal | tpe | random.
    #[arg(long, default_value = "ga4")]
    optimizer: OptimizerKind,
    /// Unique evaluations per search (default: the optimizer's own, as in `sweep`).
    #[arg(long)]
    budget: Option<u64>,
    /// Seeds 0..K: each runs every search again.
    #[arg(long, default_value_t = 3)]
    seeds: u64,
    /// Start of the sequential baseline: middle | max.
    #[arg(long, default_value = "middle")]
    sequential_start: Start,
    /// Run only the i-th of N slices of the searches (seeds x {joint, each workload});
    /// combine the shards' folders with `imcdse merge`.
    #[arg(long, value_name = "i/N")]
    shard: Option<Shard>,
    #[command(flatten)]
    evaluator: EvaluatorArgs,
}

pub fn run(args: &Args) -> Result<String> {
    let c = &args.common;
    let options = CompareOptions {
        inputs: c.inputs(),
        optimizer: args.optimizer,
        budget: args.budget,
        seeds: args.seeds,
        sequential_start: args.sequential_start,
        population: c.population,
    };
    let problem = options.resolve()?;
    let mut comparison = Comparison::new(problem, options, c.out.clone());
    comparison.shard = args.shard;
    comparison.evaluator = args.evaluator.options()?;
    let done = comparison.run(&Terminal)?;
    Ok(with_folder(&done.text, &done.out))
}
