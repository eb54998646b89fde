//! Variation operators on index genes, with pymoo's semantics (pymoo 0.6, Blank & Deb 2020,
//! doi:10.1109/ACCESS.2020.2990567), as the joint co-optimization framework used them: genes
//! are treated as reals in `[0, n-1]`, varied, then rounded to the nearest index
//! (`RoundingRepair`).
//!
//! - SBX (simulated binary crossover, Deb & Agrawal 1995): a pair crosses with probability
//!   `prob`; each variable with probability 0.5, when the parents differ; spread from the
//!   bounded SBX distribution with index `eta`; children swap each variable with probability 0.5.
//! - PM (polynomial mutation, Deb & Goyal 1996; bounded form): an individual mutates with
//!   probability `prob`; each variable with probability `min(0.5, 1/n_var)`; index `eta`.

use crate::optimizer::Rng;
use crate::space::{Point, Space};
use rand::RngExt;

fn round_clamp(x: f64, n: u32) -> u32 {
    x.round().clamp(0.0, (n - 1) as f64) as u32
}

/// Crosses two parents; returns two children.
pub fn sbx(
    a: &Point,
    b: &Point,
    space: &Space,
    prob: f64,
    eta: f64,
    rng: &mut Rng,
) -> (Point, Point) {
    let (mut c1, mut c2) = (a.clone(), b.clone());
    if rng.random::<f64>() >= prob {
        return (c1, c2);
    }
    for (i, &n) in space.sizes.iter().enumerate() {
        if rng.random::<f64>() >= 0.5 || n < 2 {
            continue;
        }
        let (x1, x2) = (a.0[i] as f64, b.0[i] as f64);
        if (x1 - x2).abs() < 1e-14 {
            continue;
        }
        let (y1, y2) = if x1 < x2 { (x1, x2) } else { (x2, x1) };
        let (lo, hi) = (0.0, (n - 1) as f64);
        let r: f64 = rng.random();
        let child = |beta: f64| {
            let alpha = 2.0 - beta.powf(-(eta + 1.0));
            if r <= 1.0 / alpha {
                (r * alpha).powf(1.0 / (eta + 1.0))
            } else {
                (1.0 / (2.0 - r * alpha)).powf(1.0 / (eta + 1.0))
            }
        };
        let b1 = 1.0 + 2.0 * (y1 - lo) / (y2 - y1);
        let v1 = 0.5 * ((y1 + y2) - child(b1) * (y2 - y1));
        let b2 = 1.0 + 2.0 * (hi - y2) / (y2 - y1);
        let v2 = 0.5 * ((y1 + y2) + child(b2) * (y2 - y1));
        let (mut v1, mut v2) = (v1.clamp(lo, hi), v2.clamp(lo, hi));
        if rng.random::<f64>() < 0.5 {
            std::mem::swap(&mut v1, &mut v2);
        }
        c1.0[i] = round_clamp(v1, n);
        c2.0[i] = round_clamp(v2, n);
    }
    (c1, c2)
}

/// Mutates an individual in place.
pub fn polynomial_mutation(p: &mut Point, space: &Space, prob: f64, eta: f64, rng: &mut Rng) {
    if rng.random::<f64>() >= prob {
        return;
    }
    let per_var = (1.0 / space.dims() as f64).min(0.5);
    for (i, &n) in space.sizes.iter().enumerate() {
        if n < 2 || rng.random::<f64>() >= per_var {
            continue;
        }
        let (lo, hi) = (0.0, (n - 1) as f64);
        let x = p.0[i] as f64;
        let (d1, d2) = ((x - lo) / (hi - lo), (hi - x) / (hi - lo));
        let r: f64 = rng.random();
        let mpow = 1.0 / (eta + 1.0);
        let dq = if r < 0.5 {
            (2.0 * r + (1.0 - 2.0 * r) * (1.0 - d1).powf(eta + 1.0)).powf(mpow) - 1.0
        } else {
            1.0 - (2.0 * (1.0 - r) + 2.0 * (r - 0.5) * (1.0 - d2).powf(eta + 1.0)).powf(mpow)
        };
        p.0[i] = round_clamp(x + dq * (hi - lo), n);
    }
}

/// A uniformly random point.
pub fn random_point(space: &Space, rng: &mut Rng) -> Point {
    Point(
        space
            .sizes
            .iter()
            .map(|&n| rng.random_range(0..n))
            .collect(),
    )
}

/// Binary tournament: two random members; the one `better` prefers wins (ties: the first).
pub fn tournament<F: Fn(usize, usize) -> bool>(len: usize, better: F, rng: &mut Rng) -> usize {
    let (a, b) = (rng.random_range(0..len), rng.random_range(0..len));
    if better(b, a) { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimizer::rng;

    #[test]
    fn children_stay_in_bounds_and_mutation_moves() {
        let s = Space::new(vec![("a".into(), 8), ("b".into(), 5), ("c".into(), 1000)]);
        let mut r = rng(1);
        let mut moved = 0;
        for _ in 0..2000 {
            let a = random_point(&s, &mut r);
            let b = random_point(&s, &mut r);
            let (c, d) = sbx(&a, &b, &s, 1.0, 3.0, &mut r);
            assert!(s.contains(&c) && s.contains(&d));
            let mut m = c.clone();
            polynomial_mutation(&mut m, &s, 1.0, 3.0, &mut r);
            assert!(s.contains(&m));
            moved += usize::from(m != c);
        }
        assert!(moved > 300, "mutation should move often at eta 3 ({moved})");
    }

    #[test]
    fn sbx_children_average_to_the_parents_mean() {
        // SBX is mean-preserving before rounding; over many draws the children's mean stays
        // close to the parents'.
        let s = Space::new(vec![("x".into(), 10_001)]);
        let mut r = rng(2);
        let (a, b) = (Point(vec![3000]), Point(vec![7000]));
        let mut sum = 0.0;
        let n = 20_000;
        for _ in 0..n {
            let (c, d) = sbx(&a, &b, &s, 1.0, 15.0, &mut r);
            sum += (c.0[0] + d.0[0]) as f64 / 2.0;
        }
        assert!((sum / n as f64 - 5000.0).abs() < 25.0, "{}", sum / n as f64);
    }
}
