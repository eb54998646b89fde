//! Analog-to-digital converter, one per `cols_per_adc` conversion columns. Action: one
//! conversion. Both kinds convert once per cycle (`cycle_ns` is the conversion slot).
//!
//! Energy per conversion, `adc_model = "walden"` (the default since model revision 4): from the
//! node, the supply, the bits and the kind, as the ADC survey's figures of merit give it
//! (B. Murmann, "ADC Performance Survey 1997-2024", github.com/bmurmann/ADC-survey):
//! - SAR: `E = FoM_W * 2^B * (F / 28 nm) * (V / 0.9 V)^2 + E_th(B)`, with the Walden figure
//!   `FoM_W = 5 fJ` per conversion step at 28 nm and 0.9 V: the middle of four IMC column ADCs
//!   normalised to that node (Jia et al. JSSC 2020, 65 nm 8 b SAR, 1.79 pJ: 3.4 fJ/step;
//!   ISAAC's Kull et al. JSSC 2013, 32 nm 8 b: about 5; ZigZag-IMC's 28 nm model: 2.7-13; Wang
//!   et al. VLSI 2022, 22 nm 8 b, as AccelForge calibrates it: about 11). The thermal term is
//!   the Schreier limit at `FoM_S = 180 dB`: `E_th = 1/2 * 10^((6.02 B + 1.76 - 180) / 10)` J,
//!   0.05 pJ at 8 b and 0.8 pJ at 10 b, where energy starts to grow 4x per bit; it is
//!   physics (kT/C), so neither node nor supply scales it.
//! - Flash: `2^B - 1` comparators fire per conversion, `E_cmp = 12 fJ * (F / 7 nm) *
//!   (V / 0.8 V)^2` each, with its share of the reference ladder: Sinangil et al. JSSC 2021's
//!   7 nm 4 b flash (15 sense amplifiers), 186 fJ a conversion as AccelForge calibrates it
//!   (`sinangil_jssc_2021.yaml`, `adc_energy_scale`). A bare StrongARM latch is less, so this
//!   is an upper value per comparator.
//!
//! F and V scale as every CMOS figure of this crate does ([`Scale`]: effective pitch below
//! 22 nm, `V^2` only with `voltage_scaling`). At 28 nm and 0.9 V a SAR costs 80 fJ at 4 b,
//! 0.16 pJ at 5 b, 1.33 pJ at 8 b: cheap at the 3-6 bits of IMC column ADCs, where the
//! revision-3 table charged 0.8-1.2 pJ whatever the node.
//!
//! `adc_model = "isaac"`: the table of model revisions 1-3, the ISAAC library's 32 nm SAR
//! (Kull et al. 2013 scaled with Saberi et al. 2011; Accelergy-Project hwcomponents-library
//! `isaac.py`; shared/reference/cost-models.md section 4), moved to the node with [`Scale`]:
//!
//! | bits | 4 | 5 | 6 | 7 | 8 | 9 | 10 |
//! |---|---|---|---|---|---|---|---|
//! | pJ | 0.79 | 0.99 | 1.20 | 1.42 | 1.67 | 1.97 | 2.38 |
//! | um^2 | 361 | 477 | 627 | 845 | 1200 | 1828 | 3002 |
//!
//! Outside 4..10 bits the end ratios continue geometrically (energy x1.25 and area x1.32 per bit
//! below 4; x1.21 and x1.64 per bit above 10). Its flash charges a comparator one decision of
//! the 4-bit SAR, 0.79/4 pJ. The CiMLoop calibrations were fitted with it and keep it.
//!
//! Area, both models: the ISAAC table for a SAR; `2^B - 1` comparators of 361/4 um^2 for a
//! flash (32 nm, node-scaled).

use super::{Component, Scale, to_reference};
use crate::arch::{AdcKind, AdcModel, Architecture};

const SAR_BITS: [u32; 7] = [4, 5, 6, 7, 8, 9, 10];
const SAR_PJ: [f64; 7] = [0.79, 0.99, 1.20, 1.42, 1.67, 1.97, 2.38];
const SAR_UM2: [f64; 7] = [361.0, 477.0, 627.0, 845.0, 1200.0, 1828.0, 3002.0];

/// Walden figure of merit of a SAR at 28 nm and 0.9 V, pJ per conversion step.
pub const FOM_W_PJ: f64 = 5e-3;
/// Schreier figure of merit of the thermal-noise limit, dB.
pub const FOM_S_DB: f64 = 180.0;
/// Energy of one flash comparator at 7 nm and 0.8 V, pJ.
pub const COMPARATOR_7NM_PJ: f64 = 12e-3;

/// Thermal-noise floor of a `bits`-bit conversion, pJ: `1/2 * 10^((SNDR - FoM_S) / 10)` J.
pub fn thermal_pj(bits: u32) -> f64 {
    let sndr = 6.02 * f64::from(bits) + 1.76;
    0.5 * 10f64.powf((sndr - FOM_S_DB) / 10.0) * 1e12
}

/// Node- and supply-dependent energy of a `bits`-bit SAR at the 32 nm reference, pJ (the
/// Walden term, without the thermal floor).
pub fn walden_sar_reference(bits: u32) -> f64 {
    // FoM_W * 2^B holds at 28 nm and 0.9 V; the node's own nominal supply replaces 0.9 V.
    let v28 = crate::tech::nominal_voltage(28.0);
    let at_28 = FOM_W_PJ * 2f64.powi(bits as i32) * (v28 / 0.9).powi(2);
    to_reference(28.0, 0.0, at_28).1
}

/// Energy of one flash comparator at the 32 nm reference, pJ.
pub fn comparator_reference() -> f64 {
    let v7 = crate::tech::nominal_voltage(7.0);
    to_reference(7.0, 0.0, COMPARATOR_7NM_PJ * (v7 / 0.8).powi(2)).1
}

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

/// The component: an ADC of the architecture's kind, bits and energy model (formula and source
/// in the module doc).
pub fn model(a: &Architecture, s: &Scale) -> Component {
    let bits = a.adc.bits;
    let (isaac_e, area) = match a.adc.kind {
        AdcKind::Sar => sar_32nm(bits),
        AdcKind::Flash => flash_32nm(bits),
    };
    let k = a.calibration.adc_energy;
    let mut c = match (a.adc.model, a.adc.kind) {
        (AdcModel::Isaac, _) => s.cmos(area, isaac_e),
        (AdcModel::Walden, AdcKind::Sar) => s.cmos(area, walden_sar_reference(bits)),
        (AdcModel::Walden, AdcKind::Flash) => {
            let comparators = ((1u64 << bits) - 1) as f64;
            s.cmos(area, comparators * comparator_reference())
        }
    };
    if a.adc.model == AdcModel::Walden && a.adc.kind == AdcKind::Sar {
        c.energy_pj += thermal_pj(bits) * a.calibration.energy;
    }
    c.energy_pj *= k;
    c
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

    fn at(pairs: &[(&str, crate::param::Value)]) -> f64 {
        let v: Vec<(String, crate::param::Value)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let a = Architecture::from_values(&v).unwrap();
        model(&a, &Scale::new(&a)).energy_pj
    }

    /// The Walden SAR gives back its calibration: 5 fJ a step at 28 nm and 0.9 V, plus the
    /// thermal floor; Jia 2020's 8-bit SAR at 65 nm and 0.85 V within 2x of its 1.79 pJ (its
    /// 3.4 fJ/step is the low end of the calibration spread); a
    /// 4-bit flash at 7 nm and 0.8 V 15 comparators of 12 fJ.
    #[test]
    fn walden_model_reproduces_its_calibration_points() {
        use crate::param::Value::{Bool, Num, Str};
        let sar = |nm: f64, v: f64, b: f64| {
            at(&[
                ("technology_nm", Num(nm)),
                ("voltage_v", Num(v)),
                ("voltage_scaling", Bool(true)),
                ("adc_bits", Num(b)),
            ])
        };
        for b in [4u32, 6, 8] {
            let want = FOM_W_PJ * 2f64.powi(b as i32) + thermal_pj(b);
            assert!(
                (sar(28.0, 0.9, f64::from(b)) / want - 1.0).abs() < 1e-9,
                "{b}"
            );
        }
        let jia = sar(65.0, 0.85, 8.0);
        assert!(jia > 1.79 && jia < 1.79 * 2.0, "{jia}");
        let flash = at(&[
            ("technology_nm", Num(7.0)),
            ("voltage_v", Num(0.8)),
            ("voltage_scaling", Bool(true)),
            ("adc_bits", Num(4.0)),
            ("adc_kind", Str("flash".into())),
        ]);
        assert!(
            (flash / (15.0 * COMPARATOR_7NM_PJ) - 1.0).abs() < 1e-9,
            "{flash}"
        );
        assert!((thermal_pj(10) - 0.79).abs() < 0.02);
    }

    /// More bits never cost less, in either model and kind; the thermal floor takes over
    /// (4x per bit) at high resolution.
    #[test]
    fn energy_grows_with_bits() {
        use crate::param::Value::{Num, Str};
        for model in ["walden", "isaac"] {
            for kind in ["sar", "flash"] {
                let mut last = 0.0;
                for b in 1..=12 {
                    let e = at(&[
                        ("adc_model", Str(model.into())),
                        ("adc_kind", Str(kind.into())),
                        ("adc_bits", Num(f64::from(b))),
                    ]);
                    assert!(e > last, "{model} {kind} {b}");
                    last = e;
                }
            }
        }
        assert!(thermal_pj(12) / thermal_pj(11) > 3.9);
    }
}
