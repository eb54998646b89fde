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

use super::infer::{infer, knows};
use super::proto::Node;
use super::spatial::{conv_window, pool_window};
use super::tensor::{Attrs, T, axis};
use crate::layer::Layer;
use crate::ops::*;
use crate::precision::Precision;
use std::collections::{BTreeMap, HashMap, HashSet};

mod patterns;

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

/// Operators that may take the data: the ones the table above maps, and the free ones.
const ON_DATA: [&str; 43] = [
    "Conv",
    "Gemm",
    "MatMul",
    "Gather",
    "BatchNormalization",
    "LayerNormalization",
    "Relu",
    "Clip",
    "Sigmoid",
    "HardSigmoid",
    "HardSwish",
    "Gelu",
    "Erf",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "GlobalMaxPool",
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Softmax",
    "Reshape",
    "Transpose",
    "Flatten",
    "Identity",
    "Squeeze",
    "Unsqueeze",
    "Slice",
    "Concat",
    "Split",
    "Pad",
    "Expand",
    "Dropout",
    "Cast",
    "Shape",
    "Size",
    "Tile",
    "Pow",
    "Sqrt",
    "Reciprocal",
    "Tanh",
    "ReduceMean",
];

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
}

/// A pool over the whole feature map of `x` (`[N, C, H, W]` or `[N, C, L]`; batch folded
/// into channels), `None` for other ranks.
fn global_pool(kind: PoolKind, x: &T) -> Option<Pool> {
    let hw = match x.shape[..] {
        [_, _, h, w] => [h, w],
        [_, _, l] => [1, l],
        _ => return None,
    };
    Some(Pool {
        kind,
        channels: x.shape[0] * x.shape[1],
        input_size: hw,
        output_size: [1, 1],
        window: hw,
    })
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
        let supported = default_domain && knows(op) && (!on_data || ON_DATA.contains(&op));
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
            && let Err(e) = self.map(n, index, &refs, &outs[0])
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
        self.layers.push(Layer {
            name,
            op,
            precision: Precision::default(),
            spiking: None,
        });
        self.layers.len() - 1
    }

    fn root(&self, name: &str) -> String {
        match self.via.get(name) {
            Some(
                Via::Affine(r) | Via::Poly(r) | Via::Gelu(r) | Via::Sigmoid(r, _) | Via::Norm(r),
            ) => r.clone(),
            _ => name.to_string(),
        }
    }

    fn tag(&mut self, n: &Node, via: Via) {
        if let Some(o) = n.outputs.first() {
            self.via.insert(o.clone(), via);
        }
    }

    fn act(&mut self, n: &Node, index: usize, kind: ActKind, out: &T) -> usize {
        self.push(
            n,
            index,
            Op::Activation(Activation {
                kind,
                elements: out.numel(),
            }),
        )
    }

    /// Emits the layer of a node on the data.
    fn map(&mut self, n: &Node, index: usize, ins: &[Option<&T>], out: &T) -> Result<(), String> {
        let a = Attrs(n);
        let x = ins.first().copied().flatten();
        let name = |k: usize| n.inputs.get(k).cloned().unwrap_or_default();
        match n.op_type.as_str() {
            "Conv" => {
                let (x, w) = (
                    x.ok_or("Conv without input")?,
                    ins.get(1).copied().flatten().ok_or("Conv without weight")?,
                );
                if w.data {
                    return Err(unmapped("a weight computed from the data"));
                }
                let win = conv_window(n, x, w)?;
                let (input, kernel, stride, dilation, begin, end, outs) = match x.shape.len() {
                    4 => (
                        [x.shape[2], x.shape[3]],
                        [win.kernel[0], win.kernel[1]],
                        [win.stride[0], win.stride[1]],
                        [win.dilation[0], win.dilation[1]],
                        [win.begin[0], win.begin[1]],
                        [win.end[0], win.end[1]],
                        [win.out[0], win.out[1]],
                    ),
                    3 => (
                        [1, x.shape[2]],
                        [1, win.kernel[0]],
                        [1, win.stride[0]],
                        [1, win.dilation[0]],
                        [0, win.begin[0]],
                        [0, win.end[0]],
                        [1, win.out[0]],
                    ),
                    r => return Err(unmapped(&format!("rank-{r} input; 1-D and 2-D are mapped"))),
                };
                // The zoo pads symmetrically: half the total padding, rounded either way, when that
                // gives ONNX's output size; else the padding is folded into the input size (exact
                // MACs and crossbar vectors; the padded zeros count as input activations).
                let (mut padding, mut input) = ([0u64; 2], input);
                for i in 0..2 {
                    let total = begin[i] + end[i];
                    let fits = |p: u64| {
                        Conv2d::axis_output(input[i], kernel[i], stride[i], p, dilation[i])
                            == Some(outs[i])
                    };
                    match [total / 2, total.div_ceil(2)]
                        .into_iter()
                        .find(|&p| fits(p))
                    {
                        Some(p) => padding[i] = p,
                        None => input[i] += total,
                    }
                }
                let conv = Conv2d {
                    in_channels: x.shape[1],
                    out_channels: w.shape[0],
                    kernel,
                    stride,
                    padding,
                    dilation,
                    groups: a.int("group", 1) as u64,
                    input_size: input,
                    bias: ins.get(2).copied().flatten().is_some(),
                    batch: x.shape[0],
                };
                let bias = conv.bias;
                let i = self.push(n, index, Op::Conv2d(conv));
                if !bias {
                    self.tag(n, Via::Weighted(i));
                }
            }
            "Gemm" | "MatMul" => {
                let (p, q) = (
                    x.ok_or("no input A")?,
                    ins.get(1).copied().flatten().ok_or("no input B")?,
                );
                let gemm = n.op_type == "Gemm";
                let (ta, tb) = (
                    gemm && a.int("transA", 0) != 0,
                    gemm && a.int("transB", 0) != 0,
                );
                let last2 = |s: &[u64], t: bool| -> (u64, u64) {
                    let (r, c) = match s.len() {
                        0 => (1, 1),
                        1 => (1, s[0]),
                        l => (s[l - 2], s[l - 1]),
                    };
                    if t { (c, r) } else { (r, c) }
                };
                let (m, k) = last2(&p.shape, ta);
                let (k2, nn) = if q.shape.len() == 1 {
                    (q.shape[0], 1)
                } else {
                    last2(&q.shape, tb)
                };
                debug_assert_eq!(k, k2);
                let bias = gemm && ins.get(2).copied().flatten().is_some();
                if p.data && q.data {
                    let batch = out.numel() / (m * nn).max(1);
                    self.push(n, index, Op::MatMul(MatMul { m, k, n: nn, batch }));
                } else {
                    let (weight, inf, outf) = if q.data { (p, k, m) } else { (q, k2, nn) };
                    if weight.numel() != inf * outf {
                        return Err(unmapped("a batched weight"));
                    }
                    let tokens = out.numel() / outf.max(1);
                    let i = self.push(
                        n,
                        index,
                        Op::Linear(Linear {
                            in_features: inf,
                            out_features: outf,
                            tokens,
                            bias,
                            tied: false,
                        }),
                    );
                    if !bias {
                        self.tag(n, Via::Weighted(i));
                    }
                }
            }
            "Gather" => {
                let (table, idx) = (
                    x.ok_or("Gather without data")?,
                    ins.get(1)
                        .copied()
                        .flatten()
                        .ok_or("Gather without indices")?,
                );
                if !table.data && idx.data && table.shape.len() == 2 && a.int("axis", 0) == 0 {
                    let op = Embedding {
                        entries: table.shape[0],
                        dim: table.shape[1],
                        lookups: idx.numel(),
                    };
                    self.push(n, index, Op::Embedding(op));
                } else if table.data && idx.data {
                    return Err(unmapped("indices and table both from the data"));
                }
            }
            "BatchNormalization" => {
                let x = x.ok_or("no input")?;
                let features = *x
                    .shape
                    .get(1)
                    .ok_or("BatchNormalization of a rank-1 input")?;
                self.push(
                    n,
                    index,
                    Op::Norm(Norm {
                        kind: NormKind::Batch,
                        features,
                        elements: out.numel(),
                    }),
                );
            }
            "LayerNormalization" => {
                let x = x.ok_or("no input")?;
                let k = axis(a.int("axis", -1), x.shape.len())?;
                let features = x.shape[k..].iter().product();
                self.push(
                    n,
                    index,
                    Op::Norm(Norm {
                        kind: NormKind::Layer,
                        features,
                        elements: out.numel(),
                    }),
                );
            }
            "Relu" | "Clip" => drop(self.act(n, index, ActKind::Relu, out)),
            "HardSwish" => drop(self.act(n, index, ActKind::Hardswish, out)),
            "Gelu" => drop(self.act(n, index, ActKind::Gelu, out)),
            "Sigmoid" | "HardSigmoid" => {
                let kind = if n.op_type == "Sigmoid" {
                    ActKind::Sigmoid
                } else {
                    ActKind::Hardsigmoid
                };
                let i = self.act(n, index, kind, out);
                let r = self.root(&name(0));
                self.tag(n, Via::Sigmoid(r, i));
            }
            "Erf" => {
                self.act(n, index, ActKind::Gelu, out);
                let r = self.root(&name(0));
                self.tag(n, Via::Gelu(r));
            }
            "Tanh" => match self.via.get(&name(0)) {
                // tanh-GELU: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
                Some(Via::Poly(r)) => {
                    let r = r.clone();
                    self.act(n, index, ActKind::Gelu, out);
                    self.tag(n, Via::Gelu(r));
                }
                _ => {
                    return Err(unmapped(
                        "outside a tanh-GELU; the zoo has no tanh activation",
                    ));
                }
            },
            "Sqrt" | "Reciprocal" => match self.via.get(&name(0)) {
                Some(v @ Via::Norm(_)) => {
                    let v = v.clone();
                    self.tag(n, v);
                }
                _ => return Err(unmapped("outside a written-out normalization")),
            },
            "ReduceMean" => self.reduce_mean(n, index, ins)?,
            "MaxPool" | "AveragePool" | "GlobalAveragePool" | "GlobalMaxPool" => {
                let x = x.ok_or("no input")?;
                let kind = if n.op_type.contains("Max") {
                    PoolKind::Max
                } else {
                    PoolKind::Avg
                };
                if n.op_type.starts_with("Global") {
                    let op = global_pool(kind, x).ok_or_else(|| {
                        unmapped(&format!(
                            "rank-{} input; 1-D and 2-D are mapped",
                            x.shape.len()
                        ))
                    })?;
                    self.push(n, index, Op::Pool(op));
                    return Ok(());
                }
                let (hw, outs, window) = match x.shape.len() {
                    4 => {
                        let w = pool_window(n, x)?;
                        (
                            [x.shape[2], x.shape[3]],
                            [w.out[0], w.out[1]],
                            [w.kernel[0], w.kernel[1]],
                        )
                    }
                    3 => {
                        let w = pool_window(n, x)?;
                        ([1, x.shape[2]], [1, w.out[0]], [1, w.kernel[0]])
                    }
                    r => {
                        return Err(unmapped(&format!("rank-{r} input; 1-D and 2-D are mapped")));
                    }
                };
                let op = Pool {
                    kind,
                    channels: x.shape[0] * x.shape[1],
                    input_size: hw,
                    output_size: outs,
                    window,
                };
                self.push(n, index, Op::Pool(op));
            }
            "Softmax" => {
                let x = x.ok_or("no input")?;
                let r = x.shape.len();
                let default = if self.opset >= 13 { -1 } else { 1 };
                let k = axis(a.int("axis", default), r)?;
                let length = if self.opset >= 13 {
                    x.shape[k]
                } else {
                    x.shape[k..].iter().product()
                };
                let rows = x.numel() / length.max(1);
                self.push(n, index, Op::Softmax(Softmax { rows, length }));
            }
            "Add" | "Sub" | "Mul" | "Div" | "Pow" => self.arith(n, index, ins, out)?,
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::proto::Value;

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
