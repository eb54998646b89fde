//! `imcdse grade`: every optimizer graded against the certified optimum of the space.
//!
//! 1. **Certify** once: the exhaustive run (see `exhaustive.rs`) gives the exact best score, or
//!    for `pareto` the exact front. The result is cached in `--cache` under a name made of the
//!    space, the objective and a hash of the space file and the workloads' layers, so a changed
//!    workload or space is certified again.
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
//! Writes `grading.parquet` (one row per optimizer x budget x seed, in the order of
//! `--optimizers`, then seed, then budget), `grading.md` (median, min and max gap, share of
//! runs that found the optimum, per optimizer and budget), `certified.json` and `run.toml`.
//!
//! `--shard i/N` runs only the i-th of N contiguous slices of the (optimizer, seed) runs and
//! writes their rows; `imcdse merge` puts the shards' rows together and writes the table. Each
//! shard certifies (or reads the cache), so none waits for another.
//!
//! Each finished run's grades are appended to `runs.jsonl`. Run again into the same folder with
//! the same options (and shard), a complete grading is not run again and an interrupted one runs
//! only the runs missing from that file.

use crate::exhaustive;
use crate::objective::Objective;
use crate::problem::Problem;
use crate::results::{self, Cell, Col};
use crate::shard::Shard;
use crate::space::Space as SpaceFile;
use anyhow::{Context, Result, bail};
use imc_search::hypervolume::hv3;
use imc_search::runner;
use imc_search::{Outcome, Point};
use imc_zoo::Zoo;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Options of `imcdse grade` (kept in run.toml under `[args]`, as for `sweep`).
#[derive(clap::Args, Clone, Serialize, Deserialize)]
pub struct Args {
    /// Design space: a built-in name or a .toml file.
    #[arg(long, default_value = "paper-rram")]
    pub space: String,
    /// Workloads: names, sets, aliases or .toml files, comma-separated.
    #[arg(long, default_value = "paper4")]
    pub workloads: String,
    /// max-ela | mean-ela | prod-ela | edap:<workload> | pareto
    #[arg(long, default_value = "max-ela")]
    pub objective: String,
    /// Optimizers to grade, comma-separated (ga4 and anneal are single-objective).
    #[arg(long, default_value = "ga4,nsga2,bayes,anneal,random")]
    pub optimizers: String,
    /// Budgets of unique evaluations, comma-separated.
    #[arg(long, default_value = "100,300,1000,3300")]
    pub budgets: String,
    /// Seeds per optimizer: 0..seeds.
    #[arg(long, default_value_t = 10)]
    pub seeds: u64,
    /// Output folder (default: results/grade-<space>-<objective>).
    #[arg(long)]
    #[serde(skip)]
    pub out: Option<PathBuf>,
    /// Where certified optima are cached.
    #[arg(long, default_value = "results/certified")]
    #[serde(skip)]
    pub cache: PathBuf,
    /// Take the certified optimum from this complete exhaustive sweep of the same space,
    /// workloads and objective (e.g. merged from shards) instead of enumerating here.
    #[arg(long, value_name = "DIR")]
    #[serde(skip)]
    pub certified: Option<PathBuf>,
    /// Run only the i-th of N slices of the (optimizer, seed) runs; combine the shards'
    /// folders with `imcdse merge`.
    #[arg(long, value_name = "i/N")]
    #[serde(skip)]
    pub shard: Option<Shard>,
    /// NSGA-II population.
    #[arg(long, default_value_t = 100)]
    pub population: usize,
}

/// The exact answer for a space, workloads and objective.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Certified {
    pub key: String,
    pub designs: u64,
    pub feasible: u64,
    pub seconds: f64,
    /// The best score (for `pareto`, the best max-ela, reported only).
    pub best_score: f64,
    pub best_design: String,
    /// The exact front in (max E, max L, A), distinct points.
    pub front: Vec<[f64; 3]>,
}

/// One graded (optimizer, budget, seed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grade {
    pub optimizer: String,
    pub budget: u64,
    pub seed: u64,
    pub evaluations: u64,
    pub best_score: Option<f64>,
    pub gap_pct: Option<f64>,
    pub found: bool,
    pub hv_ratio: Option<f64>,
    pub run_seconds: f64,
}

fn list<T: std::str::FromStr>(what: &str, text: &str) -> Result<Vec<T>> {
    text.split(',')
        .map(|s| {
            s.trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("{what}: `{s}` is not a valid entry"))
        })
        .collect()
}

/// The checked options of a grading.
pub struct Setup {
    pub problem: Problem,
    pub optimizers: Vec<String>,
    pub budgets: Vec<u64>,
}

pub fn setup(args: &Args) -> Result<Setup> {
    let space = SpaceFile::resolve(&args.space)?;
    let workloads = Zoo::builtin()?
        .resolve(&args.workloads)
        .with_context(|| format!("--workloads {}", args.workloads))?;
    let names: Vec<String> = workloads.iter().map(|w| w.name.clone()).collect();
    let objective = Objective::parse(&args.objective, &names)?;
    let optimizers: Vec<String> = list("--optimizers", &args.optimizers)?;
    for o in &optimizers {
        if !crate::cli::sweep::OPTIMIZERS.split(", ").any(|k| k == o) || o == "exhaustive" {
            bail!(
                "--optimizers: unknown optimizer `{o}`; available: ga4, nsga2, bayes, anneal, random"
            );
        }
        if objective.is_pareto() && (o == "ga4" || o == "anneal") {
            bail!("--optimizers: {o} is single-objective and cannot be graded on `pareto`");
        }
    }
    let mut budgets: Vec<u64> = list("--budgets", &args.budgets)?;
    if budgets.contains(&0) {
        bail!("--budgets: a budget must be at least 1");
    }
    budgets.sort_unstable();
    budgets.dedup();
    if args.seeds == 0 {
        bail!("--seeds must be at least 1");
    }
    Ok(Setup {
        problem: Problem::new(space, workloads, objective),
        optimizers,
        budgets,
    })
}

pub fn run(args: &Args) -> Result<()> {
    let started = Instant::now();
    let Setup {
        problem,
        optimizers,
        budgets,
    } = setup(args)?;
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!(
            "grade-{}-{}",
            problem.file.name,
            problem.objective.name().replace(':', "_")
        ))
    });
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let cert = match &args.certified {
        Some(dir) => certificate_from(&problem, dir, &args.cache)?,
        None => certify(&problem, &args.cache)?,
    };
    eprintln!(
        "grade: certified optimum {:.6e} over {} designs ({} feasible, {:.1} s{}); {} runs",
        cert.best_score,
        cert.designs,
        cert.feasible,
        cert.seconds,
        args.certified
            .as_ref()
            .map_or(String::new(), |d| format!(", read from {}", d.display())),
        optimizers.len() as u64 * args.seeds
    );
    let all: Vec<(String, u64)> = optimizers
        .iter()
        .flat_map(|o| (0..args.seeds).map(move |s| (o.clone(), s)))
        .collect();
    let (lo, hi) = args
        .shard
        .map_or((0, all.len() as u64), |s| s.range(all.len() as u64));
    let jobs = &all[lo as usize..hi as usize];
    let mut head = format!("command = \"grade\"\ninputs = \"{}\"\n", problem.inputs());
    if let Some(shard) = args.shard {
        head.push_str(&format!(
            "shard = \"{shard}\"\nfirst_run = {lo}\nend_run = {hi}\n"
        ));
    }
    let tail = crate::cli::sweep::args_toml(args)?;
    let run_toml = out.join("run.toml");
    let saved = Saved::open(&out, &head, &tail)?;
    if saved.complete && jobs.iter().all(|j| saved.runs.contains_key(j)) {
        eprintln!(
            "grade: {} already holds this grading, complete; not run again",
            out.display()
        );
        if let Ok(md) = std::fs::read_to_string(out.join("grading.md")) {
            println!("{md}");
        }
        println!("results: {}", out.display());
        return Ok(());
    }
    crate::cli::sweep::write_run_toml(&run_toml, &head, "running", "", &tail, started)?;
    let done = jobs.iter().filter(|j| saved.runs.contains_key(*j)).count();
    if done > 0 {
        eprintln!(
            "grade: resumed: {done} of {} runs were done before",
            jobs.len()
        );
    }
    let max_budget = *budgets.last().expect("at least one budget");
    let bar = crate::cli::sweep::progress(jobs.len() as u64, "grading runs");
    bar.inc(done as u64);
    let graded: Vec<Vec<Grade>> = jobs
        .par_iter()
        .map(|(name, seed)| -> Result<Vec<Grade>> {
            if let Some(g) = saved.runs.get(&(name.clone(), *seed)) {
                return Ok(g.clone());
            }
            let started = Instant::now();
            let mut opt = crate::cli::sweep::optimizer(&problem, name, *seed, args.population)?;
            let eval = |p: &Point| problem.evaluate(p).outcome;
            let r = runner::run(opt.as_mut(), &eval, max_budget, Vec::new(), &mut |_| {});
            let secs = started.elapsed().as_secs_f64();
            bar.inc(1);
            let outcomes: Vec<&Outcome> = r.records.iter().map(|x| &x.outcome).collect();
            let g: Vec<Grade> = budgets
                .iter()
                .map(|&b| grade(&problem, &cert, name, *seed, b, &outcomes, secs))
                .collect();
            saved.append(&g)?;
            Ok(g)
        })
        .collect::<Result<Vec<_>>>()?;
    bar.finish_and_clear();
    let grades: Vec<Grade> = graded.into_iter().flatten().collect();
    results::write_atomic(
        &out.join("certified.json"),
        serde_json::to_string_pretty(&cert)?.as_bytes(),
    )?;
    if let Some(shard) = args.shard {
        results::write_parquet(&out.join("grading.parquet"), frame(&grades)?)?;
        println!(
            "grade shard {shard}: runs {lo}..{hi} of {} done; combine the shards with `imcdse merge`",
            all.len()
        );
    } else {
        write(&out, &problem, &cert, &grades, &optimizers, &budgets, args)?;
    }
    crate::cli::sweep::write_run_toml(&run_toml, &head, "complete", "", &tail, started)?;
    println!("results: {}", out.display());
    Ok(())
}

/// The runs a previous grading into the same folder finished (`runs.jsonl`, one line of
/// grades per run), kept only when its run.toml names the same options and shard.
struct Saved {
    runs: std::collections::HashMap<(String, u64), Vec<Grade>>,
    complete: bool,
    file: std::sync::Mutex<std::fs::File>,
    path: PathBuf,
}

impl Saved {
    fn open(out: &Path, head: &str, tail: &str) -> Result<Saved> {
        let path = out.join("runs.jsonl");
        let previous = std::fs::read_to_string(out.join("run.toml")).unwrap_or_default();
        let same = previous.starts_with(head) && previous.ends_with(tail);
        let mut runs = std::collections::HashMap::new();
        if same {
            let parse =
                |v: &serde_json::Value| Vec::<Grade>::deserialize(v).ok().filter(|g| !g.is_empty());
            for g in results::intact_lines(&path, parse)? {
                runs.insert((g[0].optimizer.clone(), g[0].seed), g);
            }
        } else if path.exists() {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        Ok(Saved {
            runs,
            complete: same && crate::cli::sweep::status(&previous).as_deref() == Some("complete"),
            file: std::sync::Mutex::new(file),
            path,
        })
    }

    /// Saves a finished run's grades, flushed to disk.
    fn append(&self, grades: &[Grade]) -> Result<()> {
        use std::io::Write;
        let line = format!("{}\n", serde_json::to_string(grades)?);
        let mut f = self.file.lock().expect("no panics while holding the lock");
        f.write_all(line.as_bytes())
            .and_then(|()| f.sync_data())
            .with_context(|| format!("writing {}", self.path.display()))
    }
}

/// grading.parquet and grading.md of a whole grading (printed too).
pub fn write(
    out: &Path,
    problem: &Problem,
    cert: &Certified,
    grades: &[Grade],
    optimizers: &[String],
    budgets: &[u64],
    args: &Args,
) -> Result<()> {
    results::write_parquet(&out.join("grading.parquet"), frame(grades)?)?;
    let md = markdown(problem, cert, grades, optimizers, budgets, args);
    results::write_atomic(&out.join("grading.md"), md.as_bytes())?;
    println!("{md}");
    Ok(())
}

/// The grades of a grading.parquet, in its order.
pub fn read_grades(path: &Path) -> Result<Vec<Grade>> {
    let t = results::read_table(path)?;
    let col = |name: &str| {
        t.column(name)
            .with_context(|| format!("{}: no column `{name}`", path.display()))
    };
    let num = Cell::number;
    let int = |c: &Cell| match c {
        Cell::Int(x) => Ok(*x as u64),
        other => bail!("{}: {other:?} is not an integer", path.display()),
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
                    other => bail!("{}: optimizer {other:?} is not text", path.display()),
                },
                budget: int(&b[i])?,
                seed: int(&s[i])?,
                evaluations: int(&e[i])?,
                best_score: num(&best[i]),
                gap_pct: num(&gap[i]),
                found: found[i] == Cell::Bool(true),
                hv_ratio: num(&hv[i]),
                run_seconds: num(&secs[i]).unwrap_or(f64::NAN),
            })
        })
        .collect()
}

/// The grade of the first `budget` outcomes of a run.
pub fn grade(
    problem: &Problem,
    cert: &Certified,
    optimizer: &str,
    seed: u64,
    budget: u64,
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

/// The certified optimum, from the cache or by an exhaustive run.
pub fn certify(problem: &Problem, cache: &Path) -> Result<Certified> {
    let key = certification_key(problem);
    let path = cache.join(format!("{key}.json"));
    if let Ok(text) = std::fs::read_to_string(&path)
        && let Ok(c) = serde_json::from_str::<Certified>(&text)
        && c.key == key
    {
        return Ok(c);
    }
    let started = Instant::now();
    let e = exhaustive::run(problem, 1, false)?;
    let c = certificate(
        problem,
        &e.rows,
        e.designs,
        e.feasible,
        started.elapsed().as_secs_f64(),
    )?;
    save(cache, &c)?;
    Ok(c)
}

/// The certificate of a complete, unsharded (or merged) exhaustive sweep folder of the same
/// space, workloads and objective; saved to the cache too. Its rows hold the best design and
/// the whole front, so the certificate equals the one an enumeration here would give.
pub fn certificate_from(problem: &Problem, dir: &Path, cache: &Path) -> Result<Certified> {
    let run = results::RunFile::read(dir).context("--certified")?;
    let path = &run.path;
    let text_of = |k: &str| run.text(k).unwrap_or("");
    let names: Vec<&str> = run
        .get("workloads")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default();
    let objective = problem.objective.name();
    let checks = [
        (
            "command",
            text_of("command") == "sweep",
            "sweep".to_string(),
        ),
        (
            "optimizer",
            text_of("optimizer") == "exhaustive",
            "exhaustive".into(),
        ),
        ("status", text_of("status") == "complete", "complete".into()),
        (
            "space",
            text_of("space") == problem.file.name,
            problem.file.name.clone(),
        ),
        (
            "workloads",
            names == problem.names,
            problem.names.join(", "),
        ),
        (
            "objective",
            text_of("objective") == objective,
            objective.clone(),
        ),
    ];
    for (key, ok, want) in checks {
        if !ok {
            bail!(
                "--certified: {}: `{key}` is {}, this grading needs {want}",
                path.display(),
                run.get(key).map_or("missing".into(), |v| v.to_string())
            );
        }
    }
    if let Some(shard) = run.get("shard") {
        bail!(
            "--certified: {} is shard {shard} only; merge the shards first (imcdse merge)",
            dir.display()
        );
    }
    let count = |k: &str| run.u64(k).context("--certified");
    let (designs, feasible) = (count("designs")?, count("feasible")?);
    if designs as u128 != problem.space.size() {
        bail!(
            "--certified: {} covers {designs} designs, the space has {}",
            dir.display(),
            problem.space.size()
        );
    }
    let rows = results::read_rows(problem, &dir.join("evaluations.parquet"))?;
    let seconds = run
        .get("shard_enumeration_s")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_float()).sum())
        .or_else(|| run.get("enumeration_s").and_then(|v| v.as_float()))
        .unwrap_or(f64::NAN);
    let c = certificate(problem, &rows, designs, feasible, seconds)?;
    save(cache, &c)?;
    Ok(c)
}

/// The certificate of an exhaustive run's rows (its best rows and its whole front).
fn certificate(
    problem: &Problem,
    rows: &[results::Row],
    designs: u64,
    feasible: u64,
    seconds: f64,
) -> Result<Certified> {
    let Some(best) = results::best_row(rows) else {
        bail!("no design of the space is feasible: nothing to grade against");
    };
    let mut front: Vec<[f64; 3]> = Vec::new();
    for k in results::pareto_rows(rows)
        .iter()
        .filter_map(|r| r.front_key())
    {
        if !front.contains(&k) {
            front.push(k);
        }
    }
    Ok(Certified {
        key: certification_key(problem),
        designs,
        feasible,
        seconds,
        best_score: best.eval.score.expect("the best row is scored"),
        best_design: problem
            .values(&best.point)
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        front,
    })
}

fn save(cache: &Path, c: &Certified) -> Result<()> {
    std::fs::create_dir_all(cache).with_context(|| format!("creating {}", cache.display()))?;
    results::write_atomic(
        &cache.join(format!("{}.json", c.key)),
        serde_json::to_string_pretty(c)?.as_bytes(),
    )
}

/// `<space>-<objective>-<hash>`: the hash covers the space file, the workloads' layers and the
/// tool version, so any change certifies again.
fn certification_key(problem: &Problem) -> String {
    let text = format!(
        "{:?}{:?}{}{}",
        problem.file,
        problem.workloads,
        problem.objective.name(),
        env!("CARGO_PKG_VERSION")
    );
    let hash = crate::problem::fnv1a(&text);
    format!(
        "{}-{}-{hash:016x}",
        problem.file.name,
        problem.objective.name().replace(':', "_")
    )
}

fn frame(g: &[Grade]) -> Result<polars::prelude::DataFrame> {
    results::table(vec![
        (
            "optimizer",
            Col::Str(g.iter().map(|x| x.optimizer.clone()).collect()),
        ),
        ("budget", Col::U64(g.iter().map(|x| x.budget).collect())),
        ("seed", Col::U64(g.iter().map(|x| x.seed).collect())),
        (
            "evaluations",
            Col::U64(g.iter().map(|x| x.evaluations).collect()),
        ),
        (
            "best_score",
            Col::F64(g.iter().map(|x| x.best_score).collect()),
        ),
        ("gap_pct", Col::F64(g.iter().map(|x| x.gap_pct).collect())),
        (
            "found_optimum",
            Col::Bool(g.iter().map(|x| x.found).collect()),
        ),
        ("hv_ratio", Col::F64(g.iter().map(|x| x.hv_ratio).collect())),
        (
            "run_seconds",
            Col::F64(g.iter().map(|x| Some(x.run_seconds)).collect()),
        ),
    ])
}

/// Median (mean of the middle two for an even count), min and max.
pub fn median_min_max(v: &[f64]) -> Option<(f64, f64, f64)> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let med = if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    };
    Some((med, s[0], s[n - 1]))
}

fn markdown(
    problem: &Problem,
    cert: &Certified,
    grades: &[Grade],
    optimizers: &[String],
    budgets: &[u64],
    args: &Args,
) -> String {
    let pareto = problem.objective.is_pareto();
    let mut s = format!(
        "# Grading: {} on {}, objective `{}`\n\n",
        problem.file.name,
        problem.names.join(", "),
        problem.objective.name()
    );
    s.push_str(&format!(
        "Certified by exhaustive enumeration: {} designs, {} feasible ({:.1} s).\n",
        crate::fmt::thousands(cert.designs),
        crate::fmt::thousands(cert.feasible),
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
         optimum) / optimum; \"found\" = runs whose best is the optimum (hypervolume ratio 1 for \
         pareto).\n\n",
        args.seeds, args.seeds
    ));
    let mut rows = Vec::new();
    for o in optimizers {
        for &b in budgets {
            let g: Vec<&Grade> = grades
                .iter()
                .filter(|x| &x.optimizer == o && x.budget == b)
                .collect();
            let used = g.iter().map(|x| x.evaluations).max().unwrap_or(0);
            let vals: Vec<f64> = g
                .iter()
                .filter_map(|x| if pareto { x.hv_ratio } else { x.gap_pct })
                .collect();
            let f = |x: f64| {
                if pareto {
                    format!("{x:.4}")
                } else {
                    format!("{x:.2}")
                }
            };
            let (med, min, max) = median_min_max(&vals)
                .map_or(("-".into(), "-".into(), "-".into()), |(a, b, c)| {
                    (f(a), f(b), f(c))
                });
            let found = g.iter().filter(|x| x.found).count();
            let secs: Vec<f64> = g.iter().map(|x| x.run_seconds).collect();
            rows.push(vec![
                o.clone(),
                b.to_string(),
                used.to_string(),
                med,
                min,
                max,
                format!("{found}/{}", g.len()),
                format!("{:.1}", median_min_max(&secs).map_or(0.0, |m| m.0)),
            ]);
        }
    }
    let what = if pareto { "HV ratio" } else { "gap %" };
    let header = [
        "optimizer",
        "budget",
        "evaluations used",
        &format!("median {what}"),
        &format!("min {what}"),
        &format!("max {what}"),
        "found",
        "run s (full budget)",
    ];
    let header: Vec<&str> = header.iter().map(|h| h.as_ref()).collect();
    s.push_str(&crate::fmt::table(&header, &rows));
    s.push_str(&format!(
        "\nRegenerate: `imcdse grade --space {} --workloads {} --objective {} --optimizers {} \
         --budgets {} --seeds {}`\n",
        args.space,
        args.workloads,
        args.objective,
        optimizers.join(","),
        budgets
            .iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(","),
        args.seeds
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median_min_max(&[3.0, 1.0, 2.0]), Some((2.0, 1.0, 3.0)));
        assert_eq!(median_min_max(&[4.0, 1.0, 2.0, 3.0]), Some((2.5, 1.0, 4.0)));
        assert_eq!(median_min_max(&[]), None);
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
}
