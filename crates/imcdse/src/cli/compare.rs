//! `imcdse compare`: the paper's central comparison in one command. For each seed:
//!
//! - **joint**: one search on the joint objective over all workloads;
//! - **specific**: for each workload `w`, a search on `edap:w` with `w` alone (its design needs to
//!   hold only `w`);
//! - **largest**: the specific design of the workload with the most MACs, applied to all (the
//!   paper's "separate search for the single largest workload");
//! - **sequential**: the journal paper's level-by-level baseline (paper-framework.md sections 5
//!   and 6): device (`bits_per_cell`), then circuit (`rows`, `cols`), then architecture
//!   (`router_groups`, `tiles_per_group`, `crossbars_per_tile`, `glb_mib`), then system
//!   (`voltage_v`, `cycle_ns`); parameters of none of these come last. Each level is searched
//!   on the joint objective with the others held, starting from the paper's "middle" values
//!   (0.7 V, 4 ns, 256 x 256, 8 / 16 / 32, 4 MB; the middle of the list for anything else) or,
//!   with `--sequential-start max`, the largest value of every list. Our model is fast enough
//!   to search each level exhaustively (the paper ran a small GA per level), so this baseline is
//!   the best any level-by-level search can do, and the same for every seed.
//!
//! Every design is then costed on every workload. Per workload `w` and design `d`:
//! `s = EDAP(d, w) / EDAP(specific_w, w)`. The gain of joint over largest is
//! `(s_largest - s_joint) / s_largest x 100` percent; the paper's analysis code reports
//! `(s_largest - s_joint) x 100`, percentage points of the specific score, given beside it. The
//! loss of joint against specific is `(s_joint - 1) x 100` in both.
//!
//! Each search is a sweep folder `s<seed>/joint` or `s<seed>/specific-<w>` under `--out`. With
//! `--shard i/N` only the i-th of N contiguous slices of the searches (seed by seed, joint
//! first, then the workloads in order) runs, and no comparison is written: `imcdse merge`
//! gathers the shards' search folders and writes it. A search found complete is read back, not
//! run again, so a rerun (or a merge) costs only the searches still missing.

use crate::cli::sweep::{self, Swept};
use crate::fmt;
use crate::objective::Objective;
use crate::problem::{Evaluation, Problem};
use crate::results::{self, Col};
use crate::shard::Shard;
use crate::space::Space as SpaceFile;
use anyhow::{Context, Result, bail};
use imc_model::Value;
use imc_search::outcome::rank_cmp;
use imc_search::{Point, Space};
use imc_zoo::{Workload, Zoo};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Options of `imcdse compare` (kept in run.toml under `[args]`, as for `sweep`).
#[derive(clap::Args, Clone, Serialize, Deserialize)]
pub struct Args {
    /// Design space: a built-in name or a .toml file.
    #[arg(long, default_value = "paper-rram")]
    pub space: String,
    /// Workloads: names, sets, aliases or .toml files, comma-separated (at least two).
    #[arg(long, default_value = "paper4")]
    pub workloads: String,
    /// The joint objective: max-ela | mean-ela | prod-ela.
    #[arg(long, default_value = "max-ela")]
    pub objective: String,
    /// Optimizer of the joint and specific searches: ga4 | nsga2 | bayes | anneal | random.
    #[arg(long, default_value = "ga4")]
    pub optimizer: String,
    /// Unique evaluations per search (default: the optimizer's own, as in `sweep`).
    #[arg(long)]
    pub budget: Option<u64>,
    /// Seeds 0..K: each runs every search again.
    #[arg(long, default_value_t = 3)]
    pub seeds: u64,
    /// Start of the sequential baseline: middle | max.
    #[arg(long, default_value = "middle")]
    pub sequential_start: String,
    /// Output folder (default: results/compare-<space>-<objective>-<optimizer>).
    #[arg(long)]
    #[serde(skip)]
    pub out: Option<PathBuf>,
    /// Run only the i-th of N slices of the searches (seeds x {joint, each workload});
    /// combine the shards' folders with `imcdse merge`.
    #[arg(long, value_name = "i/N")]
    #[serde(skip)]
    pub shard: Option<Shard>,
    /// NSGA-II population.
    #[arg(long, default_value_t = 100)]
    pub population: usize,
}

/// A compared design of one seed, costed on every workload.
struct Design {
    seed: u64,
    /// joint, sequential, or `specific:<workload>`.
    name: String,
    point: Point,
    eval: Evaluation,
}

/// One row of comparison.parquet: a design costed on a workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub seed: u64,
    /// joint | largest | sequential | specific (the workload's own) | other-specific.
    pub kind: String,
    /// joint, sequential, or `specific:<workload>`.
    pub design: String,
    pub workload: String,
    pub feasible: bool,
    pub energy_mj: f64,
    pub latency_ms: f64,
    pub area_mm2: f64,
    pub edap: f64,
    pub normalized: f64,
}

/// Gain of joint over largest in percent (ours) and in percentage points (the paper's code).
pub fn gain_over_largest(s_joint: f64, s_largest: f64) -> (f64, f64) {
    (
        (s_largest - s_joint) / s_largest * 100.0,
        (s_largest - s_joint) * 100.0,
    )
}

/// Loss of joint against the workload-specific design, in percent.
pub fn loss_vs_specific(s_joint: f64) -> f64 {
    (s_joint - 1.0) * 100.0
}

pub fn run(args: &Args) -> Result<()> {
    let started = std::time::Instant::now();
    let space = SpaceFile::resolve(&args.space)?;
    let workloads = Zoo::builtin()?
        .resolve(&args.workloads)
        .with_context(|| format!("--workloads {}", args.workloads))?;
    if workloads.len() < 2 {
        bail!("--workloads: a comparison needs at least two workloads");
    }
    let names: Vec<String> = workloads.iter().map(|w| w.name.clone()).collect();
    let objective = Objective::parse(&args.objective, &names)?;
    if objective.is_pareto() || args.objective.starts_with("edap") {
        bail!(
            "--objective: use a joint score (max-ela, mean-ela, prod-ela), not `{}`",
            args.objective
        );
    }
    if args.optimizer == "exhaustive" || !sweep::OPTIMIZERS.split(", ").any(|o| o == args.optimizer)
    {
        bail!(
            "--optimizer: `{}` is not one of ga4, nsga2, bayes, anneal, random",
            args.optimizer
        );
    }
    if args.seeds == 0 {
        bail!("--seeds must be at least 1");
    }
    let max_start = match args.sequential_start.as_str() {
        "middle" => false,
        "max" => true,
        other => bail!("--sequential-start: `{other}` is not middle or max"),
    };
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!(
            "compare-{}-{}-{}",
            space.name,
            objective.name(),
            args.optimizer
        ))
    });
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let all = Problem::new(space.clone(), workloads.clone(), objective);
    let largest = workloads
        .iter()
        .max_by_key(|w| w.macs())
        .expect("at least two workloads")
        .name
        .clone();
    // The searches, in order: per seed the joint one, then each workload's own.
    let per_seed = names.len() as u64 + 1;
    let searches = args.seeds * per_seed;
    let held = |k: u64| args.shard.is_none_or(|s| s.holds(k, searches));
    let bar = sweep::progress(
        (0..searches).filter(|&k| held(k)).count() as u64,
        "searches",
    );
    let mut found: Vec<Option<Point>> = vec![None; searches as usize];
    for k in (0..searches).filter(|&k| held(k)) {
        let (seed, which) = (k / per_seed, (k % per_seed) as usize);
        let dir = out.join(format!("s{seed}"));
        found[k as usize] = Some(if which == 0 {
            best(
                &search(args, seed, &args.objective, &workloads, &dir.join("joint"))?,
                "joint",
            )?
        } else {
            let w = &workloads[which - 1];
            let sub = dir.join(format!("specific-{}", w.name));
            let run = search(
                args,
                seed,
                &format!("edap:{}", w.name),
                std::slice::from_ref(w),
                &sub,
            )?;
            best(&run, &format!("specific:{}", w.name))?
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    let head = format!("command = \"compare\"\ninputs = \"{}\"\n", all.inputs());
    let tail = sweep::args_toml(args)?;
    if let Some(shard) = args.shard {
        let (lo, hi) = shard.range(searches);
        let head = format!("{head}shard = \"{shard}\"\nfirst_search = {lo}\nend_search = {hi}\n");
        sweep::write_run_toml(&out.join("run.toml"), &head, "complete", "", &tail, started)?;
        println!(
            "compare shard {shard}: searches {lo}..{hi} of {searches} done; combine the shards with `imcdse merge`"
        );
        println!("results: {}", out.display());
        return Ok(());
    }
    let sequential = sequential(&all, max_start);
    let mut lines: Vec<Line> = Vec::new();
    let mut designs: Vec<Design> = Vec::new();
    for seed in 0..args.seeds {
        let base = (seed * per_seed) as usize;
        let joint = found[base].clone().expect("every search ran");
        let specific: Vec<(String, Point)> = names
            .iter()
            .enumerate()
            .map(|(i, w)| {
                (
                    w.clone(),
                    found[base + 1 + i].clone().expect("every search ran"),
                )
            })
            .collect();
        let spec_of = |w: &str| &specific.iter().find(|s| s.0 == w).expect("searched").1;
        let mut kinds: Vec<(String, String, Point)> = vec![
            ("joint".into(), "joint".into(), joint),
            (
                "largest".into(),
                format!("specific:{largest}"),
                spec_of(&largest).clone(),
            ),
            ("sequential".into(), "sequential".into(), sequential.clone()),
        ];
        for (w, p) in &specific {
            kinds.push(("specific".into(), format!("specific:{w}"), p.clone()));
        }
        let evals: Vec<Evaluation> = kinds.iter().map(|k| all.evaluate(&k.2)).collect();
        // The specific designs follow the three other kinds, in workload order.
        let own = &evals[3..];
        for ((kind, design, point), e) in kinds.iter().zip(&evals) {
            for (i, w) in names.iter().enumerate() {
                let is_own = design == &format!("specific:{w}");
                let kind = if kind == "specific" && !is_own {
                    "other-specific"
                } else {
                    kind.as_str()
                };
                lines.push(line(seed, kind, design, w, e, i, &own[i]));
            }
            if !designs.iter().any(|d| d.seed == seed && &d.name == design) {
                designs.push(Design {
                    seed,
                    name: design.clone(),
                    point: point.clone(),
                    eval: e.clone(),
                });
            }
        }
    }
    results::write_parquet(&out.join("comparison.parquet"), frame(&lines)?)?;
    let md = markdown(&all, args, &largest, &lines, &designs);
    results::write_atomic(&out.join("comparison.md"), md.as_bytes())?;
    sweep::write_run_toml(&out.join("run.toml"), &head, "complete", "", &tail, started)?;
    println!("{md}");
    println!("results: {}", out.display());
    Ok(())
}

fn line(
    seed: u64,
    kind: &str,
    design: &str,
    workload: &str,
    e: &Evaluation,
    i: usize,
    own: &Evaluation,
) -> Line {
    let (energy, latency, edap) = e.per_workload[i].unwrap_or((f64::NAN, f64::NAN, f64::NAN));
    let reference = own.per_workload[i].map_or(f64::NAN, |x| x.2);
    Line {
        seed,
        kind: kind.into(),
        design: design.into(),
        workload: workload.into(),
        feasible: e.outcome.is_feasible(),
        energy_mj: energy,
        latency_ms: latency,
        area_mm2: e.area_mm2.unwrap_or(f64::NAN),
        edap,
        normalized: edap / reference,
    }
}

fn search(
    args: &Args,
    seed: u64,
    objective: &str,
    workloads: &[Workload],
    out: &Path,
) -> Result<Swept> {
    let resume = out.join("run.toml").exists();
    let a = sweep::Args {
        space: args.space.clone(),
        workloads: workloads
            .iter()
            .map(|w| w.name.clone())
            .collect::<Vec<_>>()
            .join(","),
        objective: objective.into(),
        optimizer: args.optimizer.clone(),
        budget: args.budget,
        seed,
        out: Some(out.to_path_buf()),
        resume,
        shard: None,
        top: 100,
        keep_all: false,
        population: args.population,
        resolved: Some(workloads.to_vec()),
    };
    sweep::execute(&a, true).with_context(|| format!("search in {}", out.display()))
}

fn best(s: &Swept, what: &str) -> Result<Point> {
    match s.best() {
        Some(r) => Ok(r.point.clone()),
        None => bail!(
            "the {what} search found no feasible design in {} evaluations ({}); raise --budget",
            s.rows.len(),
            s.out.display()
        ),
    }
}

/// The levels of the sequential baseline, by parameter name.
const LEVELS: [(&str, &[&str]); 4] = [
    ("device", &["bits_per_cell"]),
    ("circuit", &["rows", "cols"]),
    (
        "architecture",
        &[
            "router_groups",
            "tiles_per_group",
            "crossbars_per_tile",
            "glb_mib",
        ],
    ),
    ("system", &["voltage_v", "cycle_ns"]),
];

/// The paper's "middle" start values (HWC_05 notebooks).
const MIDDLE: [(&str, f64); 8] = [
    ("voltage_v", 0.7),
    ("cycle_ns", 4.0),
    ("rows", 256.0),
    ("cols", 256.0),
    ("router_groups", 8.0),
    ("tiles_per_group", 16.0),
    ("crossbars_per_tile", 32.0),
    ("glb_mib", 4.0),
];

/// The sequential level-by-level design: each level searched exhaustively on the joint
/// objective with the other parameters held.
pub fn sequential(problem: &Problem, max_start: bool) -> Point {
    let params = &problem.file.params;
    let mut point = Point(
        params
            .iter()
            .map(|(name, values)| {
                let n = values.len() as u32;
                if max_start {
                    return n - 1;
                }
                let target = MIDDLE.iter().find(|m| m.0 == name).map(|m| m.1);
                match target {
                    Some(t) => values
                        .iter()
                        .enumerate()
                        .min_by(|a, b| distance(a.1, t).total_cmp(&distance(b.1, t)))
                        .map_or(n / 2, |(i, _)| i as u32),
                    None => n / 2,
                }
            })
            .collect(),
    );
    let mut levels: Vec<Vec<usize>> = LEVELS
        .iter()
        .map(|(_, names)| {
            names
                .iter()
                .filter_map(|n| params.iter().position(|p| &p.0 == n))
                .collect()
        })
        .collect();
    let rest: Vec<usize> = (0..params.len())
        .filter(|d| !levels.iter().flatten().any(|x| x == d))
        .collect();
    levels.push(rest);
    for dims in levels.into_iter().filter(|d| !d.is_empty()) {
        let sub = Space::new(
            dims.iter()
                .map(|&d| (params[d].0.clone(), params[d].1.len() as u32))
                .collect(),
        );
        let mut best: Option<(Point, imc_search::Outcome)> = None;
        for i in 0..sub.size() {
            let g = sub.point(i);
            let mut p = point.clone();
            for (k, &d) in dims.iter().enumerate() {
                p.0[d] = g.0[k];
            }
            let o = problem.evaluate(&p).outcome;
            if best.as_ref().is_none_or(|b| rank_cmp(&o, &b.1).is_lt()) {
                best = Some((p, o));
            }
        }
        point = best.expect("a level has at least one design").0;
    }
    point
}

fn distance(v: &Value, t: f64) -> f64 {
    match v {
        Value::Num(x) => (x - t).abs(),
        _ => f64::INFINITY,
    }
}

fn frame(l: &[Line]) -> Result<polars::prelude::DataFrame> {
    let joint_of = |x: &Line| -> Option<(f64, f64, f64)> {
        if x.kind != "joint" {
            return None;
        }
        let largest = l
            .iter()
            .find(|y| y.seed == x.seed && y.kind == "largest" && y.workload == x.workload)?;
        let (pct, pp) = gain_over_largest(x.normalized, largest.normalized);
        Some((pct, pp, loss_vs_specific(x.normalized)))
    };
    let j: Vec<Option<(f64, f64, f64)>> = l.iter().map(joint_of).collect();
    results::table(vec![
        ("seed", Col::U64(l.iter().map(|x| x.seed).collect())),
        ("kind", Col::Str(l.iter().map(|x| x.kind.clone()).collect())),
        (
            "design",
            Col::Str(l.iter().map(|x| x.design.clone()).collect()),
        ),
        (
            "workload",
            Col::Str(l.iter().map(|x| x.workload.clone()).collect()),
        ),
        (
            "feasible",
            Col::Bool(l.iter().map(|x| x.feasible).collect()),
        ),
        (
            "energy_mj",
            Col::F64(l.iter().map(|x| Some(x.energy_mj)).collect()),
        ),
        (
            "latency_ms",
            Col::F64(l.iter().map(|x| Some(x.latency_ms)).collect()),
        ),
        (
            "area_mm2",
            Col::F64(l.iter().map(|x| Some(x.area_mm2)).collect()),
        ),
        ("edap", Col::F64(l.iter().map(|x| Some(x.edap)).collect())),
        (
            "normalized",
            Col::F64(l.iter().map(|x| Some(x.normalized)).collect()),
        ),
        (
            "gain_over_largest_pct",
            Col::F64(j.iter().map(|x| x.map(|v| v.0)).collect()),
        ),
        (
            "gain_over_largest_pp",
            Col::F64(j.iter().map(|x| x.map(|v| v.1)).collect()),
        ),
        (
            "loss_vs_specific_pct",
            Col::F64(j.iter().map(|x| x.map(|v| v.2)).collect()),
        ),
    ])
}

/// `median [min, max]`, or the value alone for one seed.
fn spread(v: &[f64], digits: usize) -> String {
    match crate::cli::grade::median_min_max(v) {
        None => "-".into(),
        Some((m, lo, hi)) if v.len() == 1 || lo == hi => format!("{m:.digits$}"),
        Some((m, lo, hi)) => format!("{m:.digits$} [{lo:.digits$}, {hi:.digits$}]"),
    }
}

fn markdown(
    problem: &Problem,
    args: &Args,
    largest: &str,
    lines: &[Line],
    designs: &[Design],
) -> String {
    let names = &problem.names;
    let get = |kind: &str, w: &str| -> Vec<&Line> {
        lines
            .iter()
            .filter(|x| x.kind == kind && x.workload == w)
            .collect()
    };
    let mut s = format!(
        "# Comparison: {} on {}\n\nJoint objective `{}`, optimizer `{}`, seeds 0..{}; largest workload \
         (most MACs): {largest}. s = EDAP(design, w) / EDAP(w's specific design, w): lower is better, \
         1 = the workload-specific design. Seeds: median [min, max].\n\n",
        problem.file.name,
        names.join(", "),
        problem.objective.name(),
        args.optimizer,
        args.seeds,
    );
    let mut rows = Vec::new();
    let mut losing = Vec::new();
    for w in names {
        let s_of = |k: &str| -> Vec<f64> { get(k, w).iter().map(|x| x.normalized).collect() };
        let (sj, sl) = (s_of("joint"), s_of("largest"));
        let gains: Vec<(f64, f64)> = sj
            .iter()
            .zip(&sl)
            .map(|(j, l)| gain_over_largest(*j, *l))
            .collect();
        let pct: Vec<f64> = gains.iter().map(|g| g.0).collect();
        let pp: Vec<f64> = gains.iter().map(|g| g.1).collect();
        let loss: Vec<f64> = sj.iter().map(|j| loss_vs_specific(*j)).collect();
        let edap: Vec<f64> = get("specific", w).iter().map(|x| x.edap).collect();
        if crate::cli::grade::median_min_max(&pct).is_some_and(|m| m.0 < 0.0) {
            losing.push(w.clone());
        }
        let infeasible = get("largest", w).iter().any(|x| !x.feasible)
            || get("sequential", w).iter().any(|x| !x.feasible);
        rows.push(vec![
            w.clone(),
            spread(&edap, 4),
            spread(&sj, 3),
            spread(&sl, 3),
            spread(&s_of("sequential"), 3),
            spread(&pct, 1),
            spread(&pp, 1),
            spread(&loss, 1),
            if infeasible {
                "yes".into()
            } else {
                String::new()
            },
        ]);
    }
    s.push_str(&fmt::table(
        &[
            "workload",
            "specific EDAP (mJ ms mm2)",
            "s joint",
            "s largest",
            "s sequential",
            "joint gain over largest %",
            "same, paper's pp",
            "joint loss vs specific %",
            "a baseline infeasible",
        ],
        &rows,
    ));
    // The joint score of each kind (seed 0), so the reader sees what the joint search optimised.
    s.push_str("\nJoint score of each design (seed 0):\n\n");
    let mut score_rows = Vec::new();
    for (kind, design) in [
        ("joint", "joint".to_string()),
        ("largest", format!("specific:{largest}")),
        ("sequential", "sequential".to_string()),
    ] {
        if let Some(d) = designs.iter().find(|d| d.seed == 0 && d.name == design) {
            let e = &d.eval;
            score_rows.push(vec![
                kind.to_string(),
                e.score.map_or("infeasible".into(), |x| format!("{x:.4e}")),
                format!("{:.2}", e.area_mm2.unwrap_or(f64::NAN)),
                problem
                    .values(&d.point)
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ]);
        }
    }
    s.push_str(&fmt::table(
        &[
            "design",
            &format!("{} score", problem.objective.name()),
            "area mm2",
            "parameters",
        ],
        &score_rows,
    ));
    let same: Vec<u64> = (0..args.seeds)
        .filter(|seed| {
            let p = |d: &str| {
                designs
                    .iter()
                    .find(|x| x.seed == *seed && x.name == d)
                    .map(|x| &x.point)
            };
            p("joint").is_some() && p("joint") == p(&format!("specific:{largest}"))
        })
        .collect();
    if !same.is_empty() {
        let dominated = lines
            .iter()
            .filter(|x| x.kind == "joint" && x.seed == same[0])
            .fold((true, true), |acc, x| {
                let big = lines
                    .iter()
                    .find(|y| y.kind == "joint" && y.seed == x.seed && y.workload == largest)
                    .expect("joint rows for every workload");
                (
                    acc.0 && x.energy_mj <= big.energy_mj,
                    acc.1 && x.latency_ms <= big.latency_ms,
                )
            });
        s.push_str(&format!(
            "\nFor seed(s) {:?} the joint search returned the largest-workload design itself. {}\n",
            same,
            if dominated.0 && dominated.1 {
                format!(
                    "On it {largest} has both the highest energy and the highest latency of the set, \
                     so max E x max L x A is {largest}'s own EDAP: with `max-ela` the joint and the \
                     {largest}-specific searches optimise the same function wherever {largest} dominates, \
                     and the joint design can gain nothing over it. Objectives that weigh every \
                     workload (`mean-ela`, `prod-ela`) differ."
                )
            } else {
                String::new()
            }
        ));
    }
    if losing.is_empty() {
        s.push_str("\nThe joint design is no worse than the largest-workload design on any workload (median over seeds).\n");
    } else {
        s.push_str("\nWhere the joint design does not beat the largest-workload design (seed 0 figures, joint / largest):\n\n");
        for w in &losing {
            let (j, l) = (get("joint", w), get("largest", w));
            if let (Some(j), Some(l)) = (j.first(), l.first()) {
                s.push_str(&format!(
                    "- {w}: energy x{:.3}, latency x{:.3}, area x{:.3} (EDAP x{:.3}). {}\n",
                    j.energy_mj / l.energy_mj,
                    j.latency_ms / l.latency_ms,
                    j.area_mm2 / l.area_mm2,
                    j.edap / l.edap,
                    explain(j, l)
                ));
            }
        }
    }
    s
}

/// One sentence on which factor of E x L x A costs the joint design most against the largest.
fn explain(j: &Line, l: &Line) -> String {
    let f = [
        ("energy", j.energy_mj / l.energy_mj),
        ("latency", j.latency_ms / l.latency_ms),
        ("area", j.area_mm2 / l.area_mm2),
    ];
    let worst = f
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("three factors");
    format!(
        "The largest-workload design is {} here mainly through {} (x{:.3}); the joint design trades \
         that for its score on the other workloads.",
        if worst.1 > 1.0 { "better" } else { "not worse" },
        worst.0,
        worst.1
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-computed: s_joint 1.2, s_largest 2.0 -> gain 40 % (ours), 80 pp (paper's), loss 20 %.
    #[test]
    fn percentage_arithmetic_on_hand_computed_cases() {
        let (pct, pp) = gain_over_largest(1.2, 2.0);
        assert!((pct - 40.0).abs() < 1e-12);
        assert!((pp - 80.0).abs() < 1e-12);
        assert!((loss_vs_specific(1.2) - 20.0).abs() < 1e-12);
        // Joint worse than largest: a negative gain, reported as such.
        let (pct, pp) = gain_over_largest(1.5, 1.0);
        assert!((pct + 50.0).abs() < 1e-12 && (pp + 50.0).abs() < 1e-12);
        // The specific design itself: no loss.
        assert_eq!(loss_vs_specific(1.0), 0.0);
    }

    #[test]
    fn spread_shows_median_and_range() {
        assert_eq!(spread(&[2.0], 1), "2.0");
        assert_eq!(spread(&[3.0, 1.0, 2.0], 1), "2.0 [1.0, 3.0]");
        assert_eq!(spread(&[], 1), "-");
    }
}
