//! [`Softmax`](https://onnx.ai/onnx/operators/onnx__Softmax.html) to a `softmax` layer.

use super::{Step, Walk};
use crate::onnx::tensor::{Attrs, axis};
use crate::ops::{Op, Softmax};

/// `Softmax`: rows of `length`. From opset 13 it normalizes along `axis` alone (default -1);
/// before, over the input flattened at `axis` (default 1) into rows of the trailing axes.
pub(super) fn softmax(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    let x = s.input(0).ok_or("no input")?;
    let r = x.shape.len();
    let default = if w.opset >= 13 { -1 } else { 1 };
    let k = axis(Attrs(s.n).int("axis", default), r)?;
    let length = if w.opset >= 13 {
        x.shape[k]
    } else {
        x.shape[k..].iter().product()
    };
    let rows = x.numel() / length.max(1);
    w.push(s.n, s.index, Op::Softmax(Softmax { rows, length }));
    Ok(())
}
