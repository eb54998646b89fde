//! Associative processor (AP) for the integer softmax of SoftmAP (Rakka et al., arXiv
//! 2411.17847). An AP is a CAM array used as a SIMD machine: every word holds one element, and
//! arithmetic runs bit-serially as *passes*, each a masked compare over all words followed by a
//! write into the words that matched (Fouda, Yantır, Eltawil, Kurdahi, "In-memory associative
//! processors: tutorial, potential, and challenges", arXiv 2203.00662). All active words work
//! at once, so the time of a step is its number of cycles whatever the number of words.
//!
//! Cycles per step at precision `m` (`softmax_bits`) for a row of length `S`, `L = ceil(log2 S)`,
//! `w = 2m + L` the width of sums, counting a compare and a write as one cycle each:
//! - row maximum, MSB-first tag elimination: `2m`;
//! - subtract the maximum, in-place m-bit add (4 passes per bit): `8m`;
//! - range reduction `q = floor(x / ln 2)`, `r = x - q ln 2`: two constant multiplications
//!   (m/2 shifted 2m-bit adds each) and an add: `2 * 8m^2 + 8m`;
//! - polynomial `a (r + b)^2 + c` (I-BERT): add, square (m adds of 2m bits), constant multiply,
//!   add: `8m + 16m^2 + 8m^2 + 16m`;
//! - shift by `q`: `ceil(log2 2m)` conditional shift stages of `4m` cycles;
//! - row sum: `L` reduction stages, each an inter-word move and an add at width `w`: `10w`;
//! - division of each element by the sum, `m` quotient bits, each a subtract and a restore at
//!   width `w`: `10 m w`.
//!
//! Energy: every compare cycle compares 3 key bits (two operand bits and a carry) in every
//! active word; a write cycle writes 2 bits (result and carry) into the words that matched, one
//! in 8 on average (one row of an 8-entry truth table per pass). Per-bit energies and the
//! times of a compare and of a write cycle are parameters (`ap_compare_fj`, `ap_write_fj`,
//! `ap_compare_ns`, `ap_write_ns`); their defaults (1 fJ per compared bit, 5 fJ per written bit,
//! 1 ns each, 0.5 um^2 per cell at 32 nm) are
//! assumptions typical of SRAM CAMs, not SoftmAP's figures, which were not readable
//! (shared/reference/workloads.md section 1): set them from a circuit you trust.
//!
//! Words: a row of `S` elements takes `S` words; `floor(ap_words / S)` rows run at once and the
//! rest in sequence (a row longer than the array runs in `ceil(S / ap_words)` chunks). A word
//! needs `3m + L` bits (operand, result and scratch); a narrower word cannot run the softmax.
//! The scores are assumed to arrive in the AP as the QK^T product is written (their loading
//! is charged as one m-bit write per element, its time overlapped with the matmul).

pub use crate::arch::Ap;

impl Default for Ap {
    /// The declared defaults of the `ap_*` parameters.
    fn default() -> Ap {
        crate::Architecture::default_rram().ap
    }
}

/// Compare and write cycles of one softmax row pass (see the module documentation).
pub fn cycles(bits: u32, length: u64) -> (f64, f64) {
    let m = bits as f64;
    let l = (length.max(1) as f64).log2().ceil();
    let w = 2.0 * m + l;
    let shift_stages = (2.0 * m).log2().ceil();
    let total = 2.0 * m
        + 8.0 * m
        + (16.0 * m * m + 8.0 * m)
        + (8.0 * m + 16.0 * m * m + 8.0 * m * m + 16.0 * m)
        + 4.0 * m * shift_stages
        + l * 10.0 * w
        + 10.0 * m * w;
    (total / 2.0, total / 2.0)
}

/// Bits a word needs: operand, result and scratch.
pub fn word_bits_needed(bits: u32, length: u64) -> u32 {
    3 * bits + (length.max(1) as f64).log2().ceil() as u32
}

/// Energy (pJ) and time (ns) of a softmax over `rows` rows of `length` at `bits`, or why the
/// AP cannot run it.
pub fn softmax(ap: &Ap, rows: u64, length: u64, bits: u32) -> Result<(f64, f64), String> {
    let need = word_bits_needed(bits, length);
    if ap.word_bits < need {
        return Err(format!(
            "ap_word_bits = {} is too narrow for a {bits}-bit softmax over rows of {length}: {need} bits needed",
            ap.word_bits
        ));
    }
    let (cmp, wr) = cycles(bits, length);
    let elements = rows as f64 * length as f64;
    let per_element_fj = cmp * 3.0 * ap.compare_fj + wr * 2.0 / 8.0 * ap.write_fj;
    let load_fj = bits as f64 * ap.write_fj;
    let energy_pj = elements * (per_element_fj + load_fj) * 1e-3;
    let rounds = if length <= ap.words {
        rows.div_ceil(ap.words / length)
    } else {
        rows * length.div_ceil(ap.words)
    };
    let time_ns = rounds as f64 * (cmp * ap.compare_ns + wr * ap.write_ns);
    Ok((energy_pj, time_ns))
}

/// Area of the AP array, um^2 (cells only; its controller is small beside them).
pub fn area_um2(ap: &Ap) -> f64 {
    ap.words as f64 * ap.word_bits as f64 * ap.cell_um2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_grow_with_precision_and_rows_beyond_the_array_run_in_sequence() {
        let (c4, _) = cycles(4, 1024);
        let (c8, _) = cycles(8, 1024);
        assert!(c8 > 2.0 * c4, "quadratic terms weigh: {c4} {c8}");
        let ap = Ap::default();
        // 16 rows of 1024 fill the 16384 words once; 17 rows need a second round.
        let (_, t16) = softmax(&ap, 16, 1024, 8).unwrap();
        let (_, t17) = softmax(&ap, 17, 1024, 8).unwrap();
        assert!((t17 - 2.0 * t16).abs() < 1e-9);
        // Energy is per element: twice the rows, twice the energy.
        let (e1, _) = softmax(&ap, 10, 512, 8).unwrap();
        let (e2, _) = softmax(&ap, 20, 512, 8).unwrap();
        assert!((e2 - 2.0 * e1).abs() < 1e-9 * e2);
    }

    #[test]
    fn a_narrow_word_cannot_run_the_softmax() {
        let ap = Ap {
            word_bits: 16,
            ..Ap::default()
        };
        let e = softmax(&ap, 1, 128, 8).unwrap_err();
        assert!(e.contains("31 bits needed"), "{e}");
    }
}
