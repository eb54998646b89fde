//! Exhaustive enumeration with a fast path that is exact (issue 7): it returns the same rows,
//! to the bit, as costing every design through [`Problem::evaluate`].
//!
//! Two shortcuts, both exact by construction and checked on random samples by the tests below:
//! - **Inert parameter.** With `voltage_scaling = false` the supply voltage changes nothing in
//!   the cost model (only `components::Scaling` reads it, and only when scaling is on). Designs
//!   that differ only in `voltage_v` are costed once and the result copied to each twin, with
//!   its own `eval_index` and parameters.
//! - **Capacity pruning.** A design whose weights do not fit (RRAM, `weights_on_chip`) is
//!   infeasible whatever it costs. Its footprint depends only on the mapping key (rows, cols,
//!   parallel rows, bits per cell, cells per weight: [`mapping_key`]), so the footprints are
//!   computed once per key and such designs are counted and skipped before any costing. With
//!   `--keep-all` they are costed anyway, since every row is written.
//!
//! The remaining designs go through the plain [`Problem::evaluate`], in parallel chunks; each
//! chunk keeps its best `top` rows and its Pareto front, merged at the end.

use crate::problem::{Evaluation, Problem};
use crate::results::{self, Row};
use anyhow::{Result, bail};
use imc_model::cost::{footprint, mapping_key};
use imc_search::{Point, Space};
use rayon::prelude::*;
use std::collections::HashMap;
use std::time::Instant;

/// Footprints (crossbars per workload) by mapping key.
pub type FootprintCache = HashMap<[u64; 5], Vec<u64>>;

pub struct Fast<'a> {
    pub problem: &'a Problem,
    /// The dimension whose value changes nothing (voltage without scaling), if any.
    pub inert: Option<usize>,
    /// The space without the inert dimension: what is enumerated.
    pub reduced: Space,
}

impl<'a> Fast<'a> {
    pub fn new(problem: &'a Problem) -> Fast<'a> {
        let space = &problem.space;
        let scaling_fixed_off = !space.names.iter().any(|n| n == "voltage_scaling")
            && problem
                .architecture(&Point(vec![0; space.dims()]))
                .is_ok_and(|a| !a.voltage_scaling);
        let inert = space
            .names
            .iter()
            .position(|n| n == "voltage_v")
            .filter(|_| scaling_fixed_off);
        let reduced = Space {
            names: without(&space.names, inert),
            sizes: without(&space.sizes, inert),
        };
        Fast {
            problem,
            inert,
            reduced,
        }
    }

    /// The full points a reduced point stands for (its twins), in increasing flat index.
    pub fn twins(&self, r: &Point) -> Vec<Point> {
        match self.inert {
            None => vec![r.clone()],
            Some(d) => (0..self.problem.space.sizes[d])
                .map(|v| {
                    let mut g = r.0.clone();
                    g.insert(d, v);
                    Point(g)
                })
                .collect(),
        }
    }

    /// The evaluation of `p` (any twin stands for all), or `None` when the design is
    /// infeasible before costing (invalid, or its weights do not fit).
    pub fn evaluate(&self, p: &Point, cache: &mut FootprintCache) -> Option<Evaluation> {
        let a = self.problem.architecture(p).ok()?;
        if a.weights_on_chip {
            let key = mapping_key(&a);
            let needed = cache.entry(key).or_insert_with(|| {
                self.problem
                    .workloads
                    .iter()
                    .map(|w| footprint(&a, w).0)
                    .collect()
            });
            if needed.iter().any(|&n| n > a.crossbars()) {
                return None;
            }
        }
        Some(self.problem.evaluate(p))
    }
}

fn without<T: Clone>(v: &[T], skip: Option<usize>) -> Vec<T> {
    v.iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != skip)
        .map(|(_, x)| x.clone())
        .collect()
}

/// What an exhaustive run found.
pub struct Enumerated {
    /// The best `top` rows by score (every row with `keep_all`), then the exact front's rows.
    pub rows: Vec<Row>,
    pub designs: u64,
    pub feasible: u64,
    pub seconds: f64,
    /// Whether voltage twins were costed once.
    pub twins: bool,
}

impl Enumerated {
    pub fn note(&self) -> String {
        format!(
            "evaluated all {} designs in {:.1} s ({:.0} designs/s; {}), {} feasible",
            self.designs,
            self.seconds,
            self.designs as f64 / self.seconds.max(1e-9),
            if self.twins {
                "voltage twins costed once, designs whose weights do not fit skipped"
            } else {
                "designs whose weights do not fit skipped"
            },
            self.feasible
        )
    }
}

/// Every design of the problem's space.
pub fn run(problem: &Problem, top: usize, keep_all: bool) -> Result<Enumerated> {
    let size = problem.space.size();
    if size > u64::MAX as u128 {
        bail!("the space has {size} designs; too many to enumerate");
    }
    let size = size as u64;
    let fast = Fast::new(problem);
    let reduced = fast.reduced.size() as u64;
    let bar = crate::cli::sweep::progress(size, "exhaustive");
    let chunk = 2048u64;
    let chunks: Vec<(u64, u64)> = (0..reduced.div_ceil(chunk))
        .map(|c| (c * chunk, ((c + 1) * chunk).min(reduced)))
        .collect();
    let started = Instant::now();
    let by_score = results::by_score;
    let parts: Vec<(Vec<Row>, Vec<Row>, u64)> = chunks
        .par_iter()
        .map_init(FootprintCache::new, |cache, &(lo, hi)| {
            let mut kept = Vec::new();
            let mut feasible = 0;
            let mut done = 0;
            for i in lo..hi {
                let rep = fast.reduced.point(i as u128);
                let twins = fast.twins(&rep);
                done += twins.len() as u64;
                let eval = match fast.evaluate(&twins[0], cache) {
                    Some(e) => e,
                    None if keep_all => problem.evaluate(&twins[0]),
                    None => continue,
                };
                if eval.outcome.is_feasible() {
                    feasible += twins.len() as u64;
                } else if !keep_all {
                    continue;
                }
                for point in twins {
                    kept.push(Row {
                        eval_index: problem.space.index(&point) as u64,
                        phase: "exhaustive".into(),
                        point,
                        eval: eval.clone(),
                    });
                }
            }
            let front = results::pareto_rows(&kept);
            if !keep_all {
                kept.sort_by(by_score);
                kept.truncate(top);
            }
            bar.inc(done);
            (kept, front, feasible)
        })
        .collect();
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let feasible: u64 = parts.iter().map(|p| p.2).sum();
    let mut front: Vec<Row> = parts.iter().flat_map(|p| p.1.iter().cloned()).collect();
    front = results::pareto_rows(&front);
    let mut rows: Vec<Row> = parts.into_iter().flat_map(|p| p.0).collect();
    if keep_all {
        rows.sort_by_key(|r| r.eval_index);
    } else {
        rows.sort_by(by_score);
        rows.truncate(top);
        // The front's designs are kept too, so pareto.parquet can be rebuilt from the rows.
        for f in front {
            if !rows.iter().any(|r| r.eval_index == f.eval_index) {
                rows.push(f);
            }
        }
    }
    Ok(Enumerated {
        rows,
        designs: size,
        feasible,
        seconds: secs,
        twins: fast.inert.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::Objective;
    use crate::space::Space as SpaceFile;
    use imc_search::operators::random_point;
    use imc_search::optimizer::rng;
    use imc_zoo::Zoo;

    fn problem(space: &str, workloads: &str) -> Problem {
        let file = SpaceFile::resolve(space).unwrap();
        let w = Zoo::builtin().unwrap().resolve(workloads).unwrap();
        let names: Vec<String> = w.iter().map(|w| w.name.clone()).collect();
        Problem::new(file, w, Objective::parse("max-ela", &names).unwrap())
    }

    fn close(a: f64, b: f64) -> bool {
        a == b || ((a - b) / a.abs().max(b.abs())).abs() < 1e-12
    }

    /// The fast path against the plain path on random designs: a pruned design is infeasible
    /// in the plain path, and every twin's plain evaluation equals the representative's.
    #[test]
    fn fast_path_equals_plain_path_on_random_designs() {
        let p = problem("paper-rram", "paper4");
        let fast = Fast::new(&p);
        assert_eq!(fast.inert, Some(0), "voltage_v is inert without scaling");
        assert_eq!(fast.reduced.size() * 8, p.space.size());
        let mut r = rng(7);
        let mut cache = FootprintCache::new();
        let (mut pruned, mut feasible) = (0, 0);
        for _ in 0..300 {
            let full = random_point(&p.space, &mut r);
            let plain = p.evaluate(&full);
            let mut rep = full.clone();
            rep.0[0] = 0;
            match fast.evaluate(&rep, &mut cache) {
                None => {
                    pruned += 1;
                    assert!(!plain.outcome.is_feasible(), "{full:?} pruned but feasible");
                    assert!(plain.reason.unwrap().contains("do not fit"));
                }
                Some(e) => {
                    feasible += usize::from(e.outcome.is_feasible());
                    assert_eq!(e.outcome.is_feasible(), plain.outcome.is_feasible());
                    assert_eq!(e.reason, plain.reason);
                    match (e.score, plain.score) {
                        (Some(a), Some(b)) => assert!(close(a, b), "{a} vs {b}"),
                        (a, b) => assert_eq!(a, b),
                    }
                    assert!(close(e.area_mm2.unwrap(), plain.area_mm2.unwrap()));
                    for (x, y) in e.per_workload.iter().zip(&plain.per_workload) {
                        let (x, y) = (x.unwrap(), y.unwrap());
                        assert!(close(x.0, y.0) && close(x.1, y.1) && close(x.2, y.2));
                    }
                }
            }
        }
        // The sample exercises both shortcuts.
        assert!(
            pruned > 50 && feasible > 5,
            "pruned {pruned}, feasible {feasible}"
        );
    }

    #[test]
    fn voltage_is_inert_only_without_scaling() {
        let text = |scaling: bool| {
            format!(
                "schema_version = 1\nname = \"v\"\ndescription = \"voltage twins\"\n[fixed]\ndevice = \"rram\"\nvoltage_scaling = {scaling}\n\
                 [params]\nvoltage_v = [0.6, 0.8]\nrows = [64, 128]\n"
            )
        };
        let w = Zoo::builtin().unwrap().resolve("resnet18").unwrap();
        let names = vec!["resnet18".to_string()];
        let make = |scaling| {
            let file = SpaceFile::parse("v.toml", &text(scaling)).unwrap();
            Problem::new(
                file,
                w.clone(),
                Objective::parse("max-ela", &names).unwrap(),
            )
        };
        let (off, on) = (make(false), make(true));
        let fast = Fast::new(&off);
        assert_eq!(fast.inert, Some(0));
        assert_eq!(
            fast.twins(&Point(vec![1])),
            vec![Point(vec![0, 1]), Point(vec![1, 1])]
        );
        // Scaling on: the voltage matters, and the fast path costs every design.
        assert_eq!(Fast::new(&on).inert, None);
        let (a, b) = (
            on.evaluate(&Point(vec![0, 0])),
            on.evaluate(&Point(vec![1, 0])),
        );
        // (Costs are reported even when the design is infeasible.)
        assert_ne!(a.per_workload, b.per_workload);
        let (a, b) = (
            off.evaluate(&Point(vec![0, 0])),
            off.evaluate(&Point(vec![1, 0])),
        );
        assert_eq!(a, b);
    }
}
