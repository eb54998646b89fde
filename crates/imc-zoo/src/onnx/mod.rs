//! Workloads from ONNX files: a network exported from PyTorch, TensorFlow or any other
//! framework, costed and searched without writing a workload file.
//!
//! The file is read by a streaming protobuf decoder ([`wire`], [`proto`]) that keeps no weight
//! payload: a graph exported without weights, with initializers, or with external data files
//! that are absent all import the same layers, in the memory of the graph alone. Weights in
//! the file stream past once for their spread: each weight layer then states its
//! `weight_crest` for the compute SNR ([`spread`]); the other data statistics need the data.
//! Shapes come from the graph inputs and initializers through per-operator shape inference
//! ([`infer`], [`spatial`]), with symbolic dimensions set by `--dims` (a batch dimension
//! defaults to 1). Nodes on the data map onto the zoo's primitives ([`map`]); the result is
//! written as a workload file ([`crate::spec::write`]) and read back, so an import and its
//! `imcdse workloads import` file give the same layers, and the zoo's checks apply to both.

pub mod fold;
mod graph;
pub mod infer;
pub mod map;
pub mod proto;
pub mod spatial;
pub mod spread;
pub mod tensor;
pub mod wire;

use crate::error::{Problem, ZooError};
use crate::layer::Layer;
use crate::workload::Workload;
pub use map::Unsupported;
use std::io::BufReader;
use std::path::Path;

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The workload's name (default: the file stem).
    pub name: Option<String>,
    /// Values of symbolic dimensions (`batch`, `seq`).
    pub dims: Vec<(String, u64)>,
    /// The graph input that carries the data, when more than one could.
    pub input: Option<String>,
    /// Cost unsupported operators as nothing instead of refusing the file.
    pub skip_unsupported: bool,
    /// How the caller's user gives `dims`, for the advice in messages.
    pub dims_syntax: DimsSyntax,
}

/// How a user gives the values of symbolic dimensions: messages advise the form that works
/// where the user is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DimsSyntax {
    /// `--dims name=N` (`imcdse workloads import`).
    #[default]
    Flag,
    /// `FILE.onnx:name=N`, after the file in a workload list (`--workloads`, `imcdse workloads`).
    Suffix,
    /// `dims={"name": N}` (the Python package's `import_onnx`).
    Python,
}

impl DimsSyntax {
    /// How to give dimension `name` the value `value` of the ONNX file `path`.
    pub fn give(self, path: &str, name: &str, value: &str) -> String {
        match self {
            DimsSyntax::Flag => format!("`--dims {name}={value}`"),
            DimsSyntax::Suffix => format!("`{path}:{name}={value}`"),
            DimsSyntax::Python => format!("`dims={{\"{name}\": {value}}}`"),
        }
    }
}

/// An imported network.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The workload.
    pub workload: Workload,
    /// Its workload file.
    pub toml: String,
    /// Operators costed as nothing (with `skip_unsupported`).
    pub skipped: Vec<Unsupported>,
    /// Nodes in the graph.
    pub nodes: usize,
    /// The graph's hash (FNV-1a, 64 bits, over its structure: no weight values).
    pub hash: String,
}

fn invalid(file: &str, location: impl Into<String>, message: impl Into<String>) -> ZooError {
    ZooError::Invalid {
        file: file.to_string(),
        problems: vec![Problem {
            location: location.into(),
            message: message.into(),
        }],
    }
}

/// FNV-1a over the graph's structure: nodes with their attributes, inputs with their shapes,
/// initializers' names, types and dimensions. Retrained weights keep the hash.
fn hash(g: &proto::Graph) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |s: &str| {
        for b in s.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for n in &g.nodes {
        eat(&format!(
            "{}|{}|{}|{:?}|{:?}|{:?}",
            n.op_type, n.domain, n.name, n.inputs, n.outputs, n.attrs
        ));
    }
    for v in &g.inputs {
        eat(&format!("{}|{:?}|{:?}", v.name, v.elem, v.shape));
    }
    for t in &g.initializers {
        eat(&format!("{}|{}|{:?}", t.name, t.dtype, t.dims));
    }
    format!("{h:016x}")
}

/// The file stem as a workload name: a character a name may not have
/// ([`crate::spec::bad_name_char`]) becomes `_`, and it is cut to the longest name.
fn stem(path: &str) -> String {
    let s = Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("onnx");
    s.chars()
        .map(|c| {
            if crate::spec::bad_name_char(c) {
                '_'
            } else {
                c
            }
        })
        .take(crate::spec::MAX_NAME_CHARS)
        .collect()
}

/// Imports the ONNX file at `path`.
/// The file must be a regular file: a folder, a FIFO, a device or a socket is refused before
/// it is opened (a FIFO without a writer would block, a pipe reads as an empty model).
pub fn import(path: &str, opts: &Options) -> Result<Imported, ZooError> {
    crate::files::regular(path, "an ONNX model")?;
    let io = |error| ZooError::Io {
        file: path.to_string(),
        error,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    read(
        path,
        wire::Reader::new(BufReader::with_capacity(1 << 16, file), len),
        opts,
    )
}

/// Imports an ONNX model held in memory; `path` names it (messages, the default name).
pub fn import_bytes(path: &str, bytes: &[u8], opts: &Options) -> Result<Imported, ZooError> {
    read(
        path,
        wire::Reader::new(std::io::Cursor::new(bytes), bytes.len() as u64),
        opts,
    )
}

/// Imports the model `reader` holds: decodes it, prepares its graph, maps its nodes, and
/// writes the workload file and reads it back.
fn read<R: std::io::BufRead + std::io::Seek>(
    path: &str,
    reader: wire::Reader<R>,
    opts: &Options,
) -> Result<Imported, ZooError> {
    let model = decode(path, reader)?;
    let mut ready = graph::prepare(path, &model, opts).map_err(|m| invalid(path, "", m))?;
    let (layers, skipped) = map_nodes(path, &mut ready, opts)?;
    let hash = hash(ready.graph);
    let workload = describe(path, &model, &ready, opts, &hash, layers);
    let comment = comment(path, &hash, &skipped);
    let toml =
        crate::spec::write::to_toml(&workload, &comment).map_err(|m| invalid(path, "", m))?;
    let parsed = crate::spec::parse(path, &toml, &[]).map_err(by_layer)?;
    debug_assert_eq!(parsed.layers, workload.layers);
    let nodes = ready.graph.nodes.len();
    Ok(Imported {
        workload: Workload {
            file: path.to_string(),
            ..parsed
        },
        toml,
        skipped,
        nodes,
        hash,
    })
}

/// The zoo's problems with imported layers, located by layer (`layer 7 "conv2"`) rather than
/// by a line of the workload file written on the way, which the user has not seen.
fn by_layer(e: ZooError) -> ZooError {
    let ZooError::Invalid { file, problems } = e else {
        return e;
    };
    let problems = problems
        .into_iter()
        .map(|p| {
            let at = p
                .location
                .strip_prefix("line ")
                .map_or(p.location.as_str(), |rest| {
                    rest.split_once(", ").map_or("", |(_, at)| at)
                });
            let location = match at.strip_prefix("layers[").and_then(|r| r.split_once(']')) {
                Some((i, rest)) => format!("layer {i}{rest}"),
                None => at.to_string(),
            };
            Problem { location, ..p }
        })
        .collect();
    ZooError::Invalid { file, problems }
}

/// The model's messages, decoded.
fn decode<R: std::io::BufRead + std::io::Seek>(
    path: &str,
    mut reader: wire::Reader<R>,
) -> Result<proto::Model, ZooError> {
    let len = reader.size();
    proto::model(&mut reader).map_err(|e| {
        invalid(
            path,
            "",
            format!(
                "not an ONNX model, or a damaged one: {} (at byte {} of {len})",
                e.message, e.at
            ),
        )
    })
}

/// The layers of the nodes in execution order, and the unsupported operators; an error when
/// some operator is unsupported (unless `skip_unsupported`) or no node computes on the data.
fn map_nodes(
    path: &str,
    ready: &mut graph::Ready,
    opts: &Options,
) -> Result<(Vec<Layer>, Vec<Unsupported>), ZooError> {
    let tensors = std::mem::take(&mut ready.tensors);
    let mut walk = map::Walk::new(tensors, ready.opset, &ready.graph.nodes);
    walk.spreads = ready
        .graph
        .initializers
        .iter()
        .filter_map(|t| Some((t.name.clone(), t.spread?)))
        .collect();
    for &i in &ready.order {
        let n = &ready.graph.nodes[i];
        walk.node(n, i)
            .map_err(|m| invalid(path, format!("node `{}` ({})", map::label(n), n.op_type), m))?;
        if walk.layers.len() > crate::ops::MAX_LAYERS {
            return Err(invalid(
                path,
                "",
                format!(
                    "the graph maps to more than {} layers, the zoo's limit",
                    crate::ops::MAX_LAYERS
                ),
            ));
        }
    }
    let skipped: Vec<Unsupported> = walk.unsupported.values().cloned().collect();
    if !skipped.is_empty() && !opts.skip_unsupported {
        let list: Vec<String> = skipped
            .iter()
            .map(|u| format!("{} x{} (first: `{}`)", u.op, u.count, u.first))
            .collect();
        return Err(invalid(
            path,
            "",
            format!(
                "{} unsupported operator{}: {}; `imcdse workloads import --skip-unsupported` costs them as nothing and writes the workload file",
                skipped.len(),
                if skipped.len() == 1 { "" } else { "s" },
                list.join(", ")
            ),
        ));
    }
    if walk.layers.is_empty() {
        return Err(invalid(
            path,
            "",
            "no node of the graph computes on the data",
        ));
    }
    Ok((walk.layers, skipped))
}

/// The file name of `path` (the whole of it when it has none).
fn file_name(path: &str) -> &str {
    Path::new(path)
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or(path)
}

/// The workload of `layers`: its name, a description of the model, and its source with the
/// graph's hash.
fn describe(
    path: &str,
    model: &proto::Model,
    ready: &graph::Ready,
    opts: &Options,
    hash: &str,
    layers: Vec<Layer>,
) -> Workload {
    let file_name = file_name(path);
    let opset = ready.opset;
    let producer = if model.producer.trim().is_empty() {
        "unknown producer".to_string()
    } else {
        model.producer.clone()
    };
    Workload {
        name: opts.name.clone().unwrap_or_else(|| stem(path)),
        description: format!(
            "imported from {file_name}: {} nodes, opset {opset}, exported by {producer}; data input `{}`",
            ready.graph.nodes.len(),
            ready.input.0
        ),
        source: format!("ONNX file {file_name}, graph hash fnv1a64:{hash}"),
        input: ready.input.1.clone(),
        params: ready.dims.clone(),
        layers,
        file: path.to_string(),
    }
}

/// The workload file's opening comment: where it comes from, and the operators costed as
/// nothing.
fn comment(path: &str, hash: &str, skipped: &[Unsupported]) -> String {
    let file_name = file_name(path);
    let mut comment =
        format!("Imported by imcdse from the ONNX file {file_name} (graph hash fnv1a64:{hash}).");
    if !skipped.is_empty() {
        comment.push_str("\nCosted as nothing (unsupported):");
        for u in skipped {
            comment.push_str(&format!("\n  {} x{} (first: {})", u.op, u.count, u.first));
        }
    }
    comment
}
