//! The architecture: every parameter the model understands, declared once here in groups
//! (cell, chip, crossbar, ADC, data, buffers, softmax unit, associative processor,
//! placement, calibration) with its type, default, allowed values, unit and source. From this one
//! declaration `declare.rs` generates the group structs, [`Architecture`], the table
//! [`PARAMS`] that design spaces and `--set` overrides are checked against,
//! [`Settings::resolve`] and [`Architecture::values`]. Only an `Architecture` can be costed.

use crate::error::ModelError;
use crate::param::{Kind, Value, choice_enum, int, real};
use crate::replication::Replication;
use crate::tech;
use declare::architecture;

mod declare;
mod settings;

pub use settings::{Assignment, Settings, find, position};

choice_enum! {
    /// The memory cell of the crossbars.
    Device {
        /// 1T1R resistive RAM: multi-bit cells, weights stay on chip.
        Rram = "rram",
        /// SRAM: one bit per cell.
        Sram = "sram",
        /// Phase-change memory: multi-level analog conductance, weights stay on chip (IBM
        /// HERMES core, Khaddam-Aljameh et al. JSSC 2022; Le Gallo et al. Nat. Electron. 2023).
        Pcm = "pcm",
    }
}

choice_enum! {
    /// ADC architecture.
    AdcKind {
        /// Successive approximation.
        Sar = "sar",
        /// Flash.
        Flash = "flash",
    }
}

choice_enum! {
    /// How an ADC conversion's energy is derived (`components/adc.rs`).
    AdcModel {
        /// From the node, the supply, the bits and the kind: the ADC survey's Walden figure of
        /// merit with a thermal floor (SAR), a comparator per level (flash).
        Walden = "walden",
        /// The ISAAC library's 32 nm table, node-scaled (model revisions 1-3).
        Isaac = "isaac",
    }
}

choice_enum! {
    /// How a crossbar multiplies.
    Compute {
        /// In the analog domain: summed currents or charges, converted by ADCs.
        Analog = "analog",
        /// Digitally in the array: a gate per cell and an adder tree per column, no ADC
        /// (`components/column_tree.rs`).
        Digital = "digital",
    }
}

choice_enum! {
    /// The range an ADC converts.
    AdcRange {
        /// 0 to the largest partial sum the read chain can make (the paper framework's).
        Full = "full",
        /// 0 to the partial sum's mean plus 4 standard deviations, as silicon calibrates it.
        Clipped = "clipped",
    }
}

choice_enum! {
    /// What computes softmax layers.
    SoftmaxUnit {
        /// The tiles' digital lanes.
        Digital = "digital",
        /// An associative processor (SoftmAP).
        Ap = "ap",
    }
}

choice_enum! {
    /// How the bit-columns of one weight meet before the ADC.
    ColumnCombine {
        /// Every bit-column is converted on its own and the weight's bits are added by
        /// shift-and-add after the ADCs (ISAAC, PUMA, NeuroSim).
        Digital = "digital",
        /// The weight's bit-columns are combined in the analog domain, by binary-weighted charge
        /// sharing or current scaling, before one conversion (Dong/Sinangil's 7 nm macro, Zhang
        /// 2022, Papistas 2021, Xue 2020).
        Analog = "analog",
    }
}

choice_enum! {
    /// Where the digital lanes sit: in every tile or once for the chip.
    LanesAt {
        /// `digital_lanes` per tile.
        Tile = "tile",
        /// `digital_lanes` for the whole chip.
        Chip = "chip",
    }
}

choice_enum! {
    /// Where the groups of a grouped layer go when several fit in one crossbar.
    DepthwisePacking {
        /// Several groups on one crossbar's diagonal.
        Diagonal = "diagonal",
        /// Each group on crossbars of its own.
        PerGroup = "per-group",
    }
}

architecture! {
    /// The memory cell of the crossbars.
    cell: Cell {
        /// Memory cell of the crossbars.
        [0] device: Device = Device::Rram, Kind::Choice(Device::WORDS);
        /// Weight bits stored per cell (2 for RRAM, 1 for SRAM, 4 for PCM: IBM's multi-level
        /// PCM programs a device to about 4 bits, HERMES pairs them for 8-bit weights).
        [7] bits_per_cell: u32 = match device { Device::Sram => 1, Device::Rram => 2, Device::Pcm => 4 },
            int(1, 8);
        /// Cell area in F^2 (NeuroSim / CiMLoop cells: 48 for RRAM 1T1R and for a PCM device
        /// over its access transistor, 280 for SRAM).
        [27] area_f2 "cell_area_f2": f64 = if device == Device::Sram { 280.0 } else { 48.0 },
            real(1.0, 2000.0);
        /// Low-resistance state, ohm: RRAM 6 kOhm (CiMLoop rram_neurosim_default cell); PCM
        /// 100 kOhm (HERMES's devices reach 10.35 uS, aihwkit `HermesNoiseModel`).
        [23] r_on_ohm: f64 = if device == Device::Pcm { 1e5 } else { 6000.0 }, real(100.0, 1e9);
        /// High-resistance state, ohm: RRAM 900 kOhm (CiMLoop); PCM 10 MOhm (the reset
        /// state's 0.1 uS, two decades under the set state).
        [24] r_off_ohm: f64 = if device == Device::Pcm { 1e7 } else { 900000.0 }, real(100.0, 1e10);
        /// Read voltage, V: RRAM 0.5 (CiMLoop); PCM 0.2 (read well below the threshold
        /// switching voltage, as IBM's PCM cores do).
        [25] read_voltage_v: f64 = if device == Device::Pcm { 0.2 } else { 0.5 }, real(0.01, 2.0);
        /// Read pulse, ns (RRAM and PCM: CiMLoop rram_neurosim_default cell's 2 ns; a
        /// pulse-width-modulated input sets its own in a chip file).
        [26] read_pulse_ns: f64 = 2.0, real(0.01, 1000.0);
        /// A compute capacitor per cell, fF, charged at the supply in every active read: the
        /// charge-domain SRAM cells (8T1C, 9T1C, 10T1C: Valavi 2018, Jia 2020, Zhang 2022).
        /// 0 for cells that compute with their bitline current or charge alone.
        [49] cap_ff "cell_cap_ff": f64 = 0.0, real(0.0, 100.0);
        /// Static error of a programmed cell's conductance, standard deviation as a fraction of
        /// its on-off range (`snr.rs`). RRAM 0.03 (NeuRRAM's relaxation spread after iterative
        /// write-verify, Wan et al. Nature 2022 Extended Data Fig. 3, about 1 uS of a 40 uS
        /// range); PCM 0.03 (aihwkit's PCM programming noise, about 1 uS of 25 uS); SRAM 0 (a
        /// stored bit has no conductance error).
        [51] conductance_sigma: f64 = if device == Device::Sram { 0.0 } else { 0.03 },
            real(0.0, 0.5);
    }
    /// Technology, clock and organisation of the chip.
    chip: Chip {
        /// CMOS node in nm; 32 as in the joint co-optimization framework. 4 to 130 (below 7 nm
        /// the supply stays at 7 nm's, see `tech.rs`).
        [1] technology_nm: f64 = 32.0, int(4, 130);
        /// Supply voltage, V (default the node's nominal); scales energy and delay only when
        /// voltage_scaling = true.
        [2] voltage_v: f64 = tech::nominal_voltage(technology_nm), real(0.3, 1.5);
        /// E ~ V^2 and delay ~ 1/V around the node's nominal voltage; false is the paper's
        /// setting.
        [3] voltage_scaling: bool = false, Kind::Bool;
        /// Clock period, ns: one ADC conversion slot.
        [4] cycle_ns: f64 = 1.0, real(0.1, 100000.0);
        /// Router groups on the chip.
        [16] router_groups: u64 = 4, int(1, 4096);
        /// Tiles per router group.
        [17] tiles_per_group: u64 = 16, int(1, 4096);
        /// Crossbars (macros) per tile.
        [18] crossbars_per_tile: u64 = 32, int(1, 4096);
        /// 8-bit MAC lanes for dynamic matmuls and non-linear ops, per tile or per chip
        /// (`digital_lanes_at`).
        [30] digital_lanes: u64 = 64, int(1, 65536);
        /// Where the digital lanes sit: `tile` (`digital_lanes` in every tile, as ISAAC and
        /// PUMA) or `chip` (`digital_lanes` in all, one unit beside the global buffer, as
        /// NeuroSim's chip-level activation and pooling). See `components/digital.rs`.
        [46] digital_lanes_at: LanesAt = LanesAt::Tile, Kind::Choice(LanesAt::WORDS);
        /// All weights of a workload stay in crossbars (default for RRAM and PCM); otherwise they
        /// stream from DRAM (default for SRAM).
        [22] weights_on_chip: bool = cell.device != Device::Sram, Kind::Bool;
    }
    /// One crossbar: its size and how inputs enter it.
    crossbar: Crossbar {
        /// Crossbar rows (wordlines).
        [5] rows: u64 = 128, int(8, 4096);
        /// Crossbar columns (bitlines).
        [6] cols: u64 = 128, int(8, 4096);
        /// Rows summed per conversion; default all rows.
        [11] parallel_rows: u64 = rows, int(1, 4096);
        /// Input bits applied per cycle (1 = bit-serial).
        [15] dac_bits: u32 = 1, int(1, 8);
        /// How the `ceil(weight_bits / bits_per_cell)` bit-columns of a weight meet the ADC:
        /// `digital`, each converted and then shifted and added (ISAAC, PUMA, NeuroSim; the
        /// paper's framework), or `analog`, combined by binary-weighted charge sharing or current
        /// scaling into one conversion per weight column (Dong/Sinangil 7 nm, Zhang 2022,
        /// Papistas 2021, Xue 2020): fewer conversions, fewer ADCs, more range at the ADC.
        [47] column_combine: ColumnCombine = ColumnCombine::Digital,
            Kind::Choice(ColumnCombine::WORDS);
        /// `analog` (currents or charges summed on the columns, converted by the ADCs) or
        /// `digital` (SRAM only: a NOR gate per cell, an adder tree of `parallel_rows` products
        /// per weight column, an accumulator over the input bits; no ADC, no DAC, exact: Chih
        /// 2021, Fujiwara 2022, Mori 2023). See `components/column_tree.rs`.
        [50] compute: Compute = Compute::Analog, Kind::Choice(Compute::WORDS);
    }
    /// The column ADCs.
    adc: Adc {
        /// ADC resolution in bits; 5 as in the framework.
        [8] bits "adc_bits": u32 = 5, int(1, 12);
        /// ADC architecture.
        [9] kind "adc_kind": AdcKind = AdcKind::Sar, Kind::Choice(AdcKind::WORDS);
        /// Columns sharing one ADC through a column mux (NeuroSim numColMuxed = 8).
        [10] cols_per_adc: u64 = 8, int(1, 4096);
        /// Energy per conversion: `walden` (from node, supply, bits and kind, the ADC survey's
        /// figures of merit) or `isaac` (the ISAAC library's 32 nm table, model revisions 1-3;
        /// the CiMLoop calibrations keep it). See `components/adc.rs`.
        [48] model "adc_model": AdcModel = AdcModel::Walden, Kind::Choice(AdcModel::WORDS);
        /// What the ADC converts: `full` (0 to the largest partial sum; the paper framework's)
        /// or `clipped` (0 to mean + 4 standard deviations of the partial sum, as a macro
        /// calibrates it; Kavishwar and Shanbhag, arXiv 2507.09776). Sets the compute SNR
        /// (`snr.rs`), not the energy.
        [52] range "adc_range": AdcRange = AdcRange::Full, Kind::Choice(AdcRange::WORDS);
    }
    /// Precisions and bit statistics of the data the chip computes on.
    data: Data {
        /// Activation bits.
        [12] input_bits: u32 = 8, int(1, 16);
        /// Weight bits.
        [13] weight_bits: u32 = 8, int(1, 16);
        /// Bits of layer outputs written back.
        [14] output_bits: u32 = 8, int(1, 32);
        /// Average fraction of input bits that are 1 (NeuroSim inputtoggle).
        [28] input_density: f64 = 0.18, real(0.0, 1.0);
        /// Average cell conductance as a fraction of the on-off range.
        [29] weight_density: f64 = 0.5, real(0.0, 1.0);
        /// Share of activations that are not zero (0.5: a ReLU's output), for the compute SNR.
        [53] activation_nonzero: f64 = 0.5, real(0.01, 1.0);
        /// An activation quantiser's full scale over the standard deviation of its nonzero
        /// (half-normal) values, for the compute SNR (4: the clipping of a calibrated
        /// quantiser; a max-scaled one is larger).
        [54] activation_crest: f64 = 4.0, real(1.0, 64.0);
        /// A weight quantiser's full scale over the weights' standard deviation (normal), for
        /// the compute SNR.
        [55] weight_crest: f64 = 4.0, real(1.0, 64.0);
        /// How far a layer's ideal outputs vary beyond independent products, dB:
        /// `10 log10(Var(y) / (K (E[x^2] E[w^2] - E[x]^2 E[w]^2)))` over the layer's outputs
        /// pooled, measured on a network's data (trained weights and activations are
        /// correlated; on the digits networks of the bit-true reference, -0.2 to +6.0 dB). It
        /// scales the signal of the compute SNR, not its errors. 0: independent products.
        [56] signal_gain_db: f64 = 0.0, real(-20.0, 40.0);
    }
    /// The chip's buffers.
    buffers: Buffers {
        /// Global buffer, MiB.
        [19] glb_mib: f64 = 2.0, real(0.0625, 1024.0);
        /// Input buffer per tile, KiB.
        [20] tile_input_kib "tile_input_buffer_kib": f64 = 16.0, real(0.25, 4096.0);
        /// Output buffer per tile, KiB.
        [21] tile_output_kib "tile_output_buffer_kib": f64 = 16.0, real(0.25, 4096.0);
    }
    /// What computes softmax layers, and at what precision.
    softmax: Softmax {
        /// The tiles' digital lanes or an associative processor (SoftmAP).
        [31] unit "softmax_unit": SoftmaxUnit = SoftmaxUnit::Digital,
            Kind::Choice(SoftmaxUnit::WORDS);
        /// Integer softmax precision in bits (I-BERT; SoftmAP studies low precision).
        [32] bits "softmax_bits": u32 = 8, int(2, 16);
    }
    /// The associative processor that computes softmax when `softmax_unit = "ap"` (see
    /// `components/ap.rs`; the defaults are assumptions, not SoftmAP's figures).
    ap: Ap {
        /// Words working in parallel (assumed).
        [33] words "ap_words": u64 = 16384, int(1, 1 << 30);
        /// Bits per word.
        [34] word_bits "ap_word_bits": u32 = 64, int(4, 1024);
        /// Energy per compared bit, fJ (assumed, typical SRAM CAM). At least 1 aJ: no CMOS
        /// bit switches for less, and an AP of zero energy makes every ratio to it infinite.
        [35] compare_fj "ap_compare_fj": f64 = 1.0, real(1e-3, 1e6);
        /// Energy per written bit, fJ (assumed). At least 1 aJ, as a compare.
        [36] write_fj "ap_write_fj": f64 = 5.0, real(1e-3, 1e6);
        /// Compare cycle, ns.
        [37] compare_ns "ap_compare_ns": f64 = 1.0, real(0.01, 1e3);
        /// Write cycle, ns.
        [38] write_ns "ap_write_ns": f64 = 1.0, real(0.01, 1e3);
        /// Cell area at 32 nm, um^2 (assumed, about 3 6T SRAM cells).
        [39] cell_um2 "ap_cell_um2": f64 = 0.5, real(0.0, 1e3);
    }
    /// How layers are placed on the crossbars.
    placement: Placement {
        /// How spare crossbars hold copies of layers whose weights stay on chip: `uniform`
        /// (every layer the same number of copies), `balanced` (copies where they save the
        /// most latency, as ISAAC and PUMA replicate early layers) or `per-layer` (each layer
        /// alone on the whole chip, as the paper's framework costs a layer in CiMLoop). See
        /// `replication.rs`; why `balanced` is the default: docs/calibration.md.
        [44] replication: Replication = Replication::Balanced, Kind::Choice(Replication::WORDS);
        /// Grouped layers whose groups fit several to a crossbar (depthwise): `diagonal`
        /// (packed on the crossbar's diagonal) or `per-group` (each group on its own
        /// crossbars, as CiMLoop maps them). See `mapping.rs`.
        [45] depthwise_packing: DepthwisePacking = DepthwisePacking::Diagonal,
            Kind::Choice(DepthwisePacking::WORDS);
    }
    /// Factors that scale the model's results to match a reference.
    calibration: Calibration {
        /// Multiplies all energies.
        [40] energy "calib_energy": f64 = 1.0, real(0.0, 1e6);
        /// Multiplies all latencies.
        [41] latency "calib_latency": f64 = 1.0, real(0.0, 1e6);
        /// Multiplies all areas.
        [42] area "calib_area": f64 = 1.0, real(0.0, 1e6);
        /// Multiplies ADC energy.
        [43] adc_energy "calib_adc_energy": f64 = 1.0, real(0.0, 1e6);
    }
}

impl Default for Architecture {
    /// The default architecture: every parameter at its default (an RRAM chip).
    fn default() -> Architecture {
        Architecture::default_rram()
    }
}

impl Architecture {
    /// The default architecture (see the declaration above for each default and its source).
    pub fn default_rram() -> Architecture {
        Settings::default()
            .resolve()
            .expect("the defaults are a valid combination (tested)")
    }

    /// Builds an architecture from `(name, value)` pairs; missing parameters take their
    /// defaults. Unknown names, wrong types, out-of-range values and invalid combinations are
    /// errors naming the key and what is allowed. A later pair overrides an earlier one.
    pub fn from_values(values: &[(String, Value)]) -> Result<Architecture, ModelError> {
        let mut settings = Settings::default();
        settings.set(values)?;
        settings.resolve()
    }

    fn check_combinations(&self) -> Result<(), ModelError> {
        let bad = |m: String| Err(ModelError::Combination(m));
        if self.cell.device == Device::Sram && self.cell.bits_per_cell != 1 {
            return bad(format!(
                "an SRAM cell holds one bit: bits_per_cell = {} is not allowed with device = \"sram\"",
                self.cell.bits_per_cell
            ));
        }
        if self.crossbar.compute == Compute::Digital && self.cell.device != Device::Sram {
            return bad(format!(
                "compute = \"digital\" needs device = \"sram\" (a gate reads each stored bit), not \"{}\"",
                self.cell.device.word()
            ));
        }
        if self.cell.bits_per_cell > self.data.weight_bits {
            return bad(format!(
                "bits_per_cell = {} exceeds weight_bits = {}",
                self.cell.bits_per_cell, self.data.weight_bits
            ));
        }
        if self.adc.cols_per_adc > self.crossbar.cols
            || !self.crossbar.cols.is_multiple_of(self.adc.cols_per_adc)
        {
            return bad(format!(
                "cols_per_adc = {} must divide cols = {}",
                self.adc.cols_per_adc, self.crossbar.cols
            ));
        }
        let group = self.columns_per_conversion() * self.adc.cols_per_adc;
        if self.combines_columns() && !self.crossbar.cols.is_multiple_of(group) {
            return bad(format!(
                "with column_combine = \"analog\" an ADC serves cols_per_adc = {} weights of {} \
                 bit-columns each: {group} must divide cols = {}",
                self.adc.cols_per_adc,
                self.cells_per_weight(),
                self.crossbar.cols
            ));
        }
        if self.crossbar.parallel_rows > self.crossbar.rows {
            return bad(format!(
                "parallel_rows = {} exceeds rows = {}",
                self.crossbar.parallel_rows, self.crossbar.rows
            ));
        }
        if self.crossbar.dac_bits > self.data.input_bits {
            return bad(format!(
                "dac_bits = {} exceeds input_bits = {}",
                self.crossbar.dac_bits, self.data.input_bits
            ));
        }
        if self.cell.r_off_ohm <= self.cell.r_on_ohm {
            return bad(format!(
                "r_off_ohm = {} must be larger than r_on_ohm = {}",
                self.cell.r_off_ohm, self.cell.r_on_ohm
            ));
        }
        Ok(())
    }

    /// Cells one weight occupies: `ceil(weight_bits / bits_per_cell)`.
    pub fn cells_per_weight(&self) -> u64 {
        self.data.weight_bits.div_ceil(self.cell.bits_per_cell) as u64
    }

    /// Input slices per input vector: `ceil(input_bits / dac_bits)` (bit-serial by default).
    pub fn input_slices(&self) -> u64 {
        self.data.input_bits.div_ceil(self.crossbar.dac_bits) as u64
    }

    /// Tiles: router groups x tiles per group.
    pub fn tiles(&self) -> u64 {
        self.chip.router_groups * self.chip.tiles_per_group
    }

    /// Crossbars of the chip.
    pub fn crossbars(&self) -> u64 {
        self.tiles() * self.chip.crossbars_per_tile
    }

    /// Columns of a crossbar that one conversion reads: 1, or a weight's `cells_per_weight`
    /// bit-columns when they combine in the analog domain.
    pub fn columns_per_conversion(&self) -> u64 {
        if self.combines_columns() {
            self.cells_per_weight()
        } else {
            1
        }
    }

    /// Whether a weight's bit-columns meet before one read-out: combined in the analog domain,
    /// or added by a digital CIM's tree of whole weights.
    pub fn combines_columns(&self) -> bool {
        self.crossbar.column_combine == ColumnCombine::Analog
            || self.crossbar.compute == Compute::Digital
    }

    /// ADCs per crossbar: each serves `cols_per_adc` conversion columns (single bit-columns, or
    /// a weight's combined bit-columns).
    pub fn adcs_per_crossbar(&self) -> u64 {
        self.crossbar.cols / (self.columns_per_conversion() * self.adc.cols_per_adc)
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
            (
                a.chip.technology_nm,
                a.adc.bits,
                a.data.weight_bits,
                a.data.input_bits
            ),
            (32.0, 5, 8, 8)
        );
        assert!(!a.chip.voltage_scaling);
        assert_eq!(a.values().len(), PARAMS.len());
        let s = with(&[("device", Value::Str("sram".into()))]).unwrap();
        assert_eq!(
            (s.cell.bits_per_cell, s.cell.area_f2, s.chip.weights_on_chip),
            (1, 280.0, false)
        );
    }

    /// Every default, of an RRAM and of an SRAM chip, passes its own parameter's check, and
    /// every value a field can hold reads back as written: the types, kinds and defaults of
    /// the declaration agree.
    #[test]
    fn defaults_pass_their_own_checks_and_values_round_trip() {
        let sram = with(&[("device", Value::Str("sram".into()))]).unwrap();
        for a in [Architecture::default_rram(), sram] {
            let values = a.values();
            assert_eq!(values.len(), PARAMS.len());
            for ((name, v), p) in values.iter().zip(&PARAMS) {
                assert_eq!(*name, p.name);
                p.check(v)
                    .unwrap_or_else(|e| panic!("default of {name}: {e}"));
                assert!(!p.doc.trim().is_empty() && !p.default.is_empty(), "{name}");
            }
            let pairs: Vec<(String, Value)> = values
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            assert_eq!(Architecture::from_values(&pairs).unwrap(), a);
        }
        let odd = with(&[
            ("adc_kind", Value::Str("flash".into())),
            ("softmax_unit", Value::Str("ap".into())),
            ("voltage_scaling", Value::Bool(true)),
            ("ap_words", Value::Num((1u64 << 30) as f64)),
            ("glb_mib", Value::Num(0.0625)),
        ])
        .unwrap();
        assert_eq!(
            (odd.adc.kind, odd.softmax.unit, odd.chip.voltage_scaling),
            (AdcKind::Flash, SoftmaxUnit::Ap, true)
        );
        assert_eq!((odd.ap.words, odd.buffers.glb_mib), (1 << 30, 0.0625));
    }

    /// Defaults that follow other parameters follow them; a value given overrides the
    /// dependent default, and the last of two values for one parameter wins.
    #[test]
    fn dependent_defaults_and_overrides() {
        let a = with(&[
            ("rows", Value::Num(256.0)),
            ("technology_nm", Value::Num(22.0)),
        ])
        .unwrap();
        assert_eq!(a.crossbar.parallel_rows, 256);
        assert_eq!(a.chip.voltage_v, tech::nominal_voltage(22.0));
        let b = with(&[
            ("rows", Value::Num(256.0)),
            ("parallel_rows", Value::Num(64.0)),
            ("rows", Value::Num(512.0)),
        ])
        .unwrap();
        assert_eq!((b.crossbar.rows, b.crossbar.parallel_rows), (512, 64));
        let s = with(&[
            ("device", Value::Str("sram".into())),
            ("weights_on_chip", Value::Bool(true)),
        ])
        .unwrap();
        assert!(s.chip.weights_on_chip);
        assert_eq!(s.cell.area_f2, 280.0);
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
        let e = with(&[("technology_nm", Value::Num(3.0))])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`technology_nm`") && e.contains("4..=130"),
            "{e}"
        );
        let e = with(&[("voltage_scaling", Value::Num(1.0))])
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected true or false"), "{e}");
    }
}
