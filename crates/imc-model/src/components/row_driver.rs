//! Row driver / input DAC, one per crossbar row. Action: one row driven for one input slice
//! (only rows whose input slice is non-zero switch; the mapping applies `input_density`).
//!
//! 1-bit driver (bit-serial inputs, the default): ISAAC's DACs, 4 mW and 170 um^2 per 1024
//! (Shafiee et al., ISCA 2016, Table I) switching once per 100 ns crossbar cycle: 0.39 pJ and
//! 0.166 um^2 each, for a 128-column wordline. Energy scales with the wordline length
//! (`cols / 128`) and, for a `dac_bits`-bit DAC, linearly with its bits (ZigZag-IMC:
//! E = 50 fF * bits * V^2); area doubles per extra bit (MNSIM 2.0's DAC table).

use super::{Component, Scale};
use crate::arch::Architecture;

/// The component: a row driver (formula and source in the module doc).
pub fn model(a: &Architecture, s: &Scale) -> Component {
    let energy = 0.39 * (a.crossbar.cols as f64 / 128.0) * a.crossbar.dac_bits as f64;
    let area = 0.166 * 2f64.powi(a.crossbar.dac_bits as i32 - 1);
    s.cmos(area, energy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longer_wordlines_and_more_bits_cost_more() {
        let base = Architecture::default_rram();
        let e = |a: &Architecture| model(a, &Scale::new(a)).energy_pj;
        let mut wide = base;
        wide.crossbar.cols = 256;
        assert!((e(&wide) / e(&base) - 2.0).abs() < 1e-12);
        let mut dac = base;
        dac.crossbar.dac_bits = 4;
        assert!((e(&dac) / e(&base) - 4.0).abs() < 1e-12);
    }
}
