//! `--fidelity analytic-first`: a search in which the analytic model screens every design and
//! the expensive evaluator (`--evaluator`) is spent only where the model says the optimum is.
//!
//! 1. **Screen.** The analytic model enumerates the space once per area budget: the space's area
//!    limit times 1, 1/2, 1/4, 1/8 and 1/16 (an expensive simulator often sizes a chip larger
//!    than the model does, so the expensive optimum may be a design the model finds small), and
//!    keeps the [`PER_BAND`] best designs of each. Designs the model cannot tell apart (the
//!    same area and the same energy and latency on every workload, e.g. the voltage twins of a
//!    space without voltage scaling) form one class, costed once, by its first design.
//! 2. **Start.** [`INITIAL`] expensive evaluations: the model's best design of each band, then
//!    designs of the pool as far apart as possible (max-min Hamming distance, from a start
//!    drawn with the seed).
//! 3. **Correct and exploit.** After every batch, the discrepancy between the two models is
//!    fitted on what the evaluator has said: `ln(expensive / analytic)` of the score and of the
//!    area, each as a ridge regression on the one-hot design parameters (a multiplicative
//!    correction per parameter value, as Kennedy and O'Hagan's linear discrepancy; the area from
//!    infeasible answers that give one, too), and so is whether a design is infeasible for
//!    another reason (its weights do not fit the evaluator's mapping). The corrections are
//!    Bayesian (a prior spread per parameter value), so a pool design has a predicted score
//!    and area with their uncertainty; the next batch is the designs not yet costed with the
//!    highest expected improvement times probability of feasibility (constrained expected
//!    improvement), which tries parameter values seldom costed when they may pay.
//!
//! Every step is a function of the seed and the rows costed so far, so a resumed run (from the
//! checkpoint) continues exactly where it stopped. Spaces too large to enumerate are refused.

use super::exhaustive;
use crate::hash::SplitMix;
use crate::problem::{Evaluation, Problem};
use crate::progress::Progress;
use crate::results::Row;
use anyhow::{Result, bail};
use imc_search::Point;
use rayon::prelude::*;
use std::collections::HashMap;

/// Designs kept per area band.
pub const PER_BAND: usize = 4000;
/// Area bands, as fractions of the space's area limit.
pub const BANDS: [f64; 5] = [1.0, 0.5, 0.25, 0.125, 0.0625];
/// Expensive evaluations before the first fit.
pub const INITIAL: usize = 10;
/// Noise variance of a ln-ratio observation (about 10%).
const NOISE: f64 = 1e-2;
/// Prior variance of one parameter value's ln correction (about a factor e^0.5 either way).
const PRIOR: f64 = 0.25;
/// Ridge penalty of the discrepancy fits: the Bayesian linear model's `NOISE / PRIOR`.
const RIDGE: f64 = NOISE / PRIOR;
/// Largest space screened by enumeration.
pub const MAX_SPACE: u128 = 1 << 27;

/// One class of the pool: a design the analytic model ranks high, with its analytic numbers.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The design (the first of its class).
    pub point: Point,
    /// ln of its analytic score.
    pub ln_score: f64,
    /// ln of its analytic area.
    pub ln_area: f64,
}

/// The screened pool: the classes in the order the bands found them, best first per band.
pub struct Pool {
    /// The classes.
    pub candidates: Vec<Candidate>,
    /// Each band's best class (index into `candidates`).
    pub band_best: Vec<usize>,
    /// Designs enumerated, all bands together.
    pub enumerated: u64,
}

/// Screens the space with the analytic `cheap` problem (see the module doc).
pub fn screen(cheap: &Problem, progress: &dyn Progress) -> Result<Pool> {
    let size = cheap.space.size();
    if size > MAX_SPACE {
        bail!(
            "--fidelity analytic-first screens the space by enumeration; {} has {size} designs, more \
             than {MAX_SPACE}: fix some parameters, or search it with an optimizer and refine",
            cheap.file.name
        );
    }
    let limit = cheap.file.constraints.max_area_mm2;
    let bands: Vec<Option<f64>> = match limit {
        Some(l) => BANDS.iter().map(|f| Some(l * f)).collect(),
        None => vec![None],
    };
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut seen: HashMap<Vec<u64>, usize> = HashMap::new();
    let mut band_best = Vec::new();
    let mut enumerated = 0;
    for band in bands {
        let mut file = cheap.file.clone();
        file.constraints.max_area_mm2 = band;
        let p = Problem::new(file, cheap.workloads.clone(), cheap.objective.clone())?;
        let e = exhaustive::run_slice(&p, PER_BAND, false, None, None, progress)?;
        enumerated += e.designs;
        let mut rows: Vec<Row> = e
            .rows
            .into_iter()
            .filter(|r| r.eval.score.is_some())
            .collect();
        rows.sort_by(crate::results::by_score);
        let mut best = None;
        for r in rows {
            let key = class_key(&r.eval);
            let i = *seen.entry(key).or_insert_with(|| {
                candidates.push(Candidate {
                    point: r.point.clone(),
                    ln_score: r.eval.score.unwrap_or(f64::NAN).ln(),
                    ln_area: r.eval.area_mm2.unwrap_or(f64::NAN).ln(),
                });
                candidates.len() - 1
            });
            best.get_or_insert(i);
        }
        band_best.extend(best);
    }
    if candidates.is_empty() {
        bail!("--fidelity analytic-first: the analytic model finds no feasible design to screen");
    }
    Ok(Pool {
        candidates,
        band_best,
        enumerated,
    })
}

/// The bits of a design's analytic numbers: equal keys, designs the model cannot tell apart.
pub fn class_key(e: &Evaluation) -> Vec<u64> {
    let mut k = vec![e.area_mm2.unwrap_or(f64::NAN).to_bits()];
    for w in e.per_workload.iter().flatten() {
        k.extend([w.0.to_bits(), w.1.to_bits()]);
    }
    k
}

/// The search over a screened pool.
pub struct AnalyticFirst<'a> {
    /// The pool.
    pub pool: &'a Pool,
    /// The problem whose designs the expensive evaluator costs.
    pub expensive: &'a Problem,
    /// Expensive evaluations allowed.
    pub budget: u64,
    /// The seed of the initial spread.
    pub seed: u64,
    /// Designs costed at a time (the evaluator's workers).
    pub batch: usize,
}

impl AnalyticFirst<'_> {
    /// Runs from `prior` (rows of an interrupted run) to the budget or the pool's end; each new
    /// batch goes to `on_batch` (the checkpoint) before the next is chosen.
    pub fn run(
        &self,
        prior: Vec<Row>,
        on_batch: &mut dyn FnMut(&[Row]) -> Result<()>,
        progress: &dyn Progress,
    ) -> Result<Vec<Row>> {
        let bar = progress.bar(self.budget, "analytic-first");
        bar.inc(prior.len() as u64);
        let mut rows = prior;
        let initial = self.initial();
        while (rows.len() as u64) < self.budget {
            let room = (self.budget - rows.len() as u64) as usize;
            let (picks, phase) = self.next(&rows, &initial, room.min(self.batch.max(1)));
            if picks.is_empty() {
                break;
            }
            let start = rows.len() as u64;
            let new: Vec<Row> = picks
                .par_iter()
                .enumerate()
                .map(|(i, &c)| {
                    let point = self.pool.candidates[c].point.clone();
                    Row {
                        eval_index: start + i as u64,
                        phase: phase.to_string(),
                        eval: self.expensive.evaluate(&point),
                        point,
                    }
                })
                .collect();
            on_batch(&new)?;
            bar.inc(new.len() as u64);
            rows.extend(new);
        }
        bar.finish();
        Ok(rows)
    }

    /// The start: each band's best, then a max-min Hamming spread from a seeded start.
    fn initial(&self) -> Vec<usize> {
        let c = &self.pool.candidates;
        let mut picks: Vec<usize> = Vec::new();
        for &b in &self.pool.band_best {
            if !picks.contains(&b) {
                picks.push(b);
            }
        }
        let mut rng = SplitMix(self.seed ^ 0x5eed_a1a1_f1f5);
        let first = (rng.next_u64() % c.len() as u64) as usize;
        if !picks.contains(&first) {
            picks.push(first);
        }
        let mut nearest: Vec<u32> = (0..c.len())
            .map(|i| {
                picks
                    .iter()
                    .map(|&p| hamming(&c[i].point, &c[p].point))
                    .min()
                    .unwrap_or(0)
            })
            .collect();
        while picks.len() < INITIAL.min(c.len()) {
            let far = (0..c.len())
                .max_by_key(|&i| (nearest[i], std::cmp::Reverse(i)))
                .unwrap_or(0);
            if nearest[far] == 0 {
                break;
            }
            picks.push(far);
            for (i, n) in nearest.iter_mut().enumerate() {
                *n = (*n).min(hamming(&c[i].point, &c[far].point));
            }
        }
        picks
    }

    /// The next designs to cost, and the phase that chose them.
    fn next(&self, rows: &[Row], initial: &[usize], k: usize) -> (Vec<usize>, &'static str) {
        let c = &self.pool.candidates;
        let index: HashMap<&Point, usize> =
            c.iter().enumerate().map(|(i, x)| (&x.point, i)).collect();
        let done: Vec<usize> = rows
            .iter()
            .filter_map(|r| index.get(&r.point).copied())
            .collect();
        let fresh: Vec<usize> = initial
            .iter()
            .copied()
            .filter(|i| !done.contains(i))
            .collect();
        if done.len() < INITIAL && !fresh.is_empty() {
            return (fresh.into_iter().take(k).collect(), "analytic-first:start");
        }
        let model = Discrepancy::fit(self.expensive, c, rows, &index);
        let limit = self.expensive.file.constraints.max_area_mm2.map(f64::ln);
        let best = rows
            .iter()
            .filter_map(|r| r.eval.score)
            .map(f64::ln)
            .min_by(f64::total_cmp);
        let mut picks: Vec<(f64, usize)> = (0..c.len())
            .filter(|i| !done.contains(i))
            .map(|i| (model.acquisition(&c[i], best, limit), i))
            .collect();
        picks.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        (
            picks.into_iter().take(k).map(|x| x.1).collect(),
            "analytic-first:model",
        )
    }
}

/// The fitted corrections: ln(expensive / analytic) of the score and of the area, and how
/// likely a design is infeasible for a reason other than its area (weights that do not fit
/// under the evaluator's mapping, an evaluator failure).
struct Discrepancy {
    score: Ridge,
    area: Ridge,
    other: Ridge,
    /// Where each parameter's one-hot block starts (after the intercept).
    offsets: Vec<usize>,
}

impl Discrepancy {
    fn fit(p: &Problem, pool: &[Candidate], rows: &[Row], index: &HashMap<&Point, usize>) -> Self {
        let mut offsets = Vec::new();
        let mut n = 1;
        for (_, values) in &p.file.params {
            offsets.push(n);
            n += values.len();
        }
        let limit = p.file.constraints.max_area_mm2;
        let (mut s_rows, mut a_rows, mut o_rows) = (Vec::new(), Vec::new(), Vec::new());
        for r in rows {
            let Some(&i) = index.get(&r.point) else {
                continue;
            };
            let x = active(&offsets, &r.point);
            let area = r.eval.area_mm2.filter(|a| *a > 0.0);
            if let Some(s) = r.eval.score {
                s_rows.push((x.clone(), s.ln() - pool[i].ln_score));
            }
            if let Some(a) = area {
                a_rows.push((x.clone(), a.ln() - pool[i].ln_area));
            }
            let area_only = area.zip(limit).is_some_and(|(a, l)| a > l);
            if r.eval.score.is_some() || !area_only {
                o_rows.push((x, if r.eval.score.is_some() { 0.0 } else { 1.0 }));
            }
        }
        Discrepancy {
            score: Ridge::fit(n, &s_rows),
            area: Ridge::fit(n, &a_rows),
            other: Ridge::fit(n, &o_rows),
            offsets,
        }
    }

    /// How much costing a design is worth: the expected improvement of its ln score over the
    /// best so far under the evaluator, times the probability that its area fits and that
    /// nothing else makes it infeasible (constrained expected improvement, Gardner et al.
    /// 2014). Before any feasible design, the probability of feasibility, then the predicted
    /// score, decide.
    fn acquisition(&self, c: &Candidate, best: Option<f64>, limit: Option<f64>) -> f64 {
        let x = active(&self.offsets, &c.point);
        let (s, a, o) = (
            self.score.predict(&x),
            self.area.predict(&x),
            self.other.predict(&x),
        );
        let (mu, sd) = (c.ln_score + s.0, s.1.max(1e-9));
        let fits = limit.map_or(1.0, |l| normal_cdf((l - c.ln_area - a.0) / a.1.max(1e-9)));
        let feasible = fits * (1.0 - o.0).clamp(0.0, 1.0);
        match best {
            Some(f) => {
                let z = (f - mu) / sd;
                let ei = (f - mu) * normal_cdf(z) + sd * normal_pdf(z);
                ei.max(0.0) * feasible
            }
            None => feasible * (-mu).exp(),
        }
    }
}

/// The standard normal density.
fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The standard normal distribution function, through `erfc` (Numerical Recipes' Chebyshev
/// fit, fractional error under 1.2e-7 everywhere, tails included).
fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// A Bayesian linear regression on 0/1 features (each row lists its active ones), prior
/// variance [`PRIOR`] per coefficient and noise [`NOISE`]: the posterior mean of the
/// coefficients, `(X'X + RIDGE I) b = X'y`, and their covariance `NOISE (X'X + RIDGE I)^-1`,
/// so a parameter value never costed keeps its prior spread and one costed often is known.
struct Ridge {
    beta: Vec<f64>,
    /// Cholesky factor of `X'X + RIDGE I`.
    chol: Vec<Vec<f64>>,
}

impl Ridge {
    fn fit(n: usize, rows: &[(Vec<usize>, f64)]) -> Ridge {
        let mut a = vec![vec![0.0; n]; n];
        let mut b = vec![0.0; n];
        for (x, y) in rows {
            for &i in x {
                b[i] += y;
                for &j in x {
                    a[i][j] += 1.0;
                }
            }
        }
        for (i, row) in a.iter_mut().enumerate() {
            row[i] += RIDGE;
        }
        let chol = cholesky(a);
        let beta = solve(&chol, b);
        Ridge { beta, chol }
    }

    /// (mean, standard deviation) of the correction at a design.
    fn predict(&self, x: &[usize]) -> (f64, f64) {
        let mean = x.iter().map(|&j| self.beta[j]).sum();
        let mut e = vec![0.0; self.beta.len()];
        for &j in x {
            e[j] = 1.0;
        }
        let v = solve(&self.chol, e.clone());
        let q: f64 = x.iter().map(|&j| v[j]).sum();
        (mean, (NOISE * q).sqrt())
    }
}

/// The features that are 1 for a design: the intercept and one value per parameter.
fn active(offsets: &[usize], p: &Point) -> Vec<usize> {
    let mut x = vec![0];
    x.extend(offsets.iter().zip(&p.0).map(|(o, &g)| o + g as usize));
    x
}

/// The lower Cholesky factor of a symmetric positive definite matrix.
fn cholesky(mut a: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let n = a.len();
    for j in 0..n {
        let d = (a[j][j] - (0..j).map(|k| a[j][k] * a[j][k]).sum::<f64>()).sqrt();
        a[j][j] = d;
        for i in j + 1..n {
            a[i][j] = (a[i][j] - (0..j).map(|k| a[i][k] * a[j][k]).sum::<f64>()) / d;
        }
    }
    a
}

/// Solves `L L' x = b` given the factor `L`.
fn solve(l: &[Vec<f64>], mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for i in 0..n {
        b[i] = (b[i] - (0..i).map(|k| l[i][k] * b[k]).sum::<f64>()) / l[i][i];
    }
    for i in (0..n).rev() {
        b[i] = (b[i] - (i + 1..n).map(|k| l[k][i] * b[k]).sum::<f64>()) / l[i][i];
    }
    b
}

fn hamming(a: &Point, b: &Point) -> u32 {
    a.0.iter().zip(&b.0).filter(|(x, y)| x != y).count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ridge fit recovers an additive model exactly enough, and matches a dense solve.
    #[test]
    fn ridge_recovers_an_additive_log_correction() {
        // Two parameters of 3 and 2 values: y = 0.5 + a[g0] + b[g1].
        let offsets = [1, 4];
        let (a, b) = ([0.0, 0.3, -0.2], [0.1, -0.4]);
        let mut rows = Vec::new();
        for g0 in 0..3u32 {
            for g1 in 0..2u32 {
                let p = Point(vec![g0, g1]);
                rows.push((active(&offsets, &p), 0.5 + a[g0 as usize] + b[g1 as usize]));
            }
        }
        let r = Ridge::fit(6, &rows);
        for (x, y) in &rows {
            let (fit, sd) = r.predict(x);
            assert!((fit - y).abs() < 0.01, "{fit} vs {y}");
            assert!(sd > 0.0 && sd < 0.1, "{sd}");
        }
        // Without data, a design's correction has its prior spread: 3 coefficients.
        let (mean, sd) = Ridge::fit(6, &[]).predict(&[0, 1, 4]);
        assert_eq!(mean, 0.0);
        assert!((sd - (3.0 * PRIOR).sqrt()).abs() < 1e-12, "{sd}");
    }

    #[test]
    fn the_normal_distribution_function_is_accurate() {
        // Reference values (scipy.stats.norm.cdf).
        for (z, p) in [
            (0.0, 0.5),
            (1.0, 0.841_344_746_068_543),
            (-1.96, 0.024_997_895_148_220_4),
            (-6.0, 9.865_876_450_377e-10),
            (3.0, 0.998_650_101_968_369_9),
        ] {
            let got = normal_cdf(z);
            assert!((got - p).abs() <= 2e-7 * p.max(1e-3), "{z}: {got} vs {p}");
        }
    }

    #[test]
    fn cholesky_solves_a_small_system() {
        let a = vec![
            vec![4.0, 2.0, 0.4],
            vec![2.0, 5.0, 1.0],
            vec![0.4, 1.0, 3.0],
        ];
        let x = [1.0, -2.0, 0.5];
        let b: Vec<f64> = a
            .iter()
            .map(|r| r.iter().zip(&x).map(|(p, q)| p * q).sum())
            .collect();
        let got = solve(&cholesky(a), b);
        for (g, w) in got.iter().zip(x) {
            assert!((g - w).abs() < 1e-12, "{got:?}");
        }
    }
}
