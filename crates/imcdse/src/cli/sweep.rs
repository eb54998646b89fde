//! `imcdse sweep`: the joint search ([`imcdse::studies::sweep`]). With no options: the paper's
//! RRAM space, its four CNNs, `max-ela`, the paper's `ga4` with its full schedule, seed 0.

use super::progress::Terminal;
use super::{Common, EvaluatorArgs, with_folder};
use anyhow::Result;
use imcdse::optimizer::OptimizerKind;
use imcdse::shard::Shard;
use imcdse::studies::sweep::{Fidelity, Sweep, SweepOptions};

/// Options of `imcdse sweep`.
#[derive(clap::Args, Clone)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// ga4 | nsga2 | bayes | anneal | tpe | random | exhaustive (tpe, the default, grades best
    /// at the default budget: README)
    #[arg(long, default_value_t = OptimizerKind::DEFAULT)]
    optimizer: OptimizerKind,
    /// Unique evaluations allowed (default: ga4's full schedule; 3300 for the others).
    #[arg(long)]
    budget: Option<u64>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Continue the interrupted run in --out from its checkpoint.
    #[arg(long)]
    resume: bool,
    /// Exhaustive: enumerate only the i-th of N contiguous slices of the space (i = 0..N-1),
    /// e.g. `--shard $SLURM_ARRAY_TASK_ID/4`; combine the folders with `imcdse merge`.
    #[arg(long, value_name = "i/N")]
    shard: Option<Shard>,
    /// Exhaustive: how many of the best designs to keep in evaluations.parquet.
    #[arg(long, default_value_t = 100)]
    top: usize,
    /// Exhaustive: keep every design in evaluations.parquet.
    #[arg(long)]
    keep_all: bool,
    /// Exhaustive: enumerate even when the timed estimate is over 24 hours.
    #[arg(long)]
    force: bool,
    /// single: the optimizer's designs all go to the evaluator; analytic-first: the model
    /// screens the space and the --evaluator costs only where the corrected model puts the
    /// optimum (--budget expensive evaluations, default 100).
    #[arg(long, default_value = "single")]
    fidelity: Fidelity,
    #[command(flatten)]
    evaluator: EvaluatorArgs,
}

pub fn run(args: &Args) -> Result<String> {
    let c = &args.common;
    let options = SweepOptions {
        inputs: c.inputs(),
        optimizer: args.optimizer,
        budget: args.budget,
        seed: args.seed,
        top: args.top,
        keep_all: args.keep_all,
        population: c.population,
        fidelity: args.fidelity,
    };
    let problem = options.resolve()?;
    let mut sweep = Sweep::new(problem, options, c.out.clone(), args.resume, args.shard)?;
    sweep.force = args.force;
    sweep.evaluator = args.evaluator.options()?;
    let done = sweep.run(&Terminal)?;
    Ok(with_folder(&format!("{}\n", done.summary), &done.out))
}
