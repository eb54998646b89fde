//! Grading: every optimizer graded against the certified optimum of the space.
//!
//! 1. **Certify** once ([`super::certify`]): the exact best score, or for `pareto` the exact
//!    front, cached so that a changed workload or space is certified again.
//! 2. **Run** each optimizer with each seed once, at the largest budget. No optimizer's choices
//!    depend on its budget (the runner only stops it), so the first `B` unique evaluations of
//!    that run are exactly the run at budget `B`; every smaller budget is read off its prefix.
//!    Runs are independent and go in parallel; results do not depend on the thread count.
//! 3. **Grade** each (optimizer, budget, seed): the best feasible score in the prefix, its gap
//!    to the optimum `100 (best - opt) / opt` percent, and whether it is the optimum (relative
//!    difference below 1e-12). For `pareto`: the hypervolume of the prefix's feasible front
//!    over the exact front's, both normalised by the exact front's ideal and nadir points with
//!    the reference point at 1.1 in every objective.
//!
//! Writes `grading.parquet` (one row per optimizer x budget x seed, in the order of the
//! optimizers, then seed, then budget), `grading.md` (median, min and max gap, share of runs
//! that found the optimum, per optimizer and budget), `certified.json` and `run.toml`.
//!
//! With [`Grading::peers`], other libraries' optimizers graded by `scripts/python/peers.py`
//! against the same certificate ([`super::peers`]) follow ours in both tables, marked
//! `(peer)` in grading.md. Peers are not part of the options: adding them to a complete
//! grading rewrites its tables without running ours again.
//!
//! A shard runs only the i-th of N contiguous slices of the (optimizer, seed) runs and writes
//! their rows; [`super::merge`] puts the shards' rows together and writes the table. Each
//! shard certifies (or reads the cache), so none waits for another.
//!
//! Each finished run's grades are appended to `runs.jsonl`. Run again into the same folder with
//! the same options (and shard), a complete grading is not run again and an interrupted one runs
//! only the runs missing from that file.

use super::Done;
use super::certify::{self, Certified};
use super::inputs::Inputs;
use super::peers::Peers;
use crate::evaluator::EvaluatorOptions;
use crate::lock::RunLock;
use crate::optimizer::{MAX_BUDGET, OptimizerKind, check_seeds, check_settings};
use crate::problem::Problem;
use crate::progress::Progress;
use crate::report::{median_min_max, table, thousands};
use crate::results::{self, Cell, Col, Table};
use crate::run_dir::{Command, Journal, RunToml, Status, refuse_unrecorded, write_atomic};
use crate::shard::Shard;
use anyhow::{Context, Result, bail};
use imc_search::hypervolume::hv3;
use imc_search::runner;
use imc_search::{Outcome, Point};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What a grading writes in its folder besides run.toml (a folder holding one without a
/// run.toml is refused, [`refuse_unrecorded`]).
const GRADE_FILES: [&str; 4] = [
    "runs.jsonl",
    "grading.parquet",
    "grading.md",
    "certified.json",
];

/// A grading's options as given (kept in run.toml under `[args]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeOptions {
    /// Space, workloads and objective.
    #[serde(flatten)]
    pub inputs: Inputs,
    /// The optimizers graded, in this order (`exhaustive` is not one).
    #[serde(with = "comma")]
    pub optimizers: Vec<OptimizerKind>,
    /// Budgets of unique evaluations, ascending, distinct.
    #[serde(with = "comma")]
    pub budgets: Vec<u64>,
    /// Seeds per optimizer: `0..seeds`.
    pub seeds: u64,
    /// NSGA-II population.
    pub population: usize,
}

/// A list written as one comma-separated string (`"ga4,nsga2"`, `"100,300"`).
pub mod comma {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::fmt::Display;
    use std::str::FromStr;

    /// Parses `a,b,c`; an entry that does not parse is an error naming `what` and the entry.
    pub fn parse<T: FromStr>(what: &str, text: &str) -> Result<Vec<T>, String> {
        text.split(',')
            .map(|s| {
                s.trim()
                    .parse()
                    .map_err(|_| format!("{what}: `{s}` is not a valid entry"))
            })
            .collect()
    }

    /// `a,b,c`.
    pub fn join<T: Display>(v: &[T]) -> String {
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Serde: the list as one string.
    pub fn serialize<T: Display, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&join(v))
    }

    /// Serde: the list from one string.
    pub fn deserialize<'de, T: FromStr, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
        parse("list", &String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl GradeOptions {
    /// Every (optimizer, seed) run, in order: what `--shard` slices.
    pub fn runs(&self) -> Vec<(OptimizerKind, u64)> {
        let seeds = self.seeds;
        self.optimizers
            .iter()
            .flat_map(|&o| (0..seeds).map(move |s| (o, s)))
            .collect()
    }

    /// Parses `--optimizers`: ask/tell optimizers, comma-separated.
    pub fn parse_optimizers(text: &str) -> Result<Vec<OptimizerKind>> {
        text.split(',')
            .map(|s| match s.trim().parse::<OptimizerKind>() {
                Ok(k) if k != OptimizerKind::Exhaustive => Ok(k),
                _ => bail!(
                    "--optimizers: unknown optimizer `{}`; available: {}",
                    s.trim(),
                    OptimizerKind::searches()
                ),
            })
            .collect()
    }

    /// Checks the options and resolves the problem: optimizers that can grade this objective,
    /// budgets of at least one evaluation (sorted, repeats dropped), at least one seed.
    pub fn resolve(mut self) -> Result<(GradeOptions, Problem)> {
        let space = self.inputs.space()?;
        let workloads = self.inputs.workloads()?;
        let objective = self.inputs.objective(&workloads)?;
        if objective.dims() > 3 {
            bail!(
                "--objective pareto-snr: grading measures fronts in (max E, max L, A); grade on \
                 `pareto` or a score, with --min-snr for the accuracy"
            );
        }
        for &o in &self.optimizers {
            if o == OptimizerKind::Exhaustive {
                bail!(
                    "--optimizers: unknown optimizer `{o}`; available: {}",
                    OptimizerKind::searches()
                );
            }
            o.available()?;
            if objective.is_pareto() && o.single_objective() {
                bail!("--optimizers: {o} is single-objective and cannot be graded on `pareto`");
            }
        }
        if let Some(&b) = self
            .budgets
            .iter()
            .find(|&&b| !(1..=MAX_BUDGET).contains(&b))
        {
            bail!("--budgets: {b} is out of range; each budget is 1..={MAX_BUDGET}");
        }
        check_settings(self.population, None)?;
        self.budgets.sort_unstable();
        self.budgets.dedup();
        check_seeds(self.seeds)?;
        let problem = Problem::new(space, workloads, objective)?;
        Ok((self, problem))
    }
}

/// One graded (optimizer, budget, seed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grade {
    /// The optimizer's name.
    pub optimizer: String,
    /// The budget graded (a prefix of the run).
    pub budget: u64,
    /// The seed.
    pub seed: u64,
    /// Unique evaluations in the prefix.
    pub evaluations: u64,
    /// The best feasible score (single objective).
    pub best_score: Option<f64>,
    /// `100 (best - opt) / opt`.
    pub gap_pct: Option<f64>,
    /// Whether the prefix found the optimum (hypervolume ratio 1 for pareto).
    pub found: bool,
    /// Pareto: hypervolume over the exact front's.
    pub hv_ratio: Option<f64>,
    /// Wall time of the whole run, s.
    pub run_seconds: f64,
}

/// A grading ready to run.
pub struct Grading {
    /// Space, workloads, objective.
    pub problem: Problem,
    /// Checked options ([`GradeOptions::resolve`]).
    pub options: GradeOptions,
    /// The results folder.
    pub out: PathBuf,
    /// Where certificates are cached.
    pub cache: PathBuf,
    /// A complete exhaustive sweep to take the optimum from, instead of enumerating here.
    pub certified: Option<PathBuf>,
    /// Run only this slice of the (optimizer, seed) runs.
    pub shard: Option<Shard>,
    /// Certify even when the timed estimate of the enumeration is over
    /// [`super::estimate::LIMIT_S`].
    pub force: bool,
    /// An external evaluator costing the optimizers' designs; the optimum then comes from
    /// `certified`, an exhaustive sweep through the same evaluator.
    pub evaluator: Option<EvaluatorOptions>,
    /// A file of peers' grades (`scripts/python/peers.py`) to put beside ours.
    pub peers: Option<PathBuf>,
}

impl Grading {
    /// A grading into `out` (default: `results/grade-<space>-<objective>`).
    pub fn new(options: GradeOptions, problem: Problem, out: Option<PathBuf>) -> Grading {
        let out = out.unwrap_or_else(|| {
            PathBuf::from("results").join(format!(
                "grade-{}-{}",
                problem.file.name,
                problem.objective.name().replace(':', "_")
            ))
        });
        Grading {
            problem,
            options,
            out,
            cache: PathBuf::from("results/certified"),
            certified: None,
            shard: None,
            force: false,
            evaluator: None,
            peers: None,
        }
    }

    fn record(&self, slice: (u64, u64)) -> Result<RunToml> {
        let mut r = RunToml::new(Command::Grade, &self.options)?;
        r.inputs = Some(self.problem.inputs());
        r.shard = self.shard;
        if self.shard.is_some() {
            (r.first_run, r.end_run) = (Some(slice.0), Some(slice.1));
        }
        Ok(r)
    }

    /// Certifies (or reads the certificate), runs what is missing, writes the tables.
    pub fn run(&self, progress: &dyn Progress) -> Result<Done> {
        let started = Instant::now();
        let out = &self.out;
        if self.peers.is_some() && self.shard.is_some() {
            bail!("--peers: a shard holds only part of our rows; put peers beside a whole grading");
        }
        if let Some(p) = &self.peers {
            let (table, md) = (out.join("grading.parquet"), out.join("grading.md"));
            let outputs: [(&str, &Path); 2] = [("grading.parquet", &table), ("grading.md", &md)];
            crate::run_dir::output_files(&outputs, &[("--peers", p)])?;
            super::peers::check_file(p)?;
        }
        let _lock = RunLock::acquire(out)?;
        refuse_unrecorded(out, Command::Grade, GRADE_FILES)?;
        let workers = self.start_evaluator(progress)?;
        let cert = match &self.certified {
            Some(dir) => certify::certificate_from(&self.problem, dir, &self.cache)?,
            None => certify::certify(&self.problem, &self.cache, self.force, progress)?,
        };
        let peers = self
            .peers
            .as_deref()
            .map(|f| Peers::read(f, &self.problem, &self.options, &cert))
            .transpose()?;
        let all = self.options.runs();
        progress.note(&format!(
            "grade: certified optimum {:.6e} over {} designs ({} feasible, {:.1} s{}); {} runs",
            cert.best_score,
            cert.designs,
            cert.feasible,
            cert.seconds,
            self.certified
                .as_ref()
                .map_or(String::new(), |d| format!(", read from {}", d.display())),
            all.len()
        ));
        let (lo, hi) = self
            .shard
            .map_or((0, all.len() as u64), |s| s.range(all.len() as u64));
        let jobs = &all[lo as usize..hi as usize];
        let mut record = self.record((lo, hi))?;
        let saved = Saved::open(out, &record)?;
        // With peers, a complete grading's tables are written again (from runs.jsonl).
        if peers.is_none() && saved.complete && jobs.iter().all(|j| saved.runs.contains_key(j)) {
            progress.note(&format!(
                "grade: {} already holds this grading, complete; not run again",
                out.display()
            ));
            let md = crate::run_dir::read_regular(&out.join("grading.md"))
                .map(|md| format!("{md}\n"))
                .unwrap_or_default();
            return Ok(Done::new(out, md));
        }
        record.write(out, Status::Running, started)?;
        // One thread per evaluator worker, so that every worker has a design to cost.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers.max(rayon::current_num_threads()))
            .build()
            .context("starting the grading threads")?;
        let grades = pool.install(|| self.run_jobs(jobs, &saved, &cert, progress))?;
        write_atomic(
            &out.join("certified.json"),
            serde_json::to_string_pretty(&cert)?.as_bytes(),
        )?;
        let text = match self.shard {
            Some(shard) => {
                results::write_parquet(&out.join("grading.parquet"), frame(&grades)?)?;
                format!(
                    "grade shard {shard}: runs {lo}..{hi} of {} done; combine the shards with `imcdse merge`\n",
                    all.len()
                )
            }
            None => format!("{}\n", self.write_all(&cert, &grades, peers.as_ref())?),
        };
        record.write(out, Status::Complete, started)?;
        Ok(Done::new(out, text))
    }

    /// Starts the external evaluator, if any (its optimum must come from `--certified`: the
    /// model's enumeration cannot certify another evaluator's); returns its workers (0: none).
    fn start_evaluator(&self, progress: &dyn Progress) -> Result<usize> {
        let Some(options) = &self.evaluator else {
            return Ok(0);
        };
        if self.certified.is_none() {
            bail!(
                "grade --evaluator needs --certified DIR: a complete exhaustive sweep of the space through \
                 the same evaluator (`imcdse sweep --optimizer exhaustive --evaluator CMD`); the model's \
                 enumeration cannot certify another evaluator's optimum"
            );
        }
        if self.shard.is_some() {
            bail!(
                "--evaluator: a sharded grading cannot take an external evaluator yet; run it whole"
            );
        }
        self.problem.start_evaluator(options, &self.out, progress)?;
        Ok(options.workers)
    }

    /// Runs the jobs not saved yet, in parallel; the grades of all jobs in their order.
    fn run_jobs(
        &self,
        jobs: &[(OptimizerKind, u64)],
        saved: &Saved,
        cert: &Certified,
        progress: &dyn Progress,
    ) -> Result<Vec<Grade>> {
        let done = jobs.iter().filter(|j| saved.runs.contains_key(*j)).count();
        if done > 0 {
            progress.note(&format!(
                "grade: resumed: {done} of {} runs were done before",
                jobs.len()
            ));
        }
        let budgets = &self.options.budgets;
        let max_budget = budgets.last().copied().unwrap_or(1);
        let bar = progress.bar(jobs.len() as u64, "grading runs");
        bar.inc(done as u64);
        let problem = &self.problem;
        let graded: Vec<Vec<Grade>> = jobs
            .par_iter()
            .map(|&(kind, seed)| -> Result<Vec<Grade>> {
                if let Some(g) = saved.runs.get(&(kind, seed)) {
                    return Ok(g.clone());
                }
                let started = Instant::now();
                let mut opt = kind.build(problem, seed, self.options.population)?;
                let eval = |p: &Point| problem.evaluate(p).outcome;
                let r = runner::run(opt.as_mut(), &eval, max_budget, Vec::new(), &mut |_| {});
                let secs = started.elapsed().as_secs_f64();
                bar.inc(1);
                let outcomes: Vec<&Outcome> = r.records.iter().map(|x| &x.outcome).collect();
                let g: Vec<Grade> = budgets
                    .iter()
                    .map(|&b| grade(problem, cert, (kind, seed, b), &outcomes, secs))
                    .collect();
                problem.check_evaluator()?;
                saved.journal.append(std::slice::from_ref(&g))?;
                Ok(g)
            })
            .collect::<Result<Vec<_>>>()?;
        bar.finish();
        Ok(graded.into_iter().flatten().collect())
    }

    /// grading.parquet and grading.md of a whole grading; returns grading.md's text.
    pub fn write_tables(&self, cert: &Certified, grades: &[Grade]) -> Result<String> {
        self.write_all(cert, grades, None)
    }

    /// [`Grading::write_tables`] with the peers' rows after ours.
    fn write_all(
        &self,
        cert: &Certified,
        grades: &[Grade],
        peers: Option<&Peers>,
    ) -> Result<String> {
        let mut rows = grades.to_vec();
        rows.extend(peers.iter().flat_map(|p| p.grades.iter().cloned()));
        results::write_parquet(&self.out.join("grading.parquet"), frame(&rows)?)?;
        let md = markdown(self, cert, grades, peers);
        write_atomic(&self.out.join("grading.md"), md.as_bytes())?;
        Ok(md)
    }
}

/// The runs a previous grading into the same folder finished (`runs.jsonl`, one line of
/// grades per run), kept only when its run.toml names the same options and shard.
struct Saved {
    runs: HashMap<(OptimizerKind, u64), Vec<Grade>>,
    complete: bool,
    journal: Journal<Vec<Grade>>,
}

impl Saved {
    fn open(out: &Path, record: &RunToml) -> Result<Saved> {
        let journal: Journal<Vec<Grade>> = Journal::new(out.join("runs.jsonl"));
        let previous = RunToml::read(out).ok();
        let same = previous
            .as_ref()
            .is_some_and(|p| p.same_identity(record) && p.args == record.args);
        let mut runs = HashMap::new();
        if same {
            for g in journal.load()? {
                let Some(first) = g.first() else { continue };
                if let Ok(kind) = first.optimizer.parse() {
                    runs.insert((kind, first.seed), g);
                }
            }
        } else {
            journal.remove()?;
        }
        Ok(Saved {
            runs,
            complete: same && previous.is_some_and(|p| p.status == Status::Complete),
            journal,
        })
    }
}

/// The grades of a grading.parquet, in its order.
pub fn read_grades(path: &Path) -> Result<Vec<Grade>> {
    grades_of(&results::read_table(path)?, path)
}

/// The grades in a table with grading.parquet's columns (read from `path`), in its order.
pub fn grades_of(t: &Table, path: &Path) -> Result<Vec<Grade>> {
    let col = |name: &str| {
        t.column(name)
            .with_context(|| format!("{}: no column `{name}`", path.display()))
    };
    let bad = |i: usize, name: &str, c: &Cell, want: &str| {
        anyhow::anyhow!(
            "{}: row {i}: `{name}` is {}, not {want}",
            path.display(),
            c.describe()
        )
    };
    let int = |i: usize, name: &str, c: &Cell| match c {
        Cell::Int(x) if *x >= 0 => Ok(*x as u64),
        other => Err(bad(i, name, other, "a count of 0 or more")),
    };
    let num = |i: usize, name: &str, c: &Cell| match c {
        Cell::Null => Ok(None),
        other => other
            .number()
            .map(Some)
            .ok_or_else(|| bad(i, name, other, "a number or empty")),
    };
    let (o, b, s, e, best, gap, found, hv, secs) = (
        col("optimizer")?,
        col("budget")?,
        col("seed")?,
        col("evaluations")?,
        col("best_score")?,
        col("gap_pct")?,
        col("found_optimum")?,
        col("hv_ratio")?,
        col("run_seconds")?,
    );
    (0..t.rows())
        .map(|i| {
            Ok(Grade {
                optimizer: match &o[i] {
                    Cell::Str(x) => x.clone(),
                    other => return Err(bad(i, "optimizer", other, "a name")),
                },
                budget: int(i, "budget", &b[i])?,
                seed: int(i, "seed", &s[i])?,
                evaluations: int(i, "evaluations", &e[i])?,
                best_score: num(i, "best_score", &best[i])?,
                gap_pct: num(i, "gap_pct", &gap[i])?,
                found: match &found[i] {
                    Cell::Bool(f) => *f,
                    other => return Err(bad(i, "found_optimum", other, "true or false")),
                },
                hv_ratio: num(i, "hv_ratio", &hv[i])?,
                run_seconds: num(i, "run_seconds", &secs[i])?.unwrap_or(f64::NAN),
            })
        })
        .collect()
}

/// The grade of the first `budget` outcomes of the run of `(optimizer, seed, budget)`.
pub fn grade(
    problem: &Problem,
    cert: &Certified,
    (optimizer, seed, budget): (OptimizerKind, u64, u64),
    outcomes: &[&Outcome],
    run_seconds: f64,
) -> Grade {
    let prefix = &outcomes[..outcomes.len().min(budget as usize)];
    let feasible: Vec<&[f64]> = prefix.iter().filter_map(|o| o.objectives()).collect();
    let (best_score, hv_ratio) = if problem.objective.is_pareto() {
        let pts: Vec<[f64; 3]> = feasible.iter().map(|f| [f[0], f[1], f[2]]).collect();
        (None, Some(hv_ratio(&pts, &cert.front)))
    } else {
        let best = feasible.iter().map(|f| f[0]).fold(f64::INFINITY, f64::min);
        (best.is_finite().then_some(best), None)
    };
    let opt = cert.best_score;
    let gap_pct = best_score.map(|b| 100.0 * (b - opt) / opt);
    let found = match (best_score, hv_ratio) {
        (Some(b), _) => ((b - opt) / opt).abs() < 1e-12,
        (None, Some(h)) => h >= 1.0 - 1e-12,
        _ => false,
    };
    Grade {
        optimizer: optimizer.to_string(),
        budget,
        seed,
        evaluations: prefix.len() as u64,
        best_score,
        gap_pct,
        found,
        hv_ratio,
        run_seconds,
    }
}

/// Hypervolume of `points` over that of the exact `front`, in the front's normalised space.
pub fn hv_ratio(points: &[[f64; 3]], front: &[[f64; 3]]) -> f64 {
    if front.is_empty() {
        return 0.0;
    }
    let mut ideal = [f64::INFINITY; 3];
    let mut nadir = [f64::NEG_INFINITY; 3];
    for p in front {
        for k in 0..3 {
            ideal[k] = ideal[k].min(p[k]);
            nadir[k] = nadir[k].max(p[k]);
        }
    }
    let norm = |p: &[f64; 3]| -> [f64; 3] {
        std::array::from_fn(|k| {
            let span = nadir[k] - ideal[k];
            if span > 0.0 {
                (p[k] - ideal[k]) / span
            } else {
                0.0
            }
        })
    };
    let r = [1.1; 3];
    let inside = |v: &[f64; 3]| v.iter().all(|&x| x < 1.1);
    let a: Vec<[f64; 3]> = points.iter().map(norm).filter(inside).collect();
    let b: Vec<[f64; 3]> = front.iter().map(norm).collect();
    hv3(&a, r) / hv3(&b, r)
}

fn frame(g: &[Grade]) -> Result<polars_core::prelude::DataFrame> {
    let f64s = |f: fn(&Grade) -> Option<f64>| Col::F64(g.iter().map(f).collect());
    let u64s = |f: fn(&Grade) -> u64| Col::U64(g.iter().map(f).collect());
    results::table(vec![
        (
            "optimizer",
            Col::Str(g.iter().map(|x| x.optimizer.clone()).collect()),
        ),
        ("budget", u64s(|x| x.budget)),
        ("seed", u64s(|x| x.seed)),
        ("evaluations", u64s(|x| x.evaluations)),
        ("best_score", f64s(|x| x.best_score)),
        ("gap_pct", f64s(|x| x.gap_pct)),
        (
            "found_optimum",
            Col::Bool(g.iter().map(|x| x.found).collect()),
        ),
        ("hv_ratio", f64s(|x| x.hv_ratio)),
        ("run_seconds", f64s(|x| Some(x.run_seconds))),
    ])
}

/// grading.md: the certificate, then per optimizer and budget the median, min and max gap (or
/// hypervolume ratio), how many runs found the optimum, and the median run time; the peers'
/// rows, if any, after ours.
fn markdown(g: &Grading, cert: &Certified, grades: &[Grade], peers: Option<&Peers>) -> String {
    let (problem, o) = (&g.problem, &g.options);
    let pareto = problem.objective.is_pareto();
    let mut s = format!(
        "# Grading: {} on {}, objective `{}`\n\n",
        problem.file.name,
        problem.names.join(", "),
        problem.objective.name()
    );
    s.push_str(&format!(
        "Certified by exhaustive enumeration: {} designs, {} feasible ({:.1} s).\n",
        thousands(cert.designs),
        thousands(cert.feasible),
        cert.seconds
    ));
    if pareto {
        s.push_str(&format!(
            "Exact Pareto front (max E, max L, A): {} distinct points. Grades are hypervolume \
             ratios to it (1 = the exact front).\n\n",
            cert.front.len()
        ));
    } else {
        s.push_str(&format!(
            "Optimum {} = {:.6e}: {}.\n\n",
            problem.objective.name(),
            cert.best_score,
            cert.best_design
        ));
    }
    s.push_str(&format!(
        "{} seeds (0..{}) per optimizer; a budget counts unique evaluations. Gap = 100 x (best - \
         optimum) / optimum, inf for a run that found no feasible design (hypervolume ratio 0); \
         \"found\" = runs whose best is the optimum (hypervolume ratio 1 for pareto).\n\n",
        o.seeds, o.seeds
    ));
    if let Some(p) = peers {
        s.push_str(&format!(
            "Rows marked (peer) are other libraries' optimizers, run through the Python package \
             by scripts/python/peers.py on the same space, workloads and objective and graded \
             against the same certified optimum ({}; {} seeds per peer).\n\n",
            p.file.display(),
            p.seeds()
        ));
    }
    let what = if pareto { "HV ratio" } else { "gap %" };
    let header = [
        "optimizer".to_string(),
        "budget".into(),
        "evaluations used".into(),
        format!("median {what}"),
        format!("min {what}"),
        format!("max {what}"),
        "found".into(),
        "run s (full budget)".into(),
    ];
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    s.push_str(&table(&header, &summary_rows(o, grades, pareto, peers)));
    s.push_str(&regenerate(g, peers));
    s
}

/// grading.md's last line: the command that writes it again, with every input that decides
/// its numbers (the calibration, the SNR threshold, the certificate's folder, the evaluator,
/// the peers' file).
fn regenerate(g: &Grading, peers: Option<&Peers>) -> String {
    let o = &g.options;
    let mut extra = String::new();
    if let Some(c) = &o.inputs.calibration {
        extra += &format!(" --calibration {}", shell_word(c));
    }
    if let Some(db) = o.inputs.min_snr {
        extra += &format!(" --min-snr {db}");
    }
    if let Some(dir) = &g.certified {
        extra += &format!(" --certified {}", shell_word(&dir.display().to_string()));
    }
    if let Some(e) = &g.evaluator {
        extra += &format!(" --evaluator {}", shell_word(&e.command));
    }
    if let Some(p) = peers {
        extra += &format!(" --peers {}", shell_word(&p.file.display().to_string()));
    }
    format!(
        "\nRegenerate: `imcdse grade --space {} --workloads {} --objective {} --optimizers {} \
         --budgets {} --seeds {}{extra}`\n",
        shell_word(&o.inputs.space),
        shell_word(&o.inputs.workloads),
        o.inputs.objective,
        comma::join(&o.optimizers),
        comma::join(&o.budgets),
        o.seeds
    )
}

/// `w` as one word of a POSIX shell command: as it is when it holds only characters no shell
/// treats specially, else in single quotes (a quote inside written `'\''`).
fn shell_word(w: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./,:=+@%".contains(c);
    if !w.is_empty() && w.chars().all(plain) {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// One row per optimizer and budget of grading.md's table: ours, then each peer's (at the
/// budgets its file holds).
fn summary_rows(
    o: &GradeOptions,
    grades: &[Grade],
    pareto: bool,
    peers: Option<&Peers>,
) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for kind in &o.optimizers {
        for &b in &o.budgets {
            rows.push(summary_row(
                (kind.name(), kind.to_string()),
                b,
                grades,
                pareto,
            ));
        }
    }
    if let Some(p) = peers {
        for name in p.names() {
            for &b in &o.budgets {
                if p.grades
                    .iter()
                    .any(|x| x.optimizer == name && x.budget == b)
                {
                    let label = format!("{name} (peer)");
                    rows.push(summary_row((name, label), b, &p.grades, pareto));
                }
            }
        }
    }
    rows
}

/// The row of optimizer `name` (shown as `label`) at budget `b`.
fn summary_row(
    (name, label): (&str, String),
    b: u64,
    grades: &[Grade],
    pareto: bool,
) -> Vec<String> {
    let f = |x: f64| {
        if pareto {
            format!("{x:.4}")
        } else {
            format!("{x:.2}")
        }
    };
    let g: Vec<&Grade> = grades
        .iter()
        .filter(|x| x.optimizer == name && x.budget == b)
        .collect();
    let used = g.iter().map(|x| x.evaluations).max().unwrap_or(0);
    // A run without a feasible design is as far from the optimum as can be: an infinite gap
    // (a hypervolume ratio of 0), not left out (the median of the rest would flatter it).
    let vals: Vec<f64> = g
        .iter()
        .map(|x| {
            if pareto {
                x.hv_ratio.unwrap_or(0.0)
            } else {
                x.gap_pct.unwrap_or(f64::INFINITY)
            }
        })
        .collect();
    let (med, min, max) = median_min_max(&vals)
        .map_or(("-".into(), "-".into(), "-".into()), |(a, b, c)| {
            (f(a), f(b), f(c))
        });
    let found = g.iter().filter(|x| x.found).count();
    let secs: Vec<f64> = g.iter().map(|x| x.run_seconds).collect();
    vec![
        label,
        b.to_string(),
        used.to_string(),
        med,
        min,
        max,
        format!("{found}/{}", g.len()),
        format!("{:.1}", median_min_max(&secs).map_or(0.0, |m| m.0)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs without a feasible design count as an infinite gap: 3 of 4 runs found nothing, so
    /// the median is inf, not the one run's 0.
    #[test]
    fn runs_without_a_feasible_design_are_not_left_out() {
        let grade = |seed: u64, gap: Option<f64>| Grade {
            optimizer: "x".into(),
            budget: 10,
            seed,
            evaluations: 10,
            best_score: gap.map(|g| 1.0 + g / 100.0),
            gap_pct: gap,
            found: gap == Some(0.0),
            hv_ratio: None,
            run_seconds: 1.0,
        };
        let g = [
            grade(0, Some(0.0)),
            grade(1, None),
            grade(2, None),
            grade(3, None),
        ];
        let row = summary_row(("x", "x".into()), 10, &g, false);
        assert_eq!(row[3..7], ["inf", "0.00", "inf", "1/4"]);
        let g = [grade(0, Some(0.0)), grade(1, Some(3.0)), grade(2, None)];
        assert_eq!(summary_row(("x", "x".into()), 10, &g, false)[3], "3.00");
    }

    #[test]
    fn hypervolume_ratio_is_one_on_the_front_and_less_off_it() {
        let front = [[1.0, 4.0, 2.0], [2.0, 2.0, 2.0], [4.0, 1.0, 3.0]];
        assert!((hv_ratio(&front, &front) - 1.0).abs() < 1e-12);
        // A dominated subset covers less; points beyond the reference add nothing.
        let part = [[2.0, 2.0, 2.0], [9.0, 9.0, 9.0]];
        let r = hv_ratio(&part, &front);
        assert!(r > 0.0 && r < 1.0, "{r}");
        assert_eq!(hv_ratio(&[[9.0, 9.0, 9.0]], &front), 0.0);
    }

    #[test]
    fn regenerate_lines_quote_words_a_shell_would_split() {
        assert_eq!(shell_word("results/cert-1"), "results/cert-1");
        assert_eq!(shell_word("python3 x.py"), "'python3 x.py'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn lists_are_comma_separated_and_bad_entries_are_named() {
        assert_eq!(
            comma::parse::<u64>("--budgets", "10, 40").unwrap(),
            vec![10, 40]
        );
        let e = comma::parse::<u64>("--budgets", "10,x").unwrap_err();
        assert_eq!(e, "--budgets: `x` is not a valid entry");
        assert_eq!(
            comma::join(&[OptimizerKind::Ga4, OptimizerKind::Random]),
            "ga4,random"
        );
    }
}
