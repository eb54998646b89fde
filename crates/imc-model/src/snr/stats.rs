//! The data a read chain converts, as distributions of integer codes: activations (unsigned,
//! `input_bits`) and weights (signed, `weight_bits`, stored offset-binary over cells of
//! `bits_per_cell` bits). From them, the moments the compute SNR needs: of the whole values (the
//! signal) and of each input slice and each cell (the partial sums an ADC converts).
//!
//! - Activation: zero with probability `1 - activation_nonzero`, else the magnitude of a normal
//!   value (a ReLU's output), quantised to `0..2^B - 1` with full scale at `activation_crest`
//!   standard deviations (values above saturate at the top code).
//! - Weight: a normal value quantised symmetric to `-(2^(B-1) - 1)..2^(B-1) - 1` with full scale
//!   at `weight_crest` standard deviations; stored as `u = w + 2^(B-1)` (offset-binary, the
//!   offset removed digitally after the shift-and-add, exactly).
//!
//! Probabilities of each code from the normal CDF (Abramowitz and Stegun 7.1.26 for erf,
//! absolute error under 1.5e-7). A distribution is at most `2^16` codes (16-bit data).

/// A distribution over the codes `0..p.len()` (probabilities sum to 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Codes {
    /// Probability of each code.
    pub p: Vec<f64>,
}

/// Mean and mean square of a quantity.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Moments {
    /// E[v].
    pub mean: f64,
    /// E[v^2].
    pub square: f64,
}

impl Moments {
    /// Variance, `E[v^2] - E[v]^2` (not below 0).
    pub fn var(&self) -> f64 {
        (self.square - self.mean * self.mean).max(0.0)
    }
}

/// erf(x), Abramowitz and Stegun 7.1.26.
pub fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let y = 1.0 - poly * (-x * x).exp();
    if x >= 0.0 { y } else { -y }
}

/// The standard normal's CDF and density at `z`, from one exponential (the CDF through
/// [`erf`]'s approximation, |error| < 1.5e-7).
pub fn normal_cdf_pdf(z: f64) -> (f64, f64) {
    let g = (-0.5 * z * z).exp();
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let half = 0.5 * poly * g;
    let cdf = if z >= 0.0 { 1.0 - half } else { half };
    (cdf, g / std::f64::consts::TAU.sqrt())
}

/// P(|Z| < x) for a standard normal Z.
fn within(x: f64) -> f64 {
    erf(x / std::f64::consts::SQRT_2)
}

/// Activation codes of `bits` bits (see the module doc).
pub fn activations(bits: u32, nonzero: f64, crest: f64) -> Codes {
    let top = (1u64 << bits) - 1;
    let step = crest / top as f64;
    let mut p = vec![0.0; top as usize + 1];
    for (v, q) in p.iter_mut().enumerate() {
        let lo = if v == 0 {
            0.0
        } else {
            within((v as f64 - 0.5) * step)
        };
        let hi = if v as u64 == top {
            1.0
        } else {
            within((v as f64 + 0.5) * step)
        };
        *q = nonzero * (hi - lo);
    }
    p[0] += 1.0 - nonzero;
    Codes { p }
}

/// Offset-binary weight codes `u = w + 2^(bits-1)` of `bits` bits (see the module doc); the
/// code 0 (w = -2^(bits-1)) is never used by a symmetric quantiser.
pub fn weights(bits: u32, crest: f64) -> Codes {
    if bits == 1 {
        // One bit: a sign, +-1 with equal odds (codes 0 and 1 after the offset).
        return Codes { p: vec![0.5, 0.5] };
    }
    let half = 1u64 << (bits - 1);
    let top = (half - 1) as f64;
    let step = crest / top;
    let mut p = vec![0.0; 1usize << bits];
    let cdf = |x: f64| 0.5 * (1.0 + erf(x / std::f64::consts::SQRT_2));
    for (u, q) in p.iter_mut().enumerate().skip(1) {
        let w = u as f64 - half as f64;
        let lo = if w <= -top {
            0.0
        } else {
            cdf((w - 0.5) * step)
        };
        let hi = if w >= top { 1.0 } else { cdf((w + 0.5) * step) };
        *q = hi - lo;
    }
    Codes { p }
}

impl Codes {
    /// Moments of `f(code)`.
    pub fn moments(&self, f: impl Fn(u64) -> f64) -> Moments {
        let mut m = Moments::default();
        for (v, q) in self.p.iter().enumerate() {
            let x = f(v as u64);
            m.mean += q * x;
            m.square += q * x * x;
        }
        m
    }

    /// Moments of the field `(code >> shift) & mask` (an input slice, a cell).
    pub fn field(&self, shift: u32, bits: u32) -> Moments {
        let mask = (1u64 << bits) - 1;
        self.moments(|v| ((v >> shift) & mask) as f64)
    }

    /// The distribution of the field `(code >> shift) & mask`.
    pub fn field_pmf(&self, shift: u32, bits: u32) -> Vec<f64> {
        let mask = (1u64 << bits) - 1;
        let mut out = vec![0.0; mask as usize + 1];
        for (v, q) in self.p.iter().enumerate() {
            out[((v as u64 >> shift) & mask) as usize] += q;
        }
        out
    }

    /// Probability that the field `(code >> shift) & mask` is not zero.
    pub fn field_nonzero(&self, shift: u32, bits: u32) -> f64 {
        let mask = (1u64 << bits) - 1;
        self.p
            .iter()
            .enumerate()
            .filter(|(v, _)| (*v as u64 >> shift) & mask != 0)
            .map(|(_, q)| q)
            .sum()
    }
}

/// The distribution of `a b` for independent `a ~ pa`, `b ~ pb` (integer codes).
pub fn product(pa: &[f64], pb: &[f64]) -> Vec<f64> {
    let len = (pa.len() - 1) * (pb.len() - 1) + 1;
    let mut out = vec![0.0; len];
    for (a, p) in pa.iter().enumerate() {
        for (b, q) in pb.iter().enumerate() {
            out[a * b] += p * q;
        }
    }
    out
}

/// The distribution of the sum of two independent integer variables.
pub fn convolve(x: &[f64], y: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.len() + y.len() - 1];
    for (i, p) in x.iter().enumerate().filter(|(_, p)| **p > 1e-18) {
        // One row of products at a time, over slices: the loop vectorises.
        for (o, q) in out[i..i + y.len()].iter_mut().zip(y) {
            *o += p * q;
        }
    }
    out
}

/// The distribution of the sum of `m` independent copies of `t` (binary powers), its tail
/// beyond the last value above 1e-16 dropped; `None` when it would span more than `limit`
/// values. One sum; [`Powers`] keeps the powers for sums of other sizes of the same `t`.
pub fn sum_of(t: &[f64], m: u64, limit: usize) -> Option<Vec<f64>> {
    Powers::new(t).sum(m, limit)
}

/// Drops a distribution's tail beyond its last value above 1e-16.
fn trim(mut v: Vec<f64>) -> Vec<f64> {
    while v.len() > 1 && v[v.len() - 1] < 1e-16 {
        v.pop();
    }
    v
}

/// The binary powers of one row's distribution `t`: the sums of `2^k` copies, each trimmed,
/// squared from the one before as a sum first needs them and kept for the next. A layer's
/// sums of several sizes (its full row groups and a remainder) share them; most of a sum's
/// cost is the squarings, so this spares all but the first sum's.
#[derive(Debug, Clone)]
pub struct Powers {
    /// `t`'s mean and mean square.
    moments: (f64, f64),
    /// `t`'s largest value (its length less one, untrimmed).
    top: usize,
    /// The sums of `2^k` copies so far.
    levels: Vec<Vec<f64>>,
}

impl Powers {
    /// The powers of `t` (none squared yet).
    pub fn new(t: &[f64]) -> Powers {
        let moments = t.iter().enumerate().fold((0.0, 0.0), |(m1, m2), (v, p)| {
            (m1 + p * v as f64, m2 + p * (v * v) as f64)
        });
        Powers {
            moments,
            top: t.len() - 1,
            levels: vec![trim(t.to_vec())],
        }
    }

    /// The sum of `2^k` copies, squared up from the last one kept; `None` when a squaring
    /// would span more than `2 limit` values (convolutions cost the product of their lengths).
    fn level(&mut self, k: usize, limit: usize) -> Option<&[f64]> {
        while self.levels.len() <= k {
            let last = &self.levels[self.levels.len() - 1];
            if 2 * last.len() - 1 > 2 * limit {
                return None;
            }
            let next = trim(convolve(last, last));
            self.levels.push(next);
        }
        Some(&self.levels[k])
    }

    /// The distribution of the sum of `m` copies (as [`sum_of`]).
    pub fn sum(&mut self, m: u64, limit: usize) -> Option<Vec<f64>> {
        // A sum that can pass the limit and whose mean + 6 sd already does keeps values of
        // probability above 1e-9 beyond it: give up before convolving.
        let (mean, square) = self.moments;
        let mf = m as f64;
        let reach = mf * self.top as f64 + 1.0;
        if reach > limit as f64
            && mf * mean + 6.0 * (mf * (square - mean * mean).max(0.0)).sqrt() > limit as f64
        {
            return None;
        }
        let mut result = vec![1.0];
        let (mut m, mut k) = (m, 0);
        while m > 0 {
            if m & 1 == 1 {
                let power = self.level(k, limit)?;
                if result.len() + power.len() - 1 > 2 * limit {
                    return None;
                }
                result = trim(convolve(&result, power));
            }
            m >>= 1;
            k += 1;
            if m > 0 {
                self.level(k, limit)?;
            }
            if result.len() > limit {
                return None;
            }
        }
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_and_distributions_are_normalised() {
        assert!((erf(1.0) - 0.842_700_79).abs() < 2e-7);
        assert!((erf(-0.5) + 0.520_499_88).abs() < 2e-7);
        for z in [-3.0, -0.7, 0.0, 1.3] {
            let (cdf, pdf) = normal_cdf_pdf(z);
            assert!((cdf - 0.5 * (1.0 + erf(z / std::f64::consts::SQRT_2))).abs() < 1e-12);
            assert!((pdf - (-0.5 * z * z).exp() / std::f64::consts::TAU.sqrt()).abs() < 1e-15);
        }
        for b in [1, 4, 8] {
            let a = activations(b, 0.5, 4.0);
            assert!((a.p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            let w = weights(b, 4.0);
            assert!((w.p.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{b}");
        }
        // Symmetric weights: mean offset code 2^(B-1), so E[w] = 0.
        let w = weights(8, 4.0);
        assert!((w.moments(|u| u as f64 - 128.0).mean).abs() < 1e-9);
        // Half the activations are zero, and a few saturate at the top code.
        let a = activations(8, 0.5, 4.0);
        assert!(a.p[0] > 0.5 && a.p[255] > 0.0);
    }

    /// Sums of products by convolution: two fair bits times a fair bit, summed twice.
    #[test]
    fn products_and_sums() {
        let bit = [0.5, 0.5];
        let t = product(&bit, &[0.5, 0.0, 0.5]);
        assert_eq!(t, vec![0.75, 0.0, 0.25]);
        let s = sum_of(&t, 3, 100).unwrap();
        assert_eq!(s.len(), 7);
        assert!((s[0] - 0.75f64.powi(3)).abs() < 1e-12 && (s[6] - 0.25f64.powi(3)).abs() < 1e-12);
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(sum_of(&t, 3, 4), None);
    }

    /// One [`Powers`] serves sums of any sizes in any order, each bit for bit [`sum_of`]'s,
    /// and refuses the sizes [`sum_of`] refuses.
    #[test]
    fn powers_serve_sums_of_any_size() {
        let t = product(&[0.3, 0.7], &[0.2, 0.3, 0.5]);
        let mut powers = Powers::new(&t);
        for m in [37, 5, 64, 1, 100, 3, 200, 2000] {
            assert_eq!(powers.sum(m, 300), sum_of(&t, m, 300), "{m} rows");
        }
        assert!(powers.sum(64, 300).is_some() && powers.sum(2000, 300).is_none());
    }

    /// Fields split a code: the slice moments of a uniform 4-bit code are those of two
    /// uniform 2-bit codes.
    #[test]
    fn fields_of_a_uniform_code() {
        let u = Codes {
            p: vec![1.0 / 16.0; 16],
        };
        let lo = u.field(0, 2);
        let hi = u.field(2, 2);
        assert!((lo.mean - 1.5).abs() < 1e-12 && (hi.mean - 1.5).abs() < 1e-12);
        assert!((lo.var() - 1.25).abs() < 1e-12);
        assert!((u.field_nonzero(2, 2) - 0.75).abs() < 1e-12);
    }
}
