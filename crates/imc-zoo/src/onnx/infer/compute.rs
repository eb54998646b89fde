//! The operators that compute on the data (<https://onnx.ai/onnx/operators/>):
//! [`Conv`](https://onnx.ai/onnx/operators/onnx__Conv.html),
//! [`MaxPool`](https://onnx.ai/onnx/operators/onnx__MaxPool.html) and
//! [`AveragePool`](https://onnx.ai/onnx/operators/onnx__AveragePool.html) (their geometry in
//! [`spatial`](super::super::spatial)),
//! [`GlobalAveragePool`](https://onnx.ai/onnx/operators/onnx__GlobalAveragePool.html) and
//! [`GlobalMaxPool`](https://onnx.ai/onnx/operators/onnx__GlobalMaxPool.html),
//! [`Gemm`](https://onnx.ai/onnx/operators/onnx__Gemm.html) and
//! [`MatMul`](https://onnx.ai/onnx/operators/onnx__MatMul.html). Their values are never folded.

use super::super::fold::broadcast;
use super::super::spatial;
use super::super::tensor::T;
use super::Ctx;

/// `Conv`: from the data (input 0) and the kernel (input 1).
pub(super) fn conv(c: &Ctx) -> Result<Vec<T>, String> {
    spatial::conv_shape(c.node, windowed(c)?, c.input(1)?).and_then(|s| c.one(s, None))
}

/// `MaxPool` and `AveragePool`.
pub(super) fn pool(c: &Ctx) -> Result<Vec<T>, String> {
    spatial::pool_shape(c.node, windowed(c)?).and_then(|s| c.one(s, None))
}

/// Input 0 of a `Conv` or pool, refused when `auto_pad` is `SAME_UPPER` or `SAME_LOWER` and a
/// spatial axis (after N and C) is empty: the padding of those is worked out from one output
/// at least.
fn windowed<'a>(c: &Ctx<'a>) -> Result<&'a T, String> {
    let x = c.input(0)?;
    let auto = c.attrs.str("auto_pad", "NOTSET");
    if auto.starts_with("SAME_") && x.shape.iter().skip(2).any(|&d| d == 0) {
        return Err(format!(
            "{} with auto_pad {auto} of input {:?}, which has an empty spatial axis",
            c.op(),
            x.shape
        ));
    }
    Ok(x)
}

/// `GlobalAveragePool` and `GlobalMaxPool`: every spatial dimension (after N and C) becomes 1.
pub(super) fn global_pool(c: &Ctx) -> Result<Vec<T>, String> {
    let t = c.input(0)?;
    let mut s = t.shape.clone();
    s.iter_mut().skip(2).for_each(|d| *d = 1);
    c.one(s, None)
}

/// `Gemm`: two 2-D inputs, each transposed when `transA`/`transB` says so.
pub(super) fn gemm(c: &Ctx) -> Result<Vec<T>, String> {
    let (p, q) = (c.input(0)?, c.input(1)?);
    if p.shape.len() != 2 || q.shape.len() != 2 {
        return Err(format!(
            "Gemm of shapes {:?} and {:?} (both must be 2-D)",
            p.shape, q.shape
        ));
    }
    let (m, k) = if c.attrs.int("transA", 0) != 0 {
        (p.shape[1], p.shape[0])
    } else {
        (p.shape[0], p.shape[1])
    };
    let (k2, n) = if c.attrs.int("transB", 0) != 0 {
        (q.shape[1], q.shape[0])
    } else {
        (q.shape[0], q.shape[1])
    };
    if k != k2 {
        return Err(format!(
            "Gemm of {:?} and {:?}: inner sizes {k} and {k2} differ",
            p.shape, q.shape
        ));
    }
    c.one(vec![m, n], None)
}

/// `MatMul`: see [`matmul_shape`].
pub(super) fn matmul(c: &Ctx) -> Result<Vec<T>, String> {
    let (p, q) = (c.input(0)?, c.input(1)?);
    c.one(matmul_shape(&p.shape, &q.shape)?, None)
}

/// Output shape of `MatMul` (NumPy `matmul` semantics).
pub fn matmul_shape(p: &[u64], q: &[u64]) -> Result<Vec<u64>, String> {
    if p.is_empty() || q.is_empty() {
        return Err("MatMul of a scalar".into());
    }
    let (pm, pk) = if p.len() == 1 {
        (None, p[0])
    } else {
        (Some(p[p.len() - 2]), p[p.len() - 1])
    };
    let (qk, qn) = if q.len() == 1 {
        (q[0], None)
    } else {
        (q[q.len() - 2], Some(q[q.len() - 1]))
    };
    if pk != qk {
        return Err(format!(
            "MatMul of {p:?} and {q:?}: inner sizes {pk} and {qk} differ"
        ));
    }
    let pb = &p[..p.len().saturating_sub(2)];
    let qb = &q[..q.len().saturating_sub(2)];
    let mut shape = broadcast(&[pb, qb])?;
    shape.extend(pm);
    shape.extend(qn);
    Ok(shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matmul_shapes() {
        assert_eq!(
            matmul_shape(&[1, 56, 56, 96], &[96, 384]).unwrap(),
            vec![1, 56, 56, 384]
        );
        assert_eq!(
            matmul_shape(&[1, 12, 197, 64], &[1, 12, 64, 197]).unwrap(),
            vec![1, 12, 197, 197]
        );
        assert_eq!(matmul_shape(&[768], &[768, 10]).unwrap(), vec![10]);
        assert!(matmul_shape(&[2, 3], &[4, 5]).is_err());
    }
}
