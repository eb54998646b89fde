//! Writing weights into the crossbars when they stream from DRAM (`weights_on_chip = false`):
//! each inference stores every static layer's weights in the cells of each copy of the layer
//! before it computes. Two actions, as NeuroSim's write path and CiMLoop's SRAM macro
//! (`basic_analog_sram`: `weight_drivers`, NeuroSim's row-driver write action, beside the cells'
//! own write action) split it:
//!
//! - Row write (`write_drivers`): the row decoder selects one wordline and the write driver
//!   raises it, once per crossbar row written, however many columns are written with it:
//!   0.39 pJ, ISAAC's 1-bit DAC at its 128-column reference (Shafiee et al., ISCA 2016; the
//!   read path's row driver until model revision 4), a write driver being sized for the write
//!   current rather than for a read's input. The wordline's own charge grows with its length and is
//!   paid per cell, below. A cost per row activation is what CiMLoop's SRAM energies show: the
//!   share of energy that follows the drivers' supply law halves as the crossbar's columns
//!   double (`results/reference/fidelity/sram-energy-residuals.md`, section 2).
//! - Cell write (`write_cells`): the written column's bitline swings over its whole length
//!   (`rows` cells) and the cell's share of the wordline switches: `E = (rows + 1) * 0.35 fF *
//!   V_dd^2`, with ZigZag-IMC's 0.35 fF of bitline (and of wordline) per SRAM cell at 28 nm
//!   (the constants of `cell_array.rs`), node-scaled: about 0.04 pJ per cell for 128 rows at
//!   32 nm.
//!   For RRAM this counts only the lines; the programming pulses of a resistive cell (pJ to nJ
//!   per cell) are not modelled, and the framework's RRAM chips keep their weights on chip.
//!
//! No area: the write path shares the row decoders and column circuits counted elsewhere.

use super::{Component, Scale, to_reference};
use crate::arch::Architecture;

/// One row written: decoder and write driver of one wordline (formula and source above).
pub fn row(s: &Scale) -> Component {
    s.cmos(0.0, 0.39)
}

/// One cell written: its bitline over the crossbar's rows and its share of the wordline.
pub fn cell(a: &Architecture, s: &Scale) -> Component {
    let (_, per_line) = to_reference(28.0, 0.0, 0.35e-3 * 0.9 * 0.9);
    s.cmos(0.0, (a.crossbar.rows as f64 + 1.0) * per_line)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row write costs the same at any width; a cell write grows with the bitline's length,
    /// about 0.04 pJ for 128 rows at 32 nm (0.35 fF per cell at 28 nm, node-scaled).
    #[test]
    fn row_writes_are_fixed_and_cell_writes_follow_the_bitline() {
        let mut a = Architecture::default_rram();
        a.crossbar.rows = 128;
        let s = Scale::new(&a);
        let c128 = cell(&a, &s).energy_pj;
        let (_, per_line) = to_reference(28.0, 0.0, 0.35e-3 * 0.81);
        assert!((c128 - 129.0 * per_line * s.energy).abs() < 1e-15);
        assert!((0.03..0.05).contains(&c128), "{c128}");
        a.crossbar.rows = 256;
        let c256 = cell(&a, &Scale::new(&a)).energy_pj;
        assert!((c256 / c128 - 257.0 / 129.0).abs() < 1e-12);
        a.crossbar.cols = 512;
        assert_eq!(row(&Scale::new(&a)).energy_pj, row(&s).energy_pj);
    }
}
