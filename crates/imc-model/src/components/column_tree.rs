//! Digital CIM's column adder tree (`compute = "digital"`), one per `cols_per_adc` weight
//! columns, in place of the ADC. Action: one input bit-plane (or `dac_bits` of them) of
//! `parallel_rows` rows multiplied by one `p`-bit weight column and summed, then shifted into
//! the column's accumulator. No ADC, no DAC: the result is exact.
//!
//! Structure (Chih et al. ISSCC 2021, Fujiwara et al. ISSCC 2022, Mori et al. ISSCC 2023, TSMC):
//! weights sit bit-parallel in 6T cells, `p = ceil(weight_bits / bits_per_cell)` adjacent
//! columns; a 1-bit input enters each row; a NOR gate per cell forms each product bit from the
//! static cell (`a AND b = NOR(not a, not b)`; no bitline is discharged, so the cell array costs
//! no read energy); a ripple-carry adder tree per weight column adds `N = parallel_rows`
//! products of `p` bits; an accumulator shifts and adds the tree's output over the input bits.
//!
//! Gate constants at 28 nm (ZigZag-IMC's DIMC model, `imc_model_validation/dimc_validation/
//! 28nm/dimc_cost_model.py`, validated against four digital CIM macros): a full adder (3 NAND2 +
//! 2 XOR2) switches 4.2 fF and takes 4.79 um^2; a NOR2 multiplier bit 0.35 fF and 0.614 um^2; a
//! flip-flop 2.1 fF and 6 x 0.614 um^2. Energy is `C V^2`, node-scaled from 28 nm ([`Scale`]).
//! - Full adders in the tree: `n_FA = N (p + 1) - (p + log2 N + 1)` (ZigZag-IMC), 628 for
//!   N = 128, p = 4.
//! - Accumulator width `p + log2 N + input_bits`, a full adder and a flip-flop per bit, switched
//!   every step (toggle 1/2).
//! - Multipliers and tree switch with the toggle rate of a product bit between two independent
//!   steps, `2 q (1 - q)` with `q = input_density * weight_density` (the chance a product bit
//!   is 1).
//! - `dac_bits > 1` (several input bits per step, as Guo et al. ISSCC 2023's two): that many
//!   multiplier planes and trees.
//!
//! Per step at 28 nm and 0.9 V, N = 128, p = 4, 8-bit inputs and toggle 1/2: 0.07 pJ of
//! multipliers, 1.07 pJ of tree, 0.05 pJ of accumulator, 1.19 pJ for 512 one-bit MACs (about
//! 860 1b-TOPS/W; ZigZag-IMC's 28 nm DIMC rows publish 616-2816).

use super::{Component, Scale, from_28nm_cv2};
use crate::arch::{Architecture, Compute};

/// Switched capacitance of a full adder, fF (28 nm).
pub const FA_FF: f64 = 4.2;
/// Switched capacitance of a NOR2 multiplier bit, fF (28 nm).
pub const NOR_FF: f64 = 0.35;
/// Switched capacitance of a flip-flop, fF (28 nm).
pub const DFF_FF: f64 = 2.1;
/// Area of a NAND2-sized gate, um^2 (28 nm).
pub const GATE_UM2: f64 = 0.614;
/// Area of a full adder, um^2 (28 nm).
pub const FA_UM2: f64 = 4.79;

/// Full adders of a ripple-carry tree adding `n` inputs of `p` bits.
pub fn full_adders(n: u64, p: u64) -> f64 {
    let levels = (n.max(1) as f64).log2().ceil();
    (n * (p + 1)) as f64 - (p as f64 + levels + 1.0)
}

/// The component: zero unless `compute = "digital"` (formula and source in the module doc).
pub fn model(a: &Architecture, s: &Scale) -> Component {
    if a.crossbar.compute != Compute::Digital {
        return Component::default();
    }
    let n = a.crossbar.parallel_rows;
    let p = a.cells_per_weight();
    let planes = f64::from(a.crossbar.dac_bits);
    let q = a.data.input_density * a.data.weight_density;
    let toggle = 2.0 * q * (1.0 - q);
    let fas = full_adders(n, p).max(0.0);
    let acc_bits = p as f64 + (n as f64).log2().ceil() + f64::from(a.data.input_bits);
    let ff = planes * toggle * ((n * p) as f64 * NOR_FF + fas * FA_FF)
        + 0.5 * acc_bits * (FA_FF + DFF_FF);
    let um2 =
        planes * ((n * p) as f64 * GATE_UM2 + fas * FA_UM2) + acc_bits * (FA_UM2 + 6.0 * GATE_UM2);
    let (area, energy) = from_28nm_cv2(um2, ff);
    s.cmos(area, energy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::param::Value::{Bool, Num, Str};

    fn digital(pairs: &[(&str, crate::param::Value)]) -> Component {
        let mut v: Vec<(String, crate::param::Value)> = vec![
            ("device".into(), Str("sram".into())),
            ("compute".into(), Str("digital".into())),
            ("technology_nm".into(), Num(28.0)),
            ("voltage_v".into(), Num(0.9)),
            ("voltage_scaling".into(), Bool(true)),
        ];
        v.extend(pairs.iter().map(|(k, x)| (k.to_string(), x.clone())));
        let a = Architecture::from_values(&v).unwrap();
        model(&a, &Scale::new(&a))
    }

    /// ZigZag-IMC's tree count, and the worked example of the module doc.
    #[test]
    fn tree_of_128_four_bit_products() {
        assert_eq!(full_adders(128, 4), 628.0);
        let c = digital(&[
            ("rows", Num(128.0)),
            ("weight_bits", Num(4.0)),
            ("input_density", Num(0.5)),
            ("weight_density", Num(0.5)),
        ]);
        // toggle 2 * 0.25 * 0.75 = 0.375 of (512 x 0.35 + 628 x 4.2) fF, plus half of 19 x 6.3.
        let ff = 0.375 * (512.0 * 0.35 + 628.0 * 4.2) + 0.5 * 19.0 * 6.3;
        assert!((c.energy_pj - ff * 0.81e-3).abs() < 1e-9, "{}", c.energy_pj);
        assert!(c.area_um2 > 628.0 * FA_UM2);
    }

    /// Wider trees, wider weights and more input bits per step cost more; analog compute has no
    /// tree.
    #[test]
    fn grows_with_its_inputs_and_is_absent_in_analog_compute() {
        let base = digital(&[]).energy_pj;
        assert!(digital(&[("parallel_rows", Num(64.0))]).energy_pj < base);
        assert!(digital(&[("weight_bits", Num(4.0))]).energy_pj < base);
        assert!(digital(&[("dac_bits", Num(2.0))]).energy_pj > base);
        let a = Architecture::default_rram();
        assert_eq!(model(&a, &Scale::new(&a)), Component::default());
    }
}
