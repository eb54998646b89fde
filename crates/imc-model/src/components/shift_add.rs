//! Shift-and-add unit, one per ADC. Action: one conversion result shifted by its input-slice and
//! weight-slice position and added to a partial sum.
//!
//! ISAAC library figures at 32 nm: 0.021 pJ and 60 um^2 per unit (hwcomponents-library
//! `isaac.py`; ISAAC Table I lists 4 shift-add units per IMA at 0.2 mW and 0.00024 mm^2).

use super::{Component, Scale};
use crate::arch::Architecture;

/// The component: a shift-and-add unit (formula and source in the module doc).
pub fn model(_a: &Architecture, s: &Scale) -> Component {
    s.cmos(60.0, 0.021)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values() {
        let a = Architecture::default_rram();
        let c = model(&a, &Scale::new(&a));
        assert_eq!((c.area_um2, c.energy_pj), (60.0, 0.021));
    }
}
