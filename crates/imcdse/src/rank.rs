//! Rank statistics for comparing our model with a reference simulator: do the two order the
//! same designs the same way, and by what factor do their numbers differ.
//!
//! - [`ranks`]: 1-based ranks, ties given the mean of the ranks they span ("fractional"
//!   ranking, as `scipy.stats.rankdata(method="average")`).
//! - [`spearman`]: Spearman's rho, the Pearson correlation of the two rank vectors (ties
//!   averaged), as `scipy.stats.spearmanr`.
//! - [`kendall_tau_b`]: Kendall's tau-b, `(concordant - discordant) / sqrt((n0 - n1)(n0 - n2))`
//!   with `n0 = n(n-1)/2` and `n1`, `n2` the pairs tied in x and in y, as
//!   `scipy.stats.kendalltau`, in O(n log n) by Knight's algorithm (JASA 61, 1966): sort by
//!   x then y, count the ties, and count the discordant pairs as the swaps a merge sort of
//!   the y values makes. 100,000 designs take milliseconds.
//! - [`quantile`]: the linear interpolation between order statistics of
//!   `numpy.quantile(method="linear")`.

/// 1-based ranks of `v` in ascending order; ties get the mean of the ranks they span.
/// NaN must not occur (callers keep finite values only).
pub fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        // Positions i..=j (0-based) hold ranks i+1..=j+1: their mean.
        let mean = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            r[k] = mean;
        }
        i = j + 1;
    }
    r
}

/// Pearson's correlation of two equally long vectors; `None` when either is constant or
/// shorter than 2.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 2 || y.len() != n {
        return None;
    }
    let (mx, my) = (
        x.iter().sum::<f64>() / n as f64,
        y.iter().sum::<f64>() / n as f64,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// Spearman's rank correlation; `None` when either side is constant or has fewer than 2
/// values.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    pearson(&ranks(x), &ranks(y))
}

/// Kendall's tau-b; `None` when either side is constant or has fewer than 2 values. Values
/// are compared with `total_cmp`.
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 2 || y.len() != n {
        return None;
    }
    let same = |a: f64, b: f64| a.total_cmp(&b).is_eq();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| x[a].total_cmp(&x[b]).then(y[a].total_cmp(&y[b])));
    // Pairs tied in x, and tied in both (runs of the sorted order).
    let (mut tied_x, mut tied_xy, mut run_x, mut run_xy) = (0u64, 0u64, 1u64, 1u64);
    for w in order.windows(2) {
        let (a, b) = (w[0], w[1]);
        if same(x[a], x[b]) {
            run_x += 1;
            if same(y[a], y[b]) {
                run_xy += 1;
            } else {
                tied_xy += pairs(run_xy);
                run_xy = 1;
            }
        } else {
            tied_x += pairs(run_x);
            tied_xy += pairs(run_xy);
            (run_x, run_xy) = (1, 1);
        }
    }
    tied_x += pairs(run_x);
    tied_xy += pairs(run_xy);
    // Discordant pairs: y out of order where x is strictly in order (ties in x are sorted by
    // y, and equal y values are not swapped).
    let mut ys: Vec<f64> = order.iter().map(|&i| y[i]).collect();
    let discordant = sort_counting_swaps(&mut ys);
    let (mut tied_y, mut run_y) = (0u64, 1u64);
    for w in ys.windows(2) {
        if same(w[0], w[1]) {
            run_y += 1;
        } else {
            tied_y += pairs(run_y);
            run_y = 1;
        }
    }
    tied_y += pairs(run_y);
    let n0 = pairs(n as u64);
    // concordant - discordant = n0 - n1 - n2 + n3 - 2 discordant.
    let numerator =
        n0 as f64 - tied_x as f64 - tied_y as f64 + tied_xy as f64 - 2.0 * discordant as f64;
    let denominator = (((n0 - tied_x) as f64) * ((n0 - tied_y) as f64)).sqrt();
    (denominator > 0.0).then(|| numerator / denominator)
}

/// The pairs among `t` items.
fn pairs(t: u64) -> u64 {
    t * t.saturating_sub(1) / 2
}

/// Sorts `v` (bottom-up merge sort, `total_cmp`) and returns the number of pairs it found out
/// of order (strictly greater before smaller): the inversions.
fn sort_counting_swaps(v: &mut Vec<f64>) -> u64 {
    let n = v.len();
    let mut buf = vec![0.0; n];
    let (mut swaps, mut width) = (0u64, 1usize);
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                if v[j].total_cmp(&v[i]).is_lt() {
                    buf[k] = v[j];
                    j += 1;
                    swaps += (mid - i) as u64;
                } else {
                    buf[k] = v[i];
                    i += 1;
                }
                k += 1;
            }
            buf[k..k + mid - i].copy_from_slice(&v[i..mid]);
            k += mid - i;
            buf[k..k + end - j].copy_from_slice(&v[j..end]);
            start = end;
        }
        std::mem::swap(v, &mut buf);
        width *= 2;
    }
    swaps
}

/// The `q` quantile (`0 <= q <= 1`) of `v` by linear interpolation between order statistics;
/// `None` for an empty slice.
pub fn quantile(v: &[f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let h = (s.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    // Equal neighbours (two infinities among them) interpolate to themselves, not NaN.
    if s[lo] == s[hi] {
        return Some(s[lo]);
    }
    Some(s[lo] + (h - lo as f64) * (s[hi] - s[lo]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn ties_share_the_mean_rank() {
        assert_eq!(
            ranks(&[10.0, 20.0, 10.0, 5.0, 20.0, 20.0]),
            vec![2.5, 5.0, 2.5, 1.0, 5.0, 5.0]
        );
    }

    /// Expected values from scipy 1.17.1 (`spearmanr(x, y).statistic`,
    /// `kendalltau(x, y).statistic`) and numpy (`quantile`) on the same vectors, printed with
    /// `repr`:
    /// `x = [1, 2, 3, 4, 5, 6, 7, 8]`, `y = [2, 1, 4, 3, 6, 5, 8, 8]`.
    #[test]
    fn match_scipy_on_a_small_case_with_ties() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let y = [2.0, 1.0, 4.0, 3.0, 6.0, 5.0, 8.0, 8.0];
        let rho = spearman(&x, &y).unwrap();
        let tau = kendall_tau_b(&x, &y).unwrap();
        assert!(close(rho, 0.922_172_221_673_209_4), "{rho}");
        assert!(close(tau, 0.763_762_615_825_973_3), "{tau}");
        assert!(close(quantile(&x, 0.1).unwrap(), 1.7));
        assert_eq!(quantile(&x, 0.5), Some(4.5));
        assert_eq!(quantile(&[3.0], 0.9), Some(3.0));
        assert_eq!(quantile(&[], 0.5), None);
    }

    /// Kendall's tau-b by pairs, O(n^2): what the fast one must equal.
    fn kendall_by_pairs(x: &[f64], y: &[f64]) -> Option<f64> {
        let n = x.len();
        let (mut c, mut d, mut tx, mut ty) = (0i64, 0i64, 0i64, 0i64);
        for i in 0..n {
            for j in i + 1..n {
                let dx = x[i].total_cmp(&x[j]) as i64;
                let dy = y[i].total_cmp(&y[j]) as i64;
                match (dx, dy) {
                    (0, 0) => {
                        tx += 1;
                        ty += 1;
                    }
                    (0, _) => tx += 1,
                    (_, 0) => ty += 1,
                    _ if dx == dy => c += 1,
                    _ => d += 1,
                }
            }
        }
        let n0 = (n * (n - 1) / 2) as i64;
        let den = (((n0 - tx) as f64) * ((n0 - ty) as f64)).sqrt();
        (den > 0.0).then(|| (c - d) as f64 / den)
    }

    /// C6: the O(n log n) tau-b equals the pairwise count on vectors with many ties, and
    /// 100,000 values (the pairwise count took minutes with fidelity's ten agreements) take
    /// well under a second (2 s allowed, for a debug build on a busy machine).
    #[test]
    fn c6_kendall_is_n_log_n_and_equals_the_pairwise_count() {
        let mut state = 7u64;
        let mut next = |k: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % k) as f64
        };
        for (n, k) in [(2, 2), (3, 2), (17, 3), (200, 5), (500, 1000), (1000, 40)] {
            let x: Vec<f64> = (0..n).map(|_| next(k)).collect();
            let y: Vec<f64> = (0..n).map(|_| next(k)).collect();
            let (fast, slow) = (kendall_tau_b(&x, &y), kendall_by_pairs(&x, &y));
            match (fast, slow) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "{n} {k}: {a} {b}"),
                (a, b) => assert_eq!(a, b, "{n} {k}"),
            }
        }
        let n = 100_000;
        let x: Vec<f64> = (0..n).map(|_| next(1 << 20)).collect();
        let y: Vec<f64> = x.iter().map(|v| v + next(1 << 18)).collect();
        let started = std::time::Instant::now();
        let tau = kendall_tau_b(&x, &y).unwrap();
        assert!(tau > 0.5 && tau < 1.0, "{tau}");
        assert!(
            started.elapsed().as_secs_f64() < 2.0,
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn quantiles_of_equal_infinities_are_not_nan() {
        let v = [1.0, f64::INFINITY, f64::INFINITY, f64::INFINITY];
        assert_eq!(quantile(&v, 0.9), Some(f64::INFINITY));
    }

    #[test]
    fn perfect_reversed_and_constant() {
        let x = [1.0, 5.0, 2.0, 9.0];
        let up: Vec<f64> = x.iter().map(|v| v * 3.0 + 1.0).collect();
        let down: Vec<f64> = x.iter().map(|v| -v.powi(3)).collect();
        assert_eq!(spearman(&x, &up), Some(1.0));
        assert_eq!(kendall_tau_b(&x, &up), Some(1.0));
        assert_eq!(spearman(&x, &down), Some(-1.0));
        assert_eq!(kendall_tau_b(&x, &down), Some(-1.0));
        assert_eq!(spearman(&x, &[2.0; 4]), None);
        assert_eq!(kendall_tau_b(&x, &[2.0; 4]), None);
        assert_eq!(spearman(&[1.0], &[1.0]), None);
    }
}
