//! `imcdse grade`: every optimizer graded against the certified optimum of the space
//! ([`imcdse::studies::grade`]).

use super::progress::Terminal;
use super::{Common, EvaluatorArgs, with_folder};
use anyhow::Result;
use imcdse::shard::Shard;
use imcdse::studies::grade::{GradeOptions, Grading, comma};
use std::path::PathBuf;

/// Options of `imcdse grade`.
#[derive(clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Optimizers to grade, comma-separated (ga4, anneal and tpe are single-objective).
    #[arg(long, default_value = "ga4,nsga2,bayes,anneal,tpe,random")]
    optimizers: String,
    /// Budgets of unique evaluations, comma-separated.
    #[arg(long, default_value = "100,300,1000,3300")]
    budgets: String,
    /// Seeds per optimizer: 0..seeds.
    #[arg(long, default_value_t = 10)]
    seeds: u64,
    /// Where certified optima are cached.
    #[arg(long, default_value = "results/certified")]
    cache: PathBuf,
    /// Take the certified optimum from this complete exhaustive sweep of the same space,
    /// workloads and objective (e.g. merged from shards) instead of enumerating here.
    #[arg(long, value_name = "DIR")]
    certified: Option<PathBuf>,
    /// Run only the i-th of N slices of the (optimizer, seed) runs; combine the shards'
    /// folders with `imcdse merge`.
    #[arg(long, value_name = "i/N")]
    shard: Option<Shard>,
    /// Certify by enumeration even when the timed estimate is over 24 hours.
    #[arg(long)]
    force: bool,
    /// Put the rows of this file beside ours in grading.md (marked "(peer)") and
    /// grading.parquet: other libraries' optimizers, run by scripts/python/peers.py against a
    /// folder of this grading. Refused unless it is for the same space, workloads, objective
    /// and certified optimum. A complete grading is not run again; its tables are rewritten.
    #[arg(long, value_name = "FILE")]
    peers: Option<PathBuf>,
    // With --evaluator, --certified must be an exhaustive sweep through the same evaluator.
    #[command(flatten)]
    evaluator: EvaluatorArgs,
}

pub fn run(args: &Args) -> Result<String> {
    let c = &args.common;
    let options = GradeOptions {
        inputs: c.inputs(),
        optimizers: GradeOptions::parse_optimizers(&args.optimizers)?,
        budgets: comma::parse("--budgets", &args.budgets).map_err(anyhow::Error::msg)?,
        seeds: args.seeds,
        population: c.population,
    };
    let (options, problem) = options.resolve()?;
    let mut grading = Grading::new(options, problem, c.out.clone());
    grading.cache = args.cache.clone();
    grading.certified = args.certified.clone();
    grading.shard = args.shard;
    grading.force = args.force;
    grading.peers = args.peers.clone();
    grading.evaluator = args.evaluator.options()?;
    let done = grading.run(&Terminal)?;
    Ok(with_folder(&done.text, &done.out))
}
