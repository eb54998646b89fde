//! Element-wise operators (<https://onnx.ai/onnx/operators/>): those whose output has the
//! shape of their first input ([`SAME_SHAPE`](super::SAME_SHAPE): activations, normalizations,
//! `Dropout`, `Identity`), and those that broadcast their inputs
//! ([`ELEMENTWISE`](super::ELEMENTWISE): arithmetic, comparison, logic, `Where`, `Sqrt`, and
//! [`Not`](https://onnx.ai/onnx/operators/onnx__Not.html)) with
//! [NumPy broadcasting](https://onnx.ai/onnx/repo-docs/Broadcasting.html), folding known values.

use super::super::fold::{broadcast, fold};
use super::super::tensor::T;
use super::Ctx;

/// An operator of [`SAME_SHAPE`](super::SAME_SHAPE): the first input's shape, for every output;
/// `Identity` keeps the values.
pub(super) fn same_shape(c: &Ctx) -> Result<Vec<T>, String> {
    let t = c.input(0)?;
    let value = if c.op() == "Identity" {
        t.value.clone()
    } else {
        None
    };
    let mut out = c.one(t.shape.clone(), value)?;
    // Optional extra outputs (Dropout's mask, LayerNormalization's statistics) are
    // not used by inference graphs; give them the same shape.
    while out.len() < c.node.outputs.len() {
        out.push(out[0].clone());
    }
    Ok(out)
}

/// An operator of [`ELEMENTWISE`](super::ELEMENTWISE), or `Not`: the inputs' shapes
/// broadcast, values folded when known and small.
pub(super) fn broadcasting(c: &Ctx) -> Result<Vec<T>, String> {
    let ts = c.present();
    if ts.is_empty() {
        return Err(format!("{} without inputs", c.op()));
    }
    if c.op() == "Where" && ts.len() != 3 {
        return Err(format!(
            "Where needs 3 inputs (the condition, X and Y), it has {}",
            ts.len()
        ));
    }
    let shapes: Vec<&[u64]> = ts.iter().map(|t| t.shape.as_slice()).collect();
    let shape = broadcast(&shapes)?;
    let value = fold(c.op(), &ts, &shape);
    c.one(shape, value)
}
