//! Rank statistics for comparing our model with a reference simulator: do the two order the
//! same designs the same way, and by what factor do their numbers differ.
//!
//! - [`ranks`]: 1-based ranks, ties given the mean of the ranks they span ("fractional"
//!   ranking, as `scipy.stats.rankdata(method="average")`).
//! - [`spearman`]: Spearman's rho, the Pearson correlation of the two rank vectors (ties
//!   averaged), as `scipy.stats.spearmanr`.
//! - [`kendall_tau_b`]: Kendall's tau-b, `(concordant - discordant) / sqrt((n0 - n1)(n0 - n2))`
//!   with `n0 = n(n-1)/2` and `n1`, `n2` the pairs tied in x and in y, as
//!   `scipy.stats.kendalltau` (O(n^2): a few thousand designs take milliseconds).
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

/// Kendall's tau-b; `None` when either side is constant or has fewer than 2 values.
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 2 || y.len() != n {
        return None;
    }
    let (mut concordant, mut discordant, mut tied_x, mut tied_y) = (0i64, 0i64, 0i64, 0i64);
    for i in 0..n {
        for j in i + 1..n {
            let dx = x[i].total_cmp(&x[j]) as i64;
            let dy = y[i].total_cmp(&y[j]) as i64;
            match (dx, dy) {
                (0, 0) => {
                    tied_x += 1;
                    tied_y += 1;
                }
                (0, _) => tied_x += 1,
                (_, 0) => tied_y += 1,
                _ if dx == dy => concordant += 1,
                _ => discordant += 1,
            }
        }
    }
    let n0 = (n * (n - 1) / 2) as i64;
    let denominator = (((n0 - tied_x) as f64) * ((n0 - tied_y) as f64)).sqrt();
    (denominator > 0.0).then(|| (concordant - discordant) as f64 / denominator)
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
