//! Digital softmax unit: I-BERT's integer softmax (Kim et al., ICML 2021; HF transformers
//! `ibert/quant_modules.py` IntSoftmax) on `lanes` digital lanes at `bits` of precision, the
//! alternative to the associative processor (`ap.rs`).
//!
//! Per element: 7 adds at `bits` (max compare, subtract, range-reduction add, two polynomial
//! adds, the shift counted as an add, the row-sum add), 4 multiplies at `bits` (two constant
//! multiplications of the range reduction, the square and the scale of the polynomial), and a
//! restoring division of `bits` quotient bits, each an add at `2 bits`. Energies scale from the
//! 8-bit add and multiply of `digital.rs` (Horowitz, ISSCC 2014): an add linearly in the width,
//! a multiply with its square. Each element is also read three times (max, exponent, divide)
//! and written twice (exponent, result) at `bits` through a tile buffer.
//!
//! Time: one operation per lane per cycle, `(11 + bits)` operations per element.

/// Energy (pJ) and time (ns) of a softmax of `elements` elements at `bits` on `lanes` lanes.
/// `add_pj` and `mul_pj` are the 8-bit operation energies, `buffer_pj_bit` a buffer access per
/// bit, `cycle_ns` the clock.
pub fn softmax(
    elements: f64,
    bits: u32,
    lanes: f64,
    add_pj: f64,
    mul_pj: f64,
    buffer_pj_bit: f64,
    cycle_ns: f64,
) -> (f64, f64) {
    let w = bits as f64 / 8.0;
    let per_element = 7.0 * add_pj * w
        + 4.0 * mul_pj * w * w
        + bits as f64 * add_pj * 2.0 * w
        + 5.0 * bits as f64 * buffer_pj_bit;
    let ops = 11.0 + bits as f64;
    (
        elements * per_element,
        (elements * ops / lanes.max(1.0)).ceil() * cycle_ns,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_bits_cost_more_and_lanes_divide_the_time() {
        let (e8, t8) = softmax(1e6, 8, 64.0, 0.03, 0.2, 0.08, 1.0);
        let (e16, t16) = softmax(1e6, 16, 64.0, 0.03, 0.2, 0.08, 1.0);
        assert!(e16 > 2.0 * e8 && t16 > t8);
        let (_, t8x2) = softmax(1e6, 8, 128.0, 0.03, 0.2, 0.08, 1.0);
        assert!((t8 / t8x2 - 2.0).abs() < 1e-4);
    }
}
