//! Composite blocks that expand into primitive layers, so that large networks stay readable.
//! Each follows a reference implementation, cited on its spec; layer names follow that
//! implementation's module names where it has them.

use super::emit::{Common, Emitter, State};
use super::value::Int;
use crate::ops::*;
use serde::Deserialize;

fn spatial(e: &mut Emitter, given: &Option<super::value::Pair>, cin: u64) -> Option<[u64; 2]> {
    let hw = e.input_hw(given)?;
    if let (None, State::Spatial { c, .. }) = (given, e.state)
        && c != cin
    {
        e.problem(
            "in_channels",
            format!("{cin}, but the previous layer gives {c} channels"),
        );
        return None;
    }
    e.state = State::Spatial { c: cin, hw };
    Some(hw)
}

/// ResNet basic block (torchvision `BasicBlock`, He et al. 2016, arXiv 1512.03385):
/// conv3x3(stride) - BN - ReLU - conv3x3 - BN, plus a 1x1(stride) conv + BN shortcut when the
/// stride or the channel count changes; residual add; ReLU.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicBlockSpec {
    in_channels: Int,
    out_channels: Int,
    stride: Option<Int>,
    input_size: Option<super::value::Pair>,
}

impl BasicBlockSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, c: &Common) -> Option<()> {
        let cin = e.pos("in_channels", &self.in_channels);
        let cout = e.pos("out_channels", &self.out_channels);
        let s = e.opt_pos("stride", &self.stride, 1);
        let (cin, cout, s) = (cin?, cout?, s?);
        let hw = spatial(e, &self.input_size, cin)?;
        e.conv(format!("{name}.conv1"), cin, cout, 3, s, 1, 1, false, c)?;
        e.norm(format!("{name}.bn1"), NormKind::Batch, c);
        e.act(format!("{name}.relu1"), ActKind::Relu, c);
        e.conv(format!("{name}.conv2"), cout, cout, 3, 1, 1, 1, false, c)?;
        e.norm(format!("{name}.bn2"), NormKind::Batch, c);
        let out = e.state;
        if s != 1 || cin != cout {
            e.state = State::Spatial { c: cin, hw };
            e.conv(
                format!("{name}.downsample.0"),
                cin,
                cout,
                1,
                s,
                0,
                1,
                false,
                c,
            )?;
            e.norm(format!("{name}.downsample.1"), NormKind::Batch, c);
        }
        e.state = out;
        e.add(format!("{name}.add"), c);
        e.act(format!("{name}.relu2"), ActKind::Relu, c);
        Some(())
    }
}

/// ResNet bottleneck block, torchvision `Bottleneck` ("ResNet v1.5": the stride sits on the
/// 3x3 conv): conv1x1 - BN - ReLU - conv3x3(stride) - BN - ReLU - conv1x1 - BN, 1x1 projection
/// shortcut when stride or channels change, add, ReLU. `out_channels` defaults to `4 * width`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BottleneckSpec {
    in_channels: Int,
    width: Int,
    out_channels: Option<Int>,
    stride: Option<Int>,
    input_size: Option<super::value::Pair>,
}

impl BottleneckSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, c: &Common) -> Option<()> {
        let cin = e.pos("in_channels", &self.in_channels);
        let w = e.pos("width", &self.width);
        let s = e.opt_pos("stride", &self.stride, 1);
        let (cin, w, s) = (cin?, w?, s?);
        let cout = e.opt_pos("out_channels", &self.out_channels, w.saturating_mul(4))?;
        let hw = spatial(e, &self.input_size, cin)?;
        e.conv(format!("{name}.conv1"), cin, w, 1, 1, 0, 1, false, c)?;
        e.norm(format!("{name}.bn1"), NormKind::Batch, c);
        e.act(format!("{name}.relu1"), ActKind::Relu, c);
        e.conv(format!("{name}.conv2"), w, w, 3, s, 1, 1, false, c)?;
        e.norm(format!("{name}.bn2"), NormKind::Batch, c);
        e.act(format!("{name}.relu2"), ActKind::Relu, c);
        e.conv(format!("{name}.conv3"), w, cout, 1, 1, 0, 1, false, c)?;
        e.norm(format!("{name}.bn3"), NormKind::Batch, c);
        let out = e.state;
        if s != 1 || cin != cout {
            e.state = State::Spatial { c: cin, hw };
            e.conv(
                format!("{name}.downsample.0"),
                cin,
                cout,
                1,
                s,
                0,
                1,
                false,
                c,
            )?;
            e.norm(format!("{name}.downsample.1"), NormKind::Batch, c);
        }
        e.state = out;
        e.add(format!("{name}.add"), c);
        e.act(format!("{name}.relu3"), ActKind::Relu, c);
        Some(())
    }
}

/// `_make_divisible(v, 8)` of torchvision's MobileNet code: round to the nearest multiple of 8,
/// at least 8, never below 90% of `v`.
pub fn make_divisible(v: u64, divisor: u64) -> u64 {
    let mut new_v = divisor.max((v + divisor / 2) / divisor * divisor);
    if (new_v as f64) < 0.9 * v as f64 {
        new_v += divisor;
    }
    new_v
}

/// MobileNetV3 inverted residual (torchvision `InvertedResidual`, Howard et al. 2019,
/// arXiv 1905.02244): [1x1 expand, BN, act, when expand != in], depthwise kxk(stride), BN,
/// act, [squeeze-excitation: global avg pool, 1x1 conv exp->sq (+bias), ReLU, 1x1 conv sq->exp
/// (+bias), hardsigmoid, channel scale; sq = make_divisible(exp / 4, 8)], 1x1 project, BN;
/// residual add when stride 1 and in == out.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvertedResidualSpec {
    in_channels: Int,
    expand_channels: Int,
    out_channels: Int,
    kernel: Int,
    stride: Option<Int>,
    #[serde(default)]
    se: bool,
    /// `relu` or `hardswish`.
    act: String,
    input_size: Option<super::value::Pair>,
}

impl InvertedResidualSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, c: &Common) -> Option<()> {
        let cin = e.pos("in_channels", &self.in_channels);
        let exp = e.pos("expand_channels", &self.expand_channels);
        let cout = e.pos("out_channels", &self.out_channels);
        let k = e.pos("kernel", &self.kernel);
        let s = e.opt_pos("stride", &self.stride, 1);
        let act = match self.act.as_str() {
            "relu" => Some(ActKind::Relu),
            "hardswish" => Some(ActKind::Hardswish),
            other => {
                e.problem(
                    "act",
                    format!("unknown activation {other:?}; allowed: relu, hardswish"),
                );
                None
            }
        };
        let (cin, exp, cout, k, s, act) = (cin?, exp?, cout?, k?, s?, act?);
        if k % 2 == 0 {
            e.problem(
                "kernel",
                format!("{k} must be odd (padding is (kernel - 1) / 2)"),
            );
            return None;
        }
        spatial(e, &self.input_size, cin)?;
        if exp != cin {
            e.conv(format!("{name}.expand"), cin, exp, 1, 1, 0, 1, false, c)?;
            e.norm(format!("{name}.expand.bn"), NormKind::Batch, c);
            e.act(format!("{name}.expand.act"), act, c);
        }
        e.conv(
            format!("{name}.depthwise"),
            exp,
            exp,
            k,
            s,
            (k - 1) / 2,
            exp,
            false,
            c,
        )?;
        e.norm(format!("{name}.depthwise.bn"), NormKind::Batch, c);
        e.act(format!("{name}.depthwise.act"), act, c);
        if self.se {
            let dw = e.state;
            let State::Spatial { hw, .. } = dw else {
                return None;
            };
            let sq = make_divisible(exp / 4, 8);
            let pool = Pool {
                kind: PoolKind::Avg,
                channels: exp,
                input_size: hw,
                output_size: [1, 1],
                window: hw,
            };
            e.push(format!("{name}.se.avgpool"), Op::Pool(pool), c);
            e.state = State::Spatial { c: exp, hw: [1, 1] };
            e.conv(format!("{name}.se.fc1"), exp, sq, 1, 1, 0, 1, true, c)?;
            e.act(format!("{name}.se.relu"), ActKind::Relu, c);
            e.conv(format!("{name}.se.fc2"), sq, exp, 1, 1, 0, 1, true, c)?;
            e.act(format!("{name}.se.hardsigmoid"), ActKind::Hardsigmoid, c);
            e.state = dw;
            let elements = dw.elements()?;
            e.push(format!("{name}.se.scale"), Op::Scale(Scale { elements }), c);
        }
        e.conv(format!("{name}.project"), exp, cout, 1, 1, 0, 1, false, c)?;
        e.norm(format!("{name}.project.bn"), NormKind::Batch, c);
        if s == 1 && cin == cout {
            e.add(format!("{name}.add"), c);
        }
        Some(())
    }
}

/// DenseNet dense block (torchvision `_DenseBlock`, Huang et al. 2017, arXiv 1608.06993):
/// `layers` dense layers; layer i sees `in_channels + i * growth_rate` channels (the
/// concatenation of all earlier outputs) and runs BN - ReLU - conv1x1 (-> bn_size * growth) - BN -
/// ReLU - conv3x3 (-> growth). The block outputs `in_channels + layers * growth_rate` channels.
/// Layers are named `denselayer1..` as in torchvision.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenseBlockSpec {
    layers: Int,
    in_channels: Int,
    growth_rate: Int,
    bn_size: Option<Int>,
    input_size: Option<super::value::Pair>,
}

impl DenseBlockSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, c: &Common) -> Option<()> {
        let n = e.pos("layers", &self.layers);
        let cin = e.pos("in_channels", &self.in_channels);
        let g = e.pos("growth_rate", &self.growth_rate);
        let bn = e.opt_pos("bn_size", &self.bn_size, 4);
        let (n, cin, g, bn) = (n?, cin?, g?, bn?);
        let hw = spatial(e, &self.input_size, cin)?;
        for i in 0..n {
            if e.is_full() {
                return None;
            }
            let ch = cin.saturating_add(i.saturating_mul(g));
            let l = format!("{name}.denselayer{}", i + 1);
            e.state = State::Spatial { c: ch, hw };
            e.norm(format!("{l}.norm1"), NormKind::Batch, c);
            e.act(format!("{l}.relu1"), ActKind::Relu, c);
            e.conv(
                format!("{l}.conv1"),
                ch,
                bn.saturating_mul(g),
                1,
                1,
                0,
                1,
                false,
                c,
            )?;
            e.norm(format!("{l}.norm2"), NormKind::Batch, c);
            e.act(format!("{l}.relu2"), ActKind::Relu, c);
            e.conv(
                format!("{l}.conv2"),
                bn.saturating_mul(g),
                g,
                3,
                1,
                1,
                1,
                false,
                c,
            )?;
        }
        e.state = State::Spatial {
            c: cin.saturating_add(n.saturating_mul(g)),
            hw,
        };
        Some(())
    }
}

/// Transformer encoder/decoder layers, `layers` of them, on `tokens` tokens of width `hidden`
/// (Vaswani et al. 2017; pre-norm as in ViT, GPT-2 and CCT, the counts are the same for
/// post-norm BERT): LN, QKV projection (one fused `hidden x 3*hidden` matrix, or three),
/// per head `Q K^T` (dynamic), softmax over `tokens`, `P V` (dynamic), output projection, add,
/// LN, FFN up (`hidden x ffn`), activation, FFN down, add. Attention is full (non-causal):
/// a causal mask does not change the product's shape on hardware that cannot skip it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformerSpec {
    layers: Int,
    tokens: Int,
    hidden: Int,
    heads: Int,
    ffn: Int,
    #[serde(default = "yes")]
    qkv_bias: bool,
    #[serde(default = "yes")]
    proj_bias: bool,
    #[serde(default = "yes")]
    mlp_bias: bool,
    #[serde(default = "yes")]
    fused_qkv: bool,
    act: Option<String>,
    norm: Option<String>,
}

fn yes() -> bool {
    true
}

impl TransformerSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, c: &Common) -> Option<()> {
        let n = e.pos("layers", &self.layers);
        let t = e.pos("tokens", &self.tokens);
        let h = e.pos("hidden", &self.hidden);
        let heads = e.pos("heads", &self.heads);
        let ffn = e.pos("ffn", &self.ffn);
        let act = super::emit::act_kind(self.act.as_deref().unwrap_or("gelu"))
            .map_err(|m| e.problem("act", m))
            .ok();
        let norm = super::emit::norm_kind(self.norm.as_deref().unwrap_or("layer"))
            .map_err(|m| e.problem("norm", m))
            .ok();
        let (n, t, h, heads, ffn, act, norm) = (n?, t?, h?, heads?, ffn?, act?, norm?);
        if h % heads != 0 {
            e.problem("heads", format!("{heads} heads do not divide hidden = {h}"));
            return None;
        }
        let dh = h / heads;
        for i in 0..n {
            if e.is_full() {
                return None;
            }
            let l = format!("{name}.{i}");
            e.state = State::Flat {
                vectors: t,
                features: h,
            };
            e.norm(format!("{l}.ln1"), norm, c);
            if self.fused_qkv {
                e.linear(
                    format!("{l}.attn.qkv"),
                    h,
                    h.saturating_mul(3),
                    t,
                    self.qkv_bias,
                    c,
                );
            } else {
                for p in ["q", "k", "v"] {
                    e.linear(format!("{l}.attn.{p}"), h, h, t, self.qkv_bias, c);
                }
            }
            attention(e, &l, t, heads, dh, c);
            e.linear(format!("{l}.attn.proj"), h, h, t, self.proj_bias, c);
            e.add(format!("{l}.attn.add"), c);
            e.norm(format!("{l}.ln2"), norm, c);
            e.linear(format!("{l}.mlp.fc1"), h, ffn, t, self.mlp_bias, c);
            e.act(format!("{l}.mlp.act"), act, c);
            e.linear(format!("{l}.mlp.fc2"), ffn, h, t, self.mlp_bias, c);
            e.add(format!("{l}.mlp.add"), c);
        }
        Some(())
    }
}

/// Scaled dot-product attention over `heads` heads of width `dh`: `Q K^T`, softmax, `P V`.
fn attention(e: &mut Emitter, l: &str, t: u64, heads: u64, dh: u64, c: &Common) {
    e.push(
        format!("{l}.attn.qk"),
        Op::MatMul(MatMul {
            m: t,
            k: dh,
            n: t,
            batch: heads,
        }),
        c,
    );
    e.push(
        format!("{l}.attn.softmax"),
        Op::Softmax(Softmax {
            rows: heads.saturating_mul(t),
            length: t,
        }),
        c,
    );
    e.push(
        format!("{l}.attn.av"),
        Op::MatMul(MatMul {
            m: t,
            k: t,
            n: dh,
            batch: heads,
        }),
        c,
    );
    e.state = State::Flat {
        vectors: t,
        features: heads * dh,
    };
}

/// MobileBERT layers (Sun et al. 2020, arXiv 2004.02984; Hugging Face `MobileBertLayer` with
/// the `google/mobilebert-uncased` config: use_bottleneck, key_query_shared_bottleneck,
/// NoNorm, ReLU). Per layer on `tokens` tokens: input bottleneck `hidden -> bottleneck` (+NoNorm)
/// and the shared query/key bottleneck `hidden -> bottleneck` (+NoNorm); Q, K from the shared
/// bottleneck (`bottleneck x bottleneck`), V from the layer input (`hidden x bottleneck`);
/// attention with `heads` heads; output dense `bottleneck x bottleneck` + add + NoNorm;
/// `stacked_ffn - 1` extra FFNs (`bottleneck -> ffn -> bottleneck`, ReLU, add, NoNorm); the
/// intermediate `bottleneck -> ffn` (ReLU) and output `ffn -> bottleneck` (+add, NoNorm);
/// output bottleneck `bottleneck -> hidden` + add + NoNorm.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MobileBertSpec {
    layers: Int,
    tokens: Int,
    hidden: Int,
    bottleneck: Int,
    heads: Int,
    ffn: Int,
    stacked_ffn: Int,
}

impl MobileBertSpec {
    pub fn emit(&self, e: &mut Emitter, name: &str, c: &Common) -> Option<()> {
        let n = e.pos("layers", &self.layers);
        let t = e.pos("tokens", &self.tokens);
        let h = e.pos("hidden", &self.hidden);
        let b = e.pos("bottleneck", &self.bottleneck);
        let heads = e.pos("heads", &self.heads);
        let ffn = e.pos("ffn", &self.ffn);
        let stacked = e.pos("stacked_ffn", &self.stacked_ffn);
        let (n, t, h, b, heads, ffn, stacked) = (n?, t?, h?, b?, heads?, ffn?, stacked?);
        if b % heads != 0 {
            e.problem(
                "heads",
                format!("{heads} heads do not divide bottleneck = {b}"),
            );
            return None;
        }
        let nn = NormKind::NoNorm;
        for i in 0..n {
            if e.is_full() {
                return None;
            }
            let l = format!("{name}.{i}");
            e.linear(format!("{l}.bottleneck.input"), h, b, t, true, c);
            e.norm(format!("{l}.bottleneck.input.norm"), nn, c);
            e.linear(format!("{l}.bottleneck.attention"), h, b, t, true, c);
            e.norm(format!("{l}.bottleneck.attention.norm"), nn, c);
            e.linear(format!("{l}.attn.query"), b, b, t, true, c);
            e.linear(format!("{l}.attn.key"), b, b, t, true, c);
            e.linear(format!("{l}.attn.value"), h, b, t, true, c);
            attention(e, &l, t, heads, b / heads, c);
            e.linear(format!("{l}.attn.output"), b, b, t, true, c);
            e.add(format!("{l}.attn.add"), c);
            e.norm(format!("{l}.attn.norm"), nn, c);
            for f in 0..stacked - 1 {
                if e.is_full() {
                    return None;
                }
                e.linear(format!("{l}.ffn.{f}.intermediate"), b, ffn, t, true, c);
                e.act(format!("{l}.ffn.{f}.relu"), ActKind::Relu, c);
                e.linear(format!("{l}.ffn.{f}.output"), ffn, b, t, true, c);
                e.add(format!("{l}.ffn.{f}.add"), c);
                e.norm(format!("{l}.ffn.{f}.norm"), nn, c);
            }
            e.linear(format!("{l}.intermediate"), b, ffn, t, true, c);
            e.act(format!("{l}.intermediate.relu"), ActKind::Relu, c);
            e.linear(format!("{l}.output"), ffn, b, t, true, c);
            e.add(format!("{l}.output.add"), c);
            e.norm(format!("{l}.output.norm"), nn, c);
            e.linear(format!("{l}.output.bottleneck"), b, h, t, true, c);
            e.add(format!("{l}.output.bottleneck.add"), c);
            e.norm(format!("{l}.output.bottleneck.norm"), nn, c);
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::make_divisible;

    #[test]
    fn squeeze_channels_of_mobilenetv3() {
        // sq = make_divisible(exp // 4, 8): the SE widths listed in workloads.md section 4.
        for (exp, sq) in [
            (16, 8),
            (72, 24),
            (120, 32),
            (480, 120),
            (672, 168),
            (960, 240),
            (96, 24),
            (240, 64),
            (144, 40),
            (288, 72),
            (576, 144),
        ] {
            assert_eq!(make_divisible(exp / 4, 8), sq, "exp {exp}");
        }
    }
}
