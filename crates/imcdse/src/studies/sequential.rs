//! The journal paper's level-by-level baseline (paper-framework.md sections 5 and 6): device
//! (`bits_per_cell`), then circuit (`rows`, `cols`), then architecture (`router_groups`,
//! `tiles_per_group`, `crossbars_per_tile`, `glb_mib`), then system (`voltage_v`, `cycle_ns`);
//! parameters of none of these come last. Each level is searched on the joint objective with
//! the others held, starting from the paper's "middle" values (0.7 V, 4 ns, 256 x 256, 8 / 16 /
//! 32, 4 MB; the middle of the list for anything else) or, with [`Start::Max`], the largest
//! value of every list. Our model is fast enough to search each level exhaustively (the paper
//! ran a small GA per level), so this baseline is the best any level-by-level search can do,
//! and the same for every seed.

use crate::problem::Problem;
use imc_model::Value;
use imc_search::outcome::rank_cmp;
use imc_search::{Outcome, Point, Space};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where the sequential search starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Start {
    /// The paper's middle values.
    Middle,
    /// The largest value of every list.
    Max,
}

impl fmt::Display for Start {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Start::Middle => "middle",
            Start::Max => "max",
        })
    }
}

impl FromStr for Start {
    type Err = String;

    fn from_str(s: &str) -> Result<Start, String> {
        match s {
            "middle" => Ok(Start::Middle),
            "max" => Ok(Start::Max),
            other => Err(format!("`{other}` is not middle or max")),
        }
    }
}

/// The levels, by parameter name.
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

/// The start point: per parameter, the listed value nearest the middle value (or the middle
/// of the list), or the last value.
fn start(problem: &Problem, from: Start) -> Point {
    let genes = problem.file.params.iter().map(|(name, values)| {
        let n = values.len() as u32;
        if from == Start::Max {
            return n - 1;
        }
        match MIDDLE.iter().find(|m| m.0 == name).map(|m| m.1) {
            Some(t) => values
                .iter()
                .enumerate()
                .min_by(|a, b| distance(a.1, t).total_cmp(&distance(b.1, t)))
                .map_or(n / 2, |(i, _)| i as u32),
            None => n / 2,
        }
    });
    Point(genes.collect())
}

/// The dimensions of each level, in order; the parameters of no level last.
fn levels(problem: &Problem) -> Vec<Vec<usize>> {
    let params = &problem.file.params;
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
    levels.retain(|d| !d.is_empty());
    levels
}

/// The sequential level-by-level design: each level searched exhaustively on the joint
/// objective with the other parameters held.
pub fn sequential(problem: &Problem, from: Start) -> Point {
    let params = &problem.file.params;
    let mut point = start(problem, from);
    for dims in levels(problem) {
        let sub = Space::new(
            dims.iter()
                .map(|&d| (params[d].0.clone(), params[d].1.len() as u32))
                .collect(),
        );
        let mut best: Option<(Point, Outcome)> = None;
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
        if let Some((p, _)) = best {
            point = p;
        }
    }
    point
}

fn distance(v: &Value, t: f64) -> f64 {
    match v {
        Value::Num(x) => (x - t).abs(),
        _ => f64::INFINITY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::Objective;
    use crate::space::Space as SpaceFile;
    use imc_zoo::Zoo;

    #[test]
    fn starts_at_the_middle_or_the_top_and_improves_level_by_level() {
        let file = SpaceFile::resolve("demo").unwrap();
        let w = Zoo::builtin().unwrap().resolve("resnet18,alexnet").unwrap();
        let names: Vec<String> = w.iter().map(|w| w.name.clone()).collect();
        let p = Problem::new(file, w, Objective::parse("max-ela", &names).unwrap()).unwrap();
        // demo: rows, cols, bits_per_cell, crossbars_per_tile, router_groups, tiles_per_group.
        assert_eq!(start(&p, Start::Middle), Point(vec![2, 2, 1, 1, 1, 0]));
        assert_eq!(start(&p, Start::Max), Point(vec![2, 2, 2, 2, 1, 1]));
        assert_eq!(
            levels(&p),
            vec![vec![2], vec![0, 1], vec![4, 5, 3]],
            "device, circuit, architecture"
        );
        let s = sequential(&p, Start::Middle);
        let o = |q: &Point| p.evaluate(q).outcome;
        assert!(rank_cmp(&o(&s), &o(&start(&p, Start::Middle))).is_le());
        assert_eq!("max".parse(), Ok(Start::Max));
        assert_eq!(
            "top".parse::<Start>().unwrap_err(),
            "`top` is not middle or max"
        );
    }
}
