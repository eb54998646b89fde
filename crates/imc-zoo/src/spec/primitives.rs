//! Specs of primitive layers as written in workload files, and their validation into operators.
//! Sizes that follow from the previous layer (`input_size`, `elements`, `features`, pool
//! `channels`) may be left out; when written they are checked against it where that is exact.

use super::emit::{Common, Emitter, State, act_kind, norm_kind};
use super::value::{Int, Pair};
use crate::ops::*;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conv2dSpec {
    in_channels: Int,
    out_channels: Int,
    kernel: Pair,
    stride: Option<Pair>,
    padding: Option<Pair>,
    dilation: Option<Pair>,
    groups: Option<Int>,
    input_size: Option<Pair>,
    output_size: Option<Pair>,
    #[serde(default)]
    bias: bool,
    /// Images per inference (default 1).
    batch: Option<Int>,
    /// Normalization emitted after the convolution as `<name>.norm`.
    norm: Option<String>,
    /// Activation emitted after the convolution (and norm) as `<name>.act`.
    act: Option<String>,
}

impl Conv2dSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, common: &Common) -> Option<()> {
        let conv = self.fields(e);
        let norm = self
            .norm
            .as_deref()
            .map(norm_kind)
            .transpose()
            .map_err(|m| e.problem("norm", m))
            .ok()?;
        let act = self
            .act
            .as_deref()
            .map(act_kind)
            .transpose()
            .map_err(|m| e.problem("act", m))
            .ok()?;
        let conv = conv?;
        let out = self.check(e, &conv)?;
        let cout = conv.out_channels;
        e.push(name.to_string(), Op::Conv2d(conv), common);
        e.state = State::Spatial { c: cout, hw: out };
        if let Some(kind) = norm {
            e.norm(format!("{name}.norm"), kind, common);
        }
        if let Some(kind) = act {
            e.act(format!("{name}.act"), kind, common);
        }
        Some(())
    }

    /// The convolution's fields, each checked (every problem reported before giving up).
    fn fields(&self, e: &mut Emitter) -> Option<Conv2d> {
        let cin = e.pos("in_channels", &self.in_channels);
        let cout = e.pos("out_channels", &self.out_channels);
        let kernel = e.pair_min("kernel", &self.kernel, 1);
        let stride = e.opt_pair("stride", &self.stride, 1, [1, 1]);
        let padding = e.opt_pair("padding", &self.padding, 0, [0, 0]);
        let dilation = e.opt_pair("dilation", &self.dilation, 1, [1, 1]);
        let groups = e.opt_pos("groups", &self.groups, 1);
        let input_size = e.input_hw(&self.input_size);
        let batch = e.opt_pos("batch", &self.batch, 1);
        Some(Conv2d {
            in_channels: cin?,
            out_channels: cout?,
            kernel: kernel?,
            stride: stride?,
            padding: padding?,
            dilation: dilation?,
            groups: groups?,
            input_size: input_size?,
            bias: self.bias,
            batch: batch?,
        })
    }

    /// The fields together: groups divide the channels, the channels follow the previous layer,
    /// the kernel fits, a given output size agrees. The output size.
    fn check(&self, e: &mut Emitter, conv: &Conv2d) -> Option<[u64; 2]> {
        let Conv2d {
            in_channels: cin,
            out_channels: cout,
            kernel,
            stride,
            padding,
            dilation,
            groups,
            input_size,
            ..
        } = *conv;
        if cin % groups != 0 || cout % groups != 0 {
            e.problem(
                "groups",
                format!("groups = {groups} must divide both in_channels ({cin}) and out_channels ({cout})"),
            );
            return None;
        }
        if let State::Spatial { c, .. } = e.state
            && self.input_size.is_none()
            && c != cin
        {
            e.problem(
                "in_channels",
                format!("{cin}, but the previous layer gives {c} channels"),
            );
        }
        let Some(out) = conv.output_size() else {
            e.problem(
                "kernel",
                format!(
                    "kernel {:?} with dilation {:?} does not fit the {}x{} input padded by {:?}",
                    kernel, dilation, input_size[0], input_size[1], padding
                ),
            );
            return None;
        };
        if let Some(given) = &self.output_size {
            let given = e.pair_min("output_size", given, 1)?;
            if given != out {
                e.problem(
                    "output_size",
                    format!(
                        "{}x{} is inconsistent: input {}x{}, kernel {:?}, stride {:?}, padding {:?}, dilation {:?} give {}x{}",
                        given[0], given[1], input_size[0], input_size[1], kernel, stride, padding, dilation, out[0], out[1]
                    ),
                );
                return None;
            }
        }
        Some(out)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinearSpec {
    in_features: Int,
    out_features: Int,
    tokens: Option<Int>,
    #[serde(default)]
    bias: bool,
    #[serde(default)]
    tied: bool,
    norm: Option<String>,
    act: Option<String>,
}

impl LinearSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, common: &Common) -> Option<()> {
        let inf = e.pos("in_features", &self.in_features);
        let outf = e.pos("out_features", &self.out_features);
        let tokens = e.opt_pos("tokens", &self.tokens, 1);
        let norm = self
            .norm
            .as_deref()
            .map(norm_kind)
            .transpose()
            .map_err(|m| e.problem("norm", m))
            .ok()?;
        let act = self
            .act
            .as_deref()
            .map(act_kind)
            .transpose()
            .map_err(|m| e.problem("act", m))
            .ok()?;
        let (inf, outf, tokens) = (inf?, outf?, tokens?);
        if let State::Spatial { c, hw } = e.state {
            // A classifier after a feature map flattens it.
            let flat = prod(&[c, hw[0], hw[1]]);
            if tokens == 1 && inf != flat {
                e.problem(
                    "in_features",
                    format!("{inf}, but the previous layer gives a {c}x{}x{} feature map ({flat} values when flattened)", hw[0], hw[1]),
                );
                return None;
            }
        }
        let op = Linear {
            in_features: inf,
            out_features: outf,
            tokens,
            bias: self.bias,
            tied: self.tied,
        };
        e.push(name.to_string(), Op::Linear(op), common);
        e.state = State::Flat {
            vectors: tokens,
            features: outf,
        };
        if let Some(kind) = norm {
            e.norm(format!("{name}.norm"), kind, common);
        }
        if let Some(kind) = act {
            e.act(format!("{name}.act"), kind, common);
        }
        Some(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatMulSpec {
    m: Int,
    k: Int,
    n: Int,
    batch: Option<Int>,
}

impl MatMulSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, common: &Common) -> Option<()> {
        let (m, k, n) = (
            e.pos("m", &self.m),
            e.pos("k", &self.k),
            e.pos("n", &self.n),
        );
        let batch = e.opt_pos("batch", &self.batch, 1);
        let op = MatMul {
            m: m?,
            k: k?,
            n: n?,
            batch: batch?,
        };
        e.state = State::Flat {
            vectors: op.batch.saturating_mul(op.m),
            features: op.n,
        };
        e.push(name.to_string(), Op::MatMul(op), common);
        Some(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoftmaxSpec {
    rows: Int,
    length: Int,
    /// Multiplies `rows` (attention: one set of rows per head).
    heads: Option<Int>,
}

impl SoftmaxSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, common: &Common) -> Option<()> {
        let rows = e.pos("rows", &self.rows);
        let length = e.pos("length", &self.length);
        let heads = e.opt_pos("heads", &self.heads, 1);
        let op = Softmax {
            rows: rows?.saturating_mul(heads?),
            length: length?,
        };
        e.state = State::Flat {
            vectors: op.rows,
            features: op.length,
        };
        e.push(name.to_string(), Op::Softmax(op), common);
        Some(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    /// `max`, `avg`, or `adaptive_avg` (which needs `output_size`).
    kind: String,
    channels: Option<Int>,
    kernel: Option<Pair>,
    stride: Option<Pair>,
    padding: Option<Pair>,
    input_size: Option<Pair>,
    output_size: Option<Pair>,
}

impl PoolSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, common: &Common) -> Option<()> {
        let channels = match (&self.channels, e.state) {
            (Some(c), _) => e.pos("channels", c),
            (None, State::Spatial { c, .. }) => Some(c),
            (None, _) => {
                e.shape_problem("channels", "missing: the previous layer does not give a feature map, so write channels = N");
                None
            }
        };
        let input = e.input_hw(&self.input_size);
        let (channels, input) = (channels?, input?);
        let (kind, output, window) = match self.kind.as_str() {
            "adaptive_avg" => self.adaptive(e, input)?,
            "max" | "avg" => self.windowed(e, input)?,
            other => {
                e.problem(
                    "kind",
                    format!("unknown pooling {other:?}; allowed: max, avg, adaptive_avg"),
                );
                return None;
            }
        };
        e.push(
            name.to_string(),
            Op::Pool(Pool {
                kind,
                channels,
                input_size: input,
                output_size: output,
                window,
            }),
            common,
        );
        e.state = State::Spatial {
            c: channels,
            hw: output,
        };
        Some(())
    }

    /// `adaptive_avg`: (kind, output size, window) from `output_size`.
    fn adaptive(&self, e: &mut Emitter, input: [u64; 2]) -> Option<(PoolKind, [u64; 2], [u64; 2])> {
        let Some(out) = &self.output_size else {
            e.problem(
                "output_size",
                "missing: adaptive_avg pooling needs output_size = N or [h, w]",
            );
            return None;
        };
        if self.kernel.is_some() || self.stride.is_some() || self.padding.is_some() {
            e.problem(
                "kernel",
                "adaptive_avg pooling takes output_size only, not kernel, stride or padding",
            );
            return None;
        }
        let out = e.pair_min("output_size", out, 1)?;
        if out[0] > input[0] || out[1] > input[1] {
            e.problem(
                "output_size",
                format!("{out:?} is larger than the input {input:?}"),
            );
            return None;
        }
        let window = [input[0].div_ceil(out[0]), input[1].div_ceil(out[1])];
        Some((PoolKind::Avg, out, window))
    }

    /// `max` or `avg`: (kind, output size, window) from kernel, stride and padding.
    fn windowed(&self, e: &mut Emitter, input: [u64; 2]) -> Option<(PoolKind, [u64; 2], [u64; 2])> {
        let Some(kernel) = &self.kernel else {
            e.problem(
                "kernel",
                format!("missing: {} pooling needs kernel = N or [h, w]", self.kind),
            );
            return None;
        };
        let kernel = e.pair_min("kernel", kernel, 1)?;
        let stride = e.opt_pair("stride", &self.stride, 1, kernel)?;
        let padding = e.opt_pair("padding", &self.padding, 0, [0, 0])?;
        if padding[0].saturating_mul(2) > kernel[0] || padding[1].saturating_mul(2) > kernel[1] {
            e.problem(
                "padding",
                format!("{padding:?} is more than half the kernel {kernel:?} (PyTorch rejects it)"),
            );
            return None;
        }
        let out = [
            Conv2d::axis_output(input[0], kernel[0], stride[0], padding[0], 1),
            Conv2d::axis_output(input[1], kernel[1], stride[1], padding[1], 1),
        ];
        let [Some(oh), Some(ow)] = out else {
            e.problem(
                "kernel",
                format!("kernel {kernel:?} does not fit the input {input:?} padded by {padding:?}"),
            );
            return None;
        };
        if let Some(given) = &self.output_size {
            let given = e.pair_min("output_size", given, 1)?;
            if given != [oh, ow] {
                e.problem("output_size", format!("{given:?} is inconsistent with input {input:?}, kernel {kernel:?}, stride {stride:?}, padding {padding:?}, which give [{oh}, {ow}]"));
                return None;
            }
        }
        let kind = if self.kind == "max" {
            PoolKind::Max
        } else {
            PoolKind::Avg
        };
        Some((kind, [oh, ow], kernel))
    }
}

/// `add`: element-wise sum of `inputs` tensors (default 2).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddSpec {
    elements: Option<Int>,
    inputs: Option<Int>,
}

impl AddSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, common: &Common) -> Option<()> {
        let elements = e.elements(&self.elements);
        let inputs = match &self.inputs {
            Some(v) => e.int_min("inputs", v, 2),
            None => Some(2),
        };
        e.push(
            name.to_string(),
            Op::Add(Add {
                elements: elements?,
                inputs: inputs?,
            }),
            common,
        );
        Some(())
    }
}

/// `scale`: element-wise product with a per-channel factor.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleSpec {
    elements: Option<Int>,
}

impl ScaleSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, common: &Common) -> Option<()> {
        let elements = e.elements(&self.elements)?;
        e.push(name.to_string(), Op::Scale(Scale { elements }), common);
        Some(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NormSpec {
    kind: String,
    features: Option<Int>,
    elements: Option<Int>,
}

impl NormSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, common: &Common) -> Option<()> {
        let kind = norm_kind(&self.kind).map_err(|m| e.problem("kind", m)).ok();
        let features = e.features("features", &self.features);
        let elements = e.elements(&self.elements);
        e.push(
            name.to_string(),
            Op::Norm(Norm {
                kind: kind?,
                features: features?,
                elements: elements?,
            }),
            common,
        );
        Some(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActSpec {
    kind: String,
    elements: Option<Int>,
}

impl ActSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, common: &Common) -> Option<()> {
        let kind = act_kind(&self.kind).map_err(|m| e.problem("kind", m)).ok();
        let elements = e.elements(&self.elements);
        e.push(
            name.to_string(),
            Op::Activation(Activation {
                kind: kind?,
                elements: elements?,
            }),
            common,
        );
        Some(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbeddingSpec {
    entries: Int,
    dim: Int,
    lookups: Option<Int>,
}

impl EmbeddingSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, common: &Common) -> Option<()> {
        let entries = e.pos("entries", &self.entries);
        let dim = e.pos("dim", &self.dim);
        let lookups = e.opt_pos("lookups", &self.lookups, 1);
        let op = Embedding {
            entries: entries?,
            dim: dim?,
            lookups: lookups?,
        };
        e.state = State::Flat {
            vectors: op.lookups,
            features: op.dim,
        };
        e.push(name.to_string(), Op::Embedding(op), common);
        Some(())
    }
}
