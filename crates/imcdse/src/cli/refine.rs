//! `imcdse refine RUN --evaluator CMD [--top K | --front]`: re-cost an analytic sweep's best
//! designs with an external evaluator and report how the two rank them
//! ([`imcdse::studies::refine`]).

use super::progress::Terminal;
use super::{EvaluatorArgs, with_folder};
use anyhow::{Result, bail};
use imcdse::studies::refine::{Refine, RefineArgs, Select};
use std::path::PathBuf;

/// Options of `imcdse refine`.
#[derive(clap::Args, Clone)]
pub struct Args {
    /// The folder of a complete analytic sweep (any optimizer, exhaustive included).
    run: PathBuf,
    /// Re-cost the K best feasible designs (default 10).
    #[arg(long, conflicts_with = "front", value_name = "K")]
    top: Option<usize>,
    /// Re-cost the Pareto front (max energy, max latency, area) instead.
    #[arg(long)]
    front: bool,
    /// Skip designs the model cannot tell apart from a better one (same area, energies and
    /// latencies), e.g. the voltage twins of a space without voltage scaling.
    #[arg(long)]
    distinct: bool,
    /// Output folder (default: `<RUN>-refine-<evaluator>` beside the run).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue an interrupted refinement in --out: only designs not yet costed are sent.
    #[arg(long)]
    resume: bool,
    #[command(flatten)]
    evaluator: EvaluatorArgs,
}

pub fn run(args: &Args) -> Result<String> {
    let Some(evaluator) = args.evaluator.options()? else {
        bail!("refine needs --evaluator CMD: the evaluator that re-costs the designs");
    };
    let select = if args.front {
        Select::Front
    } else {
        Select::Top(args.top.unwrap_or(10))
    };
    let refine = Refine {
        args: RefineArgs {
            run: args.run.clone(),
            select,
            distinct: args.distinct,
        },
        evaluator,
        out: args.out.clone(),
        resume: args.resume,
    };
    let (out, report) = refine.run(&Terminal)?;
    Ok(with_folder(&report.markdown(), &out))
}
