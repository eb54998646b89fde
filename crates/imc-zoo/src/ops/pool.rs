//! Pooling (max or average) over a `kernel` window, PyTorch semantics
//! (`MaxPool2d`, `AvgPool2d`; output size as for a convolution with dilation 1, floor mode).
//! Adaptive average pooling to a fixed output (`AdaptiveAvgPool2d`) is written with an explicit
//! `output_size`; global pooling is `output_size = [1, 1]`.
//!
//! Work: one compare (max) or add (average) per input element of each window:
//! `channels * Hout * Wout * window`. No weights.

/// Pooling kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    /// Maximum over the window.
    Max,
    /// Average over the window.
    Avg,
}

/// Pooling of `channels` maps from `input_size` to `output_size`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// Max or average.
    pub kind: PoolKind,
    /// Channels.
    pub channels: u64,
    /// Input height and width.
    pub input_size: [u64; 2],
    /// Output height and width.
    pub output_size: [u64; 2],
    /// Window size `[h, w]` (for adaptive pooling: the largest window, `ceil(in/out)`).
    pub window: [u64; 2],
}

impl Pool {
    /// channels x input height x width.
    pub fn input_activations(&self) -> u64 {
        super::prod(&[self.channels, self.input_size[0], self.input_size[1]])
    }

    /// channels x output height x width.
    pub fn output_activations(&self) -> u64 {
        super::prod(&[self.channels, self.output_size[0], self.output_size[1]])
    }

    /// Compare or add operations: one per window element per output.
    pub fn ops(&self) -> u64 {
        super::prod(&[self.output_activations(), self.window[0], self.window[1]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_average() {
        let p = Pool {
            kind: PoolKind::Avg,
            channels: 512,
            input_size: [7, 7],
            output_size: [1, 1],
            window: [7, 7],
        };
        assert_eq!(p.output_activations(), 512);
        assert_eq!(p.ops(), 512 * 49);
    }
}
