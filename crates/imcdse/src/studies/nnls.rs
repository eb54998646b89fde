//! Non-negative least squares, `min |A x - b|^2` over `x >= 0`, by Lawson and Hanson's active
//! set method ("Solving Least Squares Problems", 1974, chapter 23) on the normal equations.
//! Small dense problems only (a calibration's factors: at most a few dozen unknowns). Columns
//! are scaled to unit norm first, and each passive-set solve adds a ridge of `1e-12` of the
//! diagonal, so that exactly collinear columns (parts proportional on every row) still solve.

/// The solution of `min |A x - b|^2, x >= 0`, for `A` given by its rows.
pub fn nnls(rows: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let n = rows.first().map_or(0, |r| r.len());
    let norm: Vec<f64> = (0..n)
        .map(|j| rows.iter().map(|r| r[j] * r[j]).sum::<f64>().sqrt())
        .map(|s| if s > 0.0 { s } else { 1.0 })
        .collect();
    let mut g = vec![vec![0.0; n]; n];
    let mut h = vec![0.0; n];
    for (r, y) in rows.iter().zip(b) {
        for p in 0..n {
            h[p] += r[p] / norm[p] * y;
            for q in 0..n {
                g[p][q] += r[p] / norm[p] * r[q] / norm[q];
            }
        }
    }
    let x = active_set(&g, &h);
    x.iter().zip(&norm).map(|(x, s)| x / s).collect()
}

/// Lawson-Hanson on `G x = h` (G = A'A, h = A'b).
fn active_set(g: &[Vec<f64>], h: &[f64]) -> Vec<f64> {
    let n = h.len();
    let tol = 1e-12 * h.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let mut x = vec![0.0; n];
    let mut passive = vec![false; n];
    for _ in 0..3 * n + 10 {
        let w: Vec<f64> = (0..n)
            .map(|j| h[j] - (0..n).map(|k| g[j][k] * x[k]).sum::<f64>())
            .collect();
        let Some(t) = (0..n)
            .filter(|&j| !passive[j] && w[j] > tol)
            .max_by(|&a, &b| w[a].total_cmp(&w[b]))
        else {
            break;
        };
        passive[t] = true;
        loop {
            let s = solve_passive(g, h, &passive);
            let bad: Vec<usize> = (0..n).filter(|&j| passive[j] && s[j] <= 0.0).collect();
            if bad.is_empty() {
                x = s;
                break;
            }
            let alpha = bad
                .iter()
                .map(|&j| x[j] / (x[j] - s[j]))
                .fold(f64::INFINITY, f64::min);
            for j in 0..n {
                x[j] += alpha * (s[j] - x[j]);
                if passive[j] && x[j] <= tol {
                    passive[j] = false;
                    x[j] = 0.0;
                }
            }
            if !passive.iter().any(|&p| p) {
                break;
            }
        }
    }
    x
}

/// `G[P,P] s_P = h_P`, `s` zero outside the passive set `P` (Gaussian elimination with
/// partial pivoting and a tiny ridge).
fn solve_passive(g: &[Vec<f64>], h: &[f64], passive: &[bool]) -> Vec<f64> {
    let idx: Vec<usize> = (0..h.len()).filter(|&j| passive[j]).collect();
    let m = idx.len();
    let mut a: Vec<Vec<f64>> = idx
        .iter()
        .map(|&i| {
            let mut row: Vec<f64> = idx.iter().map(|&j| g[i][j]).collect();
            row.push(h[i]);
            row
        })
        .collect();
    for (k, &i) in idx.iter().enumerate() {
        a[k][k] += 1e-12 * g[i][i].max(1e-300);
    }
    for c in 0..m {
        let p = (c..m)
            .max_by(|&x, &y| a[x][c].abs().total_cmp(&a[y][c].abs()))
            .unwrap_or(c);
        a.swap(c, p);
        let d = a[c][c];
        if d.abs() < 1e-300 {
            continue;
        }
        let pivot = a[c].clone();
        for row in a.iter_mut().skip(c + 1) {
            let f = row[c] / d;
            for (x, p) in row.iter_mut().zip(&pivot).skip(c) {
                *x -= f * p;
            }
        }
    }
    let mut s = vec![0.0; m];
    for r in (0..m).rev() {
        let rest: f64 = ((r + 1)..m).map(|k| a[r][k] * s[k]).sum();
        s[r] = if a[r][r].abs() < 1e-300 {
            0.0
        } else {
            (a[r][m] - rest) / a[r][r]
        };
    }
    let mut out = vec![0.0; h.len()];
    for (k, &j) in idx.iter().enumerate() {
        out[j] = s[k];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An exact non-negative solution is found; a negative one is clamped to the boundary
    /// where the constrained optimum lies (checked against the closed form).
    #[test]
    fn exact_and_boundary_solutions() {
        let rows: Vec<Vec<f64>> = (0..20)
            .map(|i| {
                let t = f64::from(i);
                vec![1.0, t, (t * 0.3).sin() + 2.0]
            })
            .collect();
        let truth = [0.5, 2.0, 0.0];
        let b: Vec<f64> = rows
            .iter()
            .map(|r| r.iter().zip(&truth).map(|(a, x)| a * x).sum())
            .collect();
        let x = nnls(&rows, &b);
        for (a, t) in x.iter().zip(truth) {
            assert!((a - t).abs() < 1e-8, "{x:?}");
        }
        // b = -1 on a single column: the best x >= 0 is 0.
        assert_eq!(nnls(&[vec![1.0], vec![1.0]], &[-1.0, -1.0]), vec![0.0]);
    }

    /// Badly scaled columns (1e-9 against 1e3, as part energies are) solve as well.
    #[test]
    fn badly_scaled_columns() {
        let rows: Vec<Vec<f64>> = (1..30)
            .map(|i| {
                let t = f64::from(i);
                vec![1e-9 * t, 1e3 / t, 1e3 * t.sqrt()]
            })
            .collect();
        let truth = [3e8, 0.25, 1e-3];
        let b: Vec<f64> = rows
            .iter()
            .map(|r| r.iter().zip(&truth).map(|(a, x)| a * x).sum())
            .collect();
        let x = nnls(&rows, &b);
        for (a, t) in x.iter().zip(truth) {
            assert!((a / t - 1.0).abs() < 1e-6, "{x:?}");
        }
    }
}
