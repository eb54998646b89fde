//! Reductions (<https://onnx.ai/onnx/operators/>):
//! [`ReduceMean`](https://onnx.ai/onnx/operators/onnx__ReduceMean.html), and the axes any
//! reduction reduces ([`reduce_axes`]).

use super::super::proto::Node;
use super::super::tensor::{Attrs, T, axis};
use super::{Ctx, const_ints};

/// `ReduceMean`: the input's shape with the reduced axes set to 1 (`keepdims`, the default)
/// or removed.
pub(super) fn reduce_mean(c: &Ctx) -> Result<Vec<T>, String> {
    let t = c.input(0)?;
    let axes = reduce_axes(c.node, c.ins, c.opset, t.shape.len())?;
    let keep = c.attrs.int("keepdims", 1) != 0;
    let shape = t
        .shape
        .iter()
        .enumerate()
        .filter_map(|(k, &d)| match (axes.contains(&k), keep) {
            (false, _) => Some(d),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect();
    c.one(shape, None)
}

/// The axes a reduction reduces, sorted: from the `axes` attribute (before opset 18) or input
/// (from 18); all of them when none are given (unless `noop_with_empty_axes`).
pub fn reduce_axes(
    node: &Node,
    ins: &[Option<&T>],
    opset: i64,
    rank: usize,
) -> Result<Vec<usize>, String> {
    let given = if opset >= 18 {
        const_ints(ins, 1, node, "the axes")?
    } else {
        Attrs(node).ints("axes")
    };
    let mut axes = match given {
        Some(v) if !v.is_empty() => v
            .iter()
            .map(|&k| axis(k, rank))
            .collect::<Result<Vec<_>, _>>()?,
        _ if Attrs(node).int("noop_with_empty_axes", 0) != 0 => Vec::new(),
        _ => (0..rank).collect(),
    };
    axes.sort_unstable();
    axes.dedup();
    Ok(axes)
}
