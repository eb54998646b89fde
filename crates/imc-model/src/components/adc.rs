//! Analog-to-digital converter, one per `cols_per_adc` columns. Action: one conversion.
//!
//! SAR (default): energy and area per conversion from the ISAAC library's 32 nm SAR table
//! (Kull et al., JSSC 2013, scaled with Saberi et al. 2011; Accelergy-Project hwcomponents-library
//! `isaac.py`; shared/reference/cost-models.md section 4):
//!
//! | bits | 4 | 5 | 6 | 7 | 8 | 9 | 10 |
//! |---|---|---|---|---|---|---|---|
//! | pJ | 0.79 | 0.99 | 1.20 | 1.42 | 1.67 | 1.97 | 2.38 |
//! | um^2 | 361 | 477 | 627 | 845 | 1200 | 1828 | 3002 |
//!
//! Outside 4..10 bits the end ratios continue geometrically (energy x1.25 and area x1.32 per bit
//! below 4; x1.21 and x1.64 per bit above 10). The 8-bit point, 1.67 pJ, is ISAAC's own ADC
//! (2 mW at 1.28 GS/s = 1.56 pJ, within 7%).
//!
//! Flash: `2^b - 1` comparators fire per conversion. A comparator is charged one decision of
//! the 4-bit SAR: 0.79/4 pJ and 361/4 um^2 (a SAR's comparator, capacitive DAC and logic share
//! per bit decision). So a 5-bit flash costs 6.1 pJ and 2.8k um^2, against 0.99 pJ and 477 um^2
//! for the SAR: flash buys one-cycle conversion with energy, as NeuroSim's models show.
//!
//! Both kinds convert once per cycle (`cycle_ns` is the conversion slot).

use super::{Component, Scale};
use crate::arch::{AdcKind, Architecture};

const SAR_BITS: [u32; 7] = [4, 5, 6, 7, 8, 9, 10];
const SAR_PJ: [f64; 7] = [0.79, 0.99, 1.20, 1.42, 1.67, 1.97, 2.38];
const SAR_UM2: [f64; 7] = [361.0, 477.0, 627.0, 845.0, 1200.0, 1828.0, 3002.0];

/// (energy pJ, area um^2) of a `bits`-bit SAR at 32 nm.
pub fn sar_32nm(bits: u32) -> (f64, f64) {
    if bits < 4 {
        let k = (4 - bits) as i32;
        (
            SAR_PJ[0] / (SAR_PJ[1] / SAR_PJ[0]).powi(k),
            SAR_UM2[0] / (SAR_UM2[1] / SAR_UM2[0]).powi(k),
        )
    } else if bits > 10 {
        let k = (bits - 10) as i32;
        (
            SAR_PJ[6] * (SAR_PJ[6] / SAR_PJ[5]).powi(k),
            SAR_UM2[6] * (SAR_UM2[6] / SAR_UM2[5]).powi(k),
        )
    } else {
        let i = SAR_BITS.iter().position(|b| *b == bits).unwrap_or(0);
        (SAR_PJ[i], SAR_UM2[i])
    }
}

/// (energy pJ, area um^2) of a `bits`-bit flash ADC at 32 nm.
pub fn flash_32nm(bits: u32) -> (f64, f64) {
    let comparators = ((1u64 << bits) - 1) as f64;
    (
        comparators * SAR_PJ[0] / 4.0,
        comparators * SAR_UM2[0] / 4.0,
    )
}

/// The component: an ADC of the architecture's kind and bits (formula and source in the module doc).
pub fn model(a: &Architecture, s: &Scale) -> Component {
    let (e, area) = match a.adc.kind {
        AdcKind::Sar => sar_32nm(a.adc.bits),
        AdcKind::Flash => flash_32nm(a.adc.bits),
    };
    s.cmos(area, e * a.calibration.adc_energy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_extrapolation_are_monotone() {
        let mut last = (0.0, 0.0);
        for b in 1..=12 {
            let (e, a) = sar_32nm(b);
            assert!(e > last.0 && a > last.1, "bits {b}");
            last = (e, a);
        }
        assert_eq!(sar_32nm(8), (1.67, 1200.0));
        assert!((flash_32nm(5).0 - 31.0 * 0.1975).abs() < 1e-9);
        assert!(flash_32nm(5).0 > sar_32nm(5).0);
    }
}
