//! The workload file format (schema_version 1) and its expansion into a [`Workload`].
//!
//! ```toml
//! schema_version = 1
//! name = "my-net"
//! description = "..."
//! source = "where the definition comes from"
//! input = [3, 32, 32]            # [C, H, W] for images; any list otherwise
//!
//! [params]                       # optional named integers, overridable at load time
//! seq_len = 128
//!
//! [defaults]                     # optional; each layer may override these keys
//! weight_bits = 8
//! input_bits = 8
//! output_bits = 8
//! spiking = { timesteps = 20, spike_rate = 0.1, membrane_bits = 16 }   # spiking networks only
//! data = { activation_nonzero = 0.4 }   # measured data statistics for the compute SNR (`data.rs`)
//!
//! [[layers]]
//! name = "conv1"
//! op = "conv2d"
//! in_channels = 3
//! out_channels = 64
//! kernel = 3
//! padding = 1                    # input_size follows from the previous layer or `input`
//! norm = "batch"                 # emits conv1.norm
//! act = "relu"                   # emits conv1.act
//! data = { weight_crest = 6.1 }  # weight layers may carry their own (over [defaults.data])
//!
//! [[layers]]
//! name = "stage"
//! op = "repeat"                  # body layers become stage.0.<name>, stage.1.<name>, ...
//! count = 2
//! [[layers.body]]
//! name = "conv"
//! op = "conv2d"
//! ...
//! ```
//!
//! Primitive ops: `conv2d`, `linear`, `matmul`, `softmax`, `pool`, `add`, `scale`, `norm`, `act`,
//! `embedding` (see `primitives.rs`). Composite ops: `basic_block`, `bottleneck`,
//! `inverted_residual`, `dense_block`, `transformer`, `mobilebert` (see `blocks.rs`), and
//! `repeat`. Any integer may be written `"$name"` to use a `[params]` value.

mod blocks;
mod emit;
mod primitives;
mod value;
pub mod write;

use crate::data::DataStats;
use crate::error::{Problem, ZooError};
use crate::precision::{Precision, Spiking};
use crate::workload::Workload;
use emit::{Common, Emitter, State, check_bits};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use toml::{Spanned, Table, Value};
use value::Int;

/// The schema version this build reads.
pub const SCHEMA_VERSION: u32 = 1;

/// Every `op` a layer may name.
pub const OPS: [&str; 17] = [
    "conv2d",
    "linear",
    "matmul",
    "softmax",
    "pool",
    "add",
    "scale",
    "norm",
    "act",
    "embedding",
    "basic_block",
    "bottleneck",
    "inverted_residual",
    "dense_block",
    "transformer",
    "mobilebert",
    "repeat",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    schema_version: u32,
    name: String,
    description: String,
    source: String,
    input: Vec<Int>,
    #[serde(default)]
    params: BTreeMap<String, i64>,
    #[serde(default)]
    defaults: DefaultsSpec,
    layers: Vec<Spanned<Table>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultsSpec {
    weight_bits: Option<Int>,
    input_bits: Option<Int>,
    output_bits: Option<Int>,
    spiking: Option<SpikingSpec>,
    data: Option<DataStats>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpikingSpec {
    timesteps: Option<Int>,
    spike_rate: Option<f64>,
    membrane_bits: Option<Int>,
    input_spikes: Option<bool>,
}

impl SpikingSpec {
    /// `self` over `base`, key by key.
    fn over(&self, base: &SpikingSpec) -> SpikingSpec {
        SpikingSpec {
            timesteps: self.timesteps.clone().or_else(|| base.timesteps.clone()),
            spike_rate: self.spike_rate.or(base.spike_rate),
            membrane_bits: self
                .membrane_bits
                .clone()
                .or_else(|| base.membrane_bits.clone()),
            input_spikes: self.input_spikes.or(base.input_spikes),
        }
    }

    fn resolve(&self, e: &mut Emitter) -> Option<Spiking> {
        let Some(t) = &self.timesteps else {
            e.problem(
                "spiking.timesteps",
                "missing: a spiking layer needs timesteps (here or in [defaults.spiking])",
            );
            return None;
        };
        let timesteps = e.pos("spiking.timesteps", t)?;
        if timesteps > u32::MAX as u64 {
            e.problem(
                "spiking.timesteps",
                format!("{timesteps} is out of range; allowed 1..={}", u32::MAX),
            );
            return None;
        }
        let Some(rate) = self.spike_rate else {
            e.problem(
                "spiking.spike_rate",
                "missing: a spiking layer needs spike_rate in (0, 1]",
            );
            return None;
        };
        if !(rate > 0.0 && rate <= 1.0) {
            e.problem(
                "spiking.spike_rate",
                format!("{rate} is out of range; allowed (0, 1]"),
            );
            return None;
        }
        let Some(m) = &self.membrane_bits else {
            e.problem(
                "spiking.membrane_bits",
                "missing: a spiking layer needs membrane_bits (1..=32)",
            );
            return None;
        };
        let membrane_bits = check_bits(e, "spiking.membrane_bits", Some(m), 0);
        if membrane_bits == 0 {
            return None;
        }
        Some(Spiking {
            timesteps: timesteps as u32,
            spike_rate: rate,
            membrane_bits,
            input_spikes: self.input_spikes.unwrap_or(true),
        })
    }
}

/// Inherited settings while expanding nested specs.
#[derive(Clone)]
struct Inherited {
    precision: Precision,
    spiking: Option<SpikingSpec>,
    data: DataStats,
}

/// Parses and expands a workload file. `file` names it in errors; `overrides` replace values of
/// its `[params]` table (an unknown name is an error).
pub fn parse(file: &str, text: &str, overrides: &[(String, u64)]) -> Result<Workload, ZooError> {
    let spec = read_spec(file, text)?;
    let mut problems = name_problems(&spec.name);
    let params = resolve_params(&spec, overrides, &mut problems)?;
    let mut e = Emitter::new(&params, State::Unknown);
    let input = input_shape(&mut e, &spec.input);
    let precision = default_precision(&mut e, &spec);
    let data = spec.defaults.data.unwrap_or_default();
    e.loc = "defaults".into();
    for (key, message) in data.problems() {
        e.problem(&format!("data.{key}"), message);
    }
    let inherited = Inherited {
        precision,
        spiking: spec.defaults.spiking.clone(),
        data,
    };
    expand_layers(&mut e, &spec.layers, text, &inherited);
    problems.extend(duplicate_names(&e.layers));
    problems.splice(0..0, e.problems.drain(..));
    if !problems.is_empty() {
        return Err(ZooError::Invalid {
            file: file.to_string(),
            problems,
        });
    }
    Ok(Workload {
        name: spec.name,
        description: spec.description,
        source: spec.source,
        input,
        params: params.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        layers: e.layers,
        file: file.to_string(),
    })
}

/// The file's raw spec. TOML that does not read as one (an error at its line) or a
/// `schema_version` other than [`SCHEMA_VERSION`] is an error.
fn read_spec(file: &str, text: &str) -> Result<FileSpec, ZooError> {
    let invalid = |location: String, message: String| ZooError::Invalid {
        file: file.to_string(),
        problems: vec![Problem { location, message }],
    };
    let spec: FileSpec = toml::from_str(text).map_err(|err| {
        let (line, message) = crate::error::toml_syntax(text, &err);
        invalid(
            line.map(|l| format!("line {l}")).unwrap_or_default(),
            message,
        )
    })?;
    if spec.schema_version != SCHEMA_VERSION {
        return Err(invalid(
            "schema_version".into(),
            format!(
                "{} is not supported; this build reads schema_version = {SCHEMA_VERSION}",
                spec.schema_version
            ),
        ));
    }
    Ok(spec)
}

/// The `input` shape, each size checked (a problem when it is empty). A `[C, H, W]` input makes
/// the first layer's feature map known.
fn input_shape(e: &mut Emitter, input: &[Int]) -> Vec<u64> {
    e.loc = "input".into();
    if input.is_empty() {
        e.problem(
            "",
            "empty: write the input shape, e.g. [3, 224, 224] or [\"$seq_len\"]",
        );
    }
    let shape: Vec<u64> = input.iter().filter_map(|v| e.pos("", v)).collect();
    if let [c, h, w] = shape[..] {
        e.state = State::Spatial { c, hw: [h, w] };
    }
    shape
}

/// Expands every `[[layers]]` table in order, each located by its line in `text` and its
/// index (a problem when there is none); stops early once the emitter is full (too many layers,
/// or problems enough).
fn expand_layers(e: &mut Emitter, layers: &[Spanned<Table>], text: &str, inherited: &Inherited) {
    if layers.is_empty() {
        e.loc = "layers".into();
        e.problem("", "a workload needs at least one layer");
    }
    // Line numbers counted on from the previous layer's: counting from the start of the file
    // for every layer was quadratic (a 600-layer imported network spent 40% of its import there).
    let (mut at, mut line) = (0usize, 1usize);
    for (i, layer) in layers.iter().enumerate() {
        if e.is_full() {
            break;
        }
        let start = layer.span().start;
        if start >= at {
            line += crate::error::line_of(&text[at..], start - at) - 1;
            at = start;
        } else {
            (at, line) = (start, crate::error::line_of(text, start));
        }
        let before = e.problems.len();
        expand(
            e,
            layer.get_ref().clone(),
            &format!("line {line}, layers[{i}]"),
            "",
            inherited,
        );
        if e.problems.len() > before {
            // A layer with a problem passes no shape on; until a layer gives one again, a
            // size missing for that reason is not reported as a problem of its own.
            e.state = State::Unknown;
            e.shapes_lost = true;
        } else if !matches!(e.state, State::Unknown) {
            e.shapes_lost = false;
        }
    }
}

/// The most characters a workload name may have.
pub const MAX_NAME_CHARS: usize = 100;

/// Whether `c` may not appear in a workload name: whitespace and control characters, and the
/// separators of workload lists (`,`), ONNX dimensions and objectives (`:`) and paths (`/`,
/// `\\`): a name is a column prefix and a word on a command line.
pub fn bad_name_char(c: char) -> bool {
    c.is_whitespace() || c.is_control() || matches!(c, ',' | ':' | '/' | '\\')
}

/// A name that is empty, too long, or has a character [`bad_name_char`] refuses.
fn name_problems(name: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.contains(bad_name_char) {
        problems.push(Problem {
            location: "name".into(),
            message: format!(
                "\"{}\": a workload name has 1 to {MAX_NAME_CHARS} characters, without spaces, \
                 control characters, commas, colons or slashes",
                crate::error::clipped_to(name, 60)
            ),
        });
    }
    problems
}

/// The file's `[params]` with the overrides applied; an unknown or out-of-range override is an
/// error, an out-of-range value in the file a problem.
fn resolve_params(
    spec: &FileSpec,
    overrides: &[(String, u64)],
    problems: &mut Vec<Problem>,
) -> Result<BTreeMap<String, u64>, ZooError> {
    let mut params = BTreeMap::new();
    for (k, v) in &spec.params {
        if *v < 1 {
            problems.push(Problem {
                location: format!("params.{k}"),
                message: format!("{v} is out of range; parameters are integers >= 1"),
            });
        } else {
            params.insert(k.clone(), *v as u64);
        }
    }
    for (k, v) in overrides {
        if !params.contains_key(k) {
            let known: Vec<_> = params.keys().cloned().collect();
            return Err(ZooError::BadOverride {
                name: spec.name.clone(),
                message: format!(
                    "no parameter `{k}` to set; its parameters: {}",
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ),
            });
        }
        if *v < 1 {
            return Err(ZooError::BadOverride {
                name: spec.name.clone(),
                message: format!("{k} = {v} is out of range; parameters are integers >= 1"),
            });
        }
        params.insert(k.clone(), *v);
    }
    Ok(params)
}

/// The `[defaults]` precision, each field checked.
fn default_precision(e: &mut Emitter, spec: &FileSpec) -> Precision {
    e.loc = "defaults".into();
    let d = Precision::default();
    Precision {
        weight_bits: check_bits(
            e,
            "weight_bits",
            spec.defaults.weight_bits.as_ref(),
            d.weight_bits,
        ),
        input_bits: check_bits(
            e,
            "input_bits",
            spec.defaults.input_bits.as_ref(),
            d.input_bits,
        ),
        output_bits: check_bits(
            e,
            "output_bits",
            spec.defaults.output_bits.as_ref(),
            d.output_bits,
        ),
    }
}

/// A problem for each layer name used before.
fn duplicate_names(layers: &[crate::Layer]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for l in layers {
        if !seen.insert(l.name.as_str()) {
            problems.push(Problem {
                location: format!("layer {:?}", l.name),
                message: "duplicate layer name; names must be unique".into(),
            });
        }
    }
    problems
}

fn take_int(e: &mut Emitter, t: &mut Table, key: &str) -> Option<Option<Int>> {
    match t.remove(key) {
        None => Some(None),
        Some(v) => match Int::deserialize(v) {
            Ok(i) => Some(Some(i)),
            Err(err) => {
                e.problem(key, err.message().to_string());
                None
            }
        },
    }
}

/// Expands one layer table (primitive, composite or repeat) at location `loc`.
/// Expands one `[[layers]]` table (a primitive, a block or a repeat) into layers; problems go
/// to the emitter with their location.
fn expand(e: &mut Emitter, mut t: Table, loc: &str, prefix: &str, inh: &Inherited) {
    let Some(name) = layer_name(e, &mut t, loc) else {
        return;
    };
    let full = format!("{prefix}{name}");
    e.loc = format!("{loc} {full:?}");
    let here = e.loc.clone();
    let Some(op) = layer_op(e, &mut t) else {
        return;
    };
    let Some(inh) = settings(e, &mut t, &op, inh) else {
        return;
    };
    if op == "repeat" {
        repeat(e, t, (loc, &here, &full), &inh);
        return;
    }
    emit(e, t, &op, &full, &inh);
}

/// The layer's `name`, or a problem.
fn layer_name(e: &mut Emitter, t: &mut Table, loc: &str) -> Option<String> {
    match t.remove("name") {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(other) => {
            e.loc = loc.to_string();
            e.problem(
                "name",
                format!("{other} is not a layer name; write a non-empty string"),
            );
            None
        }
        None => {
            e.loc = loc.to_string();
            e.problem("name", "missing: every layer needs a name");
            None
        }
    }
}

/// The layer's `op`, one of [`OPS`], or a problem.
fn layer_op(e: &mut Emitter, t: &mut Table) -> Option<String> {
    match t.remove("op") {
        Some(Value::String(s)) if OPS.contains(&s.as_str()) => Some(s),
        Some(other) => {
            e.problem(
                "op",
                format!("{other} is not an operator; allowed: {}", OPS.join(", ")),
            );
            None
        }
        None => {
            e.problem("op", format!("missing; allowed: {}", OPS.join(", ")));
            None
        }
    }
}

/// The settings every layer may carry (precision, spiking, data) over the inherited ones.
fn settings(e: &mut Emitter, t: &mut Table, op: &str, inh: &Inherited) -> Option<Inherited> {
    let mut inh = inh.clone();
    for key in ["weight_bits", "input_bits", "output_bits"] {
        let v = take_int(e, t, key)?;
        let p = &mut inh.precision;
        let field = match key {
            "weight_bits" => &mut p.weight_bits,
            "input_bits" => &mut p.input_bits,
            _ => &mut p.output_bits,
        };
        *field = check_bits(e, key, v.as_ref(), *field);
    }
    let layer_spiking = match t.remove("spiking") {
        None => None,
        Some(v) => match SpikingSpec::deserialize(v) {
            Ok(s) => Some(s),
            Err(err) => {
                e.problem("spiking", err.message().to_string());
                return None;
            }
        },
    };
    if let Some(s) = &layer_spiking {
        if !is_weight_op(op) {
            e.problem(
                "spiking",
                "spiking settings apply to weight layers (conv2d, linear, blocks) only",
            );
            return None;
        }
        inh.spiking = Some(s.over(&inh.spiking.clone().unwrap_or_default()));
    }
    inh.data = layer_data(e, t, op)?.over(&inh.data);
    Some(inh)
}

/// The layer's own `data` statistics (empty when it has none), each in range; a problem on a
/// layer without weights in cells.
fn layer_data(e: &mut Emitter, t: &mut Table, op: &str) -> Option<DataStats> {
    let Some(v) = t.remove("data") else {
        return Some(DataStats::default());
    };
    let data = match DataStats::deserialize(v) {
        Ok(d) => d,
        Err(err) => {
            e.problem("data", err.message().to_string());
            return None;
        }
    };
    if !is_weight_op(op) {
        e.problem(
            "data",
            "data statistics apply to weight layers (conv2d, linear, blocks) only",
        );
        return None;
    }
    let problems = data.problems();
    for (key, message) in &problems {
        e.problem(&format!("data.{key}"), message.clone());
    }
    problems.is_empty().then_some(data)
}

/// A `repeat`: its body expanded `count` times, named `<full>.<i>.<layer>`.
fn repeat(e: &mut Emitter, mut t: Table, (loc, here, full): (&str, &str, &str), inh: &Inherited) {
    let Some(count) = take_int(e, &mut t, "count") else {
        return;
    };
    let Some(count) = count else {
        e.problem("count", "missing: repeat needs count = N");
        return;
    };
    let Some(count) = e.pos("count", &count) else {
        return;
    };
    let body = match t.remove("body") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        _ => {
            e.problem(
                "body",
                "missing or empty: write the repeated layers as [[layers.body]] tables",
            );
            return;
        }
    };
    if let Some(key) = t.keys().next() {
        e.problem(key, "unknown key for repeat; allowed: name, op, count, body, weight_bits, input_bits, output_bits, spiking, data");
        return;
    }
    if count > crate::ops::MAX_LAYERS as u64 {
        e.problem(
            "count",
            format!(
                "{count} is out of range; a workload expands to at most {} layers",
                crate::ops::MAX_LAYERS
            ),
        );
        return;
    }
    for i in 0..count {
        if e.is_full() {
            return;
        }
        for (j, item) in body.iter().enumerate() {
            let Value::Table(tab) = item else {
                e.loc = here.to_string();
                e.problem("body", format!("body[{j}] is not a table"));
                return;
            };
            expand(
                e,
                tab.clone(),
                &format!("{loc}.body[{j}] (repeat {i})"),
                &format!("{full}.{i}."),
                inh,
            );
        }
    }
}

/// A primitive or a block, emitted by its spec type.
fn emit(e: &mut Emitter, t: Table, op: &str, full: &str, inh: &Inherited) {
    let common_spiking = match &inh.spiking {
        Some(s) if is_weight_op(op) => match s.resolve(e) {
            Some(s) => Some(s),
            None => return,
        },
        _ => None,
    };
    let common = Common {
        precision: inh.precision,
        spiking: common_spiking,
        data: inh.data,
    };
    let rest = Value::Table(t);
    macro_rules! dispatch {
        ($($name:literal => $spec:ty),* $(,)?) => {
            match op {
                $($name => match rest.try_into::<$spec>() {
                    Ok(spec) => { let _ = spec.emit(e, full, &common); }
                    Err(err) => e.problem("", err.message().trim().to_string()),
                },)*
                _ => unreachable!("op names are checked against OPS"),
            }
        };
    }
    dispatch! {
        "conv2d" => primitives::Conv2dSpec,
        "linear" => primitives::LinearSpec,
        "matmul" => primitives::MatMulSpec,
        "softmax" => primitives::SoftmaxSpec,
        "pool" => primitives::PoolSpec,
        "add" => primitives::AddSpec,
        "scale" => primitives::ScaleSpec,
        "norm" => primitives::NormSpec,
        "act" => primitives::ActSpec,
        "embedding" => primitives::EmbeddingSpec,
        "basic_block" => blocks::BasicBlockSpec,
        "bottleneck" => blocks::BottleneckSpec,
        "inverted_residual" => blocks::InvertedResidualSpec,
        "dense_block" => blocks::DenseBlockSpec,
        "transformer" => blocks::TransformerSpec,
        "mobilebert" => blocks::MobileBertSpec,
    }
}

fn is_weight_op(op: &str) -> bool {
    !matches!(
        op,
        "matmul" | "softmax" | "pool" | "add" | "scale" | "norm" | "act" | "embedding"
    )
}
