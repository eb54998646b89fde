//! `imcdse sweep`: the joint search. With no options: the paper's RRAM space, its four CNNs,
//! `max-ela`, the paper's `ga4` with its full schedule, seed 0, results under `results/`.
//!
//! The run folder holds `run.toml`, `evaluations.parquet`, `pareto.parquet`, `summary.md` and
//! `checkpoint.jsonl` (see `results.rs`). `--resume` continues an interrupted run of the same
//! configuration from its checkpoint without re-evaluating anything; the budget may be raised.

use crate::objective::Objective;
use crate::problem::{Evaluation, Problem};
use crate::results::{self, Checkpoint, Row};
use crate::space::Space as SpaceFile;
use anyhow::{Context, Result, bail};
use imc_search::anneal::Anneal;
use imc_search::ga4::{Ga4, Ga4Config};
use imc_search::nsga2::Nsga2;
use imc_search::random::RandomSearch;
use imc_search::runner::{self, Stop};
use imc_search::{Optimizer, Outcome, Point};
use imc_zoo::Zoo;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

pub const OPTIMIZERS: &str = "ga4, nsga2, bayes, anneal, random, exhaustive";

#[derive(clap::Args, Clone)]
pub struct Args {
    /// Design space: a built-in name (paper-rram, paper-sram, paper-sram9, demo) or a .toml file.
    #[arg(long, default_value = "paper-rram")]
    pub space: String,
    /// Workloads: names, sets (paper4, paper9), aliases or .toml files, comma-separated.
    #[arg(long, default_value = "paper4")]
    pub workloads: String,
    /// max-ela | mean-ela | prod-ela | edap:<workload> | pareto
    #[arg(long, default_value = "max-ela")]
    pub objective: String,
    /// ga4 | nsga2 | bayes | anneal | random | exhaustive
    #[arg(long, default_value = "ga4")]
    pub optimizer: String,
    /// Unique evaluations allowed (default: ga4's full schedule; 300 for bayes; 3300 for the others).
    #[arg(long)]
    pub budget: Option<u64>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output folder (default: results/<space>-<objective>-<optimizer>-s<seed>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Continue the interrupted run in --out from its checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Exhaustive: how many of the best designs to keep in evaluations.parquet.
    #[arg(long, default_value_t = 100)]
    pub top: usize,
    /// Exhaustive: keep every design in evaluations.parquet.
    #[arg(long)]
    pub keep_all: bool,
    /// NSGA-II population.
    #[arg(long, default_value_t = 100)]
    pub population: usize,
    /// Workloads already resolved by a caller (compare), used instead of `workloads`.
    #[arg(skip)]
    pub resolved: Option<Vec<imc_zoo::Workload>>,
}

pub fn progress(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} {msg} [{elapsed_precise}] {bar:30} {pos}/{len} ({per_sec})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(what.to_string());
    bar
}

/// The part of `run.toml` that identifies a run: a resumed run must match it.
fn config_text(args: &Args, space: &SpaceFile, problem: &Problem) -> String {
    let workloads: Vec<String> = problem
        .workloads
        .iter()
        .map(|w| format!("{:?}", w.name))
        .collect();
    format!(
        "space = {:?}\nspace_file = {:?}\nworkloads = [{}]\nobjective = {:?}\noptimizer = {:?}\nseed = {}\n",
        space.name,
        space.file,
        workloads.join(", "),
        problem.objective.name(),
        args.optimizer,
        args.seed
    )
}

pub fn run(args: &Args) -> Result<()> {
    let done = execute(args, false)?;
    println!("{}", done.summary);
    println!("results: {}", done.out.display());
    Ok(())
}

/// A finished sweep.
pub struct Swept {
    pub rows: Vec<Row>,
    pub out: PathBuf,
    pub summary: String,
}

impl Swept {
    /// The feasible row with the lowest score (ties: first evaluated).
    pub fn best(&self) -> Option<&Row> {
        results::best_row(&self.rows)
    }
}

/// Runs a sweep and writes its folder; `quiet` drops the start line on stderr.
pub fn execute(args: &Args, quiet: bool) -> Result<Swept> {
    let started = Instant::now();
    let space = SpaceFile::resolve(&args.space)?;
    let workloads = match &args.resolved {
        Some(w) => w.clone(),
        None => Zoo::builtin()?
            .resolve(&args.workloads)
            .with_context(|| format!("--workloads {}", args.workloads))?,
    };
    let names: Vec<String> = workloads.iter().map(|w| w.name.clone()).collect();
    let objective = Objective::parse(&args.objective, &names)?;
    if !OPTIMIZERS.split(", ").any(|o| o == args.optimizer) {
        bail!(
            "unknown optimizer `{}`; available: {OPTIMIZERS}",
            args.optimizer
        );
    }
    if args.optimizer == "bayes" && !cfg!(feature = "bo") {
        bail!(
            "this imcdse was built without the `bo` feature; rebuild with default features for `bayes`"
        );
    }
    if objective.is_pareto() && (args.optimizer == "ga4" || args.optimizer == "anneal") {
        bail!(
            "{} is single-objective; use --optimizer nsga2 (or random, exhaustive) with --objective pareto",
            args.optimizer
        );
    }
    let problem = Problem::new(space.clone(), workloads, objective);
    if problem.space.dims() == 0 {
        bail!(
            "{}: the space has no free parameters; use `imcdse eval` for a single design",
            space.file
        );
    }
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!(
            "{}-{}-{}-s{}",
            space.name,
            problem.objective.name().replace(':', "_"),
            args.optimizer,
            args.seed
        ))
    });
    let config = config_text(args, &space, &problem);
    let run_toml = out.join("run.toml");
    let checkpoint = Checkpoint::new(&out);
    let prior = if args.resume {
        let saved = std::fs::read_to_string(&run_toml)
            .with_context(|| format!("--resume: no run to resume in {}", out.display()))?;
        if !saved.starts_with(&config) {
            bail!(
                "--resume: {} holds a run of another configuration:\n{}\nthis run:\n{}",
                run_toml.display(),
                saved.lines().take(6).collect::<Vec<_>>().join("\n"),
                config
            );
        }
        checkpoint.load()?
    } else {
        if run_toml.exists() {
            bail!(
                "{} already holds a run; pass --resume to continue it, or choose another --out",
                out.display()
            );
        }
        Vec::new()
    };
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let budget = args.budget.unwrap_or(match args.optimizer.as_str() {
        "ga4" => u64::MAX,
        "bayes" => 300,
        _ => 3300,
    });
    write_run_toml(&run_toml, &config, args, budget, "running", None, started)?;
    if !quiet {
        eprintln!(
            "sweep: {} ({} designs), workloads {}, objective {}, optimizer {}, seed {}",
            space.name,
            space_size(&problem),
            names.join(","),
            problem.objective.name(),
            args.optimizer,
            args.seed
        );
    }
    let (rows, stop_note) = if args.optimizer == "exhaustive" {
        let e = crate::exhaustive::run(&problem, args.top, args.keep_all)?;
        let note = e.note();
        (e.rows, note)
    } else {
        search(&problem, args, budget, prior, &checkpoint)?
    };
    let pareto = results::pareto_rows(&rows);
    results::write_parquet(
        &out.join("evaluations.parquet"),
        results::frame(&problem, &rows)?,
    )?;
    results::write_parquet(
        &out.join("pareto.parquet"),
        results::frame(&problem, &pareto)?,
    )?;
    let summary = summary_md(
        &problem,
        &rows,
        &pareto,
        &stop_note,
        started.elapsed().as_secs_f64(),
    );
    results::write_atomic(&out.join("summary.md"), summary.as_bytes())?;
    write_run_toml(
        &run_toml,
        &config,
        args,
        budget,
        "complete",
        Some(rows.len()),
        started,
    )?;
    Ok(Swept { rows, out, summary })
}

fn space_size(p: &Problem) -> String {
    crate::fmt::thousands(p.space.size().min(u64::MAX as u128) as u64)
}

fn write_run_toml(
    path: &Path,
    config: &str,
    args: &Args,
    budget: u64,
    status: &str,
    evaluations: Option<usize>,
    started: Instant,
) -> Result<()> {
    let mut text = config.to_string();
    text.push_str(&format!(
        "budget = {}\npopulation = {}\ntop = {}\nkeep_all = {}\nstatus = {status:?}\ntool = \"imcdse {}\"\nwritten = {:?}\nelapsed_s = {:.3}\n",
        if budget == u64::MAX { "\"schedule\"".to_string() } else { budget.to_string() },
        args.population,
        args.top,
        args.keep_all,
        env!("CARGO_PKG_VERSION"),
        results::utc_now(),
        started.elapsed().as_secs_f64()
    ));
    if let Some(n) = evaluations {
        text.push_str(&format!("evaluations = {n}\n"));
    }
    results::write_atomic(path, text.as_bytes())
}

/// The named optimizer over the problem's space (`name` already checked against OPTIMIZERS;
/// not `exhaustive`).
pub fn optimizer<'a>(
    problem: &'a Problem,
    name: &str,
    seed: u64,
    population: usize,
) -> Result<Box<dyn Optimizer + 'a>> {
    Ok(match name {
        "ga4" => {
            // The pre-check needs the problem; share it through a scoped reference.
            let p: &Problem = problem;
            let pre = move |pt: &Point| p.precheck(pt);
            Box::new(Ga4::new(
                problem.space.clone(),
                seed,
                Ga4Config::default(),
                Box::new(pre),
            ))
        }
        "nsga2" => Box::new(Nsga2::new(problem.space.clone(), seed, population)),
        "anneal" => Box::new(Anneal::new(problem.space.clone(), seed, 100_000)),
        #[cfg(feature = "bo")]
        "bayes" => {
            use imc_search::bayes::{Bayes, BayesConfig};
            let config = BayesConfig {
                objectives: if problem.objective.is_pareto() { 3 } else { 1 },
                ..BayesConfig::default()
            };
            Box::new(Bayes::new(problem.space.clone(), seed, config).map_err(anyhow::Error::msg)?)
        }
        _ => Box::new(RandomSearch::new(problem.space.clone(), seed, 100)),
    })
}

fn search(
    problem: &Problem,
    args: &Args,
    budget: u64,
    prior: Vec<Row>,
    checkpoint: &Checkpoint,
) -> Result<(Vec<Row>, String)> {
    let details: Mutex<HashMap<Point, Evaluation>> = Mutex::new(
        prior
            .iter()
            .map(|r| (r.point.clone(), r.eval.clone()))
            .collect(),
    );
    let resumed = prior.len();
    let eval = |p: &Point| -> Outcome {
        let e = problem.evaluate(p);
        let o = e.outcome.clone();
        details
            .lock()
            .expect("no panics while holding the lock")
            .insert(p.clone(), e);
        o
    };
    let mut opt = optimizer(problem, &args.optimizer, args.seed, args.population)?;
    // Without a budget, ga4 runs its full schedule of 3,300 requests.
    let bar = progress(
        if budget == u64::MAX { 3300 } else { budget },
        &args.optimizer,
    );
    let mut rows: Vec<Row> = Vec::new();
    let mut failure: Option<anyhow::Error> = None;
    let result = runner::run(
        opt.as_mut(),
        &eval,
        budget,
        results::records(&prior),
        &mut |batch| {
            let d = details.lock().expect("no panics while holding the lock");
            let new: Vec<Row> = batch
                .iter()
                .map(|r| Row {
                    eval_index: r.eval_index,
                    phase: r.phase.clone(),
                    point: r.point.clone(),
                    eval: d[&r.point].clone(),
                })
                .collect();
            drop(d);
            let fresh: Vec<Row> = new
                .iter()
                .filter(|r| r.eval_index as usize >= resumed)
                .cloned()
                .collect();
            if failure.is_none()
                && let Err(e) = checkpoint.append(&fresh)
            {
                failure = Some(e);
            }
            bar.set_message(batch.last().map_or(String::new(), |r| r.phase.clone()));
            bar.inc(batch.len() as u64);
            rows.extend(new);
        },
    );
    bar.finish_and_clear();
    if let Some(e) = failure {
        return Err(e.context("writing the checkpoint"));
    }
    let note = match result.stop {
        Stop::Finished => format!(
            "finished its schedule: {} requests, {} unique evaluations",
            result.requests,
            rows.len()
        ),
        Stop::Stalled => format!(
            "stalled: {} batches in a row asked only for designs already evaluated; {} requests, {} unique evaluations",
            runner::STALL_BATCHES,
            result.requests,
            rows.len()
        ),
        Stop::Budget => format!(
            "stopped at the budget of {} unique evaluations ({} requests)",
            rows.len(),
            result.requests
        ),
    };
    Ok((rows, note))
}

/// Every design of the space, in parallel; keeps the best `--top` by score (or all with
/// `--keep-all`) and the exact Pareto front.
fn summary_md(problem: &Problem, rows: &[Row], pareto: &[Row], note: &str, secs: f64) -> String {
    let mut s = format!(
        "# Sweep: {} on {}\n\n",
        problem.file.name,
        problem.names.join(", ")
    );
    s.push_str(&format!(
        "Objective `{}`; the search {note}; {secs:.1} s.\n\n",
        problem.objective.name()
    ));
    let feasible = rows.iter().filter(|r| r.eval.outcome.is_feasible()).count();
    s.push_str(&format!(
        "{} designs recorded in evaluations.parquet, {feasible} of them feasible; {} on the Pareto front (max E, max L, A).\n\n",
        rows.len(),
        pareto.len()
    ));
    match results::best_row(rows) {
        None => {
            s.push_str("**No feasible design was found.** Most common reasons:\n\n");
            let mut reasons: HashMap<String, usize> = HashMap::new();
            for r in rows {
                if let Some(why) = &r.eval.reason {
                    let key = why.split(':').take(2).collect::<Vec<_>>().join(":");
                    *reasons.entry(key).or_default() += 1;
                }
            }
            let mut v: Vec<_> = reasons.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            for (why, n) in v.into_iter().take(5) {
                s.push_str(&format!("- {n} x {why}\n"));
            }
        }
        Some(b) => {
            let params: Vec<String> = problem
                .values(&b.point)
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            s.push_str(&format!(
                "## Best design (evaluation {}, {})\n\n{}\n\n",
                b.eval_index,
                b.phase,
                params.join(", ")
            ));
            s.push_str(&format!(
                "score ({}) = {:.6e}; area {:.3} mm2\n\n",
                problem.objective.name(),
                b.eval.score.unwrap(),
                b.eval.area_mm2.unwrap_or(f64::NAN)
            ));
            s.push_str("| workload | energy (mJ) | latency (ms) | EDAP (mJ ms mm2) |\n|---|---:|---:|---:|\n");
            for (name, w) in problem.names.iter().zip(&b.eval.per_workload) {
                if let Some((e, l, d)) = w {
                    s.push_str(&format!("| {name} | {e:.4} | {l:.4} | {d:.4} |\n"));
                }
            }
        }
    }
    s
}
