//! A validated architecture: every parameter of [`crate::param::PARAMS`] resolved to a value,
//! defaults applied, combinations checked. Only an `Architecture` can be costed.

use crate::error::ModelError;
use crate::param::{self, Value};
use crate::tech;

/// The memory cell of the crossbars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// 1T1R resistive RAM: multi-bit cells, weights stay on chip.
    Rram,
    /// SRAM: one bit per cell.
    Sram,
}

/// ADC architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdcKind {
    /// Successive approximation.
    Sar,
    /// Flash.
    Flash,
}

/// Every parameter resolved (defaults applied) and the combination checked; the fields are the
/// parameters of [`crate::param::PARAMS`].
#[derive(Debug, Clone, PartialEq)]
pub struct Architecture {
    /// `device`: memory cell of the crossbars (default rram).
    pub device: Device,
    /// `technology_nm`: CMOS node in nm; 32 as in the joint co-optimization framework (default 32).
    pub technology_nm: f64,
    /// `voltage_v`: supply voltage; scales energy and delay only when voltage_scaling = true (default node nominal).
    pub voltage_v: f64,
    /// `voltage_scaling`: E ~ V^2 and delay ~ 1/V around the node's nominal voltage; false is the paper's setting (default false).
    pub voltage_scaling: bool,
    /// `cycle_ns`: clock period: one ADC conversion slot (default 1).
    pub cycle_ns: f64,
    /// `rows`: crossbar rows (wordlines) (default 128).
    pub rows: u64,
    /// `cols`: crossbar columns (bitlines) (default 128).
    pub cols: u64,
    /// `bits_per_cell`: weight bits stored per cell (default 2 (rram), 1 (sram)).
    pub bits_per_cell: u32,
    /// `adc_bits`: ADC resolution; 5 as in the framework (default 5).
    pub adc_bits: u32,
    /// `adc_kind`: ADC architecture (default sar).
    pub adc_kind: AdcKind,
    /// `cols_per_adc`: columns sharing one ADC through a column mux (NeuroSim numColMuxed = 8) (default 8).
    pub cols_per_adc: u64,
    /// `parallel_rows`: rows summed per conversion; default all rows (default rows).
    pub parallel_rows: u64,
    /// `input_bits`: activation bits (default 8).
    pub input_bits: u32,
    /// `weight_bits`: weight bits (default 8).
    pub weight_bits: u32,
    /// `output_bits`: bits of layer outputs written back (default 8).
    pub output_bits: u32,
    /// `dac_bits`: input bits applied per cycle (1 = bit-serial) (default 1).
    pub dac_bits: u32,
    /// `router_groups`: router groups on the chip (default 4).
    pub router_groups: u64,
    /// `tiles_per_group`: tiles per router group (default 16).
    pub tiles_per_group: u64,
    /// `crossbars_per_tile`: crossbars (macros) per tile (default 32).
    pub crossbars_per_tile: u64,
    /// `glb_mib`: global buffer, MiB (default 2).
    pub glb_mib: f64,
    /// `tile_input_buffer_kib`: input buffer per tile, KiB (default 16).
    pub tile_input_buffer_kib: f64,
    /// `tile_output_buffer_kib`: output buffer per tile, KiB (default 16).
    pub tile_output_buffer_kib: f64,
    /// `weights_on_chip`: all weights of a workload stay in crossbars; otherwise they stream from DRAM (default true (rram), false (sram)).
    pub weights_on_chip: bool,
    /// `r_on_ohm`: RRAM low-resistance state (CiMLoop rram_neurosim_default cell) (default 6000).
    pub r_on_ohm: f64,
    /// `r_off_ohm`: RRAM high-resistance state (CiMLoop rram_neurosim_default cell) (default 900000).
    pub r_off_ohm: f64,
    /// `read_voltage_v`: RRAM read voltage (CiMLoop rram_neurosim_default cell) (default 0.5).
    pub read_voltage_v: f64,
    /// `read_pulse_ns`: RRAM read pulse (CiMLoop rram_neurosim_default cell) (default 2).
    pub read_pulse_ns: f64,
    /// `cell_area_f2`: cell area in F^2 (NeuroSim / CiMLoop cells) (default 48 (rram 1T1R), 280 (sram)).
    pub cell_area_f2: f64,
    /// `input_density`: average fraction of input bits that are 1 (NeuroSim inputtoggle) (default 0.18).
    pub input_density: f64,
    /// `weight_density`: average cell conductance as a fraction of the on-off range (default 0.5).
    pub weight_density: f64,
    /// `digital_lanes`: 8-bit MAC lanes per tile for dynamic matmuls and non-linear ops (default 64).
    pub digital_lanes: u64,
    /// Softmax on the associative processor `ap` (true) or on the digital lanes.
    pub softmax_on_ap: bool,
    /// The associative processor (`ap_*` parameters).
    pub ap: crate::components::ap::Ap,
    /// `softmax_bits`: integer softmax precision (I-BERT; SoftmAP studies low precision) (default 8).
    pub softmax_bits: u32,
    /// `calib_energy`: multiplies all energies (default 1).
    pub calib_energy: f64,
    /// `calib_latency`: multiplies all latencies (default 1).
    pub calib_latency: f64,
    /// `calib_area`: multiplies all areas (default 1).
    pub calib_area: f64,
    /// `calib_adc_energy`: multiplies ADC energy (default 1).
    pub calib_adc_energy: f64,
}

impl Architecture {
    /// The default architecture (see `param.rs` for each default and its source).
    pub fn default_rram() -> Architecture {
        Self::from_values(&[]).expect("defaults are valid")
    }

    /// Builds an architecture from `(name, value)` pairs; missing parameters take their
    /// defaults. Unknown names, wrong types, out-of-range values and invalid combinations are
    /// errors naming the key and what is allowed. A later pair overrides an earlier one.
    pub fn from_values(values: &[(String, Value)]) -> Result<Architecture, ModelError> {
        for (k, v) in values {
            param::find(k)?.check(v)?;
        }
        let get = |name: &str| values.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
        let num = |name: &str, default: f64| match get(name) {
            Some(Value::Num(x)) => *x,
            _ => default,
        };
        let flag = |name: &str, default: bool| match get(name) {
            Some(Value::Bool(b)) => *b,
            _ => default,
        };
        let word = |name: &str, default: &'static str| match get(name) {
            Some(Value::Str(s)) => s.clone(),
            _ => default.to_string(),
        };
        let device = if word("device", "rram") == "sram" {
            Device::Sram
        } else {
            Device::Rram
        };
        let sram = device == Device::Sram;
        let technology_nm = num("technology_nm", 32.0);
        let rows = num("rows", 128.0) as u64;
        let a = Architecture {
            device,
            technology_nm,
            voltage_v: num("voltage_v", tech::nominal_voltage(technology_nm)),
            voltage_scaling: flag("voltage_scaling", false),
            cycle_ns: num("cycle_ns", 1.0),
            rows,
            cols: num("cols", 128.0) as u64,
            bits_per_cell: num("bits_per_cell", if sram { 1.0 } else { 2.0 }) as u32,
            adc_bits: num("adc_bits", 5.0) as u32,
            adc_kind: if word("adc_kind", "sar") == "flash" {
                AdcKind::Flash
            } else {
                AdcKind::Sar
            },
            cols_per_adc: num("cols_per_adc", 8.0) as u64,
            parallel_rows: num("parallel_rows", rows as f64) as u64,
            input_bits: num("input_bits", 8.0) as u32,
            weight_bits: num("weight_bits", 8.0) as u32,
            output_bits: num("output_bits", 8.0) as u32,
            dac_bits: num("dac_bits", 1.0) as u32,
            router_groups: num("router_groups", 4.0) as u64,
            tiles_per_group: num("tiles_per_group", 16.0) as u64,
            crossbars_per_tile: num("crossbars_per_tile", 32.0) as u64,
            glb_mib: num("glb_mib", 2.0),
            tile_input_buffer_kib: num("tile_input_buffer_kib", 16.0),
            tile_output_buffer_kib: num("tile_output_buffer_kib", 16.0),
            weights_on_chip: flag("weights_on_chip", !sram),
            r_on_ohm: num("r_on_ohm", 6e3),
            r_off_ohm: num("r_off_ohm", 9e5),
            read_voltage_v: num("read_voltage_v", 0.5),
            read_pulse_ns: num("read_pulse_ns", 2.0),
            cell_area_f2: num("cell_area_f2", if sram { 280.0 } else { 48.0 }),
            input_density: num("input_density", 0.18),
            weight_density: num("weight_density", 0.5),
            digital_lanes: num("digital_lanes", 64.0) as u64,
            softmax_on_ap: word("softmax_unit", "digital") == "ap",
            ap: crate::components::ap::Ap {
                words: num("ap_words", 16384.0) as u64,
                word_bits: num("ap_word_bits", 64.0) as u32,
                compare_fj: num("ap_compare_fj", 1.0),
                write_fj: num("ap_write_fj", 5.0),
                compare_ns: num("ap_compare_ns", 1.0),
                write_ns: num("ap_write_ns", 1.0),
                cell_um2: num("ap_cell_um2", 0.5),
            },
            softmax_bits: num("softmax_bits", 8.0) as u32,
            calib_energy: num("calib_energy", 1.0),
            calib_latency: num("calib_latency", 1.0),
            calib_area: num("calib_area", 1.0),
            calib_adc_energy: num("calib_adc_energy", 1.0),
        };
        a.check_combinations()?;
        Ok(a)
    }

    fn check_combinations(&self) -> Result<(), ModelError> {
        let bad = |m: String| Err(ModelError::Combination(m));
        if self.device == Device::Sram && self.bits_per_cell != 1 {
            return bad(format!(
                "an SRAM cell holds one bit: bits_per_cell = {} is not allowed with device = \"sram\"",
                self.bits_per_cell
            ));
        }
        if self.bits_per_cell > self.weight_bits {
            return bad(format!(
                "bits_per_cell = {} exceeds weight_bits = {}",
                self.bits_per_cell, self.weight_bits
            ));
        }
        if self.cols_per_adc > self.cols || !self.cols.is_multiple_of(self.cols_per_adc) {
            return bad(format!(
                "cols_per_adc = {} must divide cols = {}",
                self.cols_per_adc, self.cols
            ));
        }
        if self.parallel_rows > self.rows {
            return bad(format!(
                "parallel_rows = {} exceeds rows = {}",
                self.parallel_rows, self.rows
            ));
        }
        if self.dac_bits > self.input_bits {
            return bad(format!(
                "dac_bits = {} exceeds input_bits = {}",
                self.dac_bits, self.input_bits
            ));
        }
        if self.r_off_ohm <= self.r_on_ohm {
            return bad(format!(
                "r_off_ohm = {} must be larger than r_on_ohm = {}",
                self.r_off_ohm, self.r_on_ohm
            ));
        }
        Ok(())
    }

    /// Cells one weight occupies: `ceil(weight_bits / bits_per_cell)`.
    pub fn cells_per_weight(&self) -> u64 {
        self.weight_bits.div_ceil(self.bits_per_cell) as u64
    }

    /// Input slices per input vector: `ceil(input_bits / dac_bits)` (bit-serial by default).
    pub fn input_slices(&self) -> u64 {
        self.input_bits.div_ceil(self.dac_bits) as u64
    }

    /// Tiles: router groups x tiles per group.
    pub fn tiles(&self) -> u64 {
        self.router_groups * self.tiles_per_group
    }

    /// Crossbars of the chip.
    pub fn crossbars(&self) -> u64 {
        self.tiles() * self.crossbars_per_tile
    }

    /// ADCs per crossbar: cols / cols_per_adc.
    pub fn adcs_per_crossbar(&self) -> u64 {
        self.cols / self.cols_per_adc
    }

    /// The resolved parameters as (name, value) pairs, in `PARAMS` order.
    pub fn values(&self) -> Vec<(&'static str, Value)> {
        let ap = self.ap;
        let n = |x: f64| Value::Num(x);
        let u = |x: u64| Value::Num(x as f64);
        vec![
            (
                "device",
                Value::Str(
                    if self.device == Device::Sram {
                        "sram"
                    } else {
                        "rram"
                    }
                    .into(),
                ),
            ),
            ("technology_nm", n(self.technology_nm)),
            ("voltage_v", n(self.voltage_v)),
            ("voltage_scaling", Value::Bool(self.voltage_scaling)),
            ("cycle_ns", n(self.cycle_ns)),
            ("rows", u(self.rows)),
            ("cols", u(self.cols)),
            ("bits_per_cell", u(self.bits_per_cell as u64)),
            ("adc_bits", u(self.adc_bits as u64)),
            (
                "adc_kind",
                Value::Str(
                    if self.adc_kind == AdcKind::Flash {
                        "flash"
                    } else {
                        "sar"
                    }
                    .into(),
                ),
            ),
            ("cols_per_adc", u(self.cols_per_adc)),
            ("parallel_rows", u(self.parallel_rows)),
            ("input_bits", u(self.input_bits as u64)),
            ("weight_bits", u(self.weight_bits as u64)),
            ("output_bits", u(self.output_bits as u64)),
            ("dac_bits", u(self.dac_bits as u64)),
            ("router_groups", u(self.router_groups)),
            ("tiles_per_group", u(self.tiles_per_group)),
            ("crossbars_per_tile", u(self.crossbars_per_tile)),
            ("glb_mib", n(self.glb_mib)),
            ("tile_input_buffer_kib", n(self.tile_input_buffer_kib)),
            ("tile_output_buffer_kib", n(self.tile_output_buffer_kib)),
            ("weights_on_chip", Value::Bool(self.weights_on_chip)),
            ("r_on_ohm", n(self.r_on_ohm)),
            ("r_off_ohm", n(self.r_off_ohm)),
            ("read_voltage_v", n(self.read_voltage_v)),
            ("read_pulse_ns", n(self.read_pulse_ns)),
            ("cell_area_f2", n(self.cell_area_f2)),
            ("input_density", n(self.input_density)),
            ("weight_density", n(self.weight_density)),
            ("digital_lanes", u(self.digital_lanes)),
            (
                "softmax_unit",
                Value::Str(if self.softmax_on_ap { "ap" } else { "digital" }.into()),
            ),
            ("softmax_bits", u(self.softmax_bits as u64)),
            ("ap_words", u(ap.words)),
            ("ap_word_bits", u(ap.word_bits as u64)),
            ("ap_compare_fj", n(ap.compare_fj)),
            ("ap_write_fj", n(ap.write_fj)),
            ("ap_compare_ns", n(ap.compare_ns)),
            ("ap_write_ns", n(ap.write_ns)),
            ("ap_cell_um2", n(ap.cell_um2)),
            ("calib_energy", n(self.calib_energy)),
            ("calib_latency", n(self.calib_latency)),
            ("calib_area", n(self.calib_area)),
            ("calib_adc_energy", n(self.calib_adc_energy)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, Value)]) -> Result<Architecture, ModelError> {
        Architecture::from_values(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn defaults_follow_the_paper_framework() {
        let a = Architecture::default_rram();
        assert_eq!(
            (a.technology_nm, a.adc_bits, a.weight_bits, a.input_bits),
            (32.0, 5, 8, 8)
        );
        assert!(!a.voltage_scaling);
        assert_eq!(a.values().len(), crate::param::PARAMS.len());
        let s = with(&[("device", Value::Str("sram".into()))]).unwrap();
        assert_eq!(
            (s.bits_per_cell, s.cell_area_f2, s.weights_on_chip),
            (1, 280.0, false)
        );
    }

    #[test]
    fn invalid_combinations_have_messages() {
        let cases: &[(&[(&str, Value)], &str)] = &[
            (
                &[
                    ("device", Value::Str("sram".into())),
                    ("bits_per_cell", Value::Num(2.0)),
                ],
                "SRAM cell holds one bit",
            ),
            (
                &[
                    ("cols", Value::Num(128.0)),
                    ("cols_per_adc", Value::Num(48.0)),
                ],
                "cols_per_adc = 48 must divide cols = 128",
            ),
            (
                &[
                    ("rows", Value::Num(64.0)),
                    ("parallel_rows", Value::Num(128.0)),
                ],
                "parallel_rows = 128 exceeds rows = 64",
            ),
            (
                &[
                    ("weight_bits", Value::Num(4.0)),
                    ("bits_per_cell", Value::Num(8.0)),
                ],
                "bits_per_cell = 8 exceeds weight_bits = 4",
            ),
            (
                &[
                    ("dac_bits", Value::Num(8.0)),
                    ("input_bits", Value::Num(4.0)),
                ],
                "dac_bits = 8 exceeds input_bits = 4",
            ),
            (
                &[
                    ("r_on_ohm", Value::Num(1e6)),
                    ("r_off_ohm", Value::Num(1e5)),
                ],
                "must be larger than r_on_ohm",
            ),
        ];
        for (pairs, msg) in cases {
            let e = with(pairs).unwrap_err().to_string();
            assert!(e.contains(msg), "{e}");
        }
        let e = with(&[("technology_nm", Value::Num(5.0))])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`technology_nm`") && e.contains("7..=130"),
            "{e}"
        );
        let e = with(&[("voltage_scaling", Value::Num(1.0))])
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected true or false"), "{e}");
    }
}
