//! On-chip interconnect: a bus inside each tile and a router per router group, the groups on
//! a 2-D mesh with the global buffer. Action: one bit moved one hop (router) or over the
//! tile bus.
//!
//! ISAAC figures at 32 nm (Table I and hwcomponents-library `isaac.py`): router 20.74 pJ per
//! 256 bits (0.081 pJ/bit/hop) and 0.151 mm^2 per router; bus 0.054 pJ/bit and 0.090 mm^2 per
//! tile. Average hops from the global buffer to a router group on a `g`-node square mesh:
//! `1 + (2/3) * sqrt(g)` (mean Manhattan distance on a sqrt(g) x sqrt(g) grid, plus the hop
//! into the group).

use super::{Component, Scale};

/// The router of one router group; energy per bit per hop.
pub fn router(s: &Scale) -> Component {
    s.cmos(0.151e6, 20.74 / 256.0)
}

/// The bus of one tile; energy per bit.
pub fn tile_bus(s: &Scale) -> Component {
    s.cmos(0.090e6, 0.054)
}

/// Mean hops from the global buffer to a router group.
pub fn mean_hops(router_groups: u64) -> f64 {
    1.0 + (2.0 / 3.0) * (router_groups as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hops_grow_with_the_mesh() {
        assert!((mean_hops(1) - 5.0 / 3.0).abs() < 1e-12);
        assert!(mean_hops(16) > mean_hops(4));
    }
}
