//! Adder tree that reduces the partial sums of a layer's row tiles (a matrix taller than one
//! crossbar is split over `ceil(K / rows)` crossbars whose column outputs are added). Action:
//! one 16-bit addition. One tree per tile, `crossbars_per_tile` inputs wide.
//!
//! Energy: 16-bit integer add ~0.05 pJ at 45 nm (between Horowitz's 8-bit 0.03 pJ and 32-bit
//! 0.1 pJ, ISSCC 2014 "Computing's energy problem"), moved to 32 nm. Area: 36 um^2 per 8-bit
//! adder at 45 nm (Horowitz), doubled for 16 bits, one adder per tree input.

use super::{Component, Scale, to_reference};
use crate::arch::Architecture;

/// The component: a tile's adder tree (formula and source in the module doc).
pub fn model(a: &Architecture, s: &Scale) -> Component {
    let (adder_area, energy) = to_reference(45.0, 72.0, 0.05);
    s.cmos(adder_area * a.chip.crossbars_per_tile as f64, energy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_with_inputs() {
        let mut a = Architecture::default_rram();
        let small = model(&a, &Scale::new(&a)).area_um2;
        a.chip.crossbars_per_tile *= 2;
        assert!((model(&a, &Scale::new(&a)).area_um2 / small - 2.0).abs() < 1e-12);
    }
}
