//! Exact hypervolume (minimization) of a point set against a reference point: the measure of
//! the region dominated by the set and bounded by the reference. Points not strictly better
//! than the reference in every objective contribute nothing.
//!
//! - 2-D: sort by the first objective and sum the staircase rectangles, O(n log n).
//! - 3-D: sweep the third objective upward, keeping the 2-D staircase of the points seen so far
//!   in an ordered map; each insertion adds its exclusive 2-D area and removes the points it
//!   dominates, so the whole sweep is O(n log n) (Beume, Fonseca, Lopez-Ibanez, Paquete, Vahrenhold,
//!   "On the complexity of computing the hypervolume indicator", IEEE TEC 2009).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::Bound;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Key(f64);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Hypervolume of 2-D points against `reference`.
pub fn hv2(points: &[[f64; 2]], reference: [f64; 2]) -> f64 {
    let mut pts: Vec<[f64; 2]> = points
        .iter()
        .copied()
        .filter(|p| p[0] < reference[0] && p[1] < reference[1])
        .collect();
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    // Each point that lowers the running best y adds the band between its y and the previous
    // best, from its x to the reference.
    let mut total = 0.0;
    let mut best = reference[1];
    for p in &pts {
        if p[1] < best {
            total += (reference[0] - p[0]) * (best - p[1]);
            best = p[1];
        }
    }
    total
}

/// A 2-D staircase of mutually non-dominated points, x ascending (so y descending), with the
/// area it dominates up to the reference.
struct Staircase {
    pts: BTreeMap<Key, f64>,
    reference: [f64; 2],
    area: f64,
}

impl Staircase {
    fn new(reference: [f64; 2]) -> Staircase {
        Staircase {
            pts: BTreeMap::new(),
            reference,
            area: 0.0,
        }
    }

    /// Height of the staircase just right of `x` (the lowest y among points with x' <= x).
    fn height_at(&self, x: f64) -> f64 {
        self.pts
            .range(..=Key(x))
            .next_back()
            .map_or(self.reference[1], |(_, y)| *y)
    }

    fn insert(&mut self, x: f64, y: f64) {
        let mut h = self.height_at(x);
        if y >= h {
            return; // dominated (or equal)
        }
        let mut cur = x;
        let mut remove = Vec::new();
        let mut stopped = false;
        for (k, &qy) in self.pts.range((Bound::Excluded(Key(x)), Bound::Unbounded)) {
            // Band between y and the staircase height h over [cur, k.x).
            self.area += (k.0 - cur) * (h - y);
            cur = k.0;
            h = qy;
            if qy >= y {
                remove.push(*k); // dominated by the new point
            } else {
                stopped = true;
                break;
            }
        }
        if !stopped {
            self.area += (self.reference[0] - cur) * (h - y);
        }
        for k in remove {
            self.pts.remove(&k);
        }
        self.pts.insert(Key(x), y);
    }
}

/// Hypervolume of 3-D points against `reference`.
pub fn hv3(points: &[[f64; 3]], reference: [f64; 3]) -> f64 {
    let mut pts: Vec<[f64; 3]> = points
        .iter()
        .copied()
        .filter(|p| p[0] < reference[0] && p[1] < reference[1] && p[2] < reference[2])
        .collect();
    pts.sort_by(|a, b| a[2].total_cmp(&b[2]));
    let mut stair = Staircase::new([reference[0], reference[1]]);
    let mut volume = 0.0;
    for (i, p) in pts.iter().enumerate() {
        stair.insert(p[0], p[1]);
        let next_z = pts.get(i + 1).map_or(reference[2], |q| q[2]);
        volume += stair.area * (next_z - p[2]);
    }
    volume
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Uniform draws in [0, 1) from the crate's seeded generator.
    fn draw(r: &mut crate::optimizer::Rng) -> f64 {
        use rand::RngExt;
        r.random::<f64>()
    }

    /// Exact volume by counting unit cells of an integer grid.
    fn brute3(points: &[[f64; 3]], r: [f64; 3]) -> f64 {
        let mut count = 0;
        for x in 0..r[0] as i32 {
            for y in 0..r[1] as i32 {
                for z in 0..r[2] as i32 {
                    let c = [x as f64, y as f64, z as f64];
                    if points
                        .iter()
                        .any(|p| p[0] <= c[0] && p[1] <= c[1] && p[2] <= c[2])
                    {
                        count += 1;
                    }
                }
            }
        }
        count as f64
    }

    #[test]
    fn zdt1_and_zdt2_fronts_match_the_analytic_values() {
        let n = 10_000;
        let f1 = |i: usize| i as f64 / (n - 1) as f64;
        let zdt1: Vec<[f64; 2]> = (0..n).map(|i| [f1(i), 1.0 - f1(i).sqrt()]).collect();
        let zdt2: Vec<[f64; 2]> = (0..n).map(|i| [f1(i), 1.0 - f1(i) * f1(i)]).collect();
        // ecosystem.md section 6: ZDT1 2/3 (ref 1) and 0.876667 (ref 1.1); ZDT2 1/3 and 0.543333.
        assert!((hv2(&zdt1, [1.0, 1.0]) - 2.0 / 3.0).abs() < 1e-4);
        assert!((hv2(&zdt1, [1.1, 1.1]) - 0.876667).abs() < 1e-4);
        assert!((hv2(&zdt2, [1.0, 1.0]) - 1.0 / 3.0).abs() < 1e-4);
        assert!((hv2(&zdt2, [1.1, 1.1]) - 0.543333).abs() < 1e-4);
    }

    #[test]
    fn three_d_equals_grid_counting() {
        let mut seed = crate::optimizer::rng(11);
        for trial in 0..300 {
            let n = 1 + trial % 12;
            let pts: Vec<[f64; 3]> = (0..n)
                .map(|_| {
                    [
                        (draw(&mut seed) * 6.0).floor(),
                        (draw(&mut seed) * 6.0).floor(),
                        (draw(&mut seed) * 6.0).floor(),
                    ]
                })
                .collect();
            let r = [6.0, 6.0, 6.0];
            assert_eq!(hv3(&pts, r), brute3(&pts, r), "trial {trial}: {pts:?}");
        }
    }

    #[test]
    fn invariants() {
        let mut seed = crate::optimizer::rng(3);
        for _ in 0..100 {
            let pts: Vec<[f64; 3]> = (0..20)
                .map(|_| [draw(&mut seed), draw(&mut seed), draw(&mut seed)])
                .collect();
            let r = [1.1, 1.1, 1.1];
            let hv = hv3(&pts, r);
            // Order does not matter.
            let mut rev = pts.clone();
            rev.reverse();
            assert!((hv3(&rev, r) - hv).abs() < 1e-12);
            // Adding a point never lowers it.
            let mut more = pts.clone();
            more.push([draw(&mut seed), draw(&mut seed), draw(&mut seed)]);
            assert!(hv3(&more, r) >= hv - 1e-12);
            // A constant third objective gives the 2-D volume times its extent.
            let flat: Vec<[f64; 3]> = pts.iter().map(|p| [p[0], p[1], 0.25]).collect();
            let two: Vec<[f64; 2]> = pts.iter().map(|p| [p[0], p[1]]).collect();
            assert!((hv3(&flat, r) - hv2(&two, [1.1, 1.1]) * (1.1 - 0.25)).abs() < 1e-12);
        }
    }

    #[test]
    fn dtlz2_front_approaches_the_analytic_value() {
        // DTLZ2 (M = 3): the positive octant of the unit sphere; HV to (1,1,1) = 1 - pi/6.
        // A finite sample under-estimates by O(grid spacing): 600 x 600 angles land within 3e-3.
        let k = 600;
        let mut pts = Vec::with_capacity(k * k);
        for i in 0..k {
            for j in 0..k {
                let (a, b) = (
                    i as f64 / (k - 1) as f64 * std::f64::consts::FRAC_PI_2,
                    j as f64 / (k - 1) as f64 * std::f64::consts::FRAC_PI_2,
                );
                pts.push([a.cos() * b.cos(), a.cos() * b.sin(), a.sin()]);
            }
        }
        let hv = hv3(&pts, [1.0, 1.0, 1.0]);
        let exact = 1.0 - std::f64::consts::PI / 6.0;
        assert!(hv < exact && exact - hv < 3e-3, "{hv} vs {exact}");
    }
}
