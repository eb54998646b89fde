//! The parts of an ONNX model the importer reads, decoded from the protobuf messages of
//! `onnx.proto` (<https://github.com/onnx/onnx/blob/main/onnx/onnx.proto>, IR version 3 to 11):
//! the operator sets, and of the graph its nodes, attributes, inputs, outputs and initializers.
//!
//! Of a tensor only the name, data type and dimensions are kept, plus its values when they are
//! small (at most [`SMALL_BYTES`]): shape arithmetic (`Reshape` targets, `Slice` bounds) needs
//! them. A larger float payload streams past in 64 KiB pieces that only its spread (largest
//! magnitude, sum of squares: [`super::spread`]) is kept of, for the compute SNR; other large
//! payloads, `doc_string`s, subgraphs of control-flow nodes and training information are
//! skipped without being read. External data is never opened.

use super::spread::{Spread, add_raw, float_width};
use super::wire::{Reader, Wire, WireError, WireType};
use std::io::{BufRead, Seek};

/// Tensor payloads up to this many bytes are read (shape constants, scalars); larger ones
/// are skipped.
pub const SMALL_BYTES: u64 = 1 << 16;

/// The values of a small tensor.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// Integer and boolean types.
    Int(Vec<i64>),
    /// Floating-point types.
    Float(Vec<f64>),
}

impl Data {
    /// The number of values.
    pub fn len(&self) -> usize {
        match self {
            Data::Int(v) => v.len(),
            Data::Float(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A tensor: an initializer, or the value of a `Constant` node or a tensor attribute.
#[derive(Debug, Clone, Default)]
pub struct Tensor {
    /// Its name (empty inside attributes).
    pub name: String,
    /// `TensorProto.DataType`.
    pub dtype: i32,
    /// Dimensions as written (checked later).
    pub dims: Vec<i64>,
    /// The values, when small and of a numeric type.
    pub data: Option<Data>,
    /// How its values spread, for a float tensor whose values are in the file
    /// ([`super::spread`]).
    pub spread: Option<Spread>,
}

/// One dimension of a declared shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dim {
    /// A fixed size.
    Value(i64),
    /// A named symbolic size (`batch`, `sequence`).
    Param(String),
    /// Neither (an unnamed dynamic size).
    Unknown,
}

/// A graph input or output with its declared type.
#[derive(Debug, Clone, Default)]
pub struct ValueInfo {
    /// Its name.
    pub name: String,
    /// The element type, when a tensor type is given.
    pub elem: Option<i32>,
    /// The declared shape, when given.
    pub shape: Option<Vec<Dim>>,
}

/// An attribute's value (the kinds the importer uses; the others are only named).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `i`.
    Int(i64),
    /// `f`.
    Float(f64),
    /// `ints`.
    Ints(Vec<i64>),
    /// `floats`.
    Floats(Vec<f64>),
    /// `s`.
    Str(String),
    /// `t`: the tensor's values, when small.
    Tensor(Box<TensorValue>),
    /// A kind the importer does not read (graphs, sparse tensors, type protos).
    Other,
}

/// A tensor attribute, as [`Tensor`] without its name.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorValue {
    /// `TensorProto.DataType`.
    pub dtype: i32,
    /// Dimensions.
    pub dims: Vec<i64>,
    /// Values when small.
    pub data: Option<Data>,
}

/// A node of the graph.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// Its name (may be empty).
    pub name: String,
    /// The operator.
    pub op_type: String,
    /// The operator's domain (empty for the default `ai.onnx`).
    pub domain: String,
    /// Input tensor names; an empty name is an absent optional input.
    pub inputs: Vec<String>,
    /// Output tensor names.
    pub outputs: Vec<String>,
    /// Attributes by name.
    pub attrs: Vec<(String, Value)>,
}

impl Node {
    /// The attribute of that name.
    pub fn attr(&self, name: &str) -> Option<&Value> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// Nodes of a graph that are decoded: the zoo's limit on layers ([`crate::ops::MAX_LAYERS`]).
/// A graph with more is refused by its count, once its nodes past the limit are skipped
/// unread (a 200,000-node file is refused in the time and memory of 100,000 small messages).
pub const MAX_NODES: usize = crate::ops::MAX_LAYERS;

/// The main graph.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Its name.
    pub name: String,
    /// Nodes as stored (not necessarily in order), the first [`MAX_NODES`] of them.
    pub nodes: Vec<Node>,
    /// How many nodes the file holds (more than `nodes` when over [`MAX_NODES`]).
    pub node_count: usize,
    /// Initializers.
    pub initializers: Vec<Tensor>,
    /// Graph inputs (data, and parameters when exported without weights).
    pub inputs: Vec<ValueInfo>,
    /// Graph outputs.
    pub outputs: Vec<ValueInfo>,
}

/// A model file.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// `ir_version`, 0 when absent.
    pub ir_version: i64,
    /// Operator sets imported: (domain, version).
    pub opsets: Vec<(String, i64)>,
    /// The producer's name and version.
    pub producer: String,
    /// The graph, when present.
    pub graph: Option<Graph>,
}

/// Decodes a model from `r`, which is positioned at its start.
pub fn model<R: BufRead + Seek>(r: &mut Reader<R>) -> Wire<Model> {
    let end = r.size();
    let mut m = Model::default();
    let mut producer_version = String::new();
    while let Some((f, w)) = r.field(end)? {
        match (f, w) {
            (1, WireType::Varint) => m.ir_version = r.varint(end)? as i64,
            (2, WireType::Len) => m.producer = r.string(end, "producer_name")?,
            (3, WireType::Len) => producer_version = r.string(end, "producer_version")?,
            (7, WireType::Len) => {
                let stop = r.len_end(end)?;
                m.graph = Some(graph(r, stop)?);
            }
            (8, WireType::Len) => {
                let stop = r.len_end(end)?;
                m.opsets.push(opset(r, stop)?);
            }
            _ => r.skip(w, end)?,
        }
    }
    if !producer_version.is_empty() {
        m.producer = format!("{} {producer_version}", m.producer);
    }
    Ok(m)
}

fn opset<R: BufRead + Seek>(r: &mut Reader<R>, end: u64) -> Wire<(String, i64)> {
    let (mut domain, mut version) = (String::new(), 0);
    while let Some((f, w)) = r.field(end)? {
        match (f, w) {
            (1, WireType::Len) => domain = r.string(end, "opset domain")?,
            (2, WireType::Varint) => version = r.varint(end)? as i64,
            _ => r.skip(w, end)?,
        }
    }
    Ok((domain, version))
}

fn graph<R: BufRead + Seek>(r: &mut Reader<R>, end: u64) -> Wire<Graph> {
    let mut g = Graph::default();
    while let Some((f, w)) = r.field(end)? {
        if w != WireType::Len {
            r.skip(w, end)?;
            continue;
        }
        match f {
            1 => {
                let stop = r.len_end(end)?;
                g.node_count += 1;
                if g.nodes.len() < MAX_NODES {
                    g.nodes.push(node(r, stop)?);
                } else {
                    r.skip_to(stop)?;
                }
            }
            2 => g.name = r.string(end, "graph name")?,
            5 => {
                let stop = r.len_end(end)?;
                g.initializers.push(tensor(r, stop)?);
            }
            11 | 12 => {
                let stop = r.len_end(end)?;
                let v = value_info(r, stop)?;
                if f == 11 {
                    g.inputs.push(v)
                } else {
                    g.outputs.push(v)
                }
            }
            _ => r.skip(w, end)?,
        }
    }
    Ok(g)
}

fn node<R: BufRead + Seek>(r: &mut Reader<R>, end: u64) -> Wire<Node> {
    let mut n = Node::default();
    while let Some((f, w)) = r.field(end)? {
        match (f, w) {
            (1, WireType::Len) => n.inputs.push(r.string(end, "node input")?),
            (2, WireType::Len) => n.outputs.push(r.string(end, "node output")?),
            (3, WireType::Len) => n.name = r.string(end, "node name")?,
            (4, WireType::Len) => n.op_type = r.string(end, "op_type")?,
            (7, WireType::Len) => n.domain = r.string(end, "node domain")?,
            (5, WireType::Len) => {
                let stop = r.len_end(end)?;
                n.attrs.push(attribute(r, stop)?);
            }
            _ => r.skip(w, end)?,
        }
    }
    Ok(n)
}

/// Values per repeated attribute or small tensor.
const MAX_VALUES: usize = 1 << 16;

fn attribute<R: BufRead + Seek>(r: &mut Reader<R>, end: u64) -> Wire<(String, Value)> {
    let mut name = String::new();
    let mut value = None;
    let mut ty = 0;
    let (mut ints, mut floats) = (Vec::new(), Vec::new());
    while let Some((f, w)) = r.field(end)? {
        match (f, w) {
            (1, WireType::Len) => name = r.string(end, "attribute name")?,
            (20, WireType::Varint) => ty = r.varint(end)?,
            (2, WireType::Fixed32) => {
                value = Some(Value::Float(f64::from(f32::from_bits(r.fixed32(end)?))))
            }
            (3, WireType::Varint) => value = Some(Value::Int(r.varint(end)? as i64)),
            (4, WireType::Len) => {
                let b = r.bytes(end, 1 << 16, "string attribute")?;
                value = Some(Value::Str(String::from_utf8_lossy(&b).into_owned()));
            }
            (5, WireType::Len) => {
                let stop = r.len_end(end)?;
                let t = tensor(r, stop)?;
                value = Some(Value::Tensor(Box::new(TensorValue {
                    dtype: t.dtype,
                    dims: t.dims,
                    data: t.data,
                })));
            }
            (7, _) => r.fixeds(w, end, MAX_VALUES, false, &mut floats)?,
            (8, _) => r.varints(w, end, MAX_VALUES, &mut ints)?,
            (6 | 9..=11 | 14 | 15 | 22 | 23, _) => {
                r.skip(w, end)?;
                value = Some(Value::Other);
            }
            _ => r.skip(w, end)?,
        }
    }
    let value = match value {
        Some(v) => v,
        None if !ints.is_empty() || ty == 7 => Value::Ints(ints),
        None if !floats.is_empty() || ty == 6 => Value::Floats(floats),
        None => Value::Other,
    };
    Ok((name, value))
}

fn value_info<R: BufRead + Seek>(r: &mut Reader<R>, end: u64) -> Wire<ValueInfo> {
    let mut v = ValueInfo::default();
    while let Some((f, w)) = r.field(end)? {
        match (f, w) {
            (1, WireType::Len) => v.name = r.string(end, "value name")?,
            (2, WireType::Len) => {
                // TypeProto: tensor_type = 1 { elem_type = 1, shape = 2 { dim = 1 } }.
                let stop = r.len_end(end)?;
                while let Some((f, w)) = r.field(stop)? {
                    if (f, w) != (1, WireType::Len) {
                        r.skip(w, stop)?;
                        continue;
                    }
                    let tstop = r.len_end(stop)?;
                    while let Some((f, w)) = r.field(tstop)? {
                        match (f, w) {
                            (1, WireType::Varint) => v.elem = Some(r.varint(tstop)? as i32),
                            (2, WireType::Len) => {
                                let sstop = r.len_end(tstop)?;
                                let mut dims = Vec::new();
                                while let Some((f, w)) = r.field(sstop)? {
                                    if (f, w) == (1, WireType::Len) {
                                        let dstop = r.len_end(sstop)?;
                                        dims.push(dim(r, dstop)?);
                                    } else {
                                        r.skip(w, sstop)?;
                                    }
                                }
                                v.shape = Some(dims);
                            }
                            _ => r.skip(w, tstop)?,
                        }
                    }
                }
            }
            _ => r.skip(w, end)?,
        }
    }
    Ok(v)
}

fn dim<R: BufRead + Seek>(r: &mut Reader<R>, end: u64) -> Wire<Dim> {
    let mut d = Dim::Unknown;
    while let Some((f, w)) = r.field(end)? {
        match (f, w) {
            (1, WireType::Varint) => d = Dim::Value(r.varint(end)? as i64),
            (2, WireType::Len) => d = Dim::Param(r.string(end, "dim_param")?),
            _ => r.skip(w, end)?,
        }
    }
    Ok(d)
}

/// The spread of a small float payload, read as `dtype` (`None` for other types).
fn spread_of_raw(dtype: i32, b: &[u8]) -> Option<Spread> {
    float_width(dtype)?;
    let mut sp = Spread::default();
    add_raw(&mut sp, dtype, b);
    Some(sp)
}

/// Bytes per element of the numeric types whose small payloads are decoded from `raw_data`.
fn width(dtype: i32) -> Option<(u64, bool)> {
    // (bytes, is float)
    match dtype {
        1 => Some((4, true)),
        11 => Some((8, true)),
        2 | 3 | 9 => Some((1, false)),
        4 | 5 => Some((2, false)),
        6 | 12 => Some((4, false)),
        7 | 13 => Some((8, false)),
        _ => None,
    }
}

fn tensor<R: BufRead + Seek>(r: &mut Reader<R>, end: u64) -> Wire<Tensor> {
    let mut t = Tensor::default();
    let (mut ints, mut floats) = (Vec::new(), Vec::new());
    let mut raw = None;
    while let Some((f, w)) = r.field(end)? {
        match (f, w) {
            (1, _) => r.varints(w, end, 64, &mut t.dims)?,
            (2, WireType::Varint) => t.dtype = r.varint(end)? as i32,
            (8, WireType::Len) => t.name = r.string(end, "tensor name")?,
            (9, WireType::Len) => {
                let stop = r.len_end(end)?;
                if stop - r.pos() <= SMALL_BYTES {
                    let b = r.read_to(stop)?;
                    t.spread = spread_of_raw(t.dtype, &b);
                    raw = Some(b);
                } else if float_width(t.dtype).is_some() {
                    // Serializers write the data type (field 2) before the payload (9); where
                    // one does not, the payload is skipped unread.
                    let mut sp = Spread::default();
                    r.pieces_to(stop, |b| add_raw(&mut sp, t.dtype, b))?;
                    t.spread = Some(sp);
                } else {
                    r.skip_to(stop)?;
                }
            }
            (4, _) => r.fixeds(w, end, MAX_VALUES, false, &mut floats)?,
            (10, _) => r.fixeds(w, end, MAX_VALUES, true, &mut floats)?,
            (5 | 7 | 11, _) => r.varints(w, end, MAX_VALUES, &mut ints)?,
            _ => r.skip(w, end)?,
        }
    }
    if t.spread.is_none() && float_width(t.dtype).is_some() && !floats.is_empty() {
        t.spread = Some(Spread::of(&floats));
    }
    let raw_bytes = raw.as_ref().map(|b| b.len() as u64);
    t.data = match (raw, width(t.dtype)) {
        (Some(b), Some((n, float))) => decode_raw(&b, n, float, t.dtype),
        (Some(_), None) => None,
        (None, Some((_, true))) if !floats.is_empty() => Some(Data::Float(floats)),
        (None, Some((_, false))) if !ints.is_empty() => Some(Data::Int(ints)),
        _ => None,
    };
    match unfilled(&t, raw_bytes) {
        Some(message) => Err(WireError {
            at: r.pos(),
            message,
        }),
        None => Ok(t),
    }
}

/// Why the values read for `t` (from `raw_bytes` of `raw_data`, when that is where they are)
/// do not fill its dimensions, when they do not: a damaged file, refused, for what reads the
/// values (`Gather`, `Expand`, `Slice`, folding) indexes them by the shape. Values that are
/// not read (too large, of a type not decoded, external) are not checked; nor are negative
/// dimensions, refused later by the tensor's name.
fn unfilled(t: &Tensor, raw_bytes: Option<u64>) -> Option<String> {
    let need = t.dims.iter().try_fold(1u64, |n, &d| {
        u64::try_from(d).ok().map(|d| n.saturating_mul(d))
    })?;
    let head = if t.name.is_empty() {
        format!("a tensor: its dimensions {:?} need {need} values", t.dims)
    } else {
        format!(
            "tensor `{}`: its dimensions {:?} need {need} values",
            t.name, t.dims
        )
    };
    match (raw_bytes, width(t.dtype), &t.data) {
        (Some(b), Some((w, _)), _) if b != need.saturating_mul(w) => {
            Some(format!("{head} of {w} bytes, its raw_data holds {b} bytes"))
        }
        (None, _, Some(d)) if d.len() as u64 != need => {
            Some(format!("{head}, it holds {}", d.len()))
        }
        _ => None,
    }
}

fn decode_raw(b: &[u8], width: u64, float: bool, dtype: i32) -> Option<Data> {
    if !(b.len() as u64).is_multiple_of(width) {
        return None;
    }
    let w = width as usize;
    let chunks = b.chunks_exact(w);
    Some(if float {
        Data::Float(
            chunks
                .map(|c| match w {
                    4 => f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                    _ => f64::from_le_bytes(c.try_into().unwrap_or([0; 8])),
                })
                .collect(),
        )
    } else {
        let signed = matches!(dtype, 3 | 5 | 6 | 7);
        Data::Int(
            chunks
                .map(|c| {
                    let mut x = [0u8; 8];
                    x[..w].copy_from_slice(c);
                    let u = u64::from_le_bytes(x);
                    let shift = 64 - 8 * w as u32;
                    if signed && shift > 0 {
                        ((u << shift) as i64) >> shift
                    } else {
                        u as i64
                    }
                })
                .collect(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    /// A `TensorProto` of float values in `raw_data`, its data type before the payload or
    /// after it.
    fn tensor_bytes(values: &[f32], dtype_first: bool) -> Vec<u8> {
        let mut t = Vec::new();
        varint(1 << 3, &mut t);
        varint(values.len() as u64, &mut t);
        let dtype = [2 << 3, 1];
        if dtype_first {
            t.extend_from_slice(&dtype);
        }
        varint((9 << 3) | 2, &mut t);
        varint(4 * values.len() as u64, &mut t);
        t.extend(values.iter().flat_map(|v| v.to_le_bytes()));
        if !dtype_first {
            t.extend_from_slice(&dtype);
        }
        t
    }

    /// A payload past 64 KiB streams through in pieces and still gives every value's
    /// spread; a small one is read whole; a data type written after it leaves it unread.
    #[test]
    fn float_payloads_give_their_spread() {
        for n in [20_000usize, 100] {
            let values: Vec<f32> = (0..n).map(|i| ((i % 7) as f32 - 3.0) * 0.5).collect();
            let bytes = tensor_bytes(&values, true);
            let len = bytes.len() as u64;
            let mut r = Reader::new(Cursor::new(bytes), len);
            let t = tensor(&mut r, len).unwrap();
            let sp = t.spread.unwrap();
            let want: f64 = values.iter().map(|&v| f64::from(v).powi(2)).sum();
            assert_eq!((sp.n, sp.max_abs), (n as u64, 1.5));
            assert!((sp.sum_sq - want).abs() < 1e-9, "{n}");
        }
        let values = vec![1.0f32; 20_000];
        let bytes = tensor_bytes(&values, false);
        let len = bytes.len() as u64;
        let t = tensor(&mut Reader::new(Cursor::new(bytes), len), len).unwrap();
        assert_eq!(t.spread, None);
    }
}
