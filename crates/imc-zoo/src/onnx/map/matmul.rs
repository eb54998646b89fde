//! [`Gemm`](https://onnx.ai/onnx/operators/onnx__Gemm.html) and
//! [`MatMul`](https://onnx.ai/onnx/operators/onnx__MatMul.html): with one parameter operand a
//! `linear` layer (tokens = the other operand's leading dimensions), of two activations a
//! dynamic `matmul` (as attention's).

use super::{Step, Via, Walk, unmapped};
use crate::onnx::tensor::{Attrs, T};
use crate::ops::{Linear, MatMul, Op};

/// The (rows, columns) of the matrices in `shape` (its last two axes; a vector is one row),
/// swapped when `transposed`.
fn matrix(shape: &[u64], transposed: bool) -> (u64, u64) {
    let (r, c) = match shape.len() {
        0 => (1, 1),
        1 => (1, shape[0]),
        l => (shape[l - 2], shape[l - 1]),
    };
    if transposed { (c, r) } else { (r, c) }
}

/// `A B` (`Gemm` with `transA`, `transB` and its bias `C`; `MatMul` with broadcast batches): a
/// `matmul` of two activations, else a `linear` by the parameter operand.
pub(super) fn matmul(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    let (p, q) = (
        s.input(0).ok_or("no input A")?,
        s.input(1).ok_or("no input B")?,
    );
    let a = Attrs(s.n);
    let gemm = s.n.op_type == "Gemm";
    let (ta, tb) = (
        gemm && a.int("transA", 0) != 0,
        gemm && a.int("transB", 0) != 0,
    );
    let (m, k) = matrix(&p.shape, ta);
    let (k2, nn) = if q.shape.len() == 1 {
        (q.shape[0], 1)
    } else {
        matrix(&q.shape, tb)
    };
    debug_assert_eq!(k, k2);
    let bias = gemm && s.input(2).is_some();
    if p.data && q.data {
        let batch = s.out.numel() / (m * nn).max(1);
        w.push(s.n, s.index, Op::MatMul(MatMul { m, k, n: nn, batch }));
        return Ok(());
    }
    let (weight, inf, outf) = if q.data { (p, k, m) } else { (q, k2, nn) };
    linear(w, s, weight, [inf, outf], bias)
}

/// A `linear` layer of `features` = [in, out] by `weight`, tagged as weighted until a bias
/// follows when it has none. A weight with more values than one matrix is unmapped.
fn linear(
    w: &mut Walk,
    s: &Step<'_>,
    weight: &T,
    [inf, outf]: [u64; 2],
    bias: bool,
) -> Result<(), String> {
    if weight.numel() != inf * outf {
        return Err(unmapped("a batched weight"));
    }
    let tokens = s.out.numel() / outf.max(1);
    let i = w.push(
        s.n,
        s.index,
        Op::Linear(Linear {
            in_features: inf,
            out_features: outf,
            tokens,
            bias,
            tied: false,
        }),
    );
    if !bias {
        w.tag(s.n, Via::Weighted(i));
    }
    Ok(())
}
