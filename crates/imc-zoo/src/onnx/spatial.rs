//! Sliding windows of `Conv`, `MaxPool` and `AveragePool`: kernel, strides, dilations, pads
//! and `auto_pad`, as the ONNX operator pages define them
//! (<https://onnx.ai/onnx/operators/onnx__Conv.html>):
//!
//! - explicit pads: `out = floor((in + begin + end - ((k - 1) * d + 1)) / s) + 1` (`ceil` with a
//!   pool's `ceil_mode`);
//! - `SAME_UPPER` / `SAME_LOWER`: `out = ceil(in / s)`, padded by
//!   `max((out - 1) * s + (k - 1) * d + 1 - in, 0)`, the odd one at the end (upper) or start;
//! - `VALID`: no padding.

use super::proto::Node;
use super::tensor::{Attrs, MAX_DIM, T};

/// One window operator's geometry over the spatial axes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Kernel size per axis.
    pub kernel: Vec<u64>,
    /// Strides.
    pub stride: Vec<u64>,
    /// Dilations.
    pub dilation: Vec<u64>,
    /// Padding before each axis.
    pub begin: Vec<u64>,
    /// Padding after each axis.
    pub end: Vec<u64>,
    /// Output size per axis.
    pub out: Vec<u64>,
}

/// A size attribute: `n` values in 1..=MAX_DIM.
fn list(a: &Attrs, name: &str, n: usize, default: u64) -> Result<Vec<u64>, String> {
    match a.ints(name) {
        None => Ok(vec![default; n]),
        Some(v) => sizes(&v, n, 1).map_err(|e| format!("`{name}` {e}")),
    }
}

/// `n` integers in `min..=MAX_DIM`.
fn sizes(v: &[i64], n: usize, min: i64) -> Result<Vec<u64>, String> {
    if v.len() == n && v.iter().all(|&x| x >= min && x as u64 <= MAX_DIM) {
        Ok(v.iter().map(|&x| x as u64).collect())
    } else {
        Err(format!(
            "{v:?}: {n} values from {min} to {MAX_DIM} expected"
        ))
    }
}

/// The window of `node` over the spatial sizes `input`, for a kernel of `kernel`.
pub fn window(
    node: &Node,
    input: &[u64],
    kernel: Vec<u64>,
    ceil_mode: bool,
) -> Result<Window, String> {
    let a = Attrs(node);
    let n = input.len();
    let stride = list(&a, "strides", n, 1)?;
    let dilation = list(&a, "dilations", n, 1)?;
    let span = |i: usize| (kernel[i] - 1) * dilation[i] + 1;
    let auto = a.str("auto_pad", "NOTSET");
    let (mut begin, mut end) = (vec![0u64; n], vec![0u64; n]);
    let mut out = vec![0u64; n];
    match auto.as_str() {
        "NOTSET" => {
            if let Some(p) = a.ints("pads") {
                let p = sizes(&p, 2 * n, 0).map_err(|e| format!("`pads` {e}"))?;
                begin = p[..n].to_vec();
                end = p[n..].to_vec();
            }
            for i in 0..n {
                let padded = input[i] + begin[i] + end[i];
                if padded < span(i) {
                    return Err(format!(
                        "kernel {} (dilation {}) does not fit input {} padded by {}+{}",
                        kernel[i], dilation[i], input[i], begin[i], end[i]
                    ));
                }
                let q = padded - span(i);
                out[i] = if ceil_mode {
                    q.div_ceil(stride[i])
                } else {
                    q / stride[i]
                } + 1;
                // ceil_mode: the last window must start inside the input or its left padding.
                if ceil_mode && (out[i] - 1) * stride[i] >= input[i] + begin[i] {
                    out[i] -= 1;
                }
            }
        }
        "SAME_UPPER" | "SAME_LOWER" => {
            for i in 0..n {
                out[i] = input[i].div_ceil(stride[i]);
                let total = ((out[i] - 1) * stride[i] + span(i)).saturating_sub(input[i]);
                let small = total / 2;
                if auto == "SAME_UPPER" {
                    (begin[i], end[i]) = (small, total - small);
                } else {
                    (begin[i], end[i]) = (total - small, small);
                }
            }
        }
        "VALID" => {
            for i in 0..n {
                if input[i] < span(i) {
                    return Err(format!(
                        "kernel {} does not fit input {}",
                        kernel[i], input[i]
                    ));
                }
                out[i] = (input[i] - span(i)) / stride[i] + 1;
            }
        }
        other => {
            return Err(format!(
                "auto_pad {other:?}; allowed: NOTSET, SAME_UPPER, SAME_LOWER, VALID"
            ));
        }
    }
    Ok(Window {
        kernel,
        stride,
        dilation,
        begin,
        end,
        out,
    })
}

/// The kernel of a `Conv` (from `kernel_shape` or the weight) and its window.
pub fn conv_window(node: &Node, x: &T, w: &T) -> Result<Window, String> {
    if x.shape.len() < 3 || w.shape.len() != x.shape.len() {
        return Err(format!(
            "Conv of input {:?} and weight {:?}: ranks 3 to 5, equal, expected",
            x.shape, w.shape
        ));
    }
    let n = x.shape.len() - 2;
    let kernel = match Attrs(node).ints("kernel_shape") {
        Some(k) => sizes(&k, n, 1).map_err(|e| format!("`kernel_shape` {e}"))?,
        None => w.shape[2..].to_vec(),
    };
    if kernel != w.shape[2..] || kernel.contains(&0) {
        return Err(format!(
            "kernel {kernel:?} and weight {:?} disagree",
            w.shape
        ));
    }
    window(node, &x.shape[2..], kernel, false)
}

/// Output shape of `Conv`: `[N, M, out...]`.
pub fn conv_shape(node: &Node, x: &T, w: &T) -> Result<Vec<u64>, String> {
    let win = conv_window(node, x, w)?;
    let group = Attrs(node).int("group", 1);
    let (c, m) = (x.shape[1], w.shape[0]);
    if group < 1 || Some(c) != w.shape[1].checked_mul(group as u64) || m % group as u64 != 0 {
        return Err(format!(
            "Conv: input channels {c}, weight {:?} and group {group} disagree",
            w.shape
        ));
    }
    let mut s = vec![x.shape[0], m];
    s.extend(win.out);
    Ok(s)
}

/// The window of a `MaxPool` / `AveragePool`.
pub fn pool_window(node: &Node, x: &T) -> Result<Window, String> {
    if x.shape.len() < 3 {
        return Err(format!("{} of rank-{} input", node.op_type, x.shape.len()));
    }
    let n = x.shape.len() - 2;
    let kernel = match Attrs(node).ints("kernel_shape") {
        Some(k) => sizes(&k, n, 1).map_err(|e| format!("`kernel_shape` {e}"))?,
        None => return Err(format!("{} needs `kernel_shape`", node.op_type)),
    };
    window(
        node,
        &x.shape[2..],
        kernel,
        Attrs(node).int("ceil_mode", 0) != 0,
    )
}

/// Output shape of a pool: `[N, C, out...]`.
pub fn pool_shape(node: &Node, x: &T) -> Result<Vec<u64>, String> {
    let win = pool_window(node, x)?;
    let mut s = x.shape[..2].to_vec();
    s.extend(win.out);
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::proto::Value;

    fn node(attrs: Vec<(&str, Value)>) -> Node {
        Node {
            op_type: "Conv".into(),
            attrs: attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            ..Node::default()
        }
    }

    #[test]
    fn same_upper_puts_the_odd_pad_at_the_end() {
        let n = node(vec![
            ("strides", Value::Ints(vec![2, 2])),
            ("auto_pad", Value::Str("SAME_UPPER".into())),
        ]);
        let w = window(&n, &[15, 15], vec![3, 3], false).unwrap();
        assert_eq!(w.out, vec![8, 8]);
        assert_eq!((w.begin[0], w.end[0]), (1, 1));
        let w = window(&n, &[16, 16], vec![3, 3], false).unwrap();
        assert_eq!((w.out[0], w.begin[0], w.end[0]), (8, 0, 1));
    }

    #[test]
    fn ceil_mode_pool() {
        // GoogLeNet's 3x3/2 ceil-mode max pool: 112 -> 56.
        let n = node(vec![("strides", Value::Ints(vec![2, 2]))]);
        assert_eq!(
            window(&n, &[112, 112], vec![3, 3], true).unwrap().out,
            vec![56, 56]
        );
        assert_eq!(
            window(&n, &[112, 112], vec![3, 3], false).unwrap().out,
            vec![55, 55]
        );
    }
}
