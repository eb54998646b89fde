//! The cell array of one crossbar: `rows x cols` cells. Action: one cell read (its row driven,
//! its column sensed) in one input slice.
//!
//! Area: `rows * cols * cell_area_f2 * F^2` (1T1R RRAM 48 F^2 and SRAM 280 F^2 by default, the
//! NeuroSim / CiMLoop cells).
//!
//! RRAM read energy (conductance based, as CiMLoop's cell plug-in: E = V^2 * G * t):
//! `E = V_read^2 * G_avg * t_pulse`, with `G_avg = G_off + weight_density * (G_on - G_off)`,
//! `G = 1/R`. With 0.5 V, 6 kOhm / 900 kOhm, 2 ns and density 0.5: 42 fJ per cell read. A device
//! property: it follows the read voltage, not the CMOS node or supply.
//!
//! SRAM read energy: the cell's wordline and bitline capacitance, 0.35 fF each at 28 nm
//! (ZigZag-IMC constants), switched at V_dd: `E = 0.70 fF * V_dd^2`, node-scaled.

use super::{Component, Scale, to_reference};
use crate::arch::{Architecture, Device};

/// The component: one crossbar's cell array (formula and source in the module doc).
pub fn model(a: &Architecture, s: &Scale) -> Component {
    let cells = (a.crossbar.rows * a.crossbar.cols) as f64;
    let area = cells * a.cell.area_f2 * s.feature_um * s.feature_um;
    let energy = match a.cell.device {
        Device::Rram => {
            let (g_on, g_off) = (1.0 / a.cell.r_on_ohm, 1.0 / a.cell.r_off_ohm);
            let g = g_off + a.data.weight_density * (g_on - g_off);
            // V^2 [V^2] * G [S] * t [ns] = 1e-9 J * ... ; in pJ: x 1e3.
            a.cell.read_voltage_v.powi(2) * g * a.cell.read_pulse_ns * 1e3 * s.device_energy
        }
        Device::Sram => {
            // 0.70 fF at ZigZag's 28 nm V_dd of 0.9 V, moved to the 32 nm reference.
            let (_, e_ref) = to_reference(28.0, 0.0, 0.70e-3 * 0.9 * 0.9);
            e_ref * s.energy
        }
    };
    Component {
        area_um2: area * a.calibration.area,
        energy_pj: energy,
        leakage_uw: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rram_read_energy() {
        let a = Architecture::default_rram();
        let c = model(&a, &Scale::new(&a));
        let g = 1.0 / 9e5 + 0.5 * (1.0 / 6e3 - 1.0 / 9e5);
        assert!((c.energy_pj - 0.25 * g * 2.0 * 1e3).abs() < 1e-12);
        assert!((c.energy_pj - 0.042).abs() < 0.001);
        // 128 x 128 x 48 F^2 at 32 nm
        assert!((c.area_um2 - 16384.0 * 48.0 * 0.032 * 0.032).abs() < 1e-9);
    }
}
