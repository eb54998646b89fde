//! How a weight tensor's values spread, for the compute SNR: the largest magnitude and the
//! root mean square of an initializer's values, accumulated while its `raw_data` streams past
//! in pieces (so a 550 MB model is never held in memory), or from the values of a small one.
//!
//! A layer imported with such a weight states `data = { weight_crest = max|w| / rms(w) }`
//! ([`crate::DataStats`]): its full scale over its root mean square, as a per-tensor symmetric
//! quantiser scaled to the largest weight sets it (the bit-true reference's, and PyTorch's
//! `MinMaxObserver` with `qscheme = torch.per_tensor_symmetric`). Float types only: `float`
//! (1), `double` (11), `float16` (10) and `bfloat16` (16); not-a-number and infinite values
//! are left out.

/// Running largest magnitude and sum of squares of a tensor's values.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Spread {
    /// max |w|.
    pub max_abs: f64,
    /// sum w^2.
    pub sum_sq: f64,
    /// Finite values seen.
    pub n: u64,
}

impl Spread {
    /// Adds one value.
    pub fn add(&mut self, v: f64) {
        if v.is_finite() {
            self.max_abs = self.max_abs.max(v.abs());
            self.sum_sq += v * v;
            self.n += 1;
        }
    }

    /// Of these values.
    pub fn of(values: &[f64]) -> Spread {
        let mut s = Spread::default();
        values.iter().for_each(|&v| s.add(v));
        s
    }

    /// `max|w| / rms(w)` clamped to the workload format's 1 to 64; `None` for an empty or
    /// all-zero tensor.
    pub fn crest(&self) -> Option<f64> {
        let rms = (self.sum_sq / self.n as f64).sqrt();
        (self.n > 0 && rms > 0.0).then(|| (self.max_abs / rms).clamp(1.0, 64.0))
    }
}

/// Bytes per value of the float data types decoded here.
pub fn float_width(dtype: i32) -> Option<usize> {
    match dtype {
        1 => Some(4),
        11 => Some(8),
        10 | 16 => Some(2),
        _ => None,
    }
}

/// Decodes little-endian values of `dtype` from `bytes` (whole values; a caller carries a
/// split value's bytes over to the next piece) into `s`.
pub fn add_raw(s: &mut Spread, dtype: i32, bytes: &[u8]) {
    match dtype {
        1 => bytes
            .chunks_exact(4)
            .for_each(|b| s.add(f32::from_le_bytes([b[0], b[1], b[2], b[3]]).into())),
        11 => bytes.chunks_exact(8).for_each(|b| {
            s.add(f64::from_le_bytes(b.try_into().expect("8 bytes")));
        }),
        10 => bytes
            .chunks_exact(2)
            .for_each(|b| s.add(half(u16::from_le_bytes([b[0], b[1]])))),
        16 => bytes.chunks_exact(2).for_each(|b| {
            s.add(f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16).into());
        }),
        _ => {}
    }
}

/// An IEEE 754 half-precision value.
fn half(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f64::from(h & 0x3ff);
    sign * match exp {
        0 => frac * 2f64.powi(-24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crest_of_known_values() {
        let s = Spread::of(&[1.0, -1.0, 1.0, -3.0, f64::NAN]);
        assert_eq!((s.max_abs, s.sum_sq, s.n), (3.0, 12.0, 4));
        assert!((s.crest().unwrap() - 3.0 / 3f64.sqrt()).abs() < 1e-12);
        assert_eq!(Spread::of(&[0.0, 0.0]).crest(), None);
        assert_eq!(Spread::default().crest(), None);
        assert_eq!(Spread::of(&[1.0, 1.0]).crest(), Some(1.0));
    }

    #[test]
    fn every_float_type_decodes() {
        let v = [0.5f32, -2.0, 1.5];
        let mut f32s = Spread::default();
        add_raw(
            &mut f32s,
            1,
            &v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<_>>(),
        );
        let mut f64s = Spread::default();
        let b: Vec<u8> = v.iter().flat_map(|&x| f64::from(x).to_le_bytes()).collect();
        add_raw(&mut f64s, 11, &b);
        // float16: 0.5 = 0x3800, -2 = 0xC000, 1.5 = 0x3E00; bfloat16 the top half of a float.
        let mut halves = Spread::default();
        add_raw(&mut halves, 10, &[0x00, 0x38, 0x00, 0xC0, 0x00, 0x3E]);
        let mut bf16 = Spread::default();
        let b: Vec<u8> = v
            .iter()
            .flat_map(|x| ((x.to_bits() >> 16) as u16).to_le_bytes())
            .collect();
        add_raw(&mut bf16, 16, &b);
        for s in [f32s, f64s, halves, bf16] {
            assert_eq!((s.max_abs, s.sum_sq, s.n), (2.0, 6.5, 3));
        }
        assert_eq!(half(0x0001), 2f64.powi(-24));
        assert!(half(0x7C00).is_infinite() && half(0x7E00).is_nan());
    }
}
