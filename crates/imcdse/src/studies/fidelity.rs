//! Fidelity against a reference simulator: cost every design of a [`Reference`] with our
//! model and measure how alike the two rank and size them.
//!
//! - Per metric (area, and each workload's energy and latency): Spearman's rho, Kendall's
//!   tau-b, and the ratio ours / reference as its median and its 10th and 90th percentiles.
//! - Per joint score (max-ela, mean-ela, computed the same way on both sides): the same, the
//!   overlap of the two top-10 lists, where the reference's best design ranks in ours and ours
//!   in the reference (1 = best).
//! - Which workload has the largest latency, and the largest energy, in what share of the
//!   designs, in both; and in what share the two agree on it.
//!
//! Designs are costed without the space's area limit and whether or not their weights fit
//! (the numbers are compared, not feasibility); how many our model finds infeasible is
//! reported. Costing ticks a progress bar; the statistics are O(n log n) in the designs
//! (Kendall's tau by Knight's algorithm, [`crate::rank`]).

use crate::objective::Objective;
use crate::progress::Progress;
use crate::rank::{kendall_tau_b, quantile, spearman};
use crate::reference::Reference;
use crate::report::{Format, significant};
use crate::results::{Col, write_parquet};
use crate::space::Space as SpaceFile;
use anyhow::{Context, Result, anyhow};
use imc_model::{Value, evaluate_design_with};
use rayon::prelude::*;
use serde::Serialize;
use std::fmt::Write;
use std::path::Path;

/// Both sides' numbers for one design.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pair {
    /// Area, mm2: (model, reference).
    pub area_mm2: (f64, f64),
    /// Per workload, energy in mJ: (model, reference).
    pub energy_mj: Vec<(f64, f64)>,
    /// Per workload, latency in ms: (model, reference).
    pub latency_ms: Vec<(f64, f64)>,
    /// Whether our model finds the design infeasible (weights that do not fit, a softmax unit
    /// too narrow); the area limit is not applied.
    pub model_infeasible: bool,
}

/// How alike the two sides are on one quantity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// `area`, `energy`, `latency`, `max-ela` or `mean-ela`.
    pub metric: String,
    /// The workload, for energy and latency.
    pub workload: Option<String>,
    /// Designs compared.
    pub n: usize,
    /// Spearman's rank correlation (`None` if one side is constant).
    pub spearman: Option<f64>,
    /// Kendall's tau-b.
    pub kendall: Option<f64>,
    /// Median of model / reference.
    pub median_ratio: f64,
    /// 10th percentile of the ratio.
    pub p10_ratio: f64,
    /// 90th percentile of the ratio.
    pub p90_ratio: f64,
    /// Joint scores: designs in both top-10 lists.
    pub top10_overlap: Option<usize>,
    /// Joint scores: the reference's best design's rank in ours (1 = best).
    pub reference_best_in_model: Option<usize>,
    /// Joint scores: our best design's rank in the reference.
    pub model_best_in_reference: Option<usize>,
}

/// In what share of the designs a workload is the one with the largest latency or energy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Largest {
    /// The workload.
    pub workload: String,
    /// Share of designs where it has the largest latency: (model, reference).
    pub latency: (f64, f64),
    /// Share where it has the largest energy: (model, reference).
    pub energy: (f64, f64),
}

/// A fidelity report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fidelity {
    /// The space's name.
    pub space: String,
    /// The reference file.
    pub reference: String,
    /// Overrides applied to every design (`--set`).
    pub set: Vec<String>,
    /// The calibration's name, if the space has one.
    pub calibration: Option<String>,
    /// Designs compared.
    pub designs: usize,
    /// Rows of the reference that repeat a design with its costs, counted once.
    pub duplicate_rows: usize,
    /// Of those, designs our model finds infeasible.
    pub model_infeasible: usize,
    /// Area, then each workload's energy and latency, then max-ela and mean-ela.
    pub agreements: Vec<Agreement>,
    /// Per workload: how often it is the largest.
    pub largest: Vec<Largest>,
    /// Share of designs where both agree which workload has the largest latency.
    pub largest_latency_agreement: f64,
    /// Share where both agree which has the largest energy.
    pub largest_energy_agreement: f64,
    /// Each design's numbers, in the reference's order.
    #[serde(skip)]
    pub pairs: Vec<Pair>,
}

/// Costs every design of `reference` in `space` (with `set` overriding fixed parameters) and
/// compares; `progress` shows the costing.
pub fn fidelity(
    space: &SpaceFile,
    reference: &Reference,
    set: &[(String, Value)],
    progress: &dyn Progress,
) -> Result<Fidelity> {
    if let Some((k, _)) = set
        .iter()
        .find(|(k, _)| space.params.iter().any(|(p, _)| p == k))
    {
        return Err(anyhow!(
            "--set {k}: `{k}` is a free parameter of {}; the reference gives its values",
            space.name
        ));
    }
    for (k, v) in set {
        imc_model::Assignment::new(k, v).map_err(|e| anyhow!("--set {k}: {e}"))?;
    }
    let plans: Vec<_> = reference
        .workloads
        .iter()
        .map(imc_model::Plan::new)
        .collect();
    if reference.duplicates > 0 {
        progress.note(&format!(
            "{}: {} rows repeat an earlier row's design and costs; each design counts once",
            reference.file.display(),
            reference.duplicates
        ));
    }
    let bar = progress.bar(
        reference.designs.len() as u64,
        "costing the reference's designs",
    );
    let pairs = reference
        .designs
        .par_iter()
        .map(|d| {
            let arch = reference.architecture(space, set, d)?;
            let r = evaluate_design_with(&arch, &reference.workloads, Some(&plans), None);
            bar.inc(1);
            Ok(Pair {
                area_mm2: (r.area_mm2, d.area_mm2),
                energy_mj: r
                    .workloads
                    .iter()
                    .map(|w| w.energy_mj)
                    .zip(d.energy_mj.iter().copied())
                    .collect(),
                latency_ms: r
                    .workloads
                    .iter()
                    .map(|w| w.latency_ms)
                    .zip(d.latency_ms.iter().copied())
                    .collect(),
                model_infeasible: r.infeasible().is_some(),
            })
        })
        .collect::<Result<Vec<Pair>>>();
    bar.finish();
    let names: Vec<String> = reference.workloads.iter().map(|w| w.name.clone()).collect();
    let label = reference.file.display().to_string();
    let mut f = statistics(space, label, &names, set, pairs?);
    f.duplicate_rows = reference.duplicates;
    Ok(f)
}

/// The statistics of costed pairs of the workloads `names`, against the reference called
/// `reference` (a file, or an evaluator: `imcdse refine` reports through this too).
pub fn statistics(
    space: &SpaceFile,
    reference: String,
    names: &[String],
    set: &[(String, Value)],
    pairs: Vec<Pair>,
) -> Fidelity {
    let mut agreements = vec![agreement("area", None, pairs.iter().map(|p| p.area_mm2))];
    for (i, w) in names.iter().enumerate() {
        agreements.push(agreement(
            "energy",
            Some(w),
            pairs.iter().map(|p| p.energy_mj[i]),
        ));
        agreements.push(agreement(
            "latency",
            Some(w),
            pairs.iter().map(|p| p.latency_ms[i]),
        ));
    }
    for objective in [Objective::MaxEla, Objective::MeanEla] {
        let score = |side: fn(&(f64, f64)) -> f64, p: &Pair| {
            let e: Vec<f64> = p.energy_mj.iter().map(side).collect();
            let l: Vec<f64> = p.latency_ms.iter().map(side).collect();
            objective.score(names, &e, &l, side(&p.area_mm2))
        };
        let scores: Vec<(f64, f64)> = pairs
            .iter()
            .map(|p| (score(|x| x.0, p), score(|x| x.1, p)))
            .collect();
        let mut a = agreement(&objective.name(), None, scores.iter().copied());
        let (model, refr): (Vec<f64>, Vec<f64>) = scores.into_iter().unzip();
        let (top_m, top_r) = (order(&model), order(&refr));
        a.top10_overlap = Some(
            top_m
                .iter()
                .take(10)
                .filter(|i| top_r[..10.min(top_r.len())].contains(i))
                .count(),
        );
        a.reference_best_in_model = top_m.iter().position(|&i| i == top_r[0]).map(|p| p + 1);
        a.model_best_in_reference = top_r.iter().position(|&i| i == top_m[0]).map(|p| p + 1);
        agreements.push(a);
    }
    let (largest, latency_agree, energy_agree) = largest(names, &pairs);
    Fidelity {
        space: space.name.clone(),
        reference,
        set: set.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        calibration: space.calibration.as_ref().map(|c| c.name.clone()),
        designs: pairs.len(),
        duplicate_rows: 0,
        model_infeasible: pairs.iter().filter(|p| p.model_infeasible).count(),
        agreements,
        largest,
        largest_latency_agreement: latency_agree,
        largest_energy_agreement: energy_agree,
        pairs,
    }
}

/// Rank statistics and ratios of (model, reference) values.
fn agreement(
    metric: &str,
    workload: Option<&String>,
    values: impl Iterator<Item = (f64, f64)>,
) -> Agreement {
    let (model, refr): (Vec<f64>, Vec<f64>) = values.unzip();
    let ratios: Vec<f64> = model.iter().zip(&refr).map(|(m, r)| m / r).collect();
    let q = |p: f64| quantile(&ratios, p).unwrap_or(f64::NAN);
    Agreement {
        metric: metric.to_string(),
        workload: workload.cloned(),
        n: model.len(),
        spearman: spearman(&model, &refr),
        kendall: kendall_tau_b(&model, &refr),
        median_ratio: q(0.5),
        p10_ratio: q(0.1),
        p90_ratio: q(0.9),
        top10_overlap: None,
        reference_best_in_model: None,
        model_best_in_reference: None,
    }
}

/// Indices from the lowest (best) value up; ties keep the reference's order.
fn order(v: &[f64]) -> Vec<usize> {
    let mut o: Vec<usize> = (0..v.len()).collect();
    o.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    o
}

/// Per workload, the share of designs where it has the largest latency and energy on each
/// side; and the shares where the sides agree on the largest.
fn largest(names: &[String], pairs: &[Pair]) -> (Vec<Largest>, f64, f64) {
    let argmax = |v: &[(f64, f64)], side: fn(&(f64, f64)) -> f64| {
        (0..v.len())
            .max_by(|&a, &b| side(&v[a]).total_cmp(&side(&v[b])))
            .unwrap_or(0)
    };
    let n = pairs.len().max(1) as f64;
    let share = |f: &dyn Fn(&Pair) -> bool| pairs.iter().filter(|p| f(p)).count() as f64 / n;
    let rows = (0..names.len())
        .map(|i| Largest {
            workload: names[i].clone(),
            latency: (
                share(&|p| argmax(&p.latency_ms, |x| x.0) == i),
                share(&|p| argmax(&p.latency_ms, |x| x.1) == i),
            ),
            energy: (
                share(&|p| argmax(&p.energy_mj, |x| x.0) == i),
                share(&|p| argmax(&p.energy_mj, |x| x.1) == i),
            ),
        })
        .collect();
    let latency = share(&|p| argmax(&p.latency_ms, |x| x.0) == argmax(&p.latency_ms, |x| x.1));
    let energy = share(&|p| argmax(&p.energy_mj, |x| x.0) == argmax(&p.energy_mj, |x| x.1));
    (rows, latency, energy)
}

impl Fidelity {
    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let repeated = match self.duplicate_rows {
            0 => String::new(),
            n => format!(", {n} repeated rows counted once"),
        };
        let mut out = format!(
            "# Fidelity: imcdse against {}\n\nspace {}{}, {} designs ({} infeasible in our model{repeated}){}\n\n",
            self.reference,
            self.space,
            self.calibration
                .as_ref()
                .map_or(", uncalibrated".to_string(), |c| format!(
                    ", calibration {c}"
                )),
            self.designs,
            self.model_infeasible,
            if self.set.is_empty() {
                String::new()
            } else {
                format!(", with {}", self.set.join(", "))
            }
        );
        out.push_str(&self.agreements_table());
        out.push_str(&self.largest_table());
        out
    }

    /// The agreements, one row per metric.
    fn agreements_table(&self) -> String {
        let f = |x: Option<f64>| x.map_or("-".into(), |x| format!("{x:.3}"));
        let r = |x: f64| significant(x, 3, Format::Markdown);
        let rows: Vec<Vec<String>> = self
            .agreements
            .iter()
            .map(|a| {
                vec![
                    a.metric.clone(),
                    a.workload.clone().unwrap_or_default(),
                    f(a.spearman),
                    f(a.kendall),
                    r(a.median_ratio),
                    format!("{} .. {}", r(a.p10_ratio), r(a.p90_ratio)),
                    a.top10_overlap.map_or(String::new(), |x| x.to_string()),
                    a.reference_best_in_model
                        .map_or(String::new(), |x| x.to_string()),
                    a.model_best_in_reference
                        .map_or(String::new(), |x| x.to_string()),
                ]
            })
            .collect();
        markdown_table(
            &[
                "metric",
                "workload",
                ">Spearman rho",
                ">Kendall tau",
                ">median ratio",
                ">p10 .. p90",
                ">top-10 overlap",
                ">reference's best, our rank",
                ">our best, reference's rank",
            ],
            &rows,
        )
    }

    /// Which workload is the largest, in what share of the designs, on each side.
    fn largest_table(&self) -> String {
        let mut out = String::new();
        let pct = |x: f64| format!("{:.1}%", 100.0 * x);
        let rows: Vec<Vec<String>> = self
            .largest
            .iter()
            .map(|l| {
                vec![
                    l.workload.clone(),
                    pct(l.latency.0),
                    pct(l.latency.1),
                    pct(l.energy.0),
                    pct(l.energy.1),
                ]
            })
            .collect();
        let _ = write!(
            out,
            "\nRatios are ours / the reference's. Ranks count from 1 = best (lowest score).\n\n\
             ## Which workload is the largest\n\nShare of designs in which a workload has the largest latency or energy.\n\n"
        );
        out.push_str(&markdown_table(
            &[
                "workload",
                ">latency, model",
                ">latency, reference",
                ">energy, model",
                ">energy, reference",
            ],
            &rows,
        ));
        let _ = writeln!(
            out,
            "\nBoth name the same workload as the slowest in {} of the designs, as the most energy-hungry in {}.",
            pct(self.largest_latency_agreement),
            pct(self.largest_energy_agreement)
        );
        out
    }

    /// Writes `fidelity.md`, `fidelity.parquet` (one row per agreement) and `designs.parquet`
    /// (each design's numbers on both sides) into `out`.
    pub fn write(&self, out: &Path) -> Result<()> {
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        crate::run_dir::write_atomic(&out.join("fidelity.md"), self.markdown().as_bytes())?;
        let a = &self.agreements;
        let opt = |f: fn(&Agreement) -> Option<f64>| Col::F64(a.iter().map(f).collect());
        let count = |f: fn(&Agreement) -> Option<usize>| {
            Col::F64(a.iter().map(|x| f(x).map(|v| v as f64)).collect())
        };
        let frame = crate::results::table(vec![
            (
                "metric",
                Col::Str(a.iter().map(|x| x.metric.clone()).collect()),
            ),
            (
                "workload",
                Col::Str(
                    a.iter()
                        .map(|x| x.workload.clone().unwrap_or_default())
                        .collect(),
                ),
            ),
            ("n", Col::U64(a.iter().map(|x| x.n as u64).collect())),
            ("spearman", opt(|x| x.spearman)),
            ("kendall_tau_b", opt(|x| x.kendall)),
            ("median_ratio", opt(|x| Some(x.median_ratio))),
            ("p10_ratio", opt(|x| Some(x.p10_ratio))),
            ("p90_ratio", opt(|x| Some(x.p90_ratio))),
            ("top10_overlap", count(|x| x.top10_overlap)),
            (
                "reference_best_in_model",
                count(|x| x.reference_best_in_model),
            ),
            (
                "model_best_in_reference",
                count(|x| x.model_best_in_reference),
            ),
        ])?;
        write_parquet(&out.join("fidelity.parquet"), frame)?;
        write_parquet(&out.join("designs.parquet"), self.designs_frame()?)
    }

    fn designs_frame(&self) -> Result<polars_core::prelude::DataFrame> {
        let p = &self.pairs;
        let side = |f: &dyn Fn(&Pair) -> f64| Col::F64(p.iter().map(|x| Some(f(x))).collect());
        let mut cols: Vec<(String, Col)> = vec![
            ("model__area_mm2".into(), side(&|x| x.area_mm2.0)),
            ("reference__area_mm2".into(), side(&|x| x.area_mm2.1)),
        ];
        let workloads: Vec<&String> = self
            .agreements
            .iter()
            .filter(|a| a.metric == "energy")
            .filter_map(|a| a.workload.as_ref())
            .collect();
        for (i, w) in workloads.iter().enumerate() {
            cols.push((
                format!("model__{w}__energy_mj"),
                side(&|x| x.energy_mj[i].0),
            ));
            cols.push((
                format!("reference__{w}__energy_mj"),
                side(&|x| x.energy_mj[i].1),
            ));
            cols.push((
                format!("model__{w}__latency_ms"),
                side(&|x| x.latency_ms[i].0),
            ));
            cols.push((
                format!("reference__{w}__latency_ms"),
                side(&|x| x.latency_ms[i].1),
            ));
        }
        cols.push((
            "model_infeasible".into(),
            Col::Bool(p.iter().map(|x| x.model_infeasible).collect()),
        ));
        let (names, columns): (Vec<String>, Vec<Col>) = cols.into_iter().unzip();
        crate::results::table(names.iter().map(String::as_str).zip(columns).collect())
    }
}

/// A Markdown table whose headers starting with `>` are right-aligned (the marker dropped).
pub(crate) fn markdown_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let right: Vec<bool> = header.iter().map(|h| h.starts_with('>')).collect();
    let names: Vec<&str> = header.iter().map(|h| h.trim_start_matches('>')).collect();
    crate::report::markdown_table(&names, &right, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::{Quiet, Recorder};
    use crate::reference::own;
    use imc_model::Factors;
    use imc_model::breakdown::{Energy, Latency};

    /// A reference made by our own model on every 7th design of demo, its energies scaled by
    /// `ke` and latencies by `kl` (factors on every part).
    fn own_reference(ke: f64, kl: f64) -> (SpaceFile, Reference) {
        let space = SpaceFile::resolve("demo").unwrap();
        let factors = Factors {
            energy: Energy::splat(ke),
            latency: Latency::splat(kl),
            ..Factors::default()
        };
        let reference = own(&space, "resnet18,alexnet", factors, 7);
        (space, reference)
    }

    /// Against itself the model agrees perfectly; scaled by constant factors, the ranks still
    /// agree and the ratios are the factors' inverses.
    #[test]
    fn own_numbers_agree_and_constant_factors_show_as_ratios() {
        let (space, r) = own_reference(1.0, 1.0);
        let f = fidelity(&space, &r, &[], &Quiet).unwrap();
        assert_eq!(f.designs, 47);
        for a in &f.agreements {
            assert_eq!(a.spearman, Some(1.0), "{}", a.metric);
            assert_eq!(a.median_ratio, 1.0, "{}", a.metric);
        }
        let joint = f.agreements.iter().find(|a| a.metric == "max-ela").unwrap();
        assert_eq!(
            (
                joint.top10_overlap,
                joint.reference_best_in_model,
                joint.model_best_in_reference
            ),
            (Some(10), Some(1), Some(1))
        );
        assert_eq!(
            (f.largest_latency_agreement, f.largest_energy_agreement),
            (1.0, 1.0)
        );

        let (space, r) = own_reference(2.0, 4.0);
        let f = fidelity(&space, &r, &[], &Quiet).unwrap();
        for a in &f.agreements {
            let want = match a.metric.as_str() {
                "area" => 1.0,
                "energy" => 0.5,
                "latency" => 0.25,
                _ => 0.125,
            };
            assert!(
                (a.median_ratio - want).abs() < 1e-12,
                "{} {}",
                a.metric,
                a.median_ratio
            );
            assert!((a.p10_ratio - want).abs() < 1e-12 && (a.p90_ratio - want).abs() < 1e-12);
            assert!(a.spearman.unwrap() > 0.999_999, "{}", a.metric);
        }
        let md = f.markdown();
        assert!(
            md.contains("| max-ela |  | 1.000 | 1.000 | 0.125 |"),
            "{md}"
        );
    }

    /// C6: costing shows a bar over the designs through the studies' Progress; repeated rows
    /// of the reference are noted and reported.
    #[test]
    fn c6_costing_shows_progress_and_repeated_rows_are_reported() {
        let (space, mut r) = own_reference(1.0, 1.0);
        r.duplicates = 3;
        let rec = Recorder::default();
        let f = fidelity(&space, &r, &[], &rec).unwrap();
        assert_eq!(
            rec.lines(),
            [
                "own.csv: 3 rows repeat an earlier row's design and costs; each design counts once",
                "bar costing the reference's designs 47"
            ]
        );
        assert_eq!(f.duplicate_rows, 3);
        let md = f.markdown();
        assert!(md.contains(", 3 repeated rows counted once)"), "{md}");
    }

    #[test]
    fn overrides_are_checked_and_may_not_set_free_parameters() {
        let (space, r) = own_reference(1.0, 1.0);
        let e = fidelity(&space, &r, &[("rows".into(), Value::Num(64.0))], &Quiet).unwrap_err();
        assert!(
            e.to_string().contains("`rows` is a free parameter of demo"),
            "{e}"
        );
        let e = fidelity(&space, &r, &[("adc_bits".into(), Value::Num(99.0))], &Quiet).unwrap_err();
        assert!(
            e.to_string().contains("--set adc_bits") && e.to_string().contains("1..=12"),
            "{e}"
        );
        let f = fidelity(&space, &r, &[("adc_bits".into(), Value::Num(6.0))], &Quiet).unwrap();
        assert_eq!(f.set, ["adc_bits=6"]);
    }
}
