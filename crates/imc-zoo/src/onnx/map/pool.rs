//! [`MaxPool`](https://onnx.ai/onnx/operators/onnx__MaxPool.html),
//! [`AveragePool`](https://onnx.ai/onnx/operators/onnx__AveragePool.html),
//! [`GlobalAveragePool`](https://onnx.ai/onnx/operators/onnx__GlobalAveragePool.html) and
//! [`GlobalMaxPool`](https://onnx.ai/onnx/operators/onnx__GlobalMaxPool.html) to `pool` layers,
//! 1-D and 2-D, with the batch folded into the channels.

use super::{Step, Walk, not_planar, plane};
use crate::onnx::spatial::pool_window;
use crate::onnx::tensor::T;
use crate::ops::{Op, Pool, PoolKind};

/// A pool over the whole feature map of `x` (`[N, C, H, W]` or `[N, C, L]`; batch folded
/// into channels), `None` for other ranks.
pub(super) fn global_pool(kind: PoolKind, x: &T) -> Option<Pool> {
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

/// The input and kind of a pool node (`Max` in its name: max, else average).
fn input_and_kind<'a>(s: &Step<'a>) -> Result<(&'a T, PoolKind), String> {
    let x = s.input(0).ok_or("no input")?;
    let kind = if s.n.op_type.contains("Max") {
        PoolKind::Max
    } else {
        PoolKind::Avg
    };
    Ok((x, kind))
}

/// `GlobalAveragePool`, `GlobalMaxPool`: a pool whose window is the whole feature map.
pub(super) fn global(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    let (x, kind) = input_and_kind(s)?;
    let op = global_pool(kind, x).ok_or_else(|| not_planar(x.shape.len()))?;
    w.push(s.n, s.index, Op::Pool(op));
    Ok(())
}

/// `MaxPool`, `AveragePool`: a pool of the node's window (`kernel_shape`, strides, pads).
pub(super) fn pool(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    let (x, kind) = input_and_kind(s)?;
    let two_d = match x.shape.len() {
        4 => true,
        3 => false,
        r => return Err(not_planar(r)),
    };
    let win = pool_window(s.n, x)?;
    let op = Pool {
        kind,
        channels: x.shape[0] * x.shape[1],
        input_size: plane(&x.shape[2..], two_d, 1),
        output_size: plane(&win.out, two_d, 1),
        window: plane(&win.kernel, two_d, 1),
    };
    w.push(s.n, s.index, Op::Pool(op));
    Ok(())
}
