//! The paper's central comparison. For each seed:
//!
//! - **joint**: one search on the joint objective over all workloads;
//! - **specific**: for each workload `w`, a search on `edap:w` with `w` alone (its design needs to
//!   hold only `w`);
//! - **largest**: the specific design of the workload with the most MACs, applied to all (the
//!   paper's "separate search for the single largest workload");
//! - **sequential**: the journal paper's level-by-level baseline ([`super::sequential`]).
//!
//! Every design is then costed on every workload. Per workload `w` and design `d`:
//! `s = EDAP(d, w) / EDAP(specific_w, w)`. The gain of joint over largest is
//! `(s_largest - s_joint) / s_largest x 100` percent; the paper's analysis code reports
//! `(s_largest - s_joint) x 100`, percentage points of the specific score, given beside it. The
//! loss of joint against specific is `(s_joint - 1) x 100` in both.
//!
//! Each search is a sweep folder `s<seed>/joint` or `s<seed>/specific-<w>` under the output
//! folder. A shard runs only the i-th of N contiguous slices of the searches (seed by seed,
//! joint first, then the workloads in order), and writes no comparison: [`super::merge`]
//! gathers the shards' search folders and writes it. A search found complete is read back, not
//! run again, so a rerun (or a merge) costs only the searches still missing.

use super::Done;
use super::compare_md::markdown;
pub use super::compare_md::{Design, DesignId, Kind, Line, gain_over_largest, loss_vs_specific};
use super::inputs::Inputs;
use super::sequential::{Start, sequential};
use super::sweep::{Sweep, SweepOptions};
use crate::evaluator::EvaluatorOptions;
use crate::lock::RunLock;
use crate::objective::Objective;
use crate::optimizer::{OptimizerKind, check_seeds, check_settings};
use crate::problem::{Evaluation, Problem};
use crate::progress::{Muted, Progress};
use crate::results::{self, Col};
use crate::run_dir::{Command, RunToml, Status, refuse_unrecorded, write_atomic};
use crate::shard::Shard;
use anyhow::{Context, Result, bail};
use imc_search::Point;
use imc_zoo::Workload;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A comparison's options as given (kept in run.toml under `[args]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareOptions {
    /// Space, workloads (at least two) and the joint objective (max-ela, mean-ela or
    /// prod-ela).
    #[serde(flatten)]
    pub inputs: Inputs,
    /// Optimizer of the joint and specific searches.
    pub optimizer: OptimizerKind,
    /// Unique evaluations per search; `None`: the optimizer's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<u64>,
    /// Seeds `0..seeds`: each runs every search again.
    pub seeds: u64,
    /// Start of the sequential baseline.
    pub sequential_start: Start,
    /// NSGA-II population.
    pub population: usize,
}

/// A comparison ready to run.
pub struct Comparison {
    /// Space, all workloads, the joint objective.
    pub problem: Problem,
    /// The options.
    pub options: CompareOptions,
    /// The results folder.
    pub out: PathBuf,
    /// Run only this slice of the searches.
    pub shard: Option<Shard>,
    /// The workload with the most MACs.
    pub largest: String,
    /// An external evaluator costing every search's designs and the final table's.
    pub evaluator: Option<EvaluatorOptions>,
}

impl CompareOptions {
    /// Checks the options and resolves the problem (all workloads, the joint objective).
    pub fn resolve(&self) -> Result<Problem> {
        let space = self.inputs.space()?;
        let workloads = self.inputs.workloads()?;
        if workloads.len() < 2 {
            bail!("--workloads: a comparison needs at least two workloads");
        }
        let objective = self.inputs.objective(&workloads)?;
        if objective.is_pareto() || matches!(objective, Objective::Edap(_)) {
            bail!(
                "--objective: use a joint score (max-ela, mean-ela, prod-ela), not `{}`",
                self.inputs.objective
            );
        }
        if self.optimizer == OptimizerKind::Exhaustive {
            bail!(
                "--optimizer: `{}` is not one of {}",
                self.optimizer,
                OptimizerKind::searches()
            );
        }
        self.optimizer.available()?;
        check_settings(self.population, self.budget)?;
        check_seeds(self.seeds)?;
        Ok(Problem::new(space, workloads, objective)?)
    }
}

impl Comparison {
    /// A comparison into `out` (default: `results/compare-<space>-<objective>-<optimizer>`).
    pub fn new(problem: Problem, options: CompareOptions, out: Option<PathBuf>) -> Comparison {
        let out = out.unwrap_or_else(|| {
            PathBuf::from("results").join(format!(
                "compare-{}-{}-{}",
                problem.file.name,
                problem.objective.name(),
                options.optimizer
            ))
        });
        let largest = problem
            .workloads
            .iter()
            .max_by_key(|w| w.macs())
            .map_or(String::new(), |w| w.name.clone());
        Comparison {
            problem,
            options,
            out,
            shard: None,
            largest,
            evaluator: None,
        }
    }

    /// Searches per seed: the joint one, then each workload's own.
    fn per_seed(&self) -> u64 {
        self.problem.names.len() as u64 + 1
    }

    /// Runs (or reads back) the searches this run holds, then writes the comparison (or, for a
    /// shard, only run.toml).
    pub fn run(&self, progress: &dyn Progress) -> Result<Done> {
        let started = Instant::now();
        let out = &self.out;
        let _lock = RunLock::acquire(out)?;
        // Its searches' folders are read back whatever: only its own tables are checked.
        refuse_unrecorded(
            out,
            Command::Compare,
            ["comparison.parquet", "comparison.md"],
        )?;
        if let Some(options) = &self.evaluator {
            if self.shard.is_some() {
                bail!(
                    "--evaluator: a sharded comparison cannot take an external evaluator yet; run it whole"
                );
            }
            // The final table's evaluator; each search starts its own, logging in its folder.
            self.problem.start_evaluator(options, out, progress)?;
        }
        let searches = self.options.seeds * self.per_seed();
        let held = |k: u64| self.shard.is_none_or(|s| s.holds(k, searches));
        let bar = progress.bar(
            (0..searches).filter(|&k| held(k)).count() as u64,
            "searches",
        );
        let mut found: Vec<Option<Point>> = vec![None; searches as usize];
        for k in (0..searches).filter(|&k| held(k)) {
            found[k as usize] = Some(self.search(k, progress)?);
            bar.inc(1);
        }
        bar.finish();
        let mut record = RunToml::new(Command::Compare, &self.options)?;
        record.inputs = Some(self.problem.inputs());
        if let Some(shard) = self.shard {
            let (lo, hi) = shard.range(searches);
            (record.shard, record.first_search, record.end_search) =
                (Some(shard), Some(lo), Some(hi));
            record.write(out, Status::Complete, started)?;
            let text = format!(
                "compare shard {shard}: searches {lo}..{hi} of {searches} done; combine the shards with `imcdse merge`\n"
            );
            return Ok(Done::new(out, text));
        }
        let (lines, designs) = self.cost(&found)?;
        self.problem.check_evaluator()?;
        results::write_parquet(&out.join("comparison.parquet"), frame(&lines)?)?;
        let md = markdown(
            &self.problem,
            (self.options.optimizer, self.options.seeds),
            &self.largest,
            &lines,
            &designs,
        );
        write_atomic(&out.join("comparison.md"), md.as_bytes())?;
        record.write(out, Status::Complete, started)?;
        Ok(Done::new(out, format!("{md}\n")))
    }

    /// The folder of search `k` under the output folder: `s<seed>/joint` or
    /// `s<seed>/specific-<workload>`.
    fn search_folder(&self, k: u64) -> PathBuf {
        let (seed, which) = (k / self.per_seed(), (k % self.per_seed()) as usize);
        let dir = PathBuf::from(format!("s{seed}"));
        match which {
            0 => dir.join("joint"),
            _ => dir.join(format!(
                "specific-{}",
                self.problem.workloads[which - 1].name
            )),
        }
    }

    /// Every search's folder, relative to the output folder, in search order.
    pub fn search_folders(&self) -> Vec<PathBuf> {
        let searches = self.options.seeds * self.per_seed();
        (0..searches).map(|k| self.search_folder(k)).collect()
    }

    /// Search `k` (seed `k / per_seed`; joint, then each workload): its best design.
    fn search(&self, k: u64, progress: &dyn Progress) -> Result<Point> {
        let (seed, which) = (k / self.per_seed(), (k % self.per_seed()) as usize);
        let all = &self.problem.workloads;
        let sub = self.out.join(self.search_folder(k));
        let (objective, workloads, what) = if which == 0 {
            (
                self.options.inputs.objective.clone(),
                all.as_slice(),
                "joint".to_string(),
            )
        } else {
            let w = &all[which - 1];
            (
                format!("edap:{}", w.name),
                std::slice::from_ref(w),
                DesignId::Specific(w.name.clone()).to_string(),
            )
        };
        let evaluator = self.evaluator.as_ref();
        let swept = run_search(
            &self.options,
            seed,
            &objective,
            workloads,
            &sub,
            evaluator,
            progress,
        )
        .with_context(|| format!("search in {}", sub.display()))?;
        match swept.best() {
            Some(r) => Ok(r.point.clone()),
            None if swept.rows.len() as u128 >= self.problem.file.size() => bail!(
                "the {what} search costed all {} designs of the space and none is feasible ({}): \
                 their reasons are in its evaluations.parquet (a --min-snr above what the space \
                 can reach, or an area limit, does this)",
                swept.rows.len(),
                swept.out.display()
            ),
            None => bail!(
                "the {what} search found no feasible design in {} evaluations ({}); raise --budget",
                swept.rows.len(),
                swept.out.display()
            ),
        }
    }

    /// Every design of every seed costed on every workload: the rows of comparison.parquet,
    /// and the designs.
    fn cost(&self, found: &[Option<Point>]) -> Result<(Vec<Line>, Vec<Design>)> {
        let (all, names) = (&self.problem, &self.problem.names);
        let seq = sequential(all, self.options.sequential_start);
        let (mut lines, mut designs) = (Vec::new(), Vec::new());
        for seed in 0..self.options.seeds {
            let base = (seed * self.per_seed()) as usize;
            let pick = |i: usize| {
                found[base + i]
                    .clone()
                    .context("a search of this seed did not run")
            };
            let specific: Vec<Point> = (1..=names.len()).map(pick).collect::<Result<_>>()?;
            let largest = names.iter().position(|n| *n == self.largest).unwrap_or(0);
            let mut kinds: Vec<(Kind, DesignId, Point)> = vec![
                (Kind::Joint, DesignId::Joint, pick(0)?),
                (
                    Kind::Largest,
                    DesignId::Specific(self.largest.clone()),
                    specific[largest].clone(),
                ),
                (Kind::Sequential, DesignId::Sequential, seq.clone()),
            ];
            for (w, p) in names.iter().zip(&specific) {
                kinds.push((Kind::Specific, DesignId::Specific(w.clone()), p.clone()));
            }
            let evals: Vec<Evaluation> = kinds.iter().map(|k| all.evaluate(&k.2)).collect();
            // The specific designs follow the three other kinds, in workload order.
            let own = &evals[3..];
            for ((kind, id, point), e) in kinds.into_iter().zip(evals.iter()) {
                for (i, w) in names.iter().enumerate() {
                    let kind = match (&kind, &id) {
                        (Kind::Specific, DesignId::Specific(d)) if d != w => Kind::OtherSpecific,
                        _ => kind,
                    };
                    lines.push(line(seed, kind, &id, w, e, i, &own[i]));
                }
                if !designs
                    .iter()
                    .any(|d: &Design| d.seed == seed && d.id == id)
                {
                    let eval = e.clone();
                    designs.push(Design {
                        seed,
                        id,
                        point,
                        eval,
                    });
                }
            }
        }
        Ok((lines, designs))
    }
}

/// One search of the comparison, as a sweep folder (read back when complete).
fn run_search(
    o: &CompareOptions,
    seed: u64,
    objective: &str,
    workloads: &[Workload],
    out: &Path,
    evaluator: Option<&EvaluatorOptions>,
    progress: &dyn Progress,
) -> Result<super::sweep::Swept> {
    let names: Vec<String> = workloads.iter().map(|w| w.name.clone()).collect();
    let options = SweepOptions {
        inputs: Inputs {
            space: o.inputs.space.clone(),
            workloads: names.join(","),
            objective: objective.into(),
            calibration: o.inputs.calibration.clone(),
            min_snr: o.inputs.min_snr,
        },
        optimizer: o.optimizer,
        budget: o.budget,
        seed,
        top: 100,
        keep_all: false,
        population: o.population,
        fidelity: Default::default(),
    };
    let problem = options.problem_with(workloads.to_vec())?;
    let resume = out.join("run.toml").exists();
    let mut sweep = Sweep::new(problem, options, Some(out.to_path_buf()), resume, None)?;
    sweep.evaluator = evaluator.cloned();
    sweep.run(&Muted(progress))
}

fn line(
    seed: u64,
    kind: Kind,
    design: &DesignId,
    workload: &str,
    e: &Evaluation,
    i: usize,
    own: &Evaluation,
) -> Line {
    let (energy, latency, edap) = e.per_workload[i].unwrap_or((f64::NAN, f64::NAN, f64::NAN));
    let reference = own.per_workload[i].map_or(f64::NAN, |x| x.2);
    Line {
        seed,
        kind,
        design: design.clone(),
        workload: workload.into(),
        feasible: e.outcome.is_feasible(),
        energy_mj: energy,
        latency_ms: latency,
        area_mm2: e.area_mm2.unwrap_or(f64::NAN),
        edap,
        normalized: edap / reference,
    }
}

fn frame(l: &[Line]) -> Result<polars_core::prelude::DataFrame> {
    let joint_of = |x: &Line| -> Option<(f64, f64, f64)> {
        if x.kind != Kind::Joint {
            return None;
        }
        let largest = l
            .iter()
            .find(|y| y.seed == x.seed && y.kind == Kind::Largest && y.workload == x.workload)?;
        let (pct, pp) = gain_over_largest(x.normalized, largest.normalized);
        Some((pct, pp, loss_vs_specific(x.normalized)))
    };
    let j: Vec<Option<(f64, f64, f64)>> = l.iter().map(joint_of).collect();
    let nums = |f: fn(&Line) -> f64| Col::F64(l.iter().map(|x| Some(f(x))).collect());
    let gains = |k: usize| Col::F64(j.iter().map(|x| x.map(|v| [v.0, v.1, v.2][k])).collect());
    results::table(vec![
        ("seed", Col::U64(l.iter().map(|x| x.seed).collect())),
        (
            "kind",
            Col::Str(l.iter().map(|x| x.kind.name().to_string()).collect()),
        ),
        (
            "design",
            Col::Str(l.iter().map(|x| x.design.to_string()).collect()),
        ),
        (
            "workload",
            Col::Str(l.iter().map(|x| x.workload.clone()).collect()),
        ),
        (
            "feasible",
            Col::Bool(l.iter().map(|x| x.feasible).collect()),
        ),
        ("energy_mj", nums(|x| x.energy_mj)),
        ("latency_ms", nums(|x| x.latency_ms)),
        ("area_mm2", nums(|x| x.area_mm2)),
        ("edap", nums(|x| x.edap)),
        ("normalized", nums(|x| x.normalized)),
        ("gain_over_largest_pct", gains(0)),
        ("gain_over_largest_pp", gains(1)),
        ("loss_vs_specific_pct", gains(2)),
    ])
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
    fn design_ids_and_kinds_print_as_in_the_table() {
        assert_eq!(
            DesignId::Specific("vgg16".into()).to_string(),
            "specific:vgg16"
        );
        assert_eq!(DesignId::Joint.to_string(), "joint");
        assert_eq!(Kind::OtherSpecific.name(), "other-specific");
    }
}
