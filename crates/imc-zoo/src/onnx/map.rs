//! ONNX nodes to the zoo's layers, walked in execution order.
//!
//! A node whose inputs are all parameters or constants computes on weights or shapes only: it
//! is folded, never costed. A node on the data becomes at most one layer:
//!
//! | ONNX | layer |
//! |---|---|
//! | `Conv` (1-D, 2-D; groups, dilations, pads, `auto_pad`) | `conv2d` |
//! | `Gemm`, `MatMul` with one parameter operand | `linear`, tokens = the other operand's leading dimensions |
//! | `Gemm`, `MatMul` of two activations | `matmul` (dynamic, as attention's) |
//! | `Gather` of a parameter table by data indices | `embedding` |
//! | `BatchNormalization`, `LayerNormalization` | `norm` |
//! | `Relu`, `Clip`, `Sigmoid`, `HardSigmoid`, `HardSwish`, `Gelu`, `Erf` | `act` (`Clip` = ReLU6; `Erf` = GELU) |
//! | `MaxPool`, `AveragePool`, `GlobalAveragePool`, `GlobalMaxPool` | `pool` (batch folded into channels) |
//! | `Add`, `Sub` of two activations | `add` |
//! | `Mul` of two activations, or by a per-channel parameter | `scale` |
//! | `Softmax` | `softmax` |
//!
//! Fused patterns cost as their layer alone: a parameter added right after a `Gemm`/`MatMul`/
//! `Conv` is its bias; GELU written out (`x / sqrt(2)`, `Erf`, `+ 1`, `* x`, `* 0.5`) is the one
//! `gelu`, and so is tanh-GELU (`x + 0.044715 x^3`, `Tanh`, ...); `x * Sigmoid(x)` turns the
//! sigmoid into `silu` and `x * HardSigmoid(x)` into `hardswish`; LayerNorm written out
//! (`ReduceMean`, `Sub`, `Pow`, `ReduceMean`, `Add`, `Sqrt`, `Div`) and RMSNorm (`Pow`,
//! `ReduceMean`, `Add`, `Sqrt`, `Reciprocal`, `Mul`) are one `norm`, and a `ReduceMean` over a
//! feature map's spatial axes is a global average `pool`. Arithmetic with a scalar constant
//! (attention's `1 / sqrt(d)`) and data movement (`Reshape`, `Transpose`, `Flatten`,
//! `Identity`, `Squeeze`, `Unsqueeze`, `Slice`, `Gather` by constant indices, `Concat`,
//! `Split`, `Pad`, `Expand`, `Dropout`, `Cast`) cost nothing.
//!
//! Each operator family has its mapper in a module of its own, found through one table from
//! operator to mapper (`ON_DATA`, as tract-onnx registers one builder per operator):
//! `conv`, `matmul` (`Gemm`, `MatMul`), `embedding` (`Gather`), `norm`, `act`, `pool`,
//! `softmax`, and `patterns` (point-wise arithmetic and the fused patterns). Operator
//! semantics: <https://onnx.ai/onnx/operators/>.

use super::infer::{infer, knows};
use super::proto::Node;
use super::spread::Spread;
use super::tensor::T;
use crate::data::DataStats;
use crate::layer::Layer;
use crate::ops::Op;
use crate::precision::Precision;
use std::collections::{BTreeMap, HashMap, HashSet};

mod act;
mod conv;
mod embedding;
mod matmul;
mod norm;
mod patterns;
mod pool;
mod softmax;

/// How a data tensor was made, for the fused patterns. Every tag but `Weighted` names a root:
/// the tensor this one is a point-wise function of.
#[derive(Debug, Clone)]
enum Via {
    /// The output of layer `i` (a linear or conv) with no bias yet.
    Weighted(usize),
    /// Point-wise arithmetic on the root.
    Affine(String),
    /// Point-wise arithmetic on the root with a power in it (`x^3` of tanh-GELU, `x^2` of RMSNorm).
    Poly(String),
    /// Part of a written-out GELU of the root (after its `Erf` or `Tanh`).
    Gelu(String),
    /// The sigmoid or hard sigmoid of the root, emitted as layer `i`.
    Sigmoid(String, usize),
    /// Part of a written-out LayerNorm or RMSNorm of the root (after its first `ReduceMean`).
    Norm(String),
}

impl Via {
    /// Tags that mark a pattern in progress (kept through point-wise steps).
    fn special(&self) -> bool {
        matches!(self, Via::Gelu(_) | Via::Sigmoid(..) | Via::Norm(_))
    }
}

/// Maps one node on the data to its layer (or to nothing), or says why it cannot.
type Mapper = fn(&mut Walk, &Step<'_>) -> Result<(), String>;

/// Operators that may take the data, each with its mapper: the ones the table above maps, and
/// the free ones ([`free`]). A node on the data whose operator is not here is unsupported.
const ON_DATA: [(&str, Mapper); 43] = [
    ("Conv", conv::conv),
    ("Gemm", matmul::matmul),
    ("MatMul", matmul::matmul),
    ("Gather", embedding::gather),
    ("BatchNormalization", norm::batch),
    ("LayerNormalization", norm::layer),
    ("Relu", act::relu),
    ("Clip", act::relu),
    ("Sigmoid", act::sigmoid),
    ("HardSigmoid", act::sigmoid),
    ("HardSwish", act::hardswish),
    ("Gelu", act::gelu),
    ("Erf", act::erf),
    ("MaxPool", pool::pool),
    ("AveragePool", pool::pool),
    ("GlobalAveragePool", pool::global),
    ("GlobalMaxPool", pool::global),
    ("Add", patterns::arith),
    ("Sub", patterns::arith),
    ("Mul", patterns::arith),
    ("Div", patterns::arith),
    ("Softmax", softmax::softmax),
    ("Reshape", free),
    ("Transpose", free),
    ("Flatten", free),
    ("Identity", free),
    ("Squeeze", free),
    ("Unsqueeze", free),
    ("Slice", free),
    ("Concat", free),
    ("Split", free),
    ("Pad", free),
    ("Expand", free),
    ("Dropout", free),
    ("Cast", free),
    ("Shape", free),
    ("Size", free),
    ("Tile", free),
    ("Pow", patterns::arith),
    ("Sqrt", patterns::norm_step),
    ("Reciprocal", patterns::norm_step),
    ("Tanh", act::tanh),
    ("ReduceMean", patterns::reduce_mean),
];

/// The mapper of an operator that may take the data, `None` for any other.
fn mapper(op: &str) -> Option<Mapper> {
    ON_DATA.iter().find(|(o, _)| *o == op).map(|&(_, f)| f)
}

/// Data movement and shape reading (`Reshape`, `Transpose`, `Concat`, `Shape`, ...): no layer,
/// and no pattern tag (a moved tensor starts afresh).
fn free(_: &mut Walk, _: &Step<'_>) -> Result<(), String> {
    Ok(())
}

/// One node on the data, as a mapper sees it.
struct Step<'a> {
    /// The node.
    n: &'a Node,
    /// Its place in the graph (names layers of unnamed nodes).
    index: usize,
    /// Its inputs, `None` where absent.
    ins: &'a [Option<&'a T>],
    /// Its first output.
    out: &'a T,
}

impl<'a> Step<'a> {
    /// Input `k`, when present.
    fn input(&self, k: usize) -> Option<&'a T> {
        self.ins.get(k).copied().flatten()
    }

    /// The name of input `k` (empty when absent).
    fn name(&self, k: usize) -> String {
        self.n.inputs.get(k).cloned().unwrap_or_default()
    }
}

/// The zoo's two spatial sizes from a 1-D or 2-D window operator's per-axis values `v`: both
/// for 2-D, `fill` then the one for 1-D (a line is a plane of height 1).
fn plane(v: &[u64], two_d: bool, fill: u64) -> [u64; 2] {
    if two_d { [v[0], v[1]] } else { [fill, v[0]] }
}

/// Why a window operator over a rank-`r` input is unmapped.
fn not_planar(r: usize) -> String {
    unmapped(&format!("rank-{r} input; 1-D and 2-D are mapped"))
}

/// An operator the importer could not map, with how often and where it first occurs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// The operator (with its domain when not the default).
    pub op: String,
    /// Nodes of it.
    pub count: usize,
    /// The first node's name.
    pub first: String,
}

/// Marks an error as a node the table above does not map (recorded as unsupported, skippable),
/// rather than a broken graph.
const UNMAPPED: &str = "\u{0}unmapped: ";

fn unmapped(what: &str) -> String {
    format!("{UNMAPPED}{what}")
}

/// The walk's state.
pub struct Walk {
    /// Every tensor so far.
    pub tensors: HashMap<String, T>,
    via: HashMap<String, Via>,
    /// Layers emitted.
    pub layers: Vec<Layer>,
    names: HashSet<String>,
    /// Unsupported operators by name.
    pub unsupported: BTreeMap<String, Unsupported>,
    opset: i64,
    /// The (minuend, subtrahend) of every `Sub`: `x - mean(x)` tells a LayerNorm's mean.
    subtracts: HashSet<(String, String)>,
    /// How the initializers' values spread, by name, where the file holds them: a weight
    /// layer reading one states its `weight_crest` ([`crate::onnx::spread`]).
    pub spreads: HashMap<String, Spread>,
}

/// The name of a node for messages.
pub fn label(n: &Node) -> String {
    if n.name.is_empty() {
        format!(
            "{} -> {}",
            n.op_type,
            n.outputs.first().map_or("?", String::as_str)
        )
    } else {
        n.name.clone()
    }
}

impl Walk {
    /// A walk starting from the initializers and graph inputs.
    pub fn new(tensors: HashMap<String, T>, opset: i64, nodes: &[Node]) -> Walk {
        let mut subtracts = HashSet::new();
        for n in nodes
            .iter()
            .filter(|n| n.op_type == "Sub" && n.inputs.len() == 2)
        {
            subtracts.insert((n.inputs[0].clone(), n.inputs[1].clone()));
        }
        Walk {
            tensors,
            subtracts,
            via: HashMap::new(),
            layers: Vec::new(),
            names: HashSet::new(),
            unsupported: BTreeMap::new(),
            opset,
            spreads: HashMap::new(),
        }
    }

    /// Walks one node: infers its outputs and emits its layer. An error names what is wrong.
    pub fn node(&mut self, n: &Node, index: usize) -> Result<(), String> {
        let ins: Vec<Option<T>> = n
            .inputs
            .iter()
            .map(|i| {
                if i.is_empty() {
                    None
                } else {
                    self.tensors.get(i).cloned()
                }
            })
            .collect();
        let refs: Vec<Option<&T>> = ins.iter().map(Option::as_ref).collect();
        let on_data = refs.iter().flatten().any(|t| t.data);
        let op = n.op_type.as_str();
        let default_domain = n.domain.is_empty() || n.domain == "ai.onnx";
        let mapper = mapper(op);
        let supported = default_domain && knows(op) && (!on_data || mapper.is_some());
        let outs = if supported {
            infer(n, &refs, self.opset)?
        } else {
            let key = if default_domain {
                op.to_string()
            } else {
                format!("{}.{op}", n.domain)
            };
            self.note(n, key);
            // Costed as nothing: the output takes the first input's shape.
            let like = refs
                .iter()
                .flatten()
                .next()
                .map(|t| T::of(t.shape.clone(), on_data))
                .unwrap_or(T::of(vec![], false));
            vec![like; n.outputs.len()]
        };
        if outs.len() < n.outputs.iter().filter(|o| !o.is_empty()).count() {
            return Err(format!(
                "{op} gives {} outputs, the node names {}",
                outs.len(),
                n.outputs.len()
            ));
        }
        if supported
            && on_data
            && let Some(map) = mapper
            && let Err(e) = map(
                self,
                &Step {
                    n,
                    index,
                    ins: &refs,
                    out: &outs[0],
                },
            )
        {
            let Some(what) = e.strip_prefix(UNMAPPED) else {
                return Err(e);
            };
            self.note(n, format!("{op} ({what})"));
        }
        for (name, t) in n.outputs.iter().zip(outs) {
            if !name.is_empty() {
                self.tensors.insert(name.clone(), t);
            }
        }
        Ok(())
    }

    /// Records `n` as unsupported under `key` (its operator, and why when it is a case of one).
    fn note(&mut self, n: &Node, key: String) {
        let u = self.unsupported.entry(key.clone()).or_insert(Unsupported {
            op: key,
            count: 0,
            first: label(n),
        });
        u.count += 1;
    }

    /// Emits `op` as the layer of `n`, named after the node (`<op>_<index>` when it has no name;
    /// `.1`, `.2`, ... added to a name already taken), and returns its index.
    fn push(&mut self, n: &Node, index: usize, op: Op) -> usize {
        let base = n.name.trim_start_matches('/');
        let base = if base.is_empty() {
            format!("{}_{index}", n.op_type)
        } else {
            base.replace(char::is_whitespace, "_")
        };
        let mut name = base.clone();
        let mut k = 1;
        while !self.names.insert(name.clone()) {
            name = format!("{base}.{k}");
            k += 1;
        }
        let data = self.weight_data(n, &op);
        self.layers.push(Layer {
            name,
            op,
            precision: Precision::default(),
            spiking: None,
            data,
        });
        self.layers.len() - 1
    }

    /// The data statistics of a weight layer `op` of node `n`: its `weight_crest`, from the
    /// input initializer that holds exactly its weights, where the file has their values.
    fn weight_data(&self, n: &Node, op: &Op) -> DataStats {
        let crest = op
            .has_static_weights()
            .then(|| {
                n.inputs
                    .iter()
                    .filter_map(|i| self.spreads.get(i))
                    .find(|s| s.n == op.weights())?
                    .crest()
            })
            .flatten();
        DataStats {
            weight_crest: crest,
            ..DataStats::default()
        }
    }

    /// The tensor that `name` is a point-wise function of (`name` itself when untagged).
    fn root(&self, name: &str) -> String {
        match self.via.get(name) {
            Some(
                Via::Affine(r) | Via::Poly(r) | Via::Gelu(r) | Via::Sigmoid(r, _) | Via::Norm(r),
            ) => r.clone(),
            _ => name.to_string(),
        }
    }

    /// Records how the first output of `n` was made.
    fn tag(&mut self, n: &Node, via: Via) {
        if let Some(o) = n.outputs.first() {
            self.via.insert(o.clone(), via);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::proto::Value;

    /// The table names each operator once, and shape inference knows every one of them (a
    /// mapper is only reached after its node's outputs are inferred).
    #[test]
    fn the_table_is_one_mapper_per_known_operator() {
        let ops: HashSet<&str> = ON_DATA.iter().map(|(o, _)| *o).collect();
        assert_eq!(ops.len(), ON_DATA.len());
        assert!(ops.iter().all(|op| knows(op)), "{ops:?}");
        assert!(mapper("Einsum").is_none());
    }

    /// Pads `[0, 0, 1, 1]` (only after) give 7 from 8 with a 3x3 kernel, which no symmetric padding
    /// gives: the padding goes into the input size and the MACs stay exact.
    #[test]
    fn asymmetric_pads_keep_the_output_size() {
        let mut tensors = HashMap::new();
        tensors.insert("x".to_string(), T::of(vec![1, 2, 8, 8], true));
        tensors.insert("w".to_string(), T::of(vec![4, 2, 3, 3], false));
        let node = Node {
            name: "c".into(),
            op_type: "Conv".into(),
            inputs: vec!["x".into(), "w".into()],
            outputs: vec!["y".into()],
            attrs: vec![("pads".into(), Value::Ints(vec![0, 0, 1, 1]))],
            ..Node::default()
        };
        let mut walk = Walk::new(tensors, 17, std::slice::from_ref(&node));
        walk.node(&node, 0).unwrap();
        assert_eq!(walk.tensors["y"].shape, vec![1, 4, 7, 7]);
        let Op::Conv2d(c) = &walk.layers[0].op else {
            panic!("{:?}", walk.layers)
        };
        assert_eq!(c.output_size(), Some([7, 7]));
        assert_eq!(c.macs(), 4 * 2 * 9 * 49);
    }
}
