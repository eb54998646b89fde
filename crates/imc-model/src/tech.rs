//! Technology scaling between CMOS nodes.
//!
//! First-order scaling, documented rather than fitted: area of logic and SRAM scales with the
//! square of the feature size F; dynamic energy scales as C * V^2 with C proportional to F and
//! V the node's nominal supply. Nominal supplies (V): 130 nm 1.2, 90 1.1, 65 1.0, 45 1.0,
//! 32 0.9, 22 0.8, 14 0.8, 10 0.75, 7 0.7 (typical foundry core voltages; cf. the Stillmaker and
//! Baas scaling tables, Integration 2017, used by Accelergy's `techscaling.py`). Between listed
//! nodes the supply is interpolated linearly in log(F); below 7 nm it stays at 0.70 V (FinFET and
//! nanosheet core supplies stopped scaling: TSMC's 5 and 4 nm digital CIM macros run at
//! 0.5-0.9 V around a nominal 0.7-0.75 V). Below 22 nm, FinFET area stops scaling
//! with F^2; area there uses an effective pitch factor `(F/22)^1.6` relative to 22 nm
//! (about the 0.46x per full node Accelergy applies from 32 to 20 nm, continued).
//!
//! All component reference figures in this crate are given at 32 nm and scaled with
//! [`area_factor`] and [`energy_factor`].

const NODES: [(f64, f64); 9] = [
    (7.0, 0.70),
    (10.0, 0.75),
    (14.0, 0.80),
    (22.0, 0.80),
    (32.0, 0.90),
    (45.0, 1.00),
    (65.0, 1.00),
    (90.0, 1.10),
    (130.0, 1.20),
];

/// Reference node of the component figures, nm.
pub const REFERENCE_NM: f64 = 32.0;

/// Nominal supply voltage of a node (V).
pub fn nominal_voltage(nm: f64) -> f64 {
    let nm = nm.clamp(NODES[0].0, NODES[NODES.len() - 1].0);
    for w in NODES.windows(2) {
        let ((n0, v0), (n1, v1)) = (w[0], w[1]);
        if nm <= n1 {
            let t = (nm.ln() - n0.ln()) / (n1.ln() - n0.ln());
            return v0 + t * (v1 - v0);
        }
    }
    NODES[NODES.len() - 1].1
}

fn effective_pitch(nm: f64) -> f64 {
    if nm >= 22.0 {
        nm
    } else {
        22.0 * (nm / 22.0).powf(0.8)
    }
}

/// Area of a circuit at `nm` relative to 32 nm.
pub fn area_factor(nm: f64) -> f64 {
    (effective_pitch(nm) / REFERENCE_NM).powi(2)
}

/// Dynamic energy of a circuit at `nm` and its nominal voltage, relative to 32 nm.
pub fn energy_factor(nm: f64) -> f64 {
    (effective_pitch(nm) / REFERENCE_NM)
        * (nominal_voltage(nm) / nominal_voltage(REFERENCE_NM)).powi(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_is_one_and_scaling_is_monotone() {
        assert!((area_factor(32.0) - 1.0).abs() < 1e-12);
        assert!((energy_factor(32.0) - 1.0).abs() < 1e-12);
        let nodes = [7.0, 10.0, 14.0, 22.0, 32.0, 45.0, 65.0, 90.0, 130.0];
        for w in nodes.windows(2) {
            assert!(area_factor(w[0]) < area_factor(w[1]), "{w:?}");
            assert!(energy_factor(w[0]) < energy_factor(w[1]), "{w:?}");
        }
        assert!((nominal_voltage(32.0) - 0.9).abs() < 1e-12);
        assert!(nominal_voltage(28.0) > 0.8 && nominal_voltage(28.0) < 0.9);
    }
}
