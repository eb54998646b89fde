//! Many designs at once, for library callers that hold them as arrays (the Python package):
//! designs given as rows of value indices are checked, costed in parallel on rayon, and
//! returned as the columns of `evaluations.parquet` ([`results::columns`]), with the
//! constraint values an optimizer with inequality constraints needs ([`constraints`]).
//!
//! The order of the rows is kept whatever the thread count, so a batch is deterministic.

use crate::infeasibility::{Cause, Infeasibility};
use crate::problem::{Evaluation, Problem};
use crate::results::{self, Col, Row};
use imc_model::cost::footprint;
use imc_search::{Point, Space};
use rand::RngExt as _;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

/// The violation of a design that is not a valid architecture, in every constraint (the
/// value [`crate::infeasibility::Infeasibility::violation`] gives it).
pub const INVALID: f64 = 1e6;

/// Rows of value indices (row-major, one column per free parameter in the space's order) as
/// points. An index outside its parameter's list is an error naming the row, the parameter
/// and the allowed range; so is a length that is not a whole number of rows.
pub fn points(space: &Space, indices: &[i64]) -> Result<Vec<Point>, String> {
    let dims = space.dims();
    if dims == 0 {
        return if indices.is_empty() {
            Ok(Vec::new())
        } else {
            Err("the space has no free parameters: a design has no indices".into())
        };
    }
    if !indices.len().is_multiple_of(dims) {
        return Err(format!(
            "{} indices are not whole designs of {dims} parameters ({})",
            indices.len(),
            space.names.join(", ")
        ));
    }
    indices
        .chunks(dims)
        .enumerate()
        .map(|(row, genes)| {
            let g = genes
                .iter()
                .zip(&space.sizes)
                .zip(&space.names)
                .map(|((&i, &n), name)| {
                    u32::try_from(i).ok().filter(|&i| i < n).ok_or_else(|| {
                        format!(
                            "design {row}: index {i} of `{name}` is out of range; allowed 0..={}",
                            n - 1
                        )
                    })
                });
            g.collect::<Result<Vec<u32>, String>>().map(Point)
        })
        .collect()
}

/// Costs every point, on `threads` threads (rayon's global pool when `None`), in order.
pub fn evaluate(
    problem: &Problem,
    points: &[Point],
    threads: Option<usize>,
) -> Result<Vec<Evaluation>, String> {
    let run = || points.par_iter().map(|p| problem.evaluate(p)).collect();
    match threads {
        None => Ok(run()),
        Some(n) => Ok(pool(n)?.install(run)),
    }
}

/// A pool of `n` threads, made once per size and kept: the model keeps per-thread memos
/// (balanced replication), which a pool made for each batch would start cold every time.
fn pool(n: usize) -> Result<Arc<rayon::ThreadPool>, String> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    if n == 0 {
        return Err("threads must be at least 1".into());
    }
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(p) = pools.get(&n) {
        return Ok(p.clone());
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| format!("cannot start {n} threads: {e}"))?;
    let p = Arc::new(p);
    pools.insert(n, p.clone());
    Ok(p)
}

/// The columns of `evaluations.parquet` for costed points, without the run's bookkeeping
/// (`score`, which depends on an objective, `eval_index` and `phase`).
pub fn columns(problem: &Problem, points: &[Point], evals: Vec<Evaluation>) -> Vec<(String, Col)> {
    let rows: Vec<Row> = points
        .iter()
        .zip(evals)
        .enumerate()
        .map(|(i, (p, eval))| Row {
            eval_index: i as u64,
            phase: String::new(),
            point: p.clone(),
            eval,
        })
        .collect();
    let mut cols = results::columns(problem, &rows);
    cols.retain(|(k, _)| !matches!(k.as_str(), "score" | "eval_index" | "phase"));
    cols
}

/// Two inequality constraints per point, feasible when `<= 0`, in the units of
/// [`crate::infeasibility`]'s violations:
/// - area: `area / max_area_mm2 - 1` (-1 without a limit);
/// - capacity: the largest over workloads of `needed / available - 1` crossbars when weights
///   must stay on chip (-1 otherwise), raised to at least 1 when the design fails for another
///   reason (a softmax unit that cannot run a layer), or, when its only fault is a compute
///   SNR below the minimum, to its shortfall in units of 10 dB summed over the workloads
///   below it (the evaluation's violation; at least 0.001).
///
/// A point that is not a valid architecture gets [`INVALID`] in both.
pub fn constraints(problem: &Problem, points: &[Point], evals: &[Evaluation]) -> Vec<[f64; 2]> {
    let limit = problem.file.constraints.max_area_mm2;
    points
        .par_iter()
        .zip(evals)
        .map(|(p, e)| {
            let Ok(a) = problem.architecture(p) else {
                return [INVALID, INVALID];
            };
            let area = match (e.area_mm2, limit) {
                (Some(x), Some(l)) => x / l - 1.0,
                (None, Some(_)) => INVALID,
                (_, None) => -1.0,
            };
            let mut capacity = if a.chip.weights_on_chip {
                let available = a.crossbars() as f64;
                problem
                    .workloads
                    .iter()
                    .map(|w| footprint(&a, w).0 as f64 / available - 1.0)
                    .fold(-1.0, f64::max)
            } else {
                -1.0
            };
            let other = !e.outcome.is_feasible() && area <= 0.0 && capacity <= 0.0;
            if other {
                // A compute SNR below the minimum tells its shortfall (in 10 dB, the
                // evaluation's violation), so a constrained optimizer sees how far it is.
                let snr_only = matches!(&e.reason, Some(Infeasibility::Causes(c))
                    if c.iter().all(|c| matches!(c, Cause::Snr(_))));
                capacity = if snr_only {
                    capacity.max(e.outcome.violation().max(1e-3))
                } else {
                    capacity.max(1.0)
                };
            }
            [area, capacity]
        })
        .collect()
}

/// `n` distinct designs drawn uniformly from a space of `size` designs, as flat indices in the
/// order drawn, from xoshiro256++ seeded with `seed` (Floyd's algorithm: `n` draws whatever
/// the size). `n` above the size is an error. The set is uniform, the order is not: the j-th
/// draw is at most `size - n + j`, so with `n` near the size a prefix leans to low indices,
/// and `n == size` gives `0..size` in order for every seed (shuffle when the order matters).
pub fn sample(size: u128, n: u64, seed: u64) -> Result<Vec<u128>, String> {
    if n as u128 > size {
        return Err(format!(
            "cannot draw {n} distinct designs from a space of {size}"
        ));
    }
    let mut rng = imc_search::optimizer::rng(seed);
    let mut seen = HashSet::with_capacity(n as usize);
    let mut out = Vec::with_capacity(n as usize);
    for j in (size - n as u128)..size {
        let t = draw(&mut rng, j + 1);
        let pick = if seen.contains(&t) { j } else { t };
        seen.insert(pick);
        out.push(pick);
    }
    Ok(out)
}

/// Uniform in `0..n` for `n` up to 2^128 - 1 (a space is at most that large).
fn draw(rng: &mut imc_search::optimizer::Rng, n: u128) -> u128 {
    if n <= u64::MAX as u128 {
        return rng.random_range(0..n as u64) as u128;
    }
    rng.random_range(0..n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::Objective;
    use crate::space::Space as SpaceFile;
    use imc_zoo::Zoo;

    fn problem(space: &str) -> Problem {
        let w = Zoo::builtin().unwrap().resolve("paper4").unwrap();
        let names: Vec<String> = w.iter().map(|w| w.name.clone()).collect();
        let o = Objective::parse("max-ela", &names).unwrap();
        Problem::new(SpaceFile::resolve(space).unwrap(), w, o).unwrap()
    }

    fn params(p: &Problem) -> Vec<String> {
        p.file.params.iter().map(|(k, _)| k.clone()).collect()
    }

    #[test]
    fn indices_become_points_and_bad_ones_name_the_row_and_parameter() {
        let p = problem("paper-rram");
        let ok = points(&p.space, &[0, 1, 2, 3, 4, 5, 4, 5, 6]).unwrap();
        assert_eq!(ok, vec![Point(vec![0, 1, 2, 3, 4, 5, 4, 5, 6])]);
        let e = points(
            &p.space,
            &[0; 18]
                .iter()
                .chain(&[0, 0, 0, 9, 0, 0, 0, 0, 0])
                .copied()
                .collect::<Vec<_>>(),
        )
        .unwrap_err();
        assert_eq!(
            e,
            "design 2: index 9 of `rows` is out of range; allowed 0..=4"
        );
        let e = points(&p.space, &[0, 0, 0, 0, 0, 0, 0, 0, -1]).unwrap_err();
        assert!(e.contains("index -1 of `glb_mib`"), "{e}");
        let e = points(&p.space, &[0; 10]).unwrap_err();
        assert!(
            e.starts_with("10 indices are not whole designs of 9"),
            "{e}"
        );
        assert_eq!(points(&p.space, &[]).unwrap(), vec![]);
    }

    /// A batch is the problem's own evaluation, in order, whatever the thread count; its
    /// columns are the results table's without the run's bookkeeping.
    #[test]
    fn a_batch_is_the_problems_evaluation_in_order_on_any_thread_count() {
        let p = problem("paper-sram");
        let flat = sample(p.file.size(), 64, 7).unwrap();
        let pts: Vec<Point> = flat.iter().map(|&i| p.space.point(i)).collect();
        let one = evaluate(&p, &pts, Some(1)).unwrap();
        let two = evaluate(&p, &pts, Some(2)).unwrap();
        assert_eq!(one, two);
        for (pt, e) in pts.iter().zip(&one) {
            assert_eq!(*e, p.evaluate(pt));
        }
        let cols = columns(&p, &pts, one);
        let names: Vec<&str> = cols.iter().map(|(k, _)| k.as_str()).collect();
        let tail = 3 + 3 * 4 + 4;
        assert_eq!(names[..names.len() - tail], params(&p)[..]);
        assert_eq!(
            names[names.len() - tail..names.len() - 16],
            ["feasible", "infeasible_reason", "area_mm2"]
        );
        assert_eq!(names[names.len() - 5], "mobilenetv3-large__edap");
        assert_eq!(names.last(), Some(&"mobilenetv3-large__snr_db"));
        assert_eq!(
            evaluate(&p, &pts, Some(0)).unwrap_err(),
            "threads must be at least 1"
        );
    }

    /// The constraints agree with feasibility: a design is feasible exactly when both are
    /// at most 0 (paper-rram has no other way to fail), and the capacity one is the largest
    /// workload's crossbar ratio.
    #[test]
    fn constraints_agree_with_feasibility() {
        let p = problem("paper-rram");
        let flat = sample(p.file.size(), 400, 1).unwrap();
        let pts: Vec<Point> = flat.iter().map(|&i| p.space.point(i)).collect();
        let evals = evaluate(&p, &pts, None).unwrap();
        let g = constraints(&p, &pts, &evals);
        let feasible = evals.iter().filter(|e| e.outcome.is_feasible()).count();
        assert!(feasible > 0 && feasible < 400, "{feasible}");
        for ((e, [area, cap]), pt) in evals.iter().zip(&g).zip(&pts) {
            assert_eq!(
                e.outcome.is_feasible(),
                *area <= 0.0 && *cap <= 0.0,
                "{pt:?}"
            );
            let a = p.architecture(pt).unwrap();
            let vgg = p.workloads.iter().find(|w| w.name == "vgg16").unwrap();
            let want = footprint(&a, vgg).0 as f64 / a.crossbars() as f64 - 1.0;
            assert!(*cap >= want, "vgg16 is one of the workloads");
        }
    }

    /// Draws are distinct, in range, the same for the same seed, and cover a small space
    /// exactly when asked for all of it.
    #[test]
    fn samples_are_distinct_seeded_and_bounded() {
        let a = sample(12_096_000, 1000, 3).unwrap();
        assert_eq!(a, sample(12_096_000, 1000, 3).unwrap());
        assert_ne!(a, sample(12_096_000, 1000, 4).unwrap());
        assert_eq!(a.iter().collect::<HashSet<_>>().len(), 1000);
        assert!(a.iter().all(|&i| i < 12_096_000));
        let mut all = sample(10, 10, 0).unwrap();
        all.sort();
        assert_eq!(all, (0..10).collect::<Vec<u128>>());
        assert!(sample(10, 11, 0).unwrap_err().contains("cannot draw 11"));
        assert!(sample(u128::MAX, 3, 0).is_ok());
    }
}
