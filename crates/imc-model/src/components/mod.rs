//! Hardware components, one file each. A component gives the area of one instance (um^2), the
//! energy of one action (pJ) and its leakage power (uW). Figures are quoted at 32 nm and
//! scaled to the architecture's node by [`Scale`]; how often each action happens comes from the
//! mapping (`cost.rs`), so energy = counts x energy per action (Accelergy's ERT idea).
//!
//! Leakage: the joint co-optimization framework power-gates every container, and the model
//! follows it: leakage is 0 for all components by default. The field stays so that a
//! calibrated table can carry it.

pub mod adc;
pub mod adder_tree;
pub mod ap;
pub mod buffer;
pub mod cell_array;
pub mod column_mux;
pub mod column_tree;
pub mod digital;
pub mod dram;
pub mod interconnect;
pub mod row_driver;
pub mod shift_add;
pub mod softmax_unit;
pub mod weight_write;
pub mod wordline;

use crate::arch::Architecture;
use crate::tech;

/// One instance of a component.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Component {
    /// Area of one instance, um^2.
    pub area_um2: f64,
    /// Energy of one action, pJ.
    pub energy_pj: f64,
    /// Static power, uW.
    pub leakage_uw: f64,
}

/// Node, voltage and calibration scaling applied to 32 nm reference figures.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// CMOS area relative to 32 nm, times `calib_area`.
    pub area: f64,
    /// CMOS dynamic energy relative to 32 nm (with V^2 voltage scaling when enabled), times
    /// `calib_energy`.
    pub energy: f64,
    /// Device energy (RRAM read) multiplier: `calib_energy` only.
    pub device_energy: f64,
    /// Delay multiplier: `(V_nom / V)` with voltage scaling, times `calib_latency`.
    pub delay: f64,
    /// Feature size in um (for cell areas in F^2).
    pub feature_um: f64,
    /// Supply voltage used for CMOS switching energies, V.
    pub vdd: f64,
}

impl Scale {
    /// The architecture's technology node and (when on) voltage scaling.
    pub fn new(a: &Architecture) -> Scale {
        let vnom = tech::nominal_voltage(a.chip.technology_nm);
        let (v_energy, v_delay) = if a.chip.voltage_scaling {
            ((a.chip.voltage_v / vnom).powi(2), vnom / a.chip.voltage_v)
        } else {
            (1.0, 1.0)
        };
        Scale {
            area: tech::area_factor(a.chip.technology_nm) * a.calibration.area,
            energy: tech::energy_factor(a.chip.technology_nm) * v_energy * a.calibration.energy,
            device_energy: a.calibration.energy,
            delay: v_delay * a.calibration.latency,
            feature_um: a.chip.technology_nm / 1000.0,
            vdd: if a.chip.voltage_scaling {
                a.chip.voltage_v
            } else {
                vnom
            },
        }
    }

    /// Applies CMOS scaling to a 32 nm reference component.
    pub fn cmos(&self, area_um2: f64, energy_pj: f64) -> Component {
        Component {
            area_um2: area_um2 * self.area,
            energy_pj: energy_pj * self.energy,
            leakage_uw: 0.0,
        }
    }
}

/// A ZigZag-IMC 28 nm figure at the 32 nm reference: `area_um2`, and a capacitance of `ff`
/// switched at 28 nm's nominal supply (`ff x V^2` fJ), as (area um^2, energy pJ).
pub fn from_28nm_cv2(area_um2: f64, ff: f64) -> (f64, f64) {
    let v = tech::nominal_voltage(28.0);
    to_reference(28.0, area_um2, ff * 1e-3 * v * v)
}

/// Converts a figure given at `nm` to the 32 nm reference (area, energy).
pub fn to_reference(nm: f64, area_um2: f64, energy_pj: f64) -> (f64, f64) {
    (
        area_um2 / tech::area_factor(nm),
        energy_pj / tech::energy_factor(nm),
    )
}
