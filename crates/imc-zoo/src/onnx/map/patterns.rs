//! The fused patterns of point-wise arithmetic: biases, residual adds and products, and the
//! activations and norms that exporters write out of primitives (GELU with `Erf` or `Tanh`,
//! SiLU, HardSwish, LayerNorm, RMSNorm). A point-wise function of one tensor costs as the
//! pattern it builds; see the table in [`super`]. Operators:
//! [`Add`](https://onnx.ai/onnx/operators/onnx__Add.html),
//! [`Sub`](https://onnx.ai/onnx/operators/onnx__Sub.html),
//! [`Mul`](https://onnx.ai/onnx/operators/onnx__Mul.html),
//! [`Div`](https://onnx.ai/onnx/operators/onnx__Div.html),
//! [`Pow`](https://onnx.ai/onnx/operators/onnx__Pow.html),
//! [`Sqrt`](https://onnx.ai/onnx/operators/onnx__Sqrt.html),
//! [`Reciprocal`](https://onnx.ai/onnx/operators/onnx__Reciprocal.html) and
//! [`ReduceMean`](https://onnx.ai/onnx/operators/onnx__ReduceMean.html).

use super::{Step, Via, Walk, unmapped};
use crate::onnx::tensor::T;
use crate::ops::*;

/// `Add`, `Sub`, `Mul`, `Div`, `Pow`: residuals, biases, scales and the fused patterns.
pub(super) fn arith(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    let (p, q) = match (s.input(0), s.input(1)) {
        (Some(p), Some(q)) => (p, q),
        _ => return Err(format!("{} needs two inputs", s.n.op_type)),
    };
    if p.data && q.data {
        of_two_activations(w, s)
    } else {
        with_a_parameter(w, s, p, q)
    }
}

/// Arithmetic on two activations: a step of a pattern when one is the root of the other
/// (`x * f(x)`) or both share one, else a residual `add` (`Add`, `Sub`) or a `scale` (`Mul`);
/// a `Div` or `Pow` of two different activations is unmapped.
fn of_two_activations(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    let (pn, qn) = (&s.n.inputs[0], &s.n.inputs[1]);
    let (rp, rq) = (w.root(pn), w.root(qn));
    if rp == rq || *pn == rq || *qn == rp {
        let root = if *pn == rq {
            pn.clone()
        } else if *qn == rp {
            qn.clone()
        } else {
            rp
        };
        of_one_tensor(w, s, root);
        return Ok(());
    }
    let elements = s.out.numel();
    let op = match s.n.op_type.as_str() {
        "Add" | "Sub" => Op::Add(Add {
            elements,
            inputs: 2,
        }),
        "Mul" => Op::Scale(Scale { elements }),
        _ => return Err(unmapped("of two different activations")),
    };
    w.push(s.n, s.index, op);
    Ok(())
}

/// A point-wise function of one tensor, `root`: part of the activation or norm it builds. A
/// sigmoid times its own input becomes SiLU (a hard sigmoid, HardSwish).
fn of_one_tensor(w: &mut Walk, s: &Step<'_>, root: String) {
    let tags = [
        w.via.get(&s.n.inputs[0]).cloned(),
        w.via.get(&s.n.inputs[1]).cloned(),
    ];
    for v in &tags {
        if let (Some(Via::Sigmoid(_, i)), "Mul") = (v, s.n.op_type.as_str())
            && let Op::Activation(act) = &mut w.layers[*i].op
        {
            act.kind = match act.kind {
                ActKind::Hardsigmoid => ActKind::Hardswish,
                _ => ActKind::Silu,
            };
        }
    }
    // A norm in progress wins: its Div/Mul by a finished GELU's output stays the norm's.
    let next = (tags.iter().flatten().find(|v| matches!(v, Via::Norm(_))))
        .or_else(|| tags.iter().flatten().find(|v| v.special()))
        .cloned();
    let poly = tags.iter().flatten().any(|v| matches!(v, Via::Poly(_)));
    w.tag(
        s.n,
        next.unwrap_or(if poly {
            Via::Poly(root)
        } else {
            Via::Affine(root)
        }),
    );
}

/// Arithmetic of an activation with a parameter or constant `c`: the bias of the linear or conv
/// before it, a `scale` by a per-channel parameter, or a point-wise step (by a scalar, or inside
/// a norm) that costs nothing and carries the pattern on.
fn with_a_parameter(w: &mut Walk, s: &Step<'_>, p: &T, q: &T) -> Result<(), String> {
    let op = s.n.op_type.as_str();
    if op == "Pow" && !p.data {
        return Err(unmapped("with a computed exponent"));
    }
    let (dn, c) = if p.data {
        (&s.n.inputs[0], q)
    } else {
        (&s.n.inputs[1], p)
    };
    let via = w.via.get(dn).cloned();
    if let (Some(Via::Weighted(i)), "Add" | "Sub") = (&via, op)
        && takes_bias(w, *i, c)
    {
        return Ok(());
    }
    let in_norm = matches!(via, Some(Via::Norm(_)));
    if matches!(op, "Mul" | "Div") && c.numel() > 1 && !in_norm {
        w.push(
            s.n,
            s.index,
            Op::Scale(Scale {
                elements: s.out.numel(),
            }),
        );
        return Ok(());
    }
    let next = match via {
        // A power of a finished activation starts a new pattern (the RMSNorm after a GELU).
        Some(Via::Gelu(_) | Via::Sigmoid(..)) if op == "Pow" => Via::Poly(dn.clone()),
        Some(v) if v.special() => v,
        Some(Via::Poly(r)) => Via::Poly(r),
        _ if op == "Pow" => Via::Poly(w.root(dn)),
        _ => Via::Affine(w.root(dn)),
    };
    w.tag(s.n, next);
    Ok(())
}

/// Whether `c`, added to the output of layer `i` (a linear or conv without bias), is its bias:
/// one value per output feature or channel. If so the layer now has one.
fn takes_bias(w: &mut Walk, i: usize, c: &T) -> bool {
    match &mut w.layers[i].op {
        Op::Linear(l) if c.numel() == l.out_features => {
            l.bias = true;
            true
        }
        Op::Conv2d(conv) if c.numel() == conv.out_channels => {
            conv.bias = true;
            true
        }
        _ => false,
    }
}

/// `Sqrt`, `Reciprocal`: a step of a written-out LayerNorm or RMSNorm (`sqrt(var + eps)`, its
/// reciprocal), costing nothing. Anywhere else they are unmapped.
pub(super) fn norm_step(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    match w.via.get(&s.name(0)) {
        Some(v @ Via::Norm(_)) => {
            let v = v.clone();
            w.tag(s.n, v);
            Ok(())
        }
        _ => Err(unmapped("outside a written-out normalization")),
    }
}

/// `ReduceMean` over the last axes starts a written-out LayerNorm (a mean that some `Sub`
/// takes from its input) or RMSNorm (the mean of a square); over the spatial axes of a feature
/// map it is a global average pool. Any other mean is unmapped.
pub(super) fn reduce_mean(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    let n = s.n;
    let x = s.input(0).ok_or("ReduceMean without input")?;
    let name = &n.inputs[0];
    let via = w.via.get(name).cloned();
    if let Some(v @ Via::Norm(_)) = via {
        // The variance's mean inside a LayerNorm already emitted.
        w.tag(n, v);
        return Ok(());
    }
    let r = x.shape.len();
    let axes = crate::onnx::infer::reduce_axes(n, s.ins, w.opset, r)?;
    let trailing = !axes.is_empty()
        && axes
            .iter()
            .enumerate()
            .all(|(k, &a)| a == r - axes.len() + k);
    let poly = matches!(via, Some(Via::Poly(_)));
    let centred = n
        .outputs
        .first()
        .is_some_and(|o| w.subtracts.contains(&(name.clone(), o.clone())));
    if trailing && (poly || centred) {
        let features = axes.iter().map(|&a| x.shape[a]).product();
        let kind = if poly { NormKind::Rms } else { NormKind::Layer };
        w.push(
            n,
            s.index,
            Op::Norm(Norm {
                kind,
                features,
                elements: x.numel(),
            }),
        );
        let root = w.root(name);
        w.tag(n, Via::Norm(root));
        return Ok(());
    }
    if r == 4
        && axes == [2, 3]
        && let Some(op) = super::pool::global_pool(PoolKind::Avg, x)
    {
        w.push(n, s.index, Op::Pool(op));
        return Ok(());
    }
    Err(unmapped(
        "neither a LayerNorm's or RMSNorm's mean nor a global average pool",
    ))
}
