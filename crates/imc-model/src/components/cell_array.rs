//! The cell array of one crossbar: `rows x cols` cells. Action: one cell read (its row driven,
//! its column sensed) in one input slice.
//!
//! Area: `rows * cols * cell_area_f2 * F^2` (1T1R RRAM 48 F^2 and SRAM 280 F^2 by default, the
//! NeuroSim / CiMLoop cells).
//!
//! RRAM read energy (conductance based, as CiMLoop's cell plug-in: E = V^2 * G * t):
//! `E = V_read^2 * G_avg * t_pulse`, with `G_avg = G_off + weight_density * (G_on - G_off)`,
//! `G = 1/R`. With 0.5 V, 6 kOhm / 900 kOhm, 2 ns and density 0.5: 42 fJ per cell read. A device
//! property: it follows the read voltage, not the CMOS node or supply. PCM reads the same way
//! with its own defaults (100 kOhm / 10 MOhm at 0.2 V: 0.2 fJ per 2 ns at density 0.5; HERMES's
//! 130 ns pulse-width-modulated reads set `read_pulse_ns` in its chip file).
//!
//! SRAM read energy: the cell's bitline capacitance, 0.35 fF at 28 nm (ZigZag-IMC constants),
//! switched at V_dd: `E = 0.35 fF * V_dd^2`, node-scaled. Its wordline share (another 0.35 fF)
//! is the wordline's (`wordline.rs`; in the cell until model revision 4). A
//! charge-domain cell adds its compute capacitor, `cell_cap_ff * V_dd^2` at the chip's own
//! node and supply (a metal-fringe capacitor of about 1.2 fF in Valavi et al. VLSI 2018 and Jia
//! et al. JSSC 2020's 8T1C cells), charged in every active read.

use super::{Component, Scale, from_28nm_cv2};
use crate::arch::{Architecture, Device};

/// The component: one crossbar's cell array (formula and source in the module doc).
pub fn model(a: &Architecture, s: &Scale) -> Component {
    let cells = (a.crossbar.rows * a.crossbar.cols) as f64;
    let area = cells * a.cell.area_f2 * s.feature_um * s.feature_um;
    let energy = match a.cell.device {
        Device::Rram | Device::Pcm => {
            let (g_on, g_off) = (1.0 / a.cell.r_on_ohm, 1.0 / a.cell.r_off_ohm);
            let g = g_off + a.data.weight_density * (g_on - g_off);
            // V^2 [V^2] * G [S] * t [ns] = 1e-9 J * ... ; in pJ: x 1e3.
            a.cell.read_voltage_v.powi(2) * g * a.cell.read_pulse_ns * 1e3 * s.device_energy
        }
        Device::Sram => {
            // 0.35 fF at ZigZag-IMC's 28 nm node, moved to the 32 nm reference.
            let (_, e_ref) = from_28nm_cv2(0.0, 0.35);
            e_ref * s.energy + a.cell.cap_ff * 1e-3 * s.vdd * s.vdd * a.calibration.energy
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

    /// A compute capacitor adds `C V^2` per read at the chip's supply; plain cells have none.
    #[test]
    fn sram_compute_capacitor() {
        let sram = |cap: f64| {
            let a = Architecture::from_values(&[
                ("device".into(), crate::param::Value::Str("sram".into())),
                ("technology_nm".into(), crate::param::Value::Num(65.0)),
                ("voltage_v".into(), crate::param::Value::Num(0.85)),
                ("voltage_scaling".into(), crate::param::Value::Bool(true)),
                ("cell_cap_ff".into(), crate::param::Value::Num(cap)),
            ])
            .unwrap();
            model(&a, &Scale::new(&a)).energy_pj
        };
        assert!((sram(1.2) - sram(0.0) - 1.2e-3 * 0.85 * 0.85).abs() < 1e-12);
    }
}
