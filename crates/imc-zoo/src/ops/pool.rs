//! Pooling (max or average) over a `kernel` window, PyTorch semantics
//! (`MaxPool2d`, `AvgPool2d`; output size as for a convolution with dilation 1, floor mode).
//! Adaptive average pooling to a fixed output (`AdaptiveAvgPool2d`) is written with an explicit
//! `output_size`; global pooling is `output_size = [1, 1]`.
//!
//! Work: one compare (max) or add (average) per input element of each window:
//! `channels * Hout * Wout * window`. No weights.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    Max,
    Avg,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub kind: PoolKind,
    pub channels: u64,
    pub input_size: [u64; 2],
    pub output_size: [u64; 2],
    /// Window size `[h, w]` (for adaptive pooling: the largest window, `ceil(in/out)`).
    pub window: [u64; 2],
}

impl Pool {
    pub fn input_activations(&self) -> u64 {
        super::prod(&[self.channels, self.input_size[0], self.input_size[1]])
    }

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
