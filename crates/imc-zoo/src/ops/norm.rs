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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormKind {
    Batch,
    Layer,
    Rms,
    NoNorm,
}

impl NormKind {
    pub const ALL: [(&'static str, NormKind); 4] = [
        ("batch", NormKind::Batch),
        ("layer", NormKind::Layer),
        ("rms", NormKind::Rms),
        ("no_norm", NormKind::NoNorm),
    ];
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Norm {
    pub kind: NormKind,
    pub features: u64,
    pub elements: u64,
}

impl Norm {
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
