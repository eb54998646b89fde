//! Row driver / input DAC, one per crossbar row. Action: one row driven for one input slice
//! (only rows whose input slice is non-zero switch; the mapping applies `input_density`).
//!
//! Energy (model revision 4): the DAC or driver itself, `50 fF * dac_bits * V^2` (ZigZag-IMC's
//! DAC, `AimcArrayUnit.py`, validated against three 28 nm AIMC macros), moved from 28 nm with the
//! node ([`Scale`]): a 1-bit driver is a buffer, a multi-bit DAC grows linearly with its bits.
//! The wordline it charges is a component of its own (`wordline.rs`), so that a calibration can
//! weigh the two apart. At 28 nm and 0.9 V a 1-bit driver costs 41 fJ and a 7-bit DAC 0.28 pJ.
//! Revisions 1-3 charged ISAAC's DAC (4 mW per 1024 at a 100 ns cycle, 0.39 pJ at 32 nm) times
//! `cols / 128` times `dac_bits`: 21 pJ for Papistas 2021's 7-bit row of 1024 columns, whose
//! whole macro spends 1 nJ per multiply of 1024 rows.
//!
//! Area: 0.166 um^2 at 32 nm for a 1-bit driver (ISAAC, 170 um^2 per 1024), doubling per extra
//! bit (MNSIM 2.0's DAC table).

use super::{Component, Scale, from_28nm_cv2};
use crate::arch::Architecture;

/// The component: a row driver (formula and source in the module doc).
pub fn model(a: &Architecture, s: &Scale) -> Component {
    let farads = DAC_FF_PER_BIT * a.crossbar.dac_bits as f64;
    let (_, energy) = from_28nm_cv2(0.0, farads);
    let area = 0.166 * 2f64.powi(a.crossbar.dac_bits as i32 - 1);
    s.cmos(area, energy)
}

/// DAC capacitance per input bit, fF (ZigZag-IMC).
pub const DAC_FF_PER_BIT: f64 = 50.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_bits_cost_more_and_wordlines_are_apart() {
        let base = Architecture::default_rram();
        let e = |a: &Architecture| model(a, &Scale::new(a)).energy_pj;
        let mut wide = base;
        wide.crossbar.cols = 256;
        assert_eq!(e(&wide), e(&base));
        let mut dac = base;
        dac.crossbar.dac_bits = 4;
        assert!((e(&dac) / e(&base) - 4.0).abs() < 1e-12);
        // 1-bit at 28 nm and 0.9 V: 50 fF x 0.81 V^2 = 40.5 fJ.
        let mut at28 = base;
        at28.chip.technology_nm = 28.0;
        at28.chip.voltage_v = 0.9;
        at28.chip.voltage_scaling = true;
        assert!((e(&at28) - 0.0405).abs() < 1e-4, "{}", e(&at28));
    }
}
