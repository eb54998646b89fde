//! comparison.md: per workload the normalized EDAP `s` of the joint, largest-workload and
//! sequential designs with the gains and losses (median [min, max] over seeds), the joint score
//! of each design, and sentences on what the numbers mean: when the joint search returned the
//! largest workload's design itself, and where the joint design does not beat it. The rows
//! and designs it reads are defined here too ([`Line`], [`Design`]).

use crate::optimizer::OptimizerKind;
use crate::problem::{Evaluation, Problem};
use crate::report::{median_min_max, pairs, spread, table};
use imc_search::Point;
use std::fmt;

/// What a row of comparison.parquet is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The joint design.
    Joint,
    /// The largest workload's specific design.
    Largest,
    /// The level-by-level design.
    Sequential,
    /// The row's workload's own design.
    Specific,
    /// Another workload's specific design.
    OtherSpecific,
}

impl Kind {
    /// The name in comparison.parquet's `kind` column.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Joint => "joint",
            Kind::Largest => "largest",
            Kind::Sequential => "sequential",
            Kind::Specific => "specific",
            Kind::OtherSpecific => "other-specific",
        }
    }
}

/// Which design a row costs (comparison.parquet's `design` column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesignId {
    /// The joint search's best.
    Joint,
    /// The sequential baseline.
    Sequential,
    /// The best design of the search on one workload.
    Specific(String),
}

impl fmt::Display for DesignId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DesignId::Joint => f.write_str("joint"),
            DesignId::Sequential => f.write_str("sequential"),
            DesignId::Specific(w) => write!(f, "specific:{w}"),
        }
    }
}

/// A compared design of one seed, costed on every workload.
pub struct Design {
    /// The seed of the searches that found it.
    pub seed: u64,
    /// Which design.
    pub id: DesignId,
    /// Its parameters.
    pub point: Point,
    /// Its cost on every workload.
    pub eval: Evaluation,
}

/// One row of comparison.parquet: a design costed on a workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The seed.
    pub seed: u64,
    /// What the design is to this workload.
    pub kind: Kind,
    /// Which design.
    pub design: DesignId,
    /// The workload.
    pub workload: String,
    /// Whether the design is feasible (for all workloads).
    pub feasible: bool,
    /// mJ.
    pub energy_mj: f64,
    /// ms.
    pub latency_ms: f64,
    /// mm2.
    pub area_mm2: f64,
    /// mJ ms mm2.
    pub edap: f64,
    /// EDAP over the workload's own design's.
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

/// The rows of `kind` on workload `w`, seed by seed.
fn of<'a>(lines: &'a [Line], kind: Kind, w: &str) -> Vec<&'a Line> {
    lines
        .iter()
        .filter(|x| x.kind == kind && x.workload == w)
        .collect()
}

/// comparison.md's text: the joint `problem`, the searches' optimizer and seeds, the largest
/// workload, and the rows and designs of the comparison.
pub fn markdown(
    problem: &Problem,
    (optimizer, seeds): (OptimizerKind, u64),
    largest: &str,
    lines: &[Line],
    designs: &[Design],
) -> String {
    let mut s = format!(
        "# Comparison: {} on {}\n\nJoint objective `{}`, optimizer `{}`, seeds 0..{}; largest workload \
         (most MACs): {largest}. s = EDAP(design, w) / EDAP(w's specific design, w): lower is better, \
         1 = the workload-specific design. Seeds: median [min, max].\n\n",
        problem.file.name,
        problem.names.join(", "),
        problem.objective.name(),
        optimizer,
        seeds,
    );
    let (rows, losing) = workload_rows(&problem.names, lines);
    s.push_str(&table(
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
    s.push_str(&score_table(problem, largest, designs));
    s.push_str(&same_design(largest, seeds, lines, designs));
    s.push_str(&losing_text(lines, &losing));
    s
}

/// One table row per workload, and the workloads where joint loses to largest (median).
fn workload_rows(names: &[String], lines: &[Line]) -> (Vec<Vec<String>>, Vec<String>) {
    let mut rows = Vec::new();
    let mut losing = Vec::new();
    for w in names {
        let s_of = |k: Kind| -> Vec<f64> { of(lines, k, w).iter().map(|x| x.normalized).collect() };
        let (sj, sl) = (s_of(Kind::Joint), s_of(Kind::Largest));
        let gains: Vec<(f64, f64)> = sj
            .iter()
            .zip(&sl)
            .map(|(j, l)| gain_over_largest(*j, *l))
            .collect();
        let pct: Vec<f64> = gains.iter().map(|g| g.0).collect();
        let pp: Vec<f64> = gains.iter().map(|g| g.1).collect();
        let loss: Vec<f64> = sj.iter().map(|j| loss_vs_specific(*j)).collect();
        let edap: Vec<f64> = of(lines, Kind::Specific, w)
            .iter()
            .map(|x| x.edap)
            .collect();
        if median_min_max(&pct).is_some_and(|m| m.0 < 0.0) {
            losing.push(w.clone());
        }
        let infeasible = [Kind::Largest, Kind::Sequential]
            .iter()
            .any(|&k| of(lines, k, w).iter().any(|x| !x.feasible));
        rows.push(vec![
            w.clone(),
            spread(&edap, 4),
            spread(&sj, 3),
            spread(&sl, 3),
            spread(&s_of(Kind::Sequential), 3),
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
    (rows, losing)
}

/// The joint score of each kind of design (seed 0), so the reader sees what the joint search
/// optimised.
fn score_table(problem: &Problem, largest: &str, designs: &[Design]) -> String {
    let mut rows = Vec::new();
    for (kind, id) in [
        (Kind::Joint, DesignId::Joint),
        (Kind::Largest, DesignId::Specific(largest.to_string())),
        (Kind::Sequential, DesignId::Sequential),
    ] {
        if let Some(d) = designs.iter().find(|d| d.seed == 0 && d.id == id) {
            let e = &d.eval;
            rows.push(vec![
                kind.name().to_string(),
                e.score.map_or("infeasible".into(), |x| format!("{x:.4e}")),
                format!("{:.2}", e.area_mm2.unwrap_or(f64::NAN)),
                pairs(&problem.values(&d.point), "=", " "),
            ]);
        }
    }
    let score = format!("{} score", problem.objective.name());
    format!(
        "\nJoint score of each design (seed 0):\n\n{}",
        table(&["design", &score, "area mm2", "parameters"], &rows)
    )
}

/// When the joint search returned the largest workload's design itself, and why.
fn same_design(largest: &str, seeds: u64, lines: &[Line], designs: &[Design]) -> String {
    let point = |seed: u64, id: &DesignId| {
        designs
            .iter()
            .find(|x| x.seed == seed && x.id == *id)
            .map(|x| &x.point)
    };
    let same: Vec<u64> = (0..seeds)
        .filter(|&seed| {
            let joint = point(seed, &DesignId::Joint);
            joint.is_some() && joint == point(seed, &DesignId::Specific(largest.to_string()))
        })
        .collect();
    let Some(&first) = same.first() else {
        return String::new();
    };
    let joint: Vec<&Line> = lines
        .iter()
        .filter(|x| x.kind == Kind::Joint && x.seed == first)
        .collect();
    let dominated = joint
        .iter()
        .find(|y| y.workload == *largest)
        .is_some_and(|big| {
            joint
                .iter()
                .all(|x| x.energy_mj <= big.energy_mj && x.latency_ms <= big.latency_ms)
        });
    format!(
        "\nFor seed(s) {same:?} the joint search returned the largest-workload design itself. {}\n",
        if dominated {
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
    )
}

/// Where the joint design does not beat the largest-workload design, factor by factor.
fn losing_text(lines: &[Line], losing: &[String]) -> String {
    if losing.is_empty() {
        return "\nThe joint design is no worse than the largest-workload design on any workload (median over seeds).\n".into();
    }
    let mut s = String::from(
        "\nWhere the joint design does not beat the largest-workload design (seed 0 figures, joint / largest):\n\n",
    );
    for w in losing {
        let (j, l) = (of(lines, Kind::Joint, w), of(lines, Kind::Largest, w));
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
    s
}

/// One sentence on which factor of E x L x A costs the joint design most against the largest.
fn explain(j: &Line, l: &Line) -> String {
    let f = [
        ("energy", j.energy_mj / l.energy_mj),
        ("latency", j.latency_ms / l.latency_ms),
        ("area", j.area_mm2 / l.area_mm2),
    ];
    let worst = f.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap_or(&f[0]);
    format!(
        "The largest-workload design is {} here mainly through {} (x{:.3}); the joint design trades \
         that for its score on the other workloads.",
        if worst.1 > 1.0 { "better" } else { "not worse" },
        worst.0,
        worst.1
    )
}
