//! Exhaustive enumeration with a fast path that is exact (issue 7): it returns the same rows,
//! to the bit, as costing every design through [`Problem::evaluate`].
//!
//! Two shortcuts, both exact by construction and checked on random samples by the tests below:
//! - **Inert parameter.** With `voltage_scaling = false` (and no calibration with supply laws,
//!   [`imc_model::Factors::has_laws`]) the supply voltage changes nothing in
//!   the cost model (only `components::Scaling` reads it, and only when scaling is on). Designs
//!   that differ only in `voltage_v` are costed once and the result copied to each twin, with
//!   its own `eval_index` and parameters.
//! - **Capacity pruning.** A design whose weights do not fit (RRAM, `weights_on_chip`) is
//!   infeasible whatever it costs. Its footprint depends only on the mapping key (rows, cols,
//!   parallel rows, bits per cell, cells per weight: [`mapping_key`]), so the footprints are
//!   computed once per key and such designs are counted and skipped before any costing. With
//!   `--keep-all` they are costed anyway, since every row is written.
//! - **SNR pruning.** Under a minimum compute SNR (`min_snr_db`, `--min-snr`), a design whose
//!   read chain is below it for some workload is infeasible whatever it costs; it is counted
//!   and skipped the same way (the SNR depends on the chain only, [`crate::accuracy`]).
//!
//! The remaining designs go through the plain [`Problem::evaluate`], in parallel chunks; each
//! chunk keeps its best `top` rows and its Pareto front, merged at the end.
//!
//! **Slices and resume.** A run may cover a contiguous slice `[lo, hi)` of the flat index range
//! (`--shard`); a twin outside the slice is left to the shard that holds it, and a
//! representative is costed wherever one of its twins is held. The work goes in blocks of
//! [`BLOCK`] representatives; each finished block's best rows and front are appended to
//! `blocks.jsonl`, so an interrupted run resumes at the first unfinished block. The best `top`
//! rows and the front of a union of parts are those of the union of the parts' best rows and
//! fronts ([`combine`]), so blocks, chunks and shards all merge to the same rows.

use crate::consistency;
use crate::problem::{Evaluation, Problem};
use crate::progress::{Bar, Progress};
use crate::results::{self, Row};
use crate::run_dir::Journal;
use anyhow::{Result, bail};
use imc_model::cost::{footprint, mapping_key};
use imc_search::{Point, Space};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

/// Footprints (crossbars per workload) by mapping key.
pub type FootprintCache = HashMap<[u64; 6], Vec<u64>>;

/// The fast path's view of a problem: which dimension is inert, and the space without it.
pub struct Fast<'a> {
    /// The problem enumerated.
    pub problem: &'a Problem,
    /// The dimension whose value changes nothing (voltage without scaling), if any.
    pub inert: Option<usize>,
    /// The space without the inert dimension: what is enumerated.
    pub reduced: Space,
}

impl<'a> Fast<'a> {
    /// Finds the inert dimension (voltage with scaling fixed off and no calibration whose
    /// energy follows the supply), if any.
    pub fn new(problem: &'a Problem) -> Fast<'a> {
        let space = &problem.space;
        let scaling_fixed_off = !space.names.iter().any(|n| n == "voltage_scaling")
            && problem
                .architecture(&Point(vec![0; space.dims()]))
                .is_ok_and(|a| !a.chip.voltage_scaling && !a.factors.has_laws());
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

    /// The reduced indices whose twins meet the flat slice `[lo, hi)`: sorted, disjoint
    /// intervals. For a fixed inert value the flat index grows with the reduced index, so
    /// each value's share of the slice is one interval, found by bisection.
    pub fn intervals(&self, lo: u64, hi: u64) -> Vec<(u64, u64)> {
        let Some(d) = self.inert else {
            return if lo < hi { vec![(lo, hi)] } else { vec![] };
        };
        let n = self.reduced.size() as u64;
        let flat = |r: u64, v: u32| -> u64 {
            let mut g = self.reduced.point(r as u128).0;
            g.insert(d, v);
            self.problem.space.index(&Point(g)) as u64
        };
        // The first reduced index whose flat index (with value v) is at least `at`.
        let first = |at: u64, v: u32| {
            let (mut a, mut b) = (0u64, n);
            while a < b {
                let m = a + (b - a) / 2;
                if flat(m, v) < at { a = m + 1 } else { b = m }
            }
            a
        };
        let mut spans: Vec<(u64, u64)> = (0..self.problem.space.sizes[d])
            .map(|v| (first(lo, v), first(hi, v)))
            .filter(|(a, b)| a < b)
            .collect();
        spans.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::new();
        for (a, b) in spans {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        merged
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
        if a.chip.weights_on_chip {
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
        // Below the minimum SNR whatever it costs: the SNR depends on the read chain alone.
        let acc = &self.problem.accuracy;
        if acc.min_db.is_some() && !acc.below(&self.problem.names, &acc.snr_db(&a)).is_empty() {
            return None;
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

/// Representatives per block: the unit of progress saved for resume.
pub const BLOCK: u64 = 1 << 17;

/// Representatives per parallel chunk.
const CHUNK: u64 = 2048;

/// What an exhaustive run found.
pub struct Enumerated {
    /// The best `top` rows by score (every row with `keep_all`), then the exact front's rows.
    pub rows: Vec<Row>,
    /// Designs in the enumerated slice (the whole space when not sharded).
    pub designs: u64,
    /// Feasible designs in the slice.
    pub feasible: u64,
    /// Wall time of this process's enumeration (resumed blocks not included).
    pub seconds: f64,
    /// Whether voltage twins were costed once.
    pub twins: bool,
    /// The minimum SNR designs below which were skipped, dB.
    pub min_snr_db: Option<f64>,
    /// Blocks of the slice, and how many of them a previous, interrupted run had finished.
    pub blocks: u64,
    /// Blocks read back from an earlier run.
    pub resumed: u64,
}

impl Enumerated {
    /// One sentence for summary.md: designs, time, rate, shortcuts, feasible count.
    pub fn note(&self) -> String {
        let resumed = if self.resumed > 0 {
            format!(
                "; resumed: {} of {} blocks were done before",
                self.resumed, self.blocks
            )
        } else {
            String::new()
        };
        let skipped = match self.min_snr_db {
            Some(db) => format!(
                "designs whose weights do not fit or whose compute SNR is below {db} dB skipped"
            ),
            None => "designs whose weights do not fit skipped".to_string(),
        };
        format!(
            "evaluated all {} designs in {:.1} s ({:.0} designs/s; {}{skipped}{resumed}), {} feasible",
            self.designs,
            self.seconds,
            self.designs as f64 / self.seconds.max(1e-9),
            if self.twins {
                "voltage twins costed once, "
            } else {
                ""
            },
            self.feasible
        )
    }
}

/// Part of an enumeration: its best rows and front (every row with `keep_all`), its counts.
/// A finished block is one line of `blocks.jsonl`, with its index and the number of blocks.
#[derive(Serialize, Deserialize)]
struct Part {
    #[serde(default)]
    block: u64,
    #[serde(default)]
    blocks: u64,
    designs: u64,
    feasible: u64,
    rows: Vec<Row>,
}

/// The rows of a union of disjoint parts, each given as (at least) its best `top` rows by
/// score and its Pareto front: the union's best `top` rows, then its front's rows not among
/// them (in evaluation order). With `keep_all`, every row in evaluation order.
pub fn combine(parts: Vec<Vec<Row>>, top: usize, keep_all: bool) -> Vec<Row> {
    let mut rows: Vec<Row> = parts.into_iter().flatten().collect();
    if keep_all {
        rows.sort_by_key(|r| r.eval_index);
        return rows;
    }
    let front = results::pareto_rows(&rows);
    rows.sort_by(results::by_score);
    rows.truncate(top);
    // The front's designs are kept too, so pareto.parquet can be rebuilt from the rows.
    for f in front {
        if !rows.iter().any(|r| r.eval_index == f.eval_index) {
            rows.push(f);
        }
    }
    rows
}

/// Every design of the problem's space.
pub fn run(
    problem: &Problem,
    top: usize,
    keep_all: bool,
    progress: &dyn Progress,
) -> Result<Enumerated> {
    run_slice(problem, top, keep_all, None, None, progress)
}

/// The designs with flat index in `slice` (the whole space when `None`); with `blocks`, each
/// finished block is saved there and blocks saved by an earlier run are not enumerated again.
pub fn run_slice(
    problem: &Problem,
    top: usize,
    keep_all: bool,
    slice: Option<(u64, u64)>,
    blocks: Option<&Path>,
    progress: &dyn Progress,
) -> Result<Enumerated> {
    let blocks = blocks.map(|p| Journal::new(p.to_path_buf()));
    run_blocks(
        problem,
        (top, keep_all),
        slice,
        blocks.as_ref(),
        BLOCK,
        progress,
    )
}

fn run_blocks(
    problem: &Problem,
    (top, keep_all): (usize, bool),
    slice: Option<(u64, u64)>,
    blocks: Option<&Journal<Part>>,
    block_len: u64,
    progress: &dyn Progress,
) -> Result<Enumerated> {
    let size = problem.space.size();
    if size > u64::MAX as u128 {
        bail!("the space has {size} designs; too many to enumerate");
    }
    let (lo, hi) = slice.unwrap_or((0, size as u64));
    let fast = Fast::new(problem);
    let intervals = fast.intervals(lo, hi);
    let total: u64 = intervals.iter().map(|(a, b)| b - a).sum();
    let count = total.div_ceil(block_len);
    let mut saved: HashMap<u64, Part> = match blocks {
        // Blocks of another division are ignored.
        Some(j) => {
            let parts = j.load()?;
            let rows = parts.iter().flat_map(|p| &p.rows);
            consistency::check_rows(problem, rows, j.path(), "kept row")?;
            parts
                .into_iter()
                .filter(|p| p.blocks == count)
                .map(|p| (p.block, p))
                .collect()
        }
        None => HashMap::new(),
    };
    let resumed = saved.len() as u64;
    let bar = progress.bar(hi - lo, "exhaustive");
    bar.inc(saved.values().map(|p| p.designs).sum());
    let started = Instant::now();
    let mut parts = Vec::new();
    for b in 0..count {
        if let Some(p) = saved.remove(&b) {
            parts.push(p);
            continue;
        }
        let (from, to) = (b * block_len, ((b + 1) * block_len).min(total));
        let mut part = block(
            &fast,
            &intervals,
            (from, to),
            (lo, hi),
            top,
            keep_all,
            &*bar,
        );
        (part.block, part.blocks) = (b, count);
        if let Some(j) = blocks {
            j.append(std::slice::from_ref(&part))?;
        }
        parts.push(part);
    }
    bar.finish();
    let designs = parts.iter().map(|p| p.designs).sum();
    let feasible = parts.iter().map(|p| p.feasible).sum();
    debug_assert_eq!(designs, hi - lo, "every design of the slice once");
    Ok(Enumerated {
        rows: combine(parts.into_iter().map(|p| p.rows).collect(), top, keep_all),
        designs,
        feasible,
        seconds: started.elapsed().as_secs_f64(),
        twins: fast.inert.is_some(),
        min_snr_db: problem.accuracy.min_db,
        blocks: count,
        resumed,
    })
}

/// A timed sample of an enumeration ([`time_sample`]).
pub struct Sample {
    /// Designs the sample covers.
    pub designs: u64,
    /// Seconds of the passes before the last beyond the last's: what finding the chains'
    /// SNRs (and each thread meeting them) cost.
    pub chain_s: f64,
    /// Read chains whose SNRs the passes computed ([`imc_model::snr::chains_built`]).
    pub chains: u64,
    /// Seconds of the last pass over the same windows, in which no thread met a chain it
    /// had not met: the designs alone.
    pub warm_s: f64,
}

/// Times `windows` windows of [`CHUNK`] representatives spread evenly over the slice (the
/// whole space when `None`), costed in parallel by the run's own code: cold, then again
/// until a pass meets no new read chain in any thread (at most 4 passes). `None` when the
/// slice is too small to be worth timing (under `4 windows` chunks) or the space has more
/// than 2^64 designs.
pub fn time_sample(problem: &Problem, slice: Option<(u64, u64)>, windows: u64) -> Option<Sample> {
    let size = problem.space.size();
    if size > u64::MAX as u128 {
        return None;
    }
    let (lo, hi) = slice.unwrap_or((0, size as u64));
    let fast = Fast::new(problem);
    let intervals = fast.intervals(lo, hi);
    let total: u64 = intervals.iter().map(|(a, b)| b - a).sum();
    if total < windows * CHUNK * 4 || windows < 2 {
        return None;
    }
    let starts: Vec<u64> = (0..windows)
        .map(|k| k * (total - CHUNK) / (windows - 1))
        .collect();
    let quiet = crate::progress::Quiet;
    let bar = quiet.bar(0, "");
    let pass = || {
        let started = Instant::now();
        let designs: u64 = starts
            .par_iter()
            .map(|&a| block(&fast, &intervals, (a, a + CHUNK), (lo, hi), 1, false, &*bar).designs)
            .sum();
        (designs, started.elapsed().as_secs_f64())
    };
    // Passes until one meets no new chain in any thread (at most 4): the first find the
    // chains' SNRs (one thread each) and meet them (every thread), the last times the
    // designs alone.
    let built = imc_model::snr::chains_built();
    let mut passes = Vec::new();
    for _ in 0..4 {
        let before = imc_model::snr::chains_met();
        passes.push(pass());
        if imc_model::snr::chains_met() == before {
            break;
        }
    }
    let (designs, warm_s) = passes[passes.len() - 1];
    let chain_s = passes.iter().map(|p| (p.1 - warm_s).max(0.0)).sum();
    let chains = imc_model::snr::chains_built() - built;
    Some(Sample {
        designs,
        chain_s,
        chains,
        warm_s,
    })
}

/// The representatives at positions `[from, to)` of the concatenated `intervals`, in
/// parallel chunks; only twins with flat index in `slice` become rows.
fn block(
    fast: &Fast,
    intervals: &[(u64, u64)],
    (from, to): (u64, u64),
    (lo, hi): (u64, u64),
    top: usize,
    keep_all: bool,
    bar: &dyn Bar,
) -> Part {
    let problem = fast.problem;
    // The reduced index at a position of the concatenated intervals.
    let at = |mut pos: u64| -> u64 {
        for &(a, b) in intervals {
            if pos < b - a {
                return a + pos;
            }
            pos -= b - a;
        }
        unreachable!("positions stay below the intervals' total length")
    };
    let chunks: Vec<(u64, u64)> = (from..to)
        .step_by(CHUNK as usize)
        .map(|c| (c, (c + CHUNK).min(to)))
        .collect();
    let parts: Vec<Part> = chunks
        .par_iter()
        .map_init(FootprintCache::new, |cache, &(a, b)| {
            let mut kept = Vec::new();
            let (mut feasible, mut designs) = (0, 0);
            for pos in a..b {
                // A step for a caller's bar, which may stop the run here (Ctrl-C in Python).
                (pos % 4096 == 0).then(|| bar.inc(0));
                let twins: Vec<(u64, Point)> = fast
                    .twins(&fast.reduced.point(at(pos) as u128))
                    .into_iter()
                    .map(|p| (problem.space.index(&p) as u64, p))
                    .collect();
                let held = twins.iter().filter(|(i, _)| (lo..hi).contains(i)).count() as u64;
                designs += held;
                // The first twin is costed whichever twins are held: the same bits everywhere.
                let eval = match fast.evaluate(&twins[0].1, cache) {
                    Some(e) => e,
                    None if keep_all => problem.evaluate(&twins[0].1),
                    None => continue,
                };
                if eval.outcome.is_feasible() {
                    feasible += held;
                } else if !keep_all {
                    continue;
                }
                for (eval_index, point) in twins {
                    if (lo..hi).contains(&eval_index) {
                        kept.push(Row {
                            eval_index,
                            phase: "exhaustive".into(),
                            point,
                            eval: eval.clone(),
                        });
                    }
                }
            }
            bar.inc(designs);
            Part {
                block: 0,
                blocks: 0,
                rows: combine(vec![kept], top, keep_all),
                designs,
                feasible,
            }
        })
        .collect();
    Part {
        block: 0,
        blocks: 0,
        designs: parts.iter().map(|p| p.designs).sum(),
        feasible: parts.iter().map(|p| p.feasible).sum(),
        rows: combine(parts.into_iter().map(|p| p.rows).collect(), top, keep_all),
    }
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
        Problem::new(file, w, Objective::parse("max-ela", &names).unwrap()).unwrap()
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
                    assert!(plain.reason.unwrap().to_string().contains("do not fit"));
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
            .unwrap()
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
        // Scaling off, but a calibration whose energy follows the supply: not inert either.
        let file = SpaceFile::parse(
            "v.toml",
            &text(false).replace("[fixed]", "calibration = \"cimloop-paper-rram\"\n[fixed]"),
        )
        .unwrap();
        let laws = Problem::new(file, w, Objective::parse("max-ela", &names).unwrap()).unwrap();
        assert_eq!(Fast::new(&laws).inert, None);
        let (a, b) = (
            laws.evaluate(&Point(vec![0, 0])),
            laws.evaluate(&Point(vec![1, 0])),
        );
        assert_ne!(a.per_workload, b.per_workload);
    }
}

#[cfg(test)]
mod slices {
    use super::*;
    use crate::objective::Objective;
    use crate::progress::Quiet;
    use crate::shard::Shard;
    use crate::space::Space as SpaceFile;
    use imc_zoo::Zoo;

    /// 8 voltages (inert, leading) x 2 x 3 x 2 x 2 = 192 designs, some infeasible.
    fn small(objective: &str) -> Problem {
        let text = "schema_version = 1\nname = \"small\"\ndescription = \"shards\"\n[fixed]\ndevice = \"rram\"\n\
                    voltage_scaling = false\n[params]\nvoltage_v = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]\n\
                    rows = [128, 256]\ncols = [64, 128, 256]\ntiles_per_group = [4, 16]\ncrossbars_per_tile = [8, 64]\n";
        let file = SpaceFile::parse("small.toml", text).unwrap();
        let w = Zoo::builtin().unwrap().resolve("resnet18,alexnet").unwrap();
        let names: Vec<String> = w.iter().map(|w| w.name.clone()).collect();
        Problem::new(file, w, Objective::parse(objective, &names).unwrap()).unwrap()
    }

    #[test]
    fn intervals_hold_exactly_the_representatives_whose_twins_meet_the_slice() {
        let p = small("max-ela");
        let fast = Fast::new(&p);
        assert_eq!(fast.inert, Some(0));
        let n = fast.reduced.size() as u64;
        for (lo, hi) in [
            (0, 192),
            (0, 1),
            (23, 24),
            (20, 30),
            (23, 49),
            (100, 192),
            (5, 5),
        ] {
            let expect: Vec<u64> = (0..n)
                .filter(|&r| {
                    fast.twins(&fast.reduced.point(r as u128))
                        .iter()
                        .any(|t| (lo..hi).contains(&(p.space.index(t) as u64)))
                })
                .collect();
            let got: Vec<u64> = fast
                .intervals(lo, hi)
                .into_iter()
                .flat_map(|(a, b)| a..b)
                .collect();
            assert_eq!(got, expect, "slice {lo}..{hi}");
        }
    }

    /// N shards combined give the unsharded rows, for any N and either objective kind.
    #[test]
    fn shards_combine_to_the_unsharded_rows() {
        for objective in ["max-ela", "pareto"] {
            let p = small(objective);
            for (top, keep_all) in [(5, false), (100, false), (0, true)] {
                let whole = run(&p, top, keep_all, &Quiet).unwrap();
                assert!(
                    whole.feasible > 0 && whole.feasible < 192,
                    "{}",
                    whole.feasible
                );
                for count in [2u64, 3, 5, 7] {
                    let mut parts = Vec::new();
                    let (mut designs, mut feasible) = (0, 0);
                    for index in 0..count {
                        let s = Shard { index, count }.range(192);
                        let e = run_slice(&p, top, keep_all, Some(s), None, &Quiet).unwrap();
                        assert!(e.rows.iter().all(|r| (s.0..s.1).contains(&r.eval_index)));
                        designs += e.designs;
                        feasible += e.feasible;
                        parts.push(e.rows);
                    }
                    assert_eq!((designs, feasible), (192, whole.feasible));
                    let merged = combine(parts, top, keep_all);
                    assert_eq!(merged, whole.rows, "{objective}, top {top}, {count} shards");
                }
            }
        }
    }

    /// An interrupted run resumes from its saved blocks (a torn last line ignored) and ends
    /// with the rows of an uninterrupted one.
    #[test]
    fn resumes_from_saved_blocks() {
        let p = small("max-ela");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blocks.jsonl");
        let journal = || Journal::new(path.clone());
        let run = |j: &Journal<Part>| {
            run_blocks(&p, (10, false), Some((7, 150)), Some(j), 4, &Quiet).unwrap()
        };
        let whole = run(&journal());
        assert_eq!(whole.resumed, 0);
        assert_eq!(whole.blocks, 24u64.div_ceil(4));
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len() as u64, whole.blocks);
        // Killed during the third block's line.
        let torn = format!(
            "{}\n{}\n{}",
            lines[0],
            lines[1],
            &lines[2][..lines[2].len() / 2]
        );
        std::fs::write(&path, torn).unwrap();
        let again = run(&journal());
        assert_eq!(again.resumed, 2);
        assert_eq!((&again.rows, again.feasible), (&whole.rows, whole.feasible));
        // The torn line was cut, so the blocks the resumed run appended are all readable.
        let third = run(&journal());
        assert_eq!(third.resumed, whole.blocks);
        assert_eq!(third.rows, whole.rows);
    }

    /// A space with the read chain freed, under a minimum SNR and the four-objective
    /// `pareto-snr`: the enumeration (with its SNR pruning) keeps exactly the feasible designs
    /// and the front a brute force over every design's plain evaluation finds.
    #[test]
    fn snr_pruning_and_the_snr_front_match_brute_force() {
        let text = "schema_version = 1\nname = \"chain\"\ndescription = \"snr\"\n[fixed]\n\
                    device = \"rram\"\nvoltage_scaling = false\nrows = 128\nconductance_sigma = 0.01\nweights_on_chip = false\n[params]\n\
                    voltage_v = [0.6, 0.8]\nbits_per_cell = [1, 2, 4]\nadc_bits = [4, 6, 8]\n\
                    parallel_rows = [16, 64, 128]\ncols = [64, 256]\ncrossbars_per_tile = [8, 64]\n\
                    [constraints]\nmin_snr_db = 12\n";
        let file = SpaceFile::parse("chain.toml", text).unwrap();
        let w = Zoo::builtin().unwrap().resolve("resnet18").unwrap();
        let names = vec!["resnet18".to_string()];
        let p = Problem::new(file, w, Objective::parse("pareto-snr", &names).unwrap()).unwrap();
        let all: Vec<Evaluation> = (0..p.space.size())
            .map(|i| p.evaluate(&p.space.point(i)))
            .collect();
        let low = all
            .iter()
            .filter(|e| {
                e.reason
                    .as_ref()
                    .is_some_and(|r| r.to_string().contains("compute SNR"))
            })
            .count();
        let feasible: Vec<usize> = (0..all.len())
            .filter(|&i| all[i].outcome.is_feasible())
            .collect();
        assert!(
            low > 0 && !feasible.is_empty(),
            "low {low}, feasible {}",
            feasible.len()
        );
        for &i in &feasible {
            let snr = all[i].snr_db[0].unwrap();
            assert!(snr >= 12.0, "{snr}");
            assert_eq!(all[i].outcome.objectives().unwrap()[3], -snr);
        }
        let whole = run(&p, 1000, false, &Quiet).unwrap();
        assert_eq!(whole.feasible as usize, feasible.len());
        // Brute-force front: feasible points no other feasible point dominates (first of equals).
        let point = |i: usize| all[i].outcome.objectives().unwrap().to_vec();
        let dominates = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| x <= y) && a != b;
        let mut brute: Vec<u64> = feasible
            .iter()
            .filter(|&&i| !feasible.iter().any(|&j| dominates(&point(j), &point(i))))
            .filter(|&&i| !feasible.iter().any(|&j| j < i && point(j) == point(i)))
            .map(|&i| i as u64)
            .collect();
        brute.sort_unstable();
        let mut front: Vec<u64> = results::pareto_rows(&whole.rows)
            .iter()
            .map(|r| r.eval_index)
            .collect();
        front.sort_unstable();
        // Voltage twins share their costs: the front holds the first twin of each point.
        assert_eq!(front, brute);
        // SNRs survive a checkpoint line.
        let row = whole
            .rows
            .iter()
            .find(|r| r.eval.outcome.is_feasible())
            .unwrap();
        let line = serde_json::to_string(row).unwrap();
        let back: Row = serde_json::from_str(&line).unwrap();
        assert_eq!(back.eval.snr_db, row.eval.snr_db);
    }
}
