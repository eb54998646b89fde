//! Normalization layers. Parameter counts follow PyTorch / Hugging Face definitions:
//!
//! - `batch`: `BatchNorm2d` affine weight and bias, `2 * features` (running statistics are
//!   buffers, not parameters, as in torchvision's published `num_params`);
//! - `layer`: `LayerNorm` weight and bias, `2 * features`;
//! - `rms`: `RMSNorm` weight only, `features`;
//! - `no_norm`: MobileBERT's `NoNorm` (element-wise `x * w + b`), `2 * features`.
//!
//! At inference a batch norm folds into the preceding convolution, but it is still a digital
//! operation per element when it is not folded; `elements` is the tensor size it touches.

/// Which normalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormKind {
    /// Batch normalization (folded at inference: a scale and a shift).
    Batch,
    /// Layer normalization (mean and variance per token).
    Layer,
    /// RMS normalization.
    Rms,
    /// MobileBERT's NoNorm (a scale and a shift).
    NoNorm,
}

impl NormKind {
    /// Every kind with its name in workload files.
    pub const ALL: [(&'static str, NormKind); 4] = [
        ("batch", NormKind::Batch),
        ("layer", NormKind::Layer),
        ("rms", NormKind::Rms),
        ("no_norm", NormKind::NoNorm),
    ];
}

/// A normalization over `features` channels of `elements` values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Norm {
    /// Which normalization.
    pub kind: NormKind,
    /// Channels (or hidden size) with their own scale and shift.
    pub features: u64,
    /// Values normalized.
    pub elements: u64,
}

impl Norm {
    /// Scale and shift per feature (none for RMS's shift).
    pub fn params(&self) -> u64 {
        match self.kind {
            NormKind::Rms => self.features,
            NormKind::Batch | NormKind::Layer | NormKind::NoNorm => self.features.saturating_mul(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_per_kind() {
        let n = |kind| {
            Norm {
                kind,
                features: 10,
                elements: 100,
            }
            .params()
        };
        assert_eq!(n(NormKind::Batch), 20);
        assert_eq!(n(NormKind::Layer), 20);
        assert_eq!(n(NormKind::Rms), 10);
        assert_eq!(n(NormKind::NoNorm), 20);
    }
}
