//! 2-D convolution, including grouped and depthwise convolution.
//!
//! Shapes follow PyTorch's `torch.nn.Conv2d`
//! (<https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html>):
//!
//! - output size per axis: `out = floor((in + 2*pad - dil*(k - 1) - 1) / stride) + 1`
//! - weights: `Cout * (Cin / groups) * Kh * Kw` (no bias)
//! - MACs: `weights * Hout * Wout * batch` (batch 1 in every built-in workload; an imported ONNX
//!   graph may set it, and each image is one more set of input vectors)
//! - crossbar matrix: each of the `groups` groups is a `(Kh*Kw*Cin/groups) x (Cout/groups)`
//!   matrix applied to `Hout*Wout` input vectors; a depthwise layer is `Cin` tiny `Kh*Kw x 1`
//!   matrices, not one block-diagonal matrix full of zeros.

use super::{MatrixShape, prod};

/// A 2-D convolution layer. Sizes are `[height, width]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Conv2d {
    /// Input channels.
    pub in_channels: u64,
    /// Output channels.
    pub out_channels: u64,
    /// Kernel height and width.
    pub kernel: [u64; 2],
    /// Stride (height, width).
    pub stride: [u64; 2],
    /// Zero padding (height, width).
    pub padding: [u64; 2],
    /// Dilation (height, width).
    pub dilation: [u64; 2],
    /// Groups (in_channels for depthwise).
    pub groups: u64,
    /// Input height and width.
    pub input_size: [u64; 2],
    /// Whether it has a bias (counted in params, not in weights).
    pub bias: bool,
    /// Images per inference (1 unless set: the zoo's workloads are batch 1).
    pub batch: u64,
}

/// `Debug` shows `batch` only when it is not 1: run folders hash the `Debug` text of their
/// workloads, and the batch-1 layers that existed before the field must keep their hashes.
impl std::fmt::Debug for Conv2d {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Conv2d");
        d.field("in_channels", &self.in_channels)
            .field("out_channels", &self.out_channels)
            .field("kernel", &self.kernel)
            .field("stride", &self.stride)
            .field("padding", &self.padding)
            .field("dilation", &self.dilation)
            .field("groups", &self.groups)
            .field("input_size", &self.input_size)
            .field("bias", &self.bias);
        if self.batch != 1 {
            d.field("batch", &self.batch);
        }
        d.finish()
    }
}

impl Conv2d {
    /// Output size along one axis, `None` when the kernel does not fit the padded input.
    pub fn axis_output(
        input: u64,
        kernel: u64,
        stride: u64,
        padding: u64,
        dilation: u64,
    ) -> Option<u64> {
        let span = dilation
            .checked_mul(kernel.checked_sub(1)?)?
            .checked_add(1)?;
        let padded = input.checked_add(padding.checked_mul(2)?)?;
        if stride == 0 || padded < span {
            return None;
        }
        Some((padded - span) / stride + 1)
    }

    /// `[Hout, Wout]`; `None` when the kernel does not fit (rejected when a workload loads).
    pub fn output_size(&self) -> Option<[u64; 2]> {
        let h = Self::axis_output(
            self.input_size[0],
            self.kernel[0],
            self.stride[0],
            self.padding[0],
            self.dilation[0],
        )?;
        let w = Self::axis_output(
            self.input_size[1],
            self.kernel[1],
            self.stride[1],
            self.padding[1],
            self.dilation[1],
        )?;
        Some([h, w])
    }

    /// Output pixels over the batch: the input vectors of the crossbar matrix.
    fn out_hw(&self) -> u64 {
        self.output_size()
            .map_or(0, |[h, w]| prod(&[h, w, self.batch]))
    }

    /// Weight count, `Cout * Cin/groups * Kh * Kw`.
    pub fn weights(&self) -> u64 {
        prod(&[
            self.out_channels,
            self.in_channels / self.groups,
            self.kernel[0],
            self.kernel[1],
        ])
    }

    /// Multiply-accumulates, `weights * Hout * Wout * batch`.
    pub fn macs(&self) -> u64 {
        prod(&[self.weights(), self.out_hw()])
    }

    /// Trainable parameters: weights plus one bias per output channel when present.
    pub fn params(&self) -> u64 {
        self.weights()
            .saturating_add(if self.bias { self.out_channels } else { 0 })
    }

    /// in_channels x input height x width x batch.
    pub fn input_activations(&self) -> u64 {
        prod(&[
            self.in_channels,
            self.input_size[0],
            self.input_size[1],
            self.batch,
        ])
    }

    /// out_channels x output height x width x batch.
    pub fn output_activations(&self) -> u64 {
        prod(&[self.out_channels, self.out_hw()])
    }

    /// Per group `K x N` (K = kh kw Cin/groups, N = Cout/groups), one input vector per output
    /// pixel of each image.
    pub fn matrix(&self) -> MatrixShape {
        MatrixShape {
            rows: prod(&[
                self.kernel[0],
                self.kernel[1],
                self.in_channels / self.groups,
            ]),
            cols: self.out_channels / self.groups,
            groups: self.groups,
            vectors: self.out_hw(),
            static_weights: true,
        }
    }

    /// True when every input channel is its own group (MobileNet's depthwise layers).
    pub fn is_depthwise(&self) -> bool {
        self.groups > 1 && self.groups == self.in_channels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(cin: u64, cout: u64, k: u64, s: u64, p: u64, g: u64, hw: u64) -> Conv2d {
        Conv2d {
            in_channels: cin,
            out_channels: cout,
            kernel: [k, k],
            stride: [s, s],
            padding: [p, p],
            dilation: [1, 1],
            groups: g,
            input_size: [hw, hw],
            bias: false,
            batch: 1,
        }
    }

    #[test]
    fn resnet_stem_matches_published_shape() {
        // ResNet conv1: 7x7/2, pad 3, 224 -> 112, 118,013,952 MACs (workloads.md section 4).
        let c = conv(3, 64, 7, 2, 3, 1, 224);
        assert_eq!(c.output_size(), Some([112, 112]));
        assert_eq!(c.weights(), 9_408);
        assert_eq!(c.macs(), 118_013_952);
    }

    #[test]
    fn depthwise_maps_group_by_group() {
        let c = conv(64, 64, 3, 1, 1, 64, 56);
        assert!(c.is_depthwise());
        assert_eq!(c.weights(), 64 * 9);
        let m = c.matrix();
        assert_eq!((m.rows, m.cols, m.groups), (9, 1, 64));
        assert_eq!(m.macs(), c.macs());
    }

    #[test]
    fn batch_multiplies_vectors_and_debug_hides_batch_one() {
        let mut c = conv(3, 64, 7, 2, 3, 1, 224);
        assert!(!format!("{c:?}").contains("batch"));
        c.batch = 4;
        assert_eq!(c.macs(), 4 * 118_013_952);
        assert_eq!(c.matrix().vectors, 4 * 112 * 112);
        assert_eq!(c.weights(), 9_408);
        assert!(format!("{c:?}").contains("batch: 4"));
    }

    #[test]
    fn dilation_and_oversized_kernel() {
        assert_eq!(Conv2d::axis_output(7, 3, 1, 0, 2), Some(3));
        assert_eq!(Conv2d::axis_output(2, 5, 1, 0, 1), None);
        assert_eq!(Conv2d::axis_output(5, 3, 0, 0, 1), None);
    }
}
