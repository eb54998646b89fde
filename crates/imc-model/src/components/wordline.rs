//! The wordline a row driver charges, one per crossbar row. Action: one row driven for one
//! input slice (as the row driver's).
//!
//! Energy: `0.35 fF * cols * V^2`, one access-transistor gate and its wire per cell (ZigZag-IMC's
//! 28 nm wordline constant), moved from 28 nm with the node ([`Scale`]): a longer wordline
//! costs more. 36 fJ for 128 columns at 28 nm and 0.9 V. An SRAM cell's wordline share is here,
//! not in the cell read (`cell_array.rs`). No area of its own: the wire runs over the cells.

use super::{Component, Scale, from_28nm_cv2};
use crate::arch::Architecture;

/// Wordline capacitance per cell, fF (ZigZag-IMC, 28 nm).
pub const FF_PER_CELL: f64 = 0.35;

/// The component: one row's wordline (formula and source in the module doc).
pub fn model(a: &Architecture, s: &Scale) -> Component {
    let farads = FF_PER_CELL * a.crossbar.cols as f64;
    let (_, energy) = from_28nm_cv2(0.0, farads);
    s.cmos(0.0, energy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_with_the_columns() {
        let base = Architecture::default_rram();
        let e = |a: &Architecture| model(a, &Scale::new(a)).energy_pj;
        let mut wide = base;
        wide.crossbar.cols = 256;
        assert!((e(&wide) / e(&base) - 2.0).abs() < 1e-12);
        let mut at28 = base;
        at28.chip.technology_nm = 28.0;
        at28.chip.voltage_v = 0.9;
        at28.chip.voltage_scaling = true;
        assert!(
            (e(&at28) - 0.35 * 128.0 * 0.81e-3).abs() < 1e-9,
            "{}",
            e(&at28)
        );
    }
}
