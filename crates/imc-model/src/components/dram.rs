//! Off-chip DRAM that streams weights when they do not stay on chip (`weights_on_chip =
//! false`, the SRAM chips of the joint co-optimization framework fetch weights from LPDDR4).
//! Action: one bit read.
//!
//! Energy: 20 pJ/bit (Horowitz, ISSCC 2014: a 64-bit DRAM access costs 1.3-2.6 nJ, the low
//! end). Bandwidth: LPDDR4-3200 on a 128-bit interface, 51.2 GB/s (the framework's
//! `fetch_weights_lpddr4` system is 128 bits wide). Off-chip, so no area and no node scaling.

/// Energy per bit read, pJ.
pub const ENERGY_PJ_PER_BIT: f64 = 20.0;

/// Bits per ns (51.2 GB/s).
pub const BITS_PER_NS: f64 = 51.2 * 8.0;

#[cfg(test)]
mod tests {
    #[test]
    fn bandwidth() {
        assert!((super::BITS_PER_NS - 409.6).abs() < 1e-9);
    }
}
