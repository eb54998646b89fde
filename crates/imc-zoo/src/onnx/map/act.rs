//! Activations to `act` layers: [`Relu`](https://onnx.ai/onnx/operators/onnx__Relu.html),
//! [`Clip`](https://onnx.ai/onnx/operators/onnx__Clip.html) (ReLU6),
//! [`HardSwish`](https://onnx.ai/onnx/operators/onnx__HardSwish.html),
//! [`Gelu`](https://onnx.ai/onnx/operators/onnx__Gelu.html),
//! [`Sigmoid`](https://onnx.ai/onnx/operators/onnx__Sigmoid.html) and
//! [`HardSigmoid`](https://onnx.ai/onnx/operators/onnx__HardSigmoid.html) (a later `x * f(x)`
//! makes them SiLU and HardSwish, see `patterns`), and the
//! [`Erf`](https://onnx.ai/onnx/operators/onnx__Erf.html) or
//! [`Tanh`](https://onnx.ai/onnx/operators/onnx__Tanh.html) of a written-out GELU.

use super::{Step, Via, Walk, unmapped};
use crate::ops::{ActKind, Activation, Op};

/// Emits an activation of `kind` over the node's output; returns the layer's index.
fn act(w: &mut Walk, s: &Step<'_>, kind: ActKind) -> usize {
    w.push(
        s.n,
        s.index,
        Op::Activation(Activation {
            kind,
            elements: s.out.numel(),
        }),
    )
}

/// `Relu`, and `Clip` as ReLU6: a `relu`.
pub(super) fn relu(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    act(w, s, ActKind::Relu);
    Ok(())
}

/// `HardSwish`: a `hardswish`.
pub(super) fn hardswish(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    act(w, s, ActKind::Hardswish);
    Ok(())
}

/// `Gelu`: a `gelu`.
pub(super) fn gelu(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    act(w, s, ActKind::Gelu);
    Ok(())
}

/// `Sigmoid`, `HardSigmoid`: a `sigmoid` or `hardsigmoid`, tagged so that `x * f(x)` can turn
/// it into `silu` or `hardswish`.
pub(super) fn sigmoid(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    let kind = if s.n.op_type == "Sigmoid" {
        ActKind::Sigmoid
    } else {
        ActKind::Hardsigmoid
    };
    let i = act(w, s, kind);
    let r = w.root(&s.name(0));
    w.tag(s.n, Via::Sigmoid(r, i));
    Ok(())
}

/// `Erf`: the `gelu` of a GELU written out with it (`0.5 x (1 + erf(x / sqrt(2)))`); the
/// arithmetic after it is part of that GELU.
pub(super) fn erf(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    act(w, s, ActKind::Gelu);
    let r = w.root(&s.name(0));
    w.tag(s.n, Via::Gelu(r));
    Ok(())
}

/// `Tanh` of a polynomial of its root: the `gelu` of tanh-GELU,
/// `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`. Any other tanh is unmapped.
pub(super) fn tanh(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    match w.via.get(&s.name(0)) {
        Some(Via::Poly(r)) => {
            let r = r.clone();
            act(w, s, ActKind::Gelu);
            w.tag(s.n, Via::Gelu(r));
            Ok(())
        }
        _ => Err(unmapped(
            "outside a tanh-GELU; the zoo has no tanh activation",
        )),
    }
}
