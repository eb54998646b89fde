//! `imcdse sweep`: the joint search. With no options: the paper's RRAM space, its four CNNs,
//! `max-ela`, the paper's `ga4` with its full schedule, seed 0, results under `results/`.
//!
//! The run folder holds `run.toml`, `evaluations.parquet`, `pareto.parquet`, `summary.md` and
//! `checkpoint.jsonl` (see `results.rs`). `--resume` continues an interrupted run of the same
//! configuration from its checkpoint without re-evaluating anything; the budget may be raised.
//! A run found complete with the same settings is not run again (its rows are read back).
//!
//! `--shard i/N` (exhaustive only) enumerates the i-th of N contiguous slices of the space's
//! flat index range (see `shard.rs`); `imcdse merge` combines the N folders. A shard resumes
//! by itself: run again into the same folder, it skips when complete and continues from its
//! saved blocks when interrupted (`exhaustive.rs`).

use crate::objective::Objective;
use crate::problem::{Evaluation, Problem};
use crate::results::{self, Checkpoint, Row};
use crate::shard::Shard;
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
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

pub const OPTIMIZERS: &str = "ga4, nsga2, bayes, anneal, random, exhaustive";

/// Options of `imcdse sweep`; `run.toml` keeps them (without `out`, `resume`, `shard`) under
/// `[args]`, where `imcdse merge` reads them back.
#[derive(clap::Args, Clone, Serialize, Deserialize)]
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
    /// Output folder (default: results/<space>-<objective>-<optimizer>-s<seed>, with
    /// -shard-<i>-of-<N> when sharded).
    #[arg(long)]
    #[serde(skip)]
    pub out: Option<PathBuf>,
    /// Continue the interrupted run in --out from its checkpoint.
    #[arg(long)]
    #[serde(skip)]
    pub resume: bool,
    /// Exhaustive: enumerate only the i-th of N contiguous slices of the space (i = 0..N-1),
    /// e.g. `--shard $SLURM_ARRAY_TASK_ID/4`; combine the folders with `imcdse merge`.
    #[arg(long, value_name = "i/N")]
    #[serde(skip)]
    pub shard: Option<Shard>,
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
    #[serde(skip)]
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
    let mut text = format!(
        "command = \"sweep\"\ninputs = {:?}\nspace = {:?}\nspace_file = {:?}\nworkloads = [{}]\nobjective = {:?}\noptimizer = {:?}\nseed = {}\n",
        problem.inputs(),
        space.name,
        space.file,
        workloads.join(", "),
        problem.objective.name(),
        args.optimizer,
        args.seed
    );
    if let Some(shard) = args.shard {
        text.push_str(&format!("shard = \"{shard}\"\n"));
    }
    text
}

/// The settings that shape a run's rows besides its identity: a complete run is reused only
/// when they match.
fn settings_text(args: &Args, budget: u64) -> String {
    format!(
        "budget = {}\npopulation = {}\ntop = {}\nkeep_all = {}\n",
        if budget == u64::MAX {
            "\"schedule\"".to_string()
        } else {
            budget.to_string()
        },
        args.population,
        args.top,
        args.keep_all,
    )
}

/// `[args]` of run.toml: the options, without where the run is written or which shard it is.
pub fn args_toml(args: &impl Serialize) -> Result<String> {
    Ok(format!("\n[args]\n{}", toml::to_string(args)?))
}

/// The `status` of a saved run.toml.
pub fn status(run_toml: &str) -> Option<String> {
    let t: toml::Table = toml::from_str(run_toml).ok()?;
    t.get("status")?.as_str().map(String::from)
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

/// The space and the problem of a sweep's options, checked.
pub fn setup(args: &Args) -> Result<(SpaceFile, Problem)> {
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
    if args.shard.is_some() && args.optimizer != "exhaustive" {
        bail!(
            "--shard splits the exhaustive enumeration (--optimizer exhaustive); a search with `{}` \
             is one sequential run: shard seeds and optimizers with `imcdse grade --shard` or \
             `imcdse compare --shard`",
            args.optimizer
        );
    }
    Ok((space, problem))
}

/// The run's folder: `--out`, or one named after the run.
fn out_dir(args: &Args, space: &SpaceFile, problem: &Problem) -> PathBuf {
    args.out.clone().unwrap_or_else(|| {
        let shard = args.shard.map_or(String::new(), |s| {
            format!("-shard-{}-of-{}", s.index, s.count)
        });
        PathBuf::from("results").join(format!(
            "{}-{}-{}-s{}{shard}",
            space.name,
            problem.objective.name().replace(':', "_"),
            args.optimizer,
            args.seed
        ))
    })
}

/// The default budget of an optimizer (`u64::MAX`: ga4's own schedule).
fn budget(args: &Args) -> u64 {
    args.budget.unwrap_or(match args.optimizer.as_str() {
        "ga4" => u64::MAX,
        "bayes" => 300,
        _ => 3300,
    })
}

/// Runs a sweep and writes its folder; `quiet` drops the start line on stderr.
pub fn execute(args: &Args, quiet: bool) -> Result<Swept> {
    let started = Instant::now();
    let (space, problem) = setup(args)?;
    let names = &problem.names;
    let exhaustive = args.optimizer == "exhaustive";
    let out = out_dir(args, &space, &problem);
    let budget = budget(args);
    let config = config_text(args, &space, &problem);
    let settings = settings_text(args, budget);
    let run_toml = out.join("run.toml");
    let checkpoint = Checkpoint::new(&out);
    let blocks = out.join("blocks.jsonl");
    // A shard resumes by itself: a job array may run it again after a preemption.
    let resume = args.resume || args.shard.is_some();
    let prior = match std::fs::read_to_string(&run_toml) {
        Ok(saved) if resume => {
            if !saved.starts_with(&config) {
                bail!(
                    "{}: {} holds a run of another configuration:\n{}\nthis run:\n{}",
                    if args.resume { "--resume" } else { "--shard" },
                    run_toml.display(),
                    saved.lines().take(8).collect::<Vec<_>>().join("\n"),
                    config
                );
            }
            let same = saved.contains(&settings);
            if same && status(&saved).as_deref() == Some("complete") {
                return reuse(&problem, &out, exhaustive, &checkpoint, quiet);
            }
            if exhaustive && !same {
                bail!(
                    "{}: the interrupted exhaustive run there kept other rows (--top, --keep-all); \
                     resume it with its own settings:\n{saved}",
                    out.display()
                );
            }
            if exhaustive {
                Vec::new()
            } else {
                checkpoint.load()?
            }
        }
        Ok(_) => bail!(
            "{} already holds a run; pass --resume to continue it, or choose another --out",
            out.display()
        ),
        Err(_) if args.resume => bail!("--resume: no run to resume in {}", out.display()),
        Err(_) => {
            // Left over from a run whose run.toml was removed: not this run's.
            let _ = std::fs::remove_file(&blocks);
            Vec::new()
        }
    };
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let head = format!("{config}{settings}");
    write_run_toml(&run_toml, &head, "running", "", &args_toml(args)?, started)?;
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
    let mut counts = String::new();
    let (rows, stop_note) = if exhaustive {
        let size = problem.space.size();
        let slice = args
            .shard
            .map(|s| s.range(size.min(u64::MAX as u128) as u64));
        let e =
            crate::exhaustive::run_slice(&problem, args.top, args.keep_all, slice, Some(&blocks))?;
        let (lo, hi) = slice.unwrap_or((0, e.designs));
        counts = format!(
            "designs = {}\nfeasible = {}\nfirst_index = {lo}\nend_index = {hi}\nenumeration_s = {:.3}\n",
            e.designs, e.feasible, e.seconds
        );
        let note = match args.shard {
            Some(s) => format!(
                "(shard {s}: flat indices {lo}..{hi} of {size}) {}",
                e.note()
            ),
            None => e.note(),
        };
        (e.rows, note)
    } else {
        search(&problem, args, budget, prior, &checkpoint)?
    };
    counts.push_str(&format!("evaluations = {}\n", rows.len()));
    write_results(args, &space, &problem, rows, &stop_note, &counts, started)
}

/// Writes a finished run's tables, summary and run.toml (status complete, with `counts`).
pub fn write_results(
    args: &Args,
    space: &SpaceFile,
    problem: &Problem,
    rows: Vec<Row>,
    note: &str,
    counts: &str,
    started: Instant,
) -> Result<Swept> {
    let out = out_dir(args, space, problem);
    let pareto = results::pareto_rows(&rows);
    results::write_parquet(
        &out.join("evaluations.parquet"),
        results::frame(problem, &rows)?,
    )?;
    results::write_parquet(
        &out.join("pareto.parquet"),
        results::frame(problem, &pareto)?,
    )?;
    let summary = summary_md(
        problem,
        &rows,
        &pareto,
        note,
        started.elapsed().as_secs_f64(),
    );
    results::write_atomic(&out.join("summary.md"), summary.as_bytes())?;
    let head = format!(
        "{}{}",
        config_text(args, space, problem),
        settings_text(args, budget(args))
    );
    write_run_toml(
        &out.join("run.toml"),
        &head,
        "complete",
        counts,
        &args_toml(args)?,
        started,
    )?;
    Ok(Swept { rows, out, summary })
}

/// A complete run with the same configuration and settings, read back instead of run again.
fn reuse(
    problem: &Problem,
    out: &Path,
    exhaustive: bool,
    checkpoint: &Checkpoint,
    quiet: bool,
) -> Result<Swept> {
    let rows = if exhaustive {
        results::read_rows(problem, &out.join("evaluations.parquet"))?
    } else {
        checkpoint.load()?
    };
    let summary = std::fs::read_to_string(out.join("summary.md"))
        .with_context(|| format!("reading {}", out.join("summary.md").display()))?;
    if !quiet {
        eprintln!(
            "sweep: {} already holds this run, complete; not run again",
            out.display()
        );
    }
    Ok(Swept {
        rows,
        out: out.to_path_buf(),
        summary,
    })
}

fn space_size(p: &Problem) -> String {
    crate::fmt::thousands(p.space.size().min(u64::MAX as u128) as u64)
}

/// run.toml: identity and settings (`head`), status and times, `counts`, then `[args]`.
pub fn write_run_toml(
    path: &Path,
    head: &str,
    status: &str,
    counts: &str,
    tail: &str,
    started: Instant,
) -> Result<()> {
    let text = format!(
        "{head}status = {status:?}\ntool = \"imcdse {}\"\nwritten = {:?}\nelapsed_s = {:.3}\n{counts}{tail}",
        env!("CARGO_PKG_VERSION"),
        results::utc_now(),
        started.elapsed().as_secs_f64()
    );
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
