//! The sweep: one search of a design space for the design that serves all workloads best. With
//! the defaults: the paper's RRAM space, its four CNNs, `max-ela`, the paper's `ga4` with its
//! full schedule, seed 0.
//!
//! The run folder holds `run.toml`, `evaluations.parquet`, `pareto.parquet`, `summary.md` and
//! `checkpoint.jsonl` (see [`crate::results`] and [`crate::run_dir`]). Resuming continues an
//! interrupted run of the same configuration from its checkpoint without re-evaluating
//! anything; the budget may be raised. A run found complete with the same settings is not run
//! again (its rows are read back).
//!
//! A shard (exhaustive only) enumerates the i-th of N contiguous slices of the space's flat
//! index range (see [`crate::shard`]); [`super::merge`] combines the N folders. A shard
//! resumes by itself: run again into the same folder, it skips when complete and continues
//! from its saved blocks when interrupted ([`super::exhaustive`]).

use super::analytic_first;
use super::estimate::{self, Advice};
use super::exhaustive;
use super::inputs::Inputs;
use crate::consistency;
use crate::evaluator::{Evaluator, EvaluatorOptions};
use crate::lock::RunLock;
use crate::optimizer::{OptimizerKind, check_settings};
use crate::problem::{Evaluation, Problem};
use crate::progress::{Muted, Progress};
use crate::report::{pairs, thousands};
use crate::results::{self, Row};
use crate::run_dir::{
    Budget, Command, Counts, Journal, RunToml, Status, refuse_unrecorded, write_atomic,
};
use crate::shard::Shard;
use anyhow::{Context, Result, bail};
use imc_search::runner::{self, Stop};
use imc_search::{Outcome, Point};
use imc_zoo::Workload;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

/// A sweep's options as given: kept in run.toml under `[args]`, where `imcdse merge` reads
/// them back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepOptions {
    /// Space, workloads and objective.
    #[serde(flatten)]
    pub inputs: Inputs,
    /// The optimizer.
    pub optimizer: OptimizerKind,
    /// Unique evaluations allowed; `None`: the optimizer's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<u64>,
    /// The seed.
    pub seed: u64,
    /// Exhaustive: how many of the best designs evaluations.parquet keeps.
    pub top: usize,
    /// Exhaustive: keep every design.
    pub keep_all: bool,
    /// NSGA-II population.
    pub population: usize,
    /// How the expensive evaluator is spent (`single`: the optimizer asks it for every design).
    #[serde(default, skip_serializing_if = "Fidelity::is_single")]
    pub fidelity: Fidelity,
}

/// How a sweep with an external evaluator spends it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Fidelity {
    /// The optimizer's designs are all costed by the evaluator (or the model, without one).
    #[default]
    Single,
    /// The model screens the space, the evaluator costs only where the model, corrected by
    /// what the evaluator said, puts the optimum ([`super::analytic_first`]).
    AnalyticFirst,
}

impl Fidelity {
    fn is_single(&self) -> bool {
        *self == Fidelity::Single
    }
}

/// Expensive evaluations of `--fidelity analytic-first` without `--budget`.
pub const ANALYTIC_FIRST_BUDGET: u64 = 100;

impl Default for SweepOptions {
    fn default() -> SweepOptions {
        SweepOptions {
            inputs: Inputs::default(),
            optimizer: OptimizerKind::DEFAULT,
            budget: None,
            seed: 0,
            top: 100,
            keep_all: false,
            population: 100,
            fidelity: Fidelity::Single,
        }
    }
}

impl SweepOptions {
    /// The budget: as given, or the optimizer's default.
    pub fn budget(&self) -> Budget {
        if self.fidelity == Fidelity::AnalyticFirst {
            return Budget::Evaluations(self.budget.unwrap_or(ANALYTIC_FIRST_BUDGET));
        }
        self.budget
            .map_or(self.optimizer.default_budget(), Budget::Evaluations)
    }

    /// The problem these options name: the space, the workloads resolved from the zoo, the
    /// objective; checked against the optimizer.
    pub fn resolve(&self) -> Result<Problem> {
        self.problem_with(self.inputs.workloads()?)
    }

    /// As [`SweepOptions::resolve`], with workloads a caller has already resolved.
    pub fn problem_with(&self, workloads: Vec<Workload>) -> Result<Problem> {
        check_settings(self.population, self.budget)?;
        let space = self.inputs.space()?;
        let objective = self.inputs.objective(&workloads)?;
        self.optimizer.available()?;
        if objective.is_pareto() && self.optimizer.single_objective() {
            bail!(
                "{} is single-objective; use --optimizer nsga2 (or random, bayes, exhaustive) with --objective {}",
                self.optimizer,
                objective.name()
            );
        }
        let problem = Problem::new(space, workloads, objective)?;
        if problem.space.dims() == 0 {
            bail!(
                "{}: the space has no free parameters; use `imcdse eval` for a single design",
                problem.file.file
            );
        }
        Ok(problem)
    }
}

/// A sweep ready to run.
pub struct Sweep {
    /// Space, workloads and objective.
    pub problem: Problem,
    /// The options (their optimizer, budget, seed and settings are the run's).
    pub options: SweepOptions,
    /// The run folder.
    pub out: PathBuf,
    /// Continue the interrupted run in `out`.
    pub resume: bool,
    /// Exhaustive only: the slice of the space this run enumerates.
    pub shard: Option<Shard>,
    /// Exhaustive only: run even when the timed estimate is over [`estimate::LIMIT_S`].
    pub force: bool,
    /// An external evaluator costing the designs in place of the model (an exhaustive
    /// enumeration through it is checkpointed; not sharded).
    pub evaluator: Option<EvaluatorOptions>,
}

/// A finished sweep.
pub struct Swept {
    /// Every evaluated design (exhaustive: the kept rows).
    pub rows: Vec<Row>,
    /// The run folder.
    pub out: PathBuf,
    /// summary.md's text.
    pub summary: String,
}

impl Swept {
    /// The feasible row with the lowest score (ties: first evaluated).
    pub fn best(&self) -> Option<&Row> {
        results::best_row(&self.rows)
    }
}

impl Sweep {
    /// A sweep of `problem` with `options`, into `out` (default: `results/<space>-<objective>-
    /// <optimizer>-s<seed>`, with `-shard-<i>-of-<N>` when sharded).
    pub fn new(
        problem: Problem,
        options: SweepOptions,
        out: Option<PathBuf>,
        resume: bool,
        shard: Option<Shard>,
    ) -> Result<Sweep> {
        if shard.is_some() && options.optimizer != OptimizerKind::Exhaustive {
            bail!(
                "--shard splits the exhaustive enumeration (--optimizer exhaustive); a search with `{}` \
                 is one sequential run: shard seeds and optimizers with `imcdse grade --shard` or \
                 `imcdse compare --shard`",
                options.optimizer
            );
        }
        if let Some(s) = shard
            && u128::from(s.count) > problem.space.size()
        {
            bail!(
                "--shard {s}: {} shards of a space of {} designs would leave some empty; use at \
                 most {} shards",
                s.count,
                problem.space.size(),
                problem.space.size()
            );
        }
        let out = out.unwrap_or_else(|| {
            let shard = shard.map_or(String::new(), |s| {
                format!("-shard-{}-of-{}", s.index, s.count)
            });
            PathBuf::from("results").join(format!(
                "{}-{}-{}-s{}{shard}",
                problem.file.name,
                problem.objective.name().replace(':', "_"),
                options.optimizer,
                options.seed
            ))
        });
        Ok(Sweep {
            problem,
            options,
            out,
            resume,
            shard,
            force: false,
            evaluator: None,
        })
    }

    /// The run's record: identity, settings, options.
    fn record(&self) -> Result<RunToml> {
        let (p, o) = (&self.problem, &self.options);
        let mut r = RunToml::new(Command::Sweep, o)?;
        r.inputs = Some(p.inputs());
        r.space = Some(p.file.name.clone());
        r.space_file = Some(p.file.file.clone());
        r.workloads = Some(p.names.clone());
        r.objective = Some(p.objective.name());
        r.optimizer = Some(match o.fidelity {
            Fidelity::Single => o.optimizer.to_string(),
            Fidelity::AnalyticFirst => "analytic-first".to_string(),
        });
        r.seed = Some(o.seed);
        r.shard = self.shard;
        r.budget = Some(o.budget());
        r.population = Some(o.population as u64);
        r.top = Some(o.top as u64);
        r.keep_all = Some(o.keep_all);
        if let Some(e) = p.evaluator() {
            r.evaluator = Some(e.handshake().identity());
            r.evaluator_command = Some(e.options().command.clone());
        }
        r.input_parts = Some(p.input_parts(r.evaluator.as_deref()));
        r.cwd = std::env::current_dir()
            .ok()
            .map(|d| d.display().to_string());
        Ok(r)
    }

    fn exhaustive(&self) -> bool {
        self.options.optimizer == OptimizerKind::Exhaustive
    }

    /// What an earlier run in the folder left: `Err` when it may not be continued, `Ok(None)`
    /// when it is complete with the same settings (read it back), else the rows to resume from.
    fn prior(&self, record: &RunToml, checkpoint: &Journal<Row>) -> Result<Option<Vec<Row>>> {
        let out = &self.out;
        let resume = self.resume || self.shard.is_some();
        self.tables_are_files()?;
        match RunToml::read_if_any(out)? {
            Some(saved) if resume => {
                if !saved.same_identity(record) {
                    bail!(
                        "{}: {} holds a run of another configuration:\n{}\ncontinue it with the \
                         inputs and options it was made with, or choose another --out",
                        if self.resume { "--resume" } else { "--shard" },
                        out.join("run.toml").display(),
                        saved.differences(record)
                    );
                }
                // An exhaustive run's rows depend on --top and --keep-all alone (it costs
                // every design whatever the budget).
                let same = match self.exhaustive() {
                    true => (saved.top, saved.keep_all) == (record.top, record.keep_all),
                    false => saved.same_settings(record),
                };
                if same && saved.status == Status::Complete && self.tables_present() {
                    return Ok(None);
                }
                if self.exhaustive() && !same {
                    bail!(
                        "{}: the interrupted exhaustive run there kept other rows (--top, --keep-all); \
                         resume it with its own settings:\n{}",
                        out.display(),
                        toml::to_string(&saved).unwrap_or_default()
                    );
                }
                Ok(Some(if self.exhaustive() && self.evaluator.is_none() {
                    Vec::new()
                } else {
                    self.load(checkpoint)?
                }))
            }
            Some(_) => bail!(
                "{} already holds a run; pass --resume to continue it, or choose another --out",
                out.display()
            ),
            None if self.resume => bail!("--resume: no run to resume in {}", out.display()),
            None => {
                // A run's files without its run.toml: a damaged run, or files of something
                // else; writing here would overwrite them or append to a stale checkpoint.
                refuse_unrecorded(
                    out,
                    Command::Sweep,
                    TABLES.iter().chain(&["checkpoint.jsonl"]).copied(),
                )?;
                // Left over from a run whose run.toml was removed: not this run's.
                Journal::<serde_json::Value>::new(out.join("blocks.jsonl")).remove()?;
                Ok(Some(Vec::new()))
            }
        }
    }

    /// Runs the sweep and writes its folder.
    pub fn run(&self, progress: &dyn Progress) -> Result<Swept> {
        let started = Instant::now();
        let (problem, o) = (&self.problem, &self.options);
        let checkpoint: Journal<Row> = Journal::new(self.out.join("checkpoint.jsonl"));
        // Held until the tables are written: no other process reads or appends meanwhile.
        let _lock = RunLock::acquire(&self.out)?;
        // The options must be recordable before an evaluator starts (a number past what
        // run.toml holds is named as its flag).
        RunToml::new(Command::Sweep, o)?;
        let workers = self.start_evaluator(progress)?;
        let mut record = self.record()?;
        let Some(prior) = self.prior(&record, &checkpoint)? else {
            return self.reuse(&checkpoint, progress);
        };
        if self.exhaustive() && workers == 0 {
            let what = ("exhaustive", Advice::Sweep);
            estimate::check(problem, self.slice(), self.force, what, progress)?;
        }
        record.write(&self.out, Status::Running, started)?;
        progress.note(&format!(
            "sweep: {} ({} designs), workloads {}, objective {}, optimizer {}, seed {}",
            problem.file.name,
            thousands(problem.space.size()),
            problem.names.join(","),
            problem.objective.name(),
            record.optimizer.as_deref().unwrap_or("?"),
            o.seed
        ));
        let (rows, note, mut counts) = if self.exhaustive() && workers == 0 {
            self.enumerate(progress)?
        } else {
            // One thread per worker, so that every worker has a design to cost.
            let threads = workers.max(rayon::current_num_threads());
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .context("starting the evaluation threads")?;
            let (rows, mut note, counts) = if self.exhaustive() {
                pool.install(|| self.enumerate_external(prior, &checkpoint, workers, progress))?
            } else {
                let (rows, note) = match o.fidelity {
                    Fidelity::Single => {
                        pool.install(|| self.search(prior, &checkpoint, progress))?
                    }
                    Fidelity::AnalyticFirst => {
                        pool.install(|| self.analytic_first(prior, &checkpoint, workers, progress))?
                    }
                };
                (rows, note, Counts::default())
            };
            if let Some(e) = problem.evaluator() {
                note.push_str(&format!("; {}", evaluator_note(e)));
            }
            (rows, note, counts)
        };
        counts.evaluations = Some(rows.len() as u64);
        self.write_results(rows, &note, &counts, started)
    }

    /// Starts the external evaluator, if any, logging to `evaluator.log` in the run folder;
    /// returns its number of workers (0 without one).
    fn start_evaluator(&self, progress: &dyn Progress) -> Result<usize> {
        let Some(options) = &self.evaluator else {
            if self.options.fidelity == Fidelity::AnalyticFirst {
                bail!(
                    "--fidelity analytic-first spends an expensive evaluator: give it with --evaluator CMD \
                     (e.g. \"imcdse serve --calibration cimloop-paper-rram\")"
                );
            }
            return Ok(0);
        };
        if self.options.fidelity == Fidelity::AnalyticFirst
            && self.options.optimizer != OptimizerKind::DEFAULT
        {
            bail!(
                "--fidelity analytic-first is its own search; leave out --optimizer {}",
                self.options.optimizer
            );
        }
        if self.shard.is_some() {
            bail!(
                "--evaluator: a sharded enumeration cannot take an external evaluator yet; run it whole \
                 (it is checkpointed: --resume continues it), or enumerate with the model and \
                 `imcdse refine RUN --evaluator CMD --top K`"
            );
        }
        self.problem.start_evaluator(options, &self.out, progress)?;
        Ok(options.workers)
    }

    /// Exhaustive: the flat slice this run enumerates (`None`: the whole space).
    fn slice(&self) -> Option<(u64, u64)> {
        // (`new` has checked that every shard holds a design.)
        let size = self.problem.space.size();
        self.shard
            .map(|s| s.range(size.min(u64::MAX as u128) as u64))
    }

    fn enumerate(&self, progress: &dyn Progress) -> Result<(Vec<Row>, String, Counts)> {
        if let Some(b) = self.options.budget {
            progress.note(&format!(
                "sweep: --budget {b} does not bound an exhaustive sweep: it costs every design \
                 (of its --shard); --top sets how many it keeps"
            ));
        }
        let size = self.problem.space.size();
        let slice = self.slice();
        let blocks = self.out.join("blocks.jsonl");
        let (top, keep_all) = (self.options.top, self.options.keep_all);
        let e =
            exhaustive::run_slice(&self.problem, top, keep_all, slice, Some(&blocks), progress)?;
        let (lo, hi) = slice.unwrap_or((0, e.designs));
        let counts = Counts {
            designs: Some(e.designs),
            feasible: Some(e.feasible),
            slice: Some((lo, hi)),
            enumeration_s: Some((e.seconds * 1000.0).round() / 1000.0),
            ..Counts::default()
        };
        let note = match self.shard {
            Some(s) => format!(
                "(shard {s}: flat indices {lo}..{hi} of {size}) {}",
                e.note()
            ),
            None => e.note(),
        };
        Ok((e.rows, note, counts))
    }

    /// Writes a finished run's tables, summary and run.toml (status complete, with `counts`).
    pub fn write_results(
        &self,
        rows: Vec<Row>,
        note: &str,
        counts: &Counts,
        started: Instant,
    ) -> Result<Swept> {
        let (out, problem) = (&self.out, &self.problem);
        let pareto = results::pareto_rows(&rows);
        results::write_parquet(
            &out.join("evaluations.parquet"),
            results::frame(problem, &rows)?,
        )?;
        results::write_parquet(
            &out.join("pareto.parquet"),
            results::frame(problem, &pareto)?,
        )?;
        let secs = started.elapsed().as_secs_f64();
        let summary = summary_md(problem, &rows, &pareto, note, secs);
        write_atomic(&out.join("summary.md"), summary.as_bytes())?;
        let mut record = self.record()?;
        record.set_counts(counts);
        record.write(out, Status::Complete, started)?;
        Ok(Swept {
            rows,
            out: out.clone(),
            summary,
        })
    }

    /// The checkpoint's rows, each checked against itself and the space.
    fn load(&self, checkpoint: &Journal<Row>) -> Result<Vec<Row>> {
        let rows = checkpoint.load()?;
        consistency::check_rows(&self.problem, &rows, checkpoint.path(), "line")?;
        Ok(rows)
    }

    /// Refuses a folder where a table's name is taken by something the run cannot replace
    /// (a folder, a FIFO): before costing anything, not when the tables are written.
    fn tables_are_files(&self) -> Result<()> {
        for f in TABLES {
            let path = self.out.join(f);
            if let Ok(meta) = std::fs::metadata(&path)
                && !meta.is_file()
            {
                bail!(
                    "{}: {}, not a regular file; the run writes its table there: remove it, \
                     or choose another --out",
                    path.display(),
                    imc_zoo::files::kind(&meta.file_type())
                );
            }
        }
        Ok(())
    }

    /// Whether a complete run's tables are all there and readable (a run whose tables were
    /// deleted or damaged is continued instead: from its checkpoint, or enumerated again).
    fn tables_present(&self) -> bool {
        TABLES.iter().all(|f| {
            let path = self.out.join(f);
            // A Parquet table whose footer does not read (cut short, overwritten) is written
            // again as a missing one is.
            path.is_file() && (!f.ends_with(".parquet") || results::parquet_shape(&path).is_ok())
        })
    }

    /// A complete run with the same configuration and settings, read back instead of run again.
    fn reuse(&self, checkpoint: &Journal<Row>, progress: &dyn Progress) -> Result<Swept> {
        let out = &self.out;
        let rows = if self.exhaustive() {
            results::read_rows(&self.problem, &out.join("evaluations.parquet"))?
        } else {
            self.load(checkpoint)?
        };
        let summary = crate::run_dir::read_regular(&out.join("summary.md"))
            .with_context(|| format!("reading {}", out.join("summary.md").display()))?;
        progress.note(&format!(
            "sweep: {} already holds this run, complete; not run again",
            out.display()
        ));
        Ok(Swept {
            rows,
            out: out.clone(),
            summary,
        })
    }

    /// Exhaustive through the external evaluator: every design of the space costed by it, in
    /// flat index order, a batch at a time into the checkpoint (so `--resume` continues). The
    /// first batch times the evaluator: a run whose estimate is over [`estimate::LIMIT_S`] stops
    /// there unless `force`. Keeps the rows the model's enumeration keeps
    /// ([`exhaustive::combine`]), so the folder can certify a grading.
    fn enumerate_external(
        &self,
        prior: Vec<Row>,
        checkpoint: &Journal<Row>,
        workers: usize,
        progress: &dyn Progress,
    ) -> Result<(Vec<Row>, String, Counts)> {
        let p = &self.problem;
        let size = p.space.size();
        if size > u64::MAX as u128 {
            bail!("the space has {size} designs; too many to enumerate");
        }
        let size = size as u64;
        let done: std::collections::HashSet<u64> = prior.iter().map(|r| r.eval_index).collect();
        let todo: Vec<u64> = (0..size).filter(|i| !done.contains(i)).collect();
        let bar = progress.bar(size, "exhaustive");
        bar.inc(done.len() as u64);
        let started = Instant::now();
        let mut rows = prior;
        let mut timed = false;
        for chunk in todo.chunks(workers.max(1) * 4) {
            let new: Vec<Row> = chunk
                .par_iter()
                .map(|&i| {
                    let point = p.space.point(i as u128);
                    Row {
                        eval_index: i,
                        phase: "exhaustive".into(),
                        eval: p.evaluate(&point),
                        point,
                    }
                })
                .collect();
            p.check_evaluator()?;
            checkpoint.append(&new)?;
            bar.inc(new.len() as u64);
            rows.extend(new);
            if !timed {
                timed = true;
                let per = started.elapsed().as_secs_f64() / chunk.len() as f64;
                let total = per * todo.len() as f64;
                let about =
                    humantime::format_duration(std::time::Duration::from_secs(total as u64));
                progress.note(&format!(
                    "exhaustive through the evaluator: {} designs to cost, about {about} at {per:.3} s a design (timed on the first {})",
                    thousands(todo.len() as u128),
                    chunk.len()
                ));
                if total > estimate::LIMIT_S && !self.force {
                    bar.finish();
                    bail!(
                        "exhaustive through the evaluator: about {about}, over {} h; --force to run it anyway \
                         (it is checkpointed: --resume continues it), or enumerate with the model and \
                         refine its best designs with `imcdse refine`",
                        estimate::LIMIT_S / 3600.0
                    );
                }
            }
        }
        bar.finish();
        let seconds = started.elapsed().as_secs_f64();
        let feasible = rows.iter().filter(|r| r.eval.score.is_some()).count() as u64;
        // The model's enumeration keeps feasible rows only, unless every row is kept.
        let keep_all = self.options.keep_all;
        rows.retain(|r| keep_all || r.eval.score.is_some());
        let kept = exhaustive::combine(vec![rows], self.options.top, keep_all);
        let counts = Counts {
            designs: Some(size),
            feasible: Some(feasible),
            slice: Some((0, size)),
            enumeration_s: Some((seconds * 1000.0).round() / 1000.0),
            ..Counts::default()
        };
        let note = format!(
            "evaluated all {size} designs through the external evaluator ({} in this process, {seconds:.1} s), {feasible} feasible",
            todo.len()
        );
        Ok((kept, note, counts))
    }

    /// `--fidelity analytic-first`: the model screens, the evaluator costs where it points.
    fn analytic_first(
        &self,
        prior: Vec<Row>,
        checkpoint: &Journal<Row>,
        workers: usize,
        progress: &dyn Progress,
    ) -> Result<(Vec<Row>, String)> {
        let p = &self.problem;
        let cheap = Problem::new(p.file.clone(), p.workloads.clone(), p.objective.clone())?;
        let started = Instant::now();
        let pool = analytic_first::screen(&cheap, &Muted(progress))?;
        let screen_s = started.elapsed().as_secs_f64();
        progress.note(&format!(
            "analytic-first: the model screened {} designs in {screen_s:.1} s: a pool of {} classes",
            thousands(pool.enumerated as u128),
            pool.candidates.len()
        ));
        let budget = self.options.budget.unwrap_or(ANALYTIC_FIRST_BUDGET);
        let search = analytic_first::AnalyticFirst {
            pool: &pool,
            expensive: p,
            budget,
            seed: self.options.seed,
            batch: workers,
        };
        let resumed = prior.len();
        let mut record = |new: &[Row]| {
            p.check_evaluator()?;
            checkpoint.append(new)
        };
        let rows = search.run(prior, &mut record, progress)?;
        let note = format!(
            "(analytic-first) screened {} designs with the model in {screen_s:.1} s into {} classes \
             ({} per area band), then spent {} of {budget} expensive evaluations ({resumed} resumed)",
            thousands(pool.enumerated as u128),
            pool.candidates.len(),
            analytic_first::PER_BAND,
            rows.len()
        );
        Ok((rows, note))
    }

    /// The ask/tell search, every new evaluation appended to the checkpoint as its batch ends.
    fn search(
        &self,
        prior: Vec<Row>,
        checkpoint: &Journal<Row>,
        progress: &dyn Progress,
    ) -> Result<(Vec<Row>, String)> {
        let (problem, o) = (&self.problem, &self.options);
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
        let mut opt = o.optimizer.build(problem, o.seed, o.population)?;
        let budget = o.budget();
        let bar = progress.bar(budget.bar_len(), o.optimizer.name());
        let mut rows: Vec<Row> = Vec::new();
        let mut failure: Option<anyhow::Error> = None;
        let result = runner::run(
            opt.as_mut(),
            &eval,
            budget.limit(),
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
                    && let Err(e) = problem
                        .check_evaluator()
                        .and_then(|()| checkpoint.append(&fresh).context("writing the checkpoint"))
                {
                    failure = Some(e);
                }
                bar.set_message(batch.last().map_or("", |r| r.phase.as_str()));
                bar.inc(batch.len() as u64);
                rows.extend(new);
            },
        );
        bar.finish();
        if let Some(e) = failure {
            return Err(e);
        }
        let mut note = stop_note(result.stop, result.requests, rows.len());
        if resumed > rows.len() {
            let beyond = format!(
                "the checkpoint holds {resumed} evaluations; this run is its first {} (--budget), \
                 the other {} stay in the checkpoint for a larger --budget",
                rows.len(),
                resumed - rows.len()
            );
            progress.note(&format!("sweep: {beyond}"));
            note.push_str(&format!("; {beyond}"));
        }
        Ok((rows, note))
    }
}

/// What an external evaluator did, for summary.md.
fn evaluator_note(e: &Evaluator) -> String {
    let c = &e.counters;
    let n = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
    let trip = c
        .mean_round_trip_ms()
        .map_or(String::new(), |ms| format!(", mean round trip {ms:.3} ms"));
    format!(
        "costed by external evaluator {}: {} requests, {} answered from the cache, {} failed, {} worker restarts{trip} (see evaluator.log)",
        e.handshake().identity(),
        n(&c.requests),
        n(&c.cached),
        n(&c.failures),
        n(&c.restarts)
    )
}

/// How a search ended, for summary.md.
fn stop_note(stop: Stop, requests: u64, unique: usize) -> String {
    match stop {
        Stop::Finished => {
            format!("finished its schedule: {requests} requests, {unique} unique evaluations")
        }
        Stop::Stalled => format!(
            "stalled: {} batches in a row asked only for designs already evaluated; {requests} requests, {unique} unique evaluations",
            runner::STALL_BATCHES,
        ),
        Stop::Budget => {
            format!("stopped at the budget of {unique} unique evaluations ({requests} requests)")
        }
    }
}

/// summary.md: what ran, how many designs, and the best design with its per-workload table
/// (or, when none is feasible, the most common reasons).
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
        "{} designs recorded in evaluations.parquet, {feasible} of them feasible; {} on the Pareto front (max E, max L, A{}).\n\n",
        rows.len(),
        pareto.len(),
        if problem.objective.dims() == 4 { ", -SNR" } else { "" }
    ));
    match results::best_row(rows) {
        None => s.push_str(&no_feasible(rows)),
        Some(b) => {
            s.push_str(&format!(
                "## Best design (evaluation {}, {})\n\n{}\n\n",
                b.eval_index,
                b.phase,
                pairs(&problem.values(&b.point), " = ", ", ")
            ));
            s.push_str(&format!(
                "score ({}) = {:.6e}; area {:.3} mm2\n\n",
                problem.objective.name(),
                b.eval.score.unwrap_or(f64::NAN),
                b.eval.area_mm2.unwrap_or(f64::NAN)
            ));
            s.push_str("| workload | energy (mJ) | latency (ms) | EDAP (mJ ms mm2) | compute SNR (dB) |\n|---|---:|---:|---:|---:|\n");
            for (i, (name, w)) in problem.names.iter().zip(&b.eval.per_workload).enumerate() {
                let snr = b.eval.snr_db.get(i).copied().flatten();
                let snr = snr.map_or("-".to_string(), |x| format!("{x:.1}"));
                if let Some((e, l, d)) = w {
                    let [e, l, d] = [e, l, d].map(|x| crate::report::fixed4(*x));
                    s.push_str(&format!("| {name} | {e} | {l} | {d} | {snr} |\n"));
                }
            }
        }
    }
    s
}

/// A reason's group for the summary: each `; `-separated cause by its first two
/// `:`-separated parts, a low SNR without its value ("resnet18: compute SNR below the minimum
/// 200 dB"), so that designs missing the same threshold count together.
fn reason_group(why: &str) -> String {
    why.split("; ")
        .map(cause_group)
        .collect::<Vec<_>>()
        .join("; ")
}

fn cause_group(why: &str) -> String {
    let key = why.split(':').take(2).collect::<Vec<_>>().join(":");
    let Some((head, rest)) = key.split_once(" compute SNR ") else {
        return key;
    };
    match rest.split_once(" dB is below the minimum ") {
        Some((snr, min)) if snr.parse::<f64>().is_ok() => {
            format!("{head} compute SNR below the minimum {min}")
        }
        _ => key,
    }
}

/// The tables a finished sweep writes into its folder.
const TABLES: [&str; 3] = ["summary.md", "evaluations.parquet", "pareto.parquet"];

/// The five most common reasons, by [`reason_group`].
fn no_feasible(rows: &[Row]) -> String {
    if rows.is_empty() {
        return "**No feasible design was found.** Every design was skipped before costing \
                (see the note above: its weights do not fit, or its SNR is below the minimum).\n"
            .into();
    }
    let mut s = String::from("**No feasible design was found.** Most common reasons:\n\n");
    let mut reasons: HashMap<String, usize> = HashMap::new();
    for r in rows {
        if let Some(why) = &r.eval.reason {
            *reasons.entry(reason_group(&why.to_string())).or_default() += 1;
        }
    }
    let mut v: Vec<_> = reasons.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (why, n) in v.into_iter().take(5) {
        s.push_str(&format!("- {n} x {why}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::reason_group;

    /// Designs that miss the same SNR threshold group together, whatever their SNR.
    #[test]
    fn low_snr_reasons_group_by_threshold() {
        let a = reason_group("resnet18: compute SNR -2.0 dB is below the minimum 200 dB");
        let b = reason_group("resnet18: compute SNR -10.2 dB is below the minimum 200 dB");
        assert_eq!(a, b);
        assert_eq!(a, "resnet18: compute SNR below the minimum 200 dB");
        let two = "vgg16: compute SNR 3.1 dB is below the minimum 12 dB; alexnet: compute SNR \
                   -1 dB is below the minimum 12 dB";
        assert_eq!(
            reason_group(two),
            "vgg16: compute SNR below the minimum 12 dB; alexnet: compute SNR below the minimum 12 dB"
        );
        let other = "alexnet: weights do not fit: 10 crossbars needed";
        assert_eq!(reason_group(other), "alexnet: weights do not fit");
    }
}
