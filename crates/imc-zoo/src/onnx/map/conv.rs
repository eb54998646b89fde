//! [`Conv`](https://onnx.ai/onnx/operators/onnx__Conv.html) to a `conv2d` layer: 1-D and 2-D,
//! with groups, dilations, pads and `auto_pad` (the window from [`crate::onnx::spatial`]).

use super::{Step, Via, Walk, not_planar, plane, unmapped};
use crate::onnx::spatial::{Window, conv_window};
use crate::onnx::tensor::{Attrs, T};
use crate::ops::{Conv2d, Op};

/// A convolution's window on the zoo's 2-D plane (a 1-D one is of height 1).
struct Plane {
    input: [u64; 2],
    kernel: [u64; 2],
    stride: [u64; 2],
    dilation: [u64; 2],
    /// Padding before each axis.
    begin: [u64; 2],
    /// Padding after each axis.
    end: [u64; 2],
    /// The output size ONNX gives.
    out: [u64; 2],
}

impl Plane {
    /// The window `win` of a convolution over `x` (`[N, C, L]` or `[N, C, H, W]`; other ranks
    /// are unmapped).
    fn of(x: &T, win: &Window) -> Result<Plane, String> {
        let two_d = match x.shape.len() {
            4 => true,
            3 => false,
            r => return Err(not_planar(r)),
        };
        Ok(Plane {
            input: plane(&x.shape[2..], two_d, 1),
            kernel: plane(&win.kernel, two_d, 1),
            stride: plane(&win.stride, two_d, 1),
            dilation: plane(&win.dilation, two_d, 1),
            begin: plane(&win.begin, two_d, 0),
            end: plane(&win.end, two_d, 0),
            out: plane(&win.out, two_d, 1),
        })
    }

    /// The zoo pads symmetrically: half the total padding, rounded either way, when that gives
    /// ONNX's output size; else the padding is folded into the input size (exact MACs and
    /// crossbar vectors; the padded zeros count as input activations). Gives (padding, input
    /// size).
    fn symmetric(&self) -> ([u64; 2], [u64; 2]) {
        let (mut padding, mut input) = ([0u64; 2], self.input);
        for i in 0..2 {
            let total = self.begin[i] + self.end[i];
            let fits = |p: u64| {
                Conv2d::axis_output(
                    input[i],
                    self.kernel[i],
                    self.stride[i],
                    p,
                    self.dilation[i],
                ) == Some(self.out[i])
            };
            match [total / 2, total.div_ceil(2)]
                .into_iter()
                .find(|&p| fits(p))
            {
                Some(p) => padding[i] = p,
                None => input[i] += total,
            }
        }
        (padding, input)
    }
}

/// `Conv` of the data by a parameter weight: a `conv2d`, tagged as weighted until a bias
/// follows when it has none.
pub(super) fn conv(w: &mut Walk, s: &Step<'_>) -> Result<(), String> {
    let (x, weight) = (
        s.input(0).ok_or("Conv without input")?,
        s.input(1).ok_or("Conv without weight")?,
    );
    if weight.data {
        return Err(unmapped("a weight computed from the data"));
    }
    let win = conv_window(s.n, x, weight)?;
    let p = Plane::of(x, &win)?;
    let (padding, input) = p.symmetric();
    let conv = Conv2d {
        in_channels: x.shape[1],
        out_channels: weight.shape[0],
        kernel: p.kernel,
        stride: p.stride,
        padding,
        dilation: p.dilation,
        groups: Attrs(s.n).int("group", 1) as u64,
        input_size: input,
        bias: s.input(2).is_some(),
        batch: x.shape[0],
    };
    let bias = conv.bias;
    let i = w.push(s.n, s.index, Op::Conv2d(conv));
    if !bias {
        w.tag(s.n, Via::Weighted(i));
    }
    Ok(())
}
