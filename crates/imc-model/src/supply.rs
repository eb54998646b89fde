//! How an energy part follows the supply voltage when the model's own voltage scaling is off:
//! the laws a calibration can mix per part ([`crate::Factors::energy_cv2`],
//! [`crate::Factors::energy_drive`]).
//!
//! The joint co-optimization framework searches the supply voltage but sets CiMLoop's
//! `VOLTAGE_ENERGY_SCALE = 1`, and the model follows it (`voltage_scaling = false`): its energy
//! does not depend on `voltage_v`. CiMLoop's NeuroSim plug-in still receives the supply and
//! costs its circuits at it, so the reference's energy does depend on it. Two laws, both 1 at
//! the node's nominal supply `Vnom`:
//!
//! - switching, `cv2(V) = (V / Vnom)^2`: a capacitance charged to the supply;
//! - drive-sized, `drive(V) = cv2(V) x ((Vnom - Vth) / (V - Vth))^2`: a driver that must keep
//!   its current while the transistors' on-current falls as `((V - Vth) / (Vnom - Vth))^2`
//!   (NeuroSim's override of the supply, accelergy-neurosim-plug-in `drop_in/Technology.cpp`)
//!   is widened by its inverse, and its gate capacitance with it. At 32 nm, 0.5 V: 1/62 of the
//!   nominal current, `drive` = 19.
//!
//! `Vnom` and `Vth` are NeuroSim's low-power (PTM LP) transistors, the roadmap of the
//! framework's SRAM and RRAM cells (`-DeviceRoadmap: 2`): (nm, Vnom V, Vth V) 130 1.3 0.466,
//! 90 1.2 0.501, 65 1.1 0.502, 45 1.0 0.464, 32 0.9 0.442, 22 0.85 0.420, 14 0.8 0.382,
//! 10 0.75 0.391, 7 0.7 0.403; between nodes, linear in log(F) (as [`crate::tech`]). The law
//! holds above threshold only: [`drive`] is `None` at or below `Vth + 0.02 V`.

/// (nm, nominal supply V, threshold V) of NeuroSim's LP transistors.
const LP: [(f64, f64, f64); 9] = [
    (7.0, 0.70, 0.4025252),
    (10.0, 0.75, 0.3905541),
    (14.0, 0.80, 0.3821222),
    (22.0, 0.85, 0.419915),
    (32.0, 0.90, 0.442034),
    (45.0, 1.00, 0.4643718),
    (65.0, 1.10, 0.5016636),
    (90.0, 1.20, 0.5013229),
    (130.0, 1.30, 0.4660949),
];

/// The lowest supply above threshold the drive law is used at: `Vth` plus this, V.
pub const MARGIN_V: f64 = 0.02;

/// (nominal supply, threshold) at a node, V.
pub fn node(nm: f64) -> (f64, f64) {
    let nm = nm.clamp(LP[0].0, LP[LP.len() - 1].0);
    for w in LP.windows(2) {
        let ((n0, v0, t0), (n1, v1, t1)) = (w[0], w[1]);
        if nm <= n1 {
            let t = (nm.ln() - n0.ln()) / (n1.ln() - n0.ln());
            return (v0 + t * (v1 - v0), t0 + t * (t1 - t0));
        }
    }
    let last = LP[LP.len() - 1];
    (last.1, last.2)
}

/// The lowest supply the drive law holds at on a node: its threshold plus [`MARGIN_V`], V.
pub fn lowest_v(nm: f64) -> f64 {
    node(nm).1 + MARGIN_V
}

/// Switching energy at `v` relative to the node's nominal supply.
pub fn cv2(v: f64, nm: f64) -> f64 {
    let (vnom, _) = node(nm);
    (v / vnom).powi(2)
}

/// Drive-sized energy at `v` relative to the nominal supply; `None` at or below threshold
/// (plus [`MARGIN_V`]), where the law does not hold.
pub fn drive(v: f64, nm: f64) -> Option<f64> {
    let (vnom, vth) = node(nm);
    (v > lowest_v(nm)).then(|| (v / vnom).powi(2) * ((vnom - vth) / (v - vth)).powi(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_laws_are_one_at_nominal_supply() {
        for (nm, vnom, _) in LP {
            assert!((cv2(vnom, nm) - 1.0).abs() < 1e-12);
            assert!((drive(vnom, nm).unwrap() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn drive_law_at_32nm_matches_neurosim_on_current() {
        // On-current at 0.5 V: ((0.5 - 0.442034) / (0.9 - 0.442034))^2 = 0.016020.
        let on = ((0.5f64 - 0.442034) / (0.9 - 0.442034)).powi(2);
        assert!((on - 0.016020).abs() < 1e-6);
        let d = drive(0.5, 32.0).unwrap();
        assert!((d - (0.5f64 / 0.9).powi(2) / on).abs() < 1e-9);
        assert!((d - 19.27).abs() < 0.01, "{d}");
        assert!((cv2(0.5, 32.0) - 0.308642).abs() < 1e-6);
    }

    #[test]
    fn no_law_below_threshold() {
        assert_eq!(drive(0.46, 32.0), None);
        assert_eq!(drive(0.3, 32.0), None);
        assert!(drive(0.47, 32.0).is_some());
    }

    #[test]
    fn nodes_interpolate_between_the_table() {
        assert_eq!(node(32.0), (0.9, 0.442034));
        let (v, t) = node(28.0);
        assert!(v > 0.85 && v < 0.9 && t > 0.419 && t < 0.443);
        assert_eq!(node(3.0), node(7.0));
    }
}
