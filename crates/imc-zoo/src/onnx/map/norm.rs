//! [`BatchNormalization`](https://onnx.ai/onnx/operators/onnx__BatchNormalization.html) and
//! [`LayerNormalization`](https://onnx.ai/onnx/operators/onnx__LayerNormalization.html) to
//! `norm` layers. Norms written out of primitives (LayerNorm, RMSNorm) are in `patterns`.

use super::{Step, Walk};
use crate::onnx::tensor::{Attrs, axis};
use crate::ops::{Norm, NormKind, Op};

/// Emits a `norm` of `kind` over `features` (the node's output is its elements).
fn norm(w: &mut Walk, s: &Step<'_>, kind: NormKind, features: u64) {
    w.push(
        s.n,
        s.index,
        Op::Norm(Norm {
            kind,
            features,
            elements: s.out.numel(),
        }),
    );
}

/// `BatchNormalization`: a batch `norm` over the channels (axis 1).
pub(super) fn batch(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    let x = s.input(0).ok_or("no input")?;
    let features = *x
        .shape
        .get(1)
        .ok_or("BatchNormalization of a rank-1 input")?;
    norm(w, s, NormKind::Batch, features);
    Ok(())
}

/// `LayerNormalization`: a layer `norm` over the axes from `axis` (default -1) on.
pub(super) fn layer(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    let x = s.input(0).ok_or("no input")?;
    let k = axis(Attrs(s.n).int("axis", -1), x.shape.len())?;
    let features = x.shape[k..].iter().product();
    norm(w, s, NormKind::Layer, features);
    Ok(())
}
