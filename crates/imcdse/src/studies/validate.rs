//! `imcdse validate`: the model beside published silicon. Each design ([`crate::silicon`]: the
//! shipped chip files, or the rows of a published table) is costed on one matrix-vector
//! multiply that fills its array once: a linear layer of `rows` inputs and `cols /
//! cells_per_weight` outputs (for `scope = "chip"`, that many outputs on every crossbar of the
//! chip), one input vector. From its costs:
//! - TOPS/W = 2 MACs / energy, TOPS/mm2 = 2 MACs / latency / area; for a macro the energy,
//!   latency and area of the array and its read chain only (cell array, row drivers, column
//!   multiplexers, ADCs, shift-and-add, adder trees; crossbar latency), for a chip all of them;
//!   1b-normalised where the published figure is (x input bits x weight bits);
//! - conversions per MVM: the ADC conversions of that multiply (for a macro);
//! - the ratio model / published of each, and per group (all, each device, each precision):
//!   the median ratio, the share within 2x and 3x, and Spearman's rho of the TOPS/W.

use crate::progress::Progress;
use crate::rank::spearman;
use crate::results::Table;
use crate::silicon::tables::{self, Format};
use crate::silicon::{self, Bits, Design, Scope};
use anyhow::{Context, Result};
use imc_model::mapping::Mapping;
use imc_model::{Architecture, evaluate_design};
use imc_zoo::ops::{Linear, MatrixShape, Op};
use imc_zoo::{Layer, Precision, Workload};
use std::path::{Path, PathBuf};

/// What to validate.
#[derive(Debug, Clone, Default)]
pub struct ValidateOptions {
    /// A published table (UIUC's columns or `macros.csv`'s); the shipped chip files without it.
    pub macros: Option<PathBuf>,
    /// Chip files to cost instead of the shipped ones (a name of a shipped one, or a path).
    pub chips: Vec<String>,
}

/// One design beside its published figures (`None` where either side has no figure).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The design's name.
    pub name: String,
    /// Where it came from.
    pub origin: String,
    /// `sram`, `rram`, ... (empty when skipped before its device was known).
    pub device: String,
    /// `analog` or `digital` (empty when skipped before it was known).
    pub compute: String,
    /// Input bits x weight bits, e.g. `4b x 4b`.
    pub precision: String,
    /// The TOPS/W and TOPS/mm2 convention of both sides.
    pub bits: Bits,
    /// What the figures cover.
    pub scope: Scope,
    /// Published and model TOPS/W.
    pub tops_per_w: (Option<f64>, Option<f64>),
    /// Published and model TOPS/mm2.
    pub tops_per_mm2: (Option<f64>, Option<f64>),
    /// Published and model area of the scope, mm2.
    pub area_mm2: (Option<f64>, Option<f64>),
    /// Published and model ADC conversions per MVM.
    pub conversions: (Option<f64>, Option<f64>),
    /// The model's energy of the scope by part, as shares of its total (largest first).
    pub energy_shares: Vec<(String, f64)>,
    /// Why the design was not costed.
    pub skipped: Option<String>,
}

impl Line {
    /// Model / published TOPS/W.
    pub fn ratio(&self) -> Option<f64> {
        ratio(self.tops_per_w)
    }
}

/// Model / published, where both exist.
pub fn ratio((published, model): (Option<f64>, Option<f64>)) -> Option<f64> {
    Some(model? / published?)
}

/// A validation: what was validated and each design's line.
#[derive(Debug, Clone)]
pub struct Validation {
    /// The shipped chip files, or the table's path and format.
    pub source: String,
    /// One line per design, in input order.
    pub lines: Vec<Line>,
}

/// Costs every design of `options` and returns the lines.
pub fn run(options: &ValidateOptions, progress: &dyn Progress) -> Result<Validation> {
    let (source, designs) = match (&options.macros, options.chips.is_empty()) {
        (Some(path), _) => read_table(path)?,
        (None, true) => ("shipped chip files".to_string(), silicon::shipped()?),
        (None, false) => (
            format!("chip files {}", options.chips.join(", ")),
            silicon::chips(&options.chips)?,
        ),
    };
    let bar = progress.bar(designs.len() as u64, "validate");
    let lines = designs
        .iter()
        .map(|d| {
            let l = line(d);
            bar.inc(1);
            l
        })
        .collect();
    Ok(Validation { source, lines })
}

fn read_table(path: &Path) -> Result<(String, Vec<Design>)> {
    let file = path.display().to_string();
    let max = crate::csv::MAX_BYTES as u64;
    let bytes = imc_zoo::files::read_bounded(&file, "a table of macros", max)?;
    let text = String::from_utf8(bytes).with_context(|| format!("{file}: not UTF-8 text"))?;
    let table: Table = crate::csv::table(&text, crate::silicon::MAX_ROWS)
        .map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    let (format, designs) = tables::designs(&file, &table)?;
    let kind = match format {
        Format::Uiuc => "the UIUC benchmark's columns",
        Format::Macros => "macros.csv's columns",
    };
    Ok((format!("{file} ({kind})"), designs))
}

/// The parts of a macro: the array and its read chain.
const MACRO_PARTS: [&str; 8] = [
    "cell_array",
    "row_drivers",
    "wordlines",
    "column_mux",
    "adc",
    "column_trees",
    "shift_add",
    "adder_tree",
];

fn line(d: &Design) -> Line {
    let mut l = Line {
        name: d.name.clone(),
        origin: d.origin.clone(),
        device: String::new(),
        compute: String::new(),
        precision: String::new(),
        bits: d.published.bits,
        scope: d.published.scope,
        tops_per_w: (d.published.tops_per_w, None),
        tops_per_mm2: (d.published.tops_per_mm2, None),
        area_mm2: (d.published.area_mm2, None),
        conversions: (d.published.conversions_per_mvm, None),
        energy_shares: Vec::new(),
        skipped: d.skipped.clone(),
    };
    if l.skipped.is_none()
        && let Err(e) = cost(d, &mut l)
    {
        l.skipped = Some(e);
    }
    l
}

/// The one multiply that fills the design's array (each crossbar's, for a chip).
fn mvm(a: &Architecture, scope: Scope) -> (Workload, MatrixShape) {
    let outputs = a.crossbar.cols / a.cells_per_weight();
    let copies = if scope == Scope::Chip {
        a.crossbars()
    } else {
        1
    };
    let linear = Linear {
        in_features: a.crossbar.rows,
        out_features: outputs * copies,
        tokens: 1,
        bias: false,
        tied: false,
    };
    let shape = MatrixShape {
        rows: a.crossbar.rows,
        cols: outputs,
        groups: 1,
        vectors: 1,
        static_weights: true,
    };
    let layer = Layer {
        name: "mvm".into(),
        op: Op::Linear(linear),
        precision: Precision {
            weight_bits: a.data.weight_bits,
            input_bits: a.data.input_bits,
            output_bits: a.data.output_bits,
        },
        spiking: None,
        data: Default::default(),
    };
    let w = Workload {
        name: "mvm".into(),
        description: "one matrix-vector multiply over the whole array".into(),
        source: "imcdse validate".into(),
        input: vec![a.crossbar.rows],
        params: Vec::new(),
        layers: vec![layer],
        file: String::new(),
    };
    (w, shape)
}

fn cost(d: &Design, l: &mut Line) -> Result<(), String> {
    let a = Architecture::from_values(&d.settings).map_err(|e| e.to_string())?;
    l.device = a.cell.device.word().to_string();
    l.compute = a.crossbar.compute.word().to_string();
    l.precision = format!("{}b x {}b", a.data.input_bits, a.data.weight_bits);
    let (w, shape) = mvm(&a, d.published.scope);
    let macs = w.macs() as f64;
    let report = evaluate_design(&a, std::slice::from_ref(&w), None);
    let r = &report.workloads[0];
    if let Some((_, why)) = report.infeasible() {
        return Err(format!("the model cannot run it: {why}"));
    }
    let sum = |parts: &[(&str, f64)]| -> f64 { in_scope(parts, l.scope).map(|(_, x)| x).sum() };
    let (energy_mj, area_mm2) = (sum(&r.energy_breakdown_mj), sum(&report.area_breakdown_mm2));
    l.energy_shares = shares(&r.energy_breakdown_mj, l.scope, energy_mj);
    let latency_ms = match l.scope {
        Scope::Chip => r.latency_ms,
        Scope::Macro => r
            .latency_breakdown_ms
            .iter()
            .find(|(n, _)| *n == "crossbar")
            .map_or(0.0, |(_, x)| *x),
    };
    let norm = match l.bits {
        Bits::Native => 1.0,
        Bits::OneBit => {
            let w = d.published.counted_weight_bits;
            f64::from(a.data.input_bits) * w.unwrap_or(f64::from(a.data.weight_bits))
        }
    };
    let ops = 2.0 * macs * norm;
    l.tops_per_w.1 = positive(ops / (energy_mj * 1e9));
    l.tops_per_mm2.1 = positive(ops / (latency_ms * 1e9) / area_mm2);
    l.area_mm2.1 = positive(area_mm2);
    if l.scope == Scope::Macro {
        let m = Mapping::new(&a, &shape);
        let conversions = m.converted_cols * m.row_phases * a.input_slices();
        l.conversions.1 = Some(conversions as f64);
    }
    Ok(())
}

/// The parts of a breakdown the scope covers: every one for a chip, the array and its read
/// chain ([`MACRO_PARTS`]) for a macro.
fn in_scope<'a>(
    parts: &'a [(&'a str, f64)],
    scope: Scope,
) -> impl Iterator<Item = &'a (&'a str, f64)> {
    parts
        .iter()
        .filter(move |(n, _)| scope == Scope::Chip || MACRO_PARTS.contains(n))
}

/// Each part's share of the scope's energy `total`, largest first, parts of no energy left out.
fn shares(parts: &[(&str, f64)], scope: Scope, total: f64) -> Vec<(String, f64)> {
    let mut v: Vec<(String, f64)> = in_scope(parts, scope)
        .filter(|(_, x)| *x > 0.0)
        .map(|(n, x)| (n.to_string(), x / total))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v
}

fn positive(x: f64) -> Option<f64> {
    (x.is_finite() && x > 0.0).then_some(x)
}

/// The statistics of one group of lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// `all`, `device sram`, `precision 4b x 4b`, ...
    pub name: String,
    /// Lines of the group that were costed and publish a TOPS/W.
    pub compared: usize,
    /// Lines of the group that were skipped.
    pub skipped: usize,
    /// Median model / published TOPS/W.
    pub median_ratio: Option<f64>,
    /// Share of the compared lines within 2x, and within 3x.
    pub within: (f64, f64),
    /// Spearman's rho of published and model TOPS/W (5 or more lines).
    pub spearman: Option<f64>,
    /// Lines publishing an area, and the share of them within 2x.
    pub area: (usize, f64),
    /// Lines publishing conversions per MVM, and how many the model matches exactly.
    pub conversions: (usize, usize),
}

/// The statistics of `lines`: all of them, by device, and by precision (groups of 5 or more).
pub fn summary(lines: &[Line]) -> Vec<Group> {
    let mut groups = vec![group("all", lines.iter().collect())];
    let mut keys: Vec<(String, String)> = Vec::new();
    for l in lines.iter().filter(|l| l.skipped.is_none()) {
        for k in [
            ("device".to_string(), l.device.clone()),
            ("compute".to_string(), l.compute.clone()),
            ("precision".to_string(), l.precision.clone()),
        ] {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    keys.sort();
    for (kind, value) in keys {
        let of: Vec<&Line> = lines
            .iter()
            .filter(|l| l.skipped.is_none())
            .filter(|l| match kind.as_str() {
                "device" => l.device == value,
                "compute" => l.compute == value,
                _ => l.precision == value,
            })
            .collect();
        if kind != "precision" || of.len() >= 5 {
            groups.push(group(&format!("{kind} {value}"), of));
        }
    }
    groups
}

fn group(name: &str, lines: Vec<&Line>) -> Group {
    let compared: Vec<&Line> = lines
        .iter()
        .copied()
        .filter(|l| l.ratio().is_some())
        .collect();
    let ratios: Vec<f64> = compared.iter().filter_map(|l| l.ratio()).collect();
    let share = |k: f64| {
        let n = ratios.iter().filter(|r| **r <= k && **r >= 1.0 / k).count();
        if ratios.is_empty() {
            0.0
        } else {
            n as f64 / ratios.len() as f64
        }
    };
    let (p, m): (Vec<f64>, Vec<f64>) = compared
        .iter()
        .map(|l| (l.tops_per_w.0.unwrap_or(0.0), l.tops_per_w.1.unwrap_or(0.0)))
        .unzip();
    let areas: Vec<f64> = lines.iter().filter_map(|l| ratio(l.area_mm2)).collect();
    let area_share = areas.iter().filter(|r| **r <= 2.0 && **r >= 0.5).count();
    let conv: Vec<&&Line> = lines.iter().filter(|l| l.conversions.0.is_some()).collect();
    let exact = conv
        .iter()
        .filter(|l| l.conversions.0 == l.conversions.1)
        .count();
    Group {
        name: name.to_string(),
        compared: compared.len(),
        skipped: lines.iter().filter(|l| l.skipped.is_some()).count(),
        median_ratio: crate::rank::quantile(&ratios, 0.5),
        within: (share(2.0), share(3.0)),
        spearman: (compared.len() >= 5).then(|| spearman(&p, &m)).flatten(),
        area: (
            areas.len(),
            if areas.is_empty() {
                0.0
            } else {
                area_share as f64 / areas.len() as f64
            },
        ),
        conversions: (conv.len(), exact),
    }
}
