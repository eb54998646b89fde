//! `imcdse refine RUN --evaluator CMD [--top K | --front]`: the analytic model finds, the
//! simulator confirms. The K best designs of an analytic sweep (or its Pareto front) are costed
//! again by an external evaluator, and the two rankings are compared.
//!
//! The folder (default `<RUN>-refine-<evaluator>`) holds `run.toml`, `evaluations.parquet` and
//! `pareto.parquet` with the evaluator's costs (the same columns as a sweep's, `eval_index` the
//! design's index in RUN, phase `refine`), `checkpoint.jsonl` (so `--resume` costs only what is
//! missing), `evaluator.log`, and the rank-agreement report `refine.md` / `refine.json`:
//! - every refined design with its rank and score under both, in the analytic order;
//! - Spearman's rho of the run's objective over the designs both find feasible, where the
//!   analytic best lands under the evaluator, and which design the evaluator finds best;
//! - the fidelity statistics of `imcdse fidelity` (per metric and workload: Spearman, Kendall,
//!   median ratio analytic / evaluator with p10..p90; top-10 overlap) in `fidelity.md`,
//!   `fidelity.parquet`, with the pairs in `designs.parquet`.

use super::fidelity::{self, Fidelity, Pair};
use super::sweep::SweepOptions;
use crate::evaluator::EvaluatorOptions;
use crate::lock::RunLock;
use crate::problem::Problem;
use crate::progress::Progress;
use crate::rank::{ranks, spearman};
use crate::report::pairs as design_text;
use crate::results::{self, Row};
use crate::run_dir::{Command, Journal, RunToml, Status, write_atomic};
use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Which designs of the run to refine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Select {
    /// The K feasible designs with the best scores.
    Top(usize),
    /// The Pareto front (max energy, max latency, area) of the feasible designs.
    Front,
}

/// What `imcdse refine` was asked (kept in run.toml under `[args]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefineArgs {
    /// The analytic sweep's folder.
    pub run: PathBuf,
    /// Which of its designs.
    pub select: Select,
    /// Skip designs the model cannot tell apart from a better one chosen (the same area and
    /// the same energy and latency on every workload: e.g. the voltage twins of a space
    /// without voltage scaling).
    #[serde(default)]
    pub distinct: bool,
}

/// One refined design, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refined {
    /// Its index in the run.
    pub eval_index: u64,
    /// Its parameters, `name = value, ...`.
    pub design: String,
    /// The analytic score and rank among the refined (1 = best).
    pub analytic: (f64, usize),
    /// The evaluator's score and rank among those it finds feasible; `None` when infeasible.
    pub evaluator: Option<(f64, usize)>,
    /// Why the evaluator finds it infeasible (or could not cost it).
    pub reason: Option<String>,
}

/// The rank-agreement report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refinement {
    /// The run refined.
    pub run: String,
    /// The evaluator, `name version`.
    pub evaluator: String,
    /// The run's objective.
    pub objective: String,
    /// Every refined design, in the analytic order.
    pub designs: Vec<Refined>,
    /// Designs both find feasible.
    pub both_feasible: usize,
    /// Spearman's rho of the two scores over them (`None` under 3 designs or a constant side).
    pub spearman: Option<f64>,
    /// The evaluator's rank of the analytic best (`None`: it finds it infeasible).
    pub analytic_best_under_evaluator: Option<usize>,
    /// The analytic rank of the evaluator's best (`None`: nothing feasible under it).
    pub evaluator_best_under_analytic: Option<usize>,
    /// Seconds spent by the evaluator on this run's requests (wall, all workers).
    pub seconds: f64,
    /// The fidelity statistics over the designs both find feasible (at least 2).
    #[serde(skip)]
    pub fidelity: Option<Fidelity>,
}

/// A refinement ready to run.
pub struct Refine {
    /// Which run and designs.
    pub args: RefineArgs,
    /// The evaluator.
    pub evaluator: EvaluatorOptions,
    /// The folder (default `<RUN>-refine-<evaluator name>`, known after the handshake).
    pub out: Option<PathBuf>,
    /// Continue an interrupted refinement in `out`.
    pub resume: bool,
}

impl Refine {
    /// Runs it: returns the folder and the report.
    pub fn run(&self, progress: &dyn Progress) -> Result<(PathBuf, Refinement)> {
        let started = Instant::now();
        let (problem, rows) = self.read_run()?;
        let chosen = self.choose(&rows)?;
        let out = match &self.out {
            Some(o) => o.clone(),
            None => default_out(&self.args.run, &self.evaluator)?,
        };
        // Whatever can be refused is, before the evaluator starts.
        let mut record = RunToml::new(Command::Refine, &self.args)?;
        record.space = Some(problem.file.name.clone());
        record.workloads = Some(problem.names.clone());
        record.objective = Some(problem.objective.name());
        record.evaluator_command = Some(self.evaluator.command.clone());
        let _lock = RunLock::acquire(&out)?;
        let saved = self.saved(&out, &problem, &record)?;
        let identity = problem.start_evaluator(&self.evaluator, &out, progress)?;
        record.inputs = Some(problem.inputs());
        record.input_parts = Some(problem.input_parts(Some(&identity)));
        record.evaluator = Some(identity.clone());
        let checkpoint: Journal<Row> = Journal::new(out.join("checkpoint.jsonl"));
        let done = match saved {
            Some(saved) => self.prior(&problem, &out, &saved, &record, &checkpoint)?,
            None => Vec::new(),
        };
        record.write(&out, Status::Running, started)?;
        progress.note(&format!(
            "refine: {} designs of {} with {identity} ({} already costed)",
            chosen.len(),
            self.args.run.display(),
            done.len()
        ));
        let costing = Instant::now();
        let refined = self.cost(&problem, &chosen, done, &checkpoint, progress)?;
        let seconds = costing.elapsed().as_secs_f64();
        let report = report(
            &problem,
            &self.args.run,
            &identity,
            &chosen,
            &refined,
            seconds,
        );
        results::write_parquet(
            &out.join("evaluations.parquet"),
            results::frame(&problem, &refined)?,
        )?;
        results::write_parquet(
            &out.join("pareto.parquet"),
            results::frame(&problem, &results::pareto_rows(&refined))?,
        )?;
        write_atomic(&out.join("refine.md"), report.markdown().as_bytes())?;
        let json = serde_json::to_string_pretty(&report).context("refine.json")?;
        write_atomic(&out.join("refine.json"), json.as_bytes())?;
        if let Some(f) = &report.fidelity {
            f.write(&out)?;
        }
        record.evaluations = Some(refined.len() as u64);
        record.write(&out, Status::Complete, started)?;
        Ok((out, report))
    }

    /// The run's problem and rows; the run must be an analytic sweep made with today's model.
    fn read_run(&self) -> Result<(Problem, Vec<Row>)> {
        let dir = &self.args.run;
        let Some(run) = RunToml::read_if_any(dir)? else {
            bail!(
                "refine: {} has no run.toml; give a sweep's folder",
                dir.display()
            );
        };
        if run.command != Command::Sweep {
            bail!(
                "refine: {} holds a {} run; refine takes a sweep's folder (an exhaustive one too)",
                dir.display(),
                run.command.name()
            );
        }
        if let Some(e) = &run.evaluator {
            bail!(
                "refine: {} was costed by the external evaluator {e}; refine re-costs an analytic run",
                dir.display()
            );
        }
        if run.status != Status::Complete {
            bail!(
                "refine: the run in {} is not complete; finish it with `imcdse sweep --resume`",
                dir.display()
            );
        }
        let problem = resolve_inputs(dir, &run)?;
        if run.inputs.as_deref() != Some(problem.inputs().as_str()) {
            bail!(
                "refine: {} was made with other inputs than today's (another space file, workload \
                 file or model revision); run it again",
                dir.display()
            );
        }
        let rows = results::read_rows(&problem, &dir.join("evaluations.parquet"))?;
        Ok((problem, rows))
    }

    /// The rows to refine, best analytic score first.
    fn choose(&self, rows: &[Row]) -> Result<Vec<Row>> {
        let mut feasible: Vec<Row> = rows
            .iter()
            .filter(|r| r.eval.score.is_some())
            .cloned()
            .collect();
        if feasible.is_empty() {
            bail!(
                "refine: {} has no feasible design to refine",
                self.args.run.display()
            );
        }
        feasible.sort_by(results::by_score);
        if self.args.distinct {
            let mut seen = HashSet::new();
            feasible.retain(|r| seen.insert(super::analytic_first::class_key(&r.eval)));
        }
        Ok(match self.args.select {
            Select::Top(0) => bail!("refine: --top 0; allowed 1 or more"),
            Select::Top(k) => feasible.into_iter().take(k).collect(),
            Select::Front => {
                let front: HashSet<u64> = results::pareto_rows(&feasible)
                    .iter()
                    .map(|r| r.eval_index)
                    .collect();
                feasible
                    .into_iter()
                    .filter(|r| front.contains(&r.eval_index))
                    .collect()
            }
        })
    }

    /// The record of an earlier refinement in `out` that this one continues (`None`: a new
    /// one), or why it may not: everything is checked that can be before the evaluator starts,
    /// that is all but the evaluator's name and version.
    fn saved(&self, out: &Path, problem: &Problem, record: &RunToml) -> Result<Option<RunToml>> {
        match RunToml::read_if_any(out)? {
            Some(saved) if self.resume => {
                let mut guess = record.clone();
                let evaluator = saved.evaluator.as_deref();
                guess.inputs = Some(problem.inputs_with(evaluator));
                guess.input_parts = Some(problem.input_parts(evaluator));
                guess.evaluator = saved.evaluator.clone();
                if !saved.same_identity(&guess) {
                    bail!(another_refinement(out, &saved, &guess));
                }
                Ok(Some(saved))
            }
            Some(_) => bail!(
                "{} already holds a refinement; pass --resume to continue it, or choose another --out",
                out.display()
            ),
            None if self.resume => bail!("--resume: nothing to resume in {}", out.display()),
            None => Ok(None),
        }
    }

    /// What the earlier refinement `saved` in `out` left (its costed rows), now that the
    /// evaluator said who it is; or why it may not continue.
    fn prior(
        &self,
        problem: &Problem,
        out: &Path,
        saved: &RunToml,
        record: &RunToml,
        checkpoint: &Journal<Row>,
    ) -> Result<Vec<Row>> {
        if !saved.same_identity(record) {
            let why = another_refinement(out, saved, record);
            if let Some(e) = problem.evaluator() {
                e.log_line(&format!("refused to resume: {why}"));
            }
            bail!(why);
        }
        checkpoint.load()
    }

    /// Costs the chosen designs not yet in `done`, appending each batch to the checkpoint.
    fn cost(
        &self,
        problem: &Problem,
        chosen: &[Row],
        done: Vec<Row>,
        checkpoint: &Journal<Row>,
        progress: &dyn Progress,
    ) -> Result<Vec<Row>> {
        let have: HashSet<u64> = done.iter().map(|r| r.eval_index).collect();
        let todo: Vec<&Row> = chosen
            .iter()
            .filter(|r| !have.contains(&r.eval_index))
            .collect();
        let workers = self.evaluator.workers;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .build()
            .context("starting the evaluation threads")?;
        let bar = progress.bar(chosen.len() as u64, "refine");
        bar.inc(done.len() as u64);
        let mut refined = done;
        for batch in todo.chunks(workers) {
            let rows: Vec<Row> = pool.install(|| {
                batch
                    .par_iter()
                    .map(|r| Row {
                        eval_index: r.eval_index,
                        phase: "refine".into(),
                        point: r.point.clone(),
                        eval: problem.evaluate(&r.point),
                    })
                    .collect()
            });
            problem.check_evaluator()?;
            checkpoint.append(&rows)?;
            bar.inc(rows.len() as u64);
            refined.extend(rows);
        }
        bar.finish();
        // The analytic order, whatever order they were costed in.
        let position = |i: u64| chosen.iter().position(|r| r.eval_index == i);
        refined.retain(|r| position(r.eval_index).is_some());
        refined.sort_by_key(|r| position(r.eval_index));
        Ok(refined)
    }
}

/// Why `out`'s refinement `saved` is not the one `now` would continue.
fn another_refinement(out: &Path, saved: &RunToml, now: &RunToml) -> String {
    format!(
        "--resume: {} holds another refinement:\n{}\ncontinue it with the run, evaluator and \
         inputs it was made with, or choose another --out",
        out.join("run.toml").display(),
        saved.differences(now)
    )
}

/// The problem a sweep's `run` (read from `dir`) was made with. Relative paths in its `[args]`
/// are relative to the folder the sweep ran in (run.toml's `cwd`): a file that is not found
/// from here is taken from there; the paths as recorded stay the problem's (its inputs hash
/// is the run's).
fn resolve_inputs(dir: &Path, run: &RunToml) -> Result<Problem> {
    let mut options: SweepOptions = run.args(dir)?;
    let recorded = options.inputs.clone();
    if let Some(cwd) = &run.cwd {
        options.inputs = recorded.rebased(Path::new(cwd));
    }
    let mut problem = options.resolve().with_context(|| {
        format!(
            "refine: the inputs {} records (relative paths are relative to the folder the sweep \
             ran in: {})",
            dir.join("run.toml").display(),
            run.cwd
                .as_deref()
                .unwrap_or("not recorded; run refine from there")
        )
    })?;
    if options.inputs.space != recorded.space {
        problem.file.file = recorded.space.clone();
    }
    if let (Some(c), Some(given), Some(as_recorded)) = (
        problem.file.calibration.as_mut(),
        &options.inputs.calibration,
        &recorded.calibration,
    ) && given != as_recorded
    {
        c.file = as_recorded.clone();
    }
    Ok(problem)
}

/// `<RUN>-refine-<first word of the evaluator's command>`, beside the run.
fn default_out(run: &Path, e: &EvaluatorOptions) -> Result<PathBuf> {
    let run = run
        .canonicalize()
        .with_context(|| format!("refine: {}", run.display()))?;
    let word = e
        .command
        .split_whitespace()
        .map(|w| {
            Path::new(w)
                .file_stem()
                .map_or(w.to_string(), |s| s.to_string_lossy().into())
        })
        .find(|w| !["python", "python3", "sh", "bash", "env"].contains(&w.as_str()))
        .unwrap_or_else(|| "evaluator".into());
    let name = run
        .file_name()
        .map_or("run".into(), |n| n.to_string_lossy().to_string());
    Ok(run.with_file_name(format!("{name}-refine-{word}")))
}

/// The rank-agreement report of `refined` (the evaluator's rows) against `chosen` (the run's).
fn report(
    problem: &Problem,
    run: &Path,
    evaluator: &str,
    chosen: &[Row],
    refined: &[Row],
    seconds: f64,
) -> Refinement {
    let analytic: Vec<f64> = chosen
        .iter()
        .map(|r| r.eval.score.unwrap_or(f64::NAN))
        .collect();
    let under: Vec<Option<f64>> = refined.iter().map(|r| r.eval.score).collect();
    let feasible: Vec<usize> = (0..under.len()).filter(|&i| under[i].is_some()).collect();
    let ev_scores: Vec<f64> = feasible
        .iter()
        .map(|&i| under[i].unwrap_or(f64::NAN))
        .collect();
    let ev_rank = ranks(&ev_scores);
    let rank_of = |i: usize| {
        feasible
            .iter()
            .position(|&j| j == i)
            .map(|p| ev_rank[p] as usize)
    };
    let designs: Vec<Refined> = chosen
        .iter()
        .zip(refined)
        .enumerate()
        .map(|(i, (c, r))| Refined {
            eval_index: c.eval_index,
            design: design_text(&problem.values(&c.point), " = ", ", "),
            analytic: (analytic[i], i + 1),
            evaluator: under[i].zip(rank_of(i)),
            reason: r.eval.reason.as_ref().map(|x| x.to_string()),
        })
        .collect();
    let a_sub: Vec<f64> = feasible.iter().map(|&i| analytic[i]).collect();
    let best_ev = feasible
        .iter()
        .min_by(|&&a, &&b| {
            under[a]
                .unwrap_or(f64::INFINITY)
                .total_cmp(&under[b].unwrap_or(f64::INFINITY))
        })
        .copied();
    let fid = (feasible.len() >= 2).then(|| {
        let pairs = feasible
            .iter()
            .map(|&i| pair(&chosen[i], &refined[i]))
            .collect();
        let label = format!("{evaluator} (refine of {})", run.display());
        fidelity::statistics(&problem.file, label, &problem.names, &[], pairs)
    });
    Refinement {
        run: run.display().to_string(),
        evaluator: evaluator.to_string(),
        objective: problem.objective.name(),
        both_feasible: feasible.len(),
        spearman: (feasible.len() >= 3)
            .then(|| spearman(&a_sub, &ev_scores))
            .flatten(),
        analytic_best_under_evaluator: rank_of(0),
        evaluator_best_under_analytic: best_ev.map(|i| i + 1),
        designs,
        seconds,
        fidelity: fid,
    }
}

/// A design's (analytic, evaluator) numbers, both feasible.
fn pair(analytic: &Row, evaluator: &Row) -> Pair {
    let both = |f: fn(&(f64, f64, f64)) -> f64| -> Vec<(f64, f64)> {
        analytic
            .eval
            .per_workload
            .iter()
            .zip(&evaluator.eval.per_workload)
            .map(|(a, e)| {
                (
                    a.as_ref().map_or(f64::NAN, f),
                    e.as_ref().map_or(f64::NAN, f),
                )
            })
            .collect()
    };
    Pair {
        area_mm2: (
            analytic.eval.area_mm2.unwrap_or(f64::NAN),
            evaluator.eval.area_mm2.unwrap_or(f64::NAN),
        ),
        energy_mj: both(|x| x.0),
        latency_ms: both(|x| x.1),
        model_infeasible: false,
    }
}

impl Refinement {
    /// The report as Markdown: the summary lines, then the rank table.
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "# Refine: {} re-costed by {}\n\nObjective `{}`; {} designs, {} feasible under both; {:.1} s of evaluation.\n\n",
            self.run,
            self.evaluator,
            self.objective,
            self.designs.len(),
            self.both_feasible,
            self.seconds
        );
        let rho = self
            .spearman
            .map_or("n/a (under 3 designs, or a constant side)".into(), |r| {
                format!("{r:.3}")
            });
        let _ = writeln!(s, "- Spearman rho of the two scores: {rho}");
        let _ = writeln!(
            s,
            "- the analytic best under the evaluator: {}",
            self.analytic_best_under_evaluator
                .map_or("infeasible".into(), |r| format!(
                    "rank {r} of {}",
                    self.both_feasible
                ))
        );
        match self.evaluator_best_under_analytic {
            Some(r) => {
                let d = &self.designs[r - 1];
                let _ = writeln!(
                    s,
                    "- the evaluator's best: analytic rank {r} of {} (evaluation {}: {})",
                    self.designs.len(),
                    d.eval_index,
                    d.design
                );
            }
            None => s.push_str("- the evaluator finds none of them feasible\n"),
        }
        s.push_str("\n| analytic rank | evaluator rank | analytic score | evaluator score | eval_index | design |\n|---:|---:|---:|---:|---:|---|\n");
        for d in &self.designs {
            let (ev_score, ev_rank) = match (&d.evaluator, &d.reason) {
                (Some((sc, r)), _) => (format!("{sc:.6e}"), r.to_string()),
                (None, Some(why)) => (format!("infeasible: {why}"), "-".into()),
                (None, None) => ("-".into(), "-".into()),
            };
            let _ = writeln!(
                s,
                "| {} | {ev_rank} | {:.6e} | {ev_score} | {} | {} |",
                d.analytic.1, d.analytic.0, d.eval_index, d.design
            );
        }
        if self.fidelity.is_some() {
            s.push_str("\nPer-metric agreement (Spearman, Kendall, ratio analytic / evaluator): fidelity.md.\n");
        }
        s
    }
}
