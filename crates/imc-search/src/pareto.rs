//! Non-dominated sorting and crowding distance (Deb et al., "A fast and elitist multiobjective
//! genetic algorithm: NSGA-II", IEEE TEC 2002, doi:10.1109/4235.996017), under constrained
//! domination, and the non-dominated filter used for Pareto fronts.

use crate::outcome::{Outcome, constrained_dominates, dominates};

/// Fronts of `outcomes` (indices), best first: fast non-dominated sort, O(M N^2).
pub fn non_dominated_sort(outcomes: &[&Outcome]) -> Vec<Vec<usize>> {
    let n = outcomes.len();
    let mut dominated_by = vec![0usize; n];
    let mut dominates_list: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for j in (i + 1)..n {
            if constrained_dominates(outcomes[i], outcomes[j]) {
                dominates_list[i].push(j);
                dominated_by[j] += 1;
            } else if constrained_dominates(outcomes[j], outcomes[i]) {
                dominates_list[j].push(i);
                dominated_by[i] += 1;
            }
        }
    }
    let mut fronts = Vec::new();
    let mut current: Vec<usize> = (0..n).filter(|&i| dominated_by[i] == 0).collect();
    while !current.is_empty() {
        let mut next = Vec::new();
        for &i in &current {
            for &j in &dominates_list[i] {
                dominated_by[j] -= 1;
                if dominated_by[j] == 0 {
                    next.push(j);
                }
            }
        }
        next.sort_unstable();
        fronts.push(current);
        current = next;
    }
    fronts
}

/// Crowding distance of each member of one front (boundary points get infinity). Infeasible
/// members (no objectives) get 0.
pub fn crowding_distance(front: &[usize], outcomes: &[&Outcome]) -> Vec<f64> {
    let mut dist = vec![0.0; front.len()];
    let objs: Vec<Option<&[f64]>> = front.iter().map(|&i| outcomes[i].objectives()).collect();
    let Some(m) = objs.iter().flatten().map(|o| o.len()).next() else {
        return dist;
    };
    if objs.iter().any(Option::is_none) {
        return dist;
    }
    let objs: Vec<&[f64]> = objs.into_iter().flatten().collect();
    #[allow(clippy::needless_range_loop)] // k indexes the objective inside each vector
    for k in 0..m {
        let mut order: Vec<usize> = (0..front.len()).collect();
        order.sort_by(|&a, &b| objs[a][k].total_cmp(&objs[b][k]).then(a.cmp(&b)));
        let (lo, hi) = (objs[order[0]][k], objs[order[order.len() - 1]][k]);
        dist[order[0]] = f64::INFINITY;
        dist[order[order.len() - 1]] = f64::INFINITY;
        if hi > lo {
            for w in 1..order.len().saturating_sub(1) {
                dist[order[w]] += (objs[order[w + 1]][k] - objs[order[w - 1]][k]) / (hi - lo);
            }
        }
    }
    dist
}

/// Indices of the non-dominated points among `points` (duplicates kept once, first occurrence).
pub fn non_dominated(points: &[&[f64]]) -> Vec<usize> {
    let mut keep = Vec::new();
    'outer: for (i, p) in points.iter().enumerate() {
        for (j, q) in points.iter().enumerate() {
            if dominates(q, p) || (j < i && q == p) {
                continue 'outer;
            }
        }
        keep.push(i);
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Uniform draws in [0, 1) from the crate's seeded generator.
    fn draw(r: &mut crate::optimizer::Rng) -> f64 {
        use rand::RngExt;
        r.random::<f64>()
    }

    /// Property: the sort's fronts equal peeling non-dominated sets off by brute force, on
    /// random sets with ties and infeasible members.
    #[test]
    fn sort_matches_brute_force() {
        let mut seed = crate::optimizer::rng(7);
        for trial in 0..200 {
            let n = 1 + trial % 40;
            let m = 2 + trial % 3;
            let outs: Vec<Outcome> = (0..n)
                .map(|_| {
                    if draw(&mut seed) < 0.15 {
                        Outcome::Infeasible {
                            violation: (draw(&mut seed) * 3.0).floor(),
                            reason: String::new(),
                        }
                    } else {
                        Outcome::Feasible((0..m).map(|_| (draw(&mut seed) * 5.0).floor()).collect())
                    }
                })
                .collect();
            let refs: Vec<&Outcome> = outs.iter().collect();
            let fronts = non_dominated_sort(&refs);
            let mut left: Vec<usize> = (0..n).collect();
            for front in &fronts {
                let mut expect: Vec<usize> = left
                    .iter()
                    .copied()
                    .filter(|&i| {
                        !left
                            .iter()
                            .any(|&j| constrained_dominates(&outs[j], &outs[i]))
                    })
                    .collect();
                expect.sort_unstable();
                let mut got = front.clone();
                got.sort_unstable();
                assert_eq!(got, expect, "trial {trial}");
                left.retain(|i| !expect.contains(i));
            }
            assert!(left.is_empty());
        }
    }

    #[test]
    fn crowding_boundaries_are_infinite() {
        let outs: Vec<Outcome> = [[0.0, 3.0], [1.0, 2.0], [2.0, 1.0], [3.0, 0.0]]
            .iter()
            .map(|p| Outcome::Feasible(p.to_vec()))
            .collect();
        let refs: Vec<&Outcome> = outs.iter().collect();
        let d = crowding_distance(&[0, 1, 2, 3], &refs);
        assert!(d[0].is_infinite() && d[3].is_infinite());
        assert!((d[1] - 4.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn filter_keeps_one_copy() {
        let pts: Vec<&[f64]> = vec![&[1.0, 1.0], &[1.0, 1.0], &[0.0, 2.0], &[2.0, 2.0]];
        assert_eq!(non_dominated(&pts), vec![0, 2]);
    }
}
