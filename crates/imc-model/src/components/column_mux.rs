//! Column mux with sample-and-hold, one per column. Action: one column sampled and routed to its
//! ADC (once per conversion).
//!
//! Sample-and-hold: ISAAC, 0.01 mW and 0.00004 mm^2 per 1024 columns at a 100 ns cycle:
//! 1.0e-3 pJ and 0.039 um^2 per column. Mux switch: one NAND2 equivalent, 0.7 fF and
//! 0.614 um^2 at 28 nm (ZigZag-IMC gate constants), switched at 0.9 V.

use super::{Component, Scale, to_reference};
use crate::arch::Architecture;

/// The component: a column multiplexer (formula and source in the module doc).
pub fn model(_a: &Architecture, s: &Scale) -> Component {
    let (gate_area, gate_energy) = to_reference(28.0, 0.614, 0.7e-3 * 0.81);
    s.cmos(0.039 + gate_area, 1.0e-3 + gate_energy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_against_an_adc() {
        let a = Architecture::default_rram();
        let s = Scale::new(&a);
        assert!(model(&a, &s).energy_pj < super::super::adc::model(&a, &s).energy_pj / 100.0);
    }
}
