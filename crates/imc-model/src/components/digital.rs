//! Digital units of a tile: `digital_lanes` 8-bit lanes that run what crossbars cannot:
//! non-linear and element-wise layers (activation, pooling, normalization, residual add,
//! channel scale, softmax) and, on this path, dynamic matmuls (attention `Q K^T`, `P V`,
//! whose operands are both activations). One lane does one operation per cycle.
//!
//! Energies per operation at 45 nm (Horowitz, ISSCC 2014): 8-bit add 0.03 pJ, 8-bit multiply
//! 0.2 pJ; areas 36 um^2 and 282 um^2. Moved to the 32 nm reference. Per element:
//! - add, pool window element, ReLU compare: one add;
//! - scale, normalization, hardswish/hardsigmoid/GELU/SiLU/sigmoid (integer polynomial
//!   approximations as in I-BERT): one multiply and one add per element, twice for the
//!   non-piecewise ones (GELU, SiLU, sigmoid);
//! - softmax: costed by the softmax unit of `softmax_unit.rs` (or the associative processor);
//! - dynamic matmul MAC: one multiply and one add.
//!
//! Operands above 8 bits cost proportionally more (`bits / 8`).
//!
//! Where the lanes sit (`digital_lanes_at`):
//! - `tile`: every tile has `digital_lanes` lanes (ISAAC's and PUMA's per-tile units), so the
//!   chip's digital throughput grows with its tiles;
//! - `chip`: the chip has `digital_lanes` lanes in all, one unit beside the global buffer
//!   (NeuroSim's chip-level activation and max-pool units, V1.4 manual section 5), so the digital
//!   layers take the same number of cycles on every chip. This is the latency CiMLoop gives the
//!   paper framework's designs: on chips of 2^14+ crossbars its latency stops falling at a floor
//!   of cycles per workload, and at a given crossbar count it does not depend on how the
//!   crossbars are grouped into tiles (`results/reference/fidelity/sram-latency-residuals.md`).

use super::{Component, Scale, to_reference};
use crate::arch::{Architecture, LanesAt};

/// How many digital units the chip has: one per tile, or one.
pub fn units(a: &Architecture) -> u64 {
    match a.chip.digital_lanes_at {
        LanesAt::Tile => a.tiles(),
        LanesAt::Chip => 1,
    }
}

/// Energy of an 8-bit add and multiply at the architecture's node (pJ).
pub fn op_energy(s: &Scale) -> (f64, f64) {
    let (_, add) = to_reference(45.0, 0.0, 0.03);
    let (_, mul) = to_reference(45.0, 0.0, 0.2);
    (add * s.energy, mul * s.energy)
}

/// One digital unit, of a tile or of the chip (area); its action energy is a multiply-accumulate.
pub fn model(a: &Architecture, s: &Scale) -> Component {
    let (lane_area, _) = to_reference(45.0, 36.0 + 282.0, 0.0);
    let (add, mul) = op_energy(s);
    Component {
        area_um2: lane_area * a.chip.digital_lanes as f64 * s.area,
        energy_pj: add + mul,
        leakage_uw: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_costs_more_than_add() {
        let a = Architecture::default_rram();
        let s = Scale::new(&a);
        let (add, mul) = op_energy(&s);
        assert!(mul > add && add > 0.0);
        assert!((model(&a, &s).energy_pj - add - mul).abs() < 1e-15);
    }

    #[test]
    fn chip_level_lanes_are_one_unit_whatever_the_tiles() {
        let mut a = Architecture::default_rram();
        assert_eq!(units(&a), a.tiles());
        a.chip.digital_lanes_at = LanesAt::Chip;
        assert_eq!(units(&a), 1);
        a.chip.router_groups *= 4;
        assert_eq!(units(&a), 1);
    }
}
