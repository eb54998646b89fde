//! SRAM buffer (global buffer, tile input and output buffers). Action: one bit read or written.
//!
//! Energy per bit: 0.080 pJ for a 64 KB buffer at 32 nm (ISAAC's 64 KB eDRAM, 20.45 pJ per
//! 256-bit access, hwcomponents-library `isaac.py`), growing with the square root of capacity
//! (wordline and bitline lengths grow with the side of the array):
//! `E_bit = 0.080 pJ * sqrt(capacity / 64 KiB)`.
//! Area per bit: a 6T cell of 146 F^2 at 70% array efficiency, 209 F^2 (0.214 um^2 at 32 nm),
//! so 64 KiB take 0.112 mm^2 (ISAAC's eDRAM: 0.083 mm^2).

use super::{Component, Scale};

/// A buffer of `bytes` bytes.
pub fn model(bytes: f64, s: &Scale) -> Component {
    let bits = bytes * 8.0;
    let energy = 0.080 * (bytes / 65536.0).sqrt();
    // 209 F^2 per bit at the 32 nm reference, node-scaled like other CMOS area.
    let area = bits * 209.0 * 0.032 * 0.032;
    s.cmos(area, energy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::Architecture;

    #[test]
    fn reference_point_and_scaling() {
        let a = Architecture::default_rram();
        let s = Scale::new(&a);
        let b = model(65536.0, &s);
        assert!((b.energy_pj - 0.080).abs() < 1e-12);
        assert!((b.area_um2 / 1e6 - 0.112).abs() < 0.001);
        assert!((model(4.0 * 65536.0, &s).energy_pj / b.energy_pj - 2.0).abs() < 1e-12);
    }
}
