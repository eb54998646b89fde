//! The architecture parameters the model understands: names as they appear in TOML files,
//! types, allowed ranges, defaults and where each default comes from. Design spaces and
//! `--set` overrides are validated against this table.

use crate::error::ModelError;
use std::fmt;

/// A parameter value as written in a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A number (integers too).
    Num(f64),
    /// `true` or `false`.
    Bool(bool),
    /// A word.
    Str(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Num(x) => write!(f, "{x}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Str(s) => write!(f, "\"{s}\""),
        }
    }
}

/// What values a parameter takes.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// An integer in `[min, max]`.
    Int {
        /// The smallest allowed.
        min: i64,
        /// The largest allowed.
        max: i64,
    },
    /// A real number in `[min, max]`.
    Real {
        /// The smallest allowed.
        min: f64,
        /// The largest allowed.
        max: f64,
    },
    /// `true` or `false`.
    Bool,
    /// One of the listed words.
    Choice(&'static [&'static str]),
}

/// One architecture parameter.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// The name in files and on the command line.
    pub name: &'static str,
    /// What values it takes.
    pub kind: Kind,
    /// Default as text (`"device"` dependent defaults are resolved in `arch.rs`).
    pub default: &'static str,
    /// What it is, with its unit and source.
    pub doc: &'static str,
}

const fn int(
    name: &'static str,
    min: i64,
    max: i64,
    default: &'static str,
    doc: &'static str,
) -> Param {
    Param {
        name,
        kind: Kind::Int { min, max },
        default,
        doc,
    }
}

const fn real(
    name: &'static str,
    min: f64,
    max: f64,
    default: &'static str,
    doc: &'static str,
) -> Param {
    Param {
        name,
        kind: Kind::Real { min, max },
        default,
        doc,
    }
}

/// Every parameter, in the order reports list them.
pub const PARAMS: &[Param] = &[
    Param {
        name: "device",
        kind: Kind::Choice(&["rram", "sram"]),
        default: "rram",
        doc: "memory cell of the crossbars",
    },
    int(
        "technology_nm",
        7,
        130,
        "32",
        "CMOS node in nm; 32 as in the joint co-optimization framework",
    ),
    real(
        "voltage_v",
        0.3,
        1.5,
        "node nominal",
        "supply voltage; scales energy and delay only when voltage_scaling = true",
    ),
    Param {
        name: "voltage_scaling",
        kind: Kind::Bool,
        default: "false",
        doc: "E ~ V^2 and delay ~ 1/V around the node's nominal voltage; false is the paper's setting",
    },
    real(
        "cycle_ns",
        0.1,
        1000.0,
        "1",
        "clock period: one ADC conversion slot",
    ),
    int("rows", 8, 4096, "128", "crossbar rows (wordlines)"),
    int("cols", 8, 4096, "128", "crossbar columns (bitlines)"),
    int(
        "bits_per_cell",
        1,
        8,
        "2 (rram), 1 (sram)",
        "weight bits stored per cell",
    ),
    int(
        "adc_bits",
        1,
        12,
        "5",
        "ADC resolution; 5 as in the framework",
    ),
    Param {
        name: "adc_kind",
        kind: Kind::Choice(&["sar", "flash"]),
        default: "sar",
        doc: "ADC architecture",
    },
    int(
        "cols_per_adc",
        1,
        4096,
        "8",
        "columns sharing one ADC through a column mux (NeuroSim numColMuxed = 8)",
    ),
    int(
        "parallel_rows",
        1,
        4096,
        "rows",
        "rows summed per conversion; default all rows",
    ),
    int("input_bits", 1, 16, "8", "activation bits"),
    int("weight_bits", 1, 16, "8", "weight bits"),
    int(
        "output_bits",
        1,
        32,
        "8",
        "bits of layer outputs written back",
    ),
    int(
        "dac_bits",
        1,
        8,
        "1",
        "input bits applied per cycle (1 = bit-serial)",
    ),
    int("router_groups", 1, 4096, "4", "router groups on the chip"),
    int("tiles_per_group", 1, 4096, "16", "tiles per router group"),
    int(
        "crossbars_per_tile",
        1,
        4096,
        "32",
        "crossbars (macros) per tile",
    ),
    real("glb_mib", 0.0625, 1024.0, "2", "global buffer, MiB"),
    real(
        "tile_input_buffer_kib",
        0.25,
        4096.0,
        "16",
        "input buffer per tile, KiB",
    ),
    real(
        "tile_output_buffer_kib",
        0.25,
        4096.0,
        "16",
        "output buffer per tile, KiB",
    ),
    Param {
        name: "weights_on_chip",
        kind: Kind::Bool,
        default: "true (rram), false (sram)",
        doc: "all weights of a workload stay in crossbars; otherwise they stream from DRAM",
    },
    real(
        "r_on_ohm",
        100.0,
        1e9,
        "6000",
        "RRAM low-resistance state (CiMLoop rram_neurosim_default cell)",
    ),
    real(
        "r_off_ohm",
        100.0,
        1e10,
        "900000",
        "RRAM high-resistance state (CiMLoop rram_neurosim_default cell)",
    ),
    real(
        "read_voltage_v",
        0.01,
        2.0,
        "0.5",
        "RRAM read voltage (CiMLoop rram_neurosim_default cell)",
    ),
    real(
        "read_pulse_ns",
        0.01,
        1000.0,
        "2",
        "RRAM read pulse (CiMLoop rram_neurosim_default cell)",
    ),
    real(
        "cell_area_f2",
        1.0,
        2000.0,
        "48 (rram 1T1R), 280 (sram)",
        "cell area in F^2 (NeuroSim / CiMLoop cells)",
    ),
    real(
        "input_density",
        0.0,
        1.0,
        "0.18",
        "average fraction of input bits that are 1 (NeuroSim inputtoggle)",
    ),
    real(
        "weight_density",
        0.0,
        1.0,
        "0.5",
        "average cell conductance as a fraction of the on-off range",
    ),
    int(
        "digital_lanes",
        1,
        65536,
        "64",
        "8-bit MAC lanes per tile for dynamic matmuls and non-linear ops",
    ),
    Param {
        name: "softmax_unit",
        kind: Kind::Choice(&["digital", "ap"]),
        default: "digital",
        doc: "what computes softmax layers: the tiles' digital lanes or an associative processor (SoftmAP)",
    },
    int(
        "softmax_bits",
        2,
        16,
        "8",
        "integer softmax precision (I-BERT; SoftmAP studies low precision)",
    ),
    int(
        "ap_words",
        1,
        1 << 30,
        "16384",
        "associative-processor words working in parallel (assumed; components/ap.rs)",
    ),
    int(
        "ap_word_bits",
        4,
        1024,
        "64",
        "associative-processor word width in bits",
    ),
    real(
        "ap_compare_fj",
        0.0,
        1e6,
        "1",
        "AP energy per compared bit, fJ (assumed, typical SRAM CAM)",
    ),
    real(
        "ap_write_fj",
        0.0,
        1e6,
        "5",
        "AP energy per written bit, fJ (assumed)",
    ),
    real("ap_compare_ns", 0.01, 1e3, "1", "AP compare cycle, ns"),
    real("ap_write_ns", 0.01, 1e3, "1", "AP write cycle, ns"),
    real(
        "ap_cell_um2",
        0.0,
        1e3,
        "0.5",
        "AP cell area at 32 nm, um^2 (assumed, about 3 6T SRAM cells)",
    ),
    real("calib_energy", 0.0, 1e6, "1", "multiplies all energies"),
    real("calib_latency", 0.0, 1e6, "1", "multiplies all latencies"),
    real("calib_area", 0.0, 1e6, "1", "multiplies all areas"),
    real("calib_adc_energy", 0.0, 1e6, "1", "multiplies ADC energy"),
];

/// The parameter of that name, or an error listing the known ones.
pub fn find(name: &str) -> Result<&'static Param, ModelError> {
    PARAMS
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| ModelError::UnknownParam {
            key: name.to_string(),
            known: PARAMS.iter().map(|p| p.name).collect::<Vec<_>>().join(", "),
        })
}

impl Param {
    /// Checks a value's type and range.
    pub fn check(&self, v: &Value) -> Result<(), ModelError> {
        let wrong = |expected: &str| ModelError::WrongType {
            key: self.name.into(),
            expected: expected.into(),
            found: v.to_string(),
        };
        let range = |allowed: String| ModelError::OutOfRange {
            key: self.name.into(),
            value: v.to_string(),
            allowed,
        };
        match (self.kind, v) {
            (Kind::Int { min, max }, Value::Num(x)) => {
                if x.fract() != 0.0 {
                    return Err(wrong("an integer"));
                }
                if *x < min as f64 || *x > max as f64 {
                    return Err(range(format!("integers {min}..={max}")));
                }
                Ok(())
            }
            (Kind::Real { min, max }, Value::Num(x)) => {
                if !x.is_finite() || *x < min || *x > max {
                    return Err(range(format!("{min} to {max}")));
                }
                Ok(())
            }
            (Kind::Bool, Value::Bool(_)) => Ok(()),
            (Kind::Choice(words), Value::Str(s)) => {
                if words.contains(&s.as_str()) {
                    Ok(())
                } else {
                    Err(range(words.join(" | ")))
                }
            }
            (Kind::Int { .. }, _) => Err(wrong("an integer")),
            (Kind::Real { .. }, _) => Err(wrong("a number")),
            (Kind::Bool, _) => Err(wrong("true or false")),
            (Kind::Choice(words), _) => Err(wrong(&format!("one of {}", words.join(" | ")))),
        }
    }

    /// What is allowed, for messages and `imcdse space`.
    pub fn allowed(&self) -> String {
        match self.kind {
            Kind::Int { min, max } => format!("integer {min}..={max}"),
            Kind::Real { min, max } => format!("{min} to {max}"),
            Kind::Bool => "true | false".into(),
            Kind::Choice(w) => w.join(" | "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = PARAMS.iter().map(|p| p.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), PARAMS.len());
    }

    #[test]
    fn checks() {
        let rows = find("rows").unwrap();
        assert!(rows.check(&Value::Num(256.0)).is_ok());
        let e = rows.check(&Value::Num(2.5)).unwrap_err().to_string();
        assert!(
            e.contains("`rows`") && e.contains("expected an integer"),
            "{e}"
        );
        let e = rows.check(&Value::Num(5000.0)).unwrap_err().to_string();
        assert!(
            e.contains("5000 is out of range") && e.contains("8..=4096"),
            "{e}"
        );
        let e = find("device")
            .unwrap()
            .check(&Value::Str("pcm".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("rram | sram"), "{e}");
        let e = find("colums").unwrap_err().to_string();
        assert!(
            e.contains("unknown architecture parameter `colums`") && e.contains("cols"),
            "{e}"
        );
    }
}
