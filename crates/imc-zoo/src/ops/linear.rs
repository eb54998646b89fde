//! Fully connected layer applied to `tokens` input vectors (`torch.nn.Linear`; for a CNN
//! classifier `tokens = 1`, for a transformer projection `tokens` is the sequence length M).
//!
//! - weights: `in_features * out_features`; MACs: `tokens * weights`
//! - crossbar matrix: `in_features x out_features`, applied to `tokens` vectors.
//! - `tied`: the weight matrix is another layer's (GPT-2's LM head reuses the token
//!   embedding). It still occupies crossbar cells, but adds no parameters to the model count.

use super::{MatrixShape, prod};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linear {
    pub in_features: u64,
    pub out_features: u64,
    pub tokens: u64,
    pub bias: bool,
    pub tied: bool,
}

impl Linear {
    pub fn weights(&self) -> u64 {
        prod(&[self.in_features, self.out_features])
    }

    pub fn macs(&self) -> u64 {
        prod(&[self.tokens, self.weights()])
    }

    pub fn params(&self) -> u64 {
        if self.tied {
            return 0;
        }
        self.weights()
            .saturating_add(if self.bias { self.out_features } else { 0 })
    }

    pub fn input_activations(&self) -> u64 {
        prod(&[self.tokens, self.in_features])
    }

    pub fn output_activations(&self) -> u64 {
        prod(&[self.tokens, self.out_features])
    }

    pub fn matrix(&self) -> MatrixShape {
        MatrixShape {
            rows: self.in_features,
            cols: self.out_features,
            groups: 1,
            vectors: self.tokens,
            static_weights: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vgg_fc6() {
        // VGG16 FC 25088 -> 4096: 102,760,448 MACs (workloads.md section 4).
        let l = Linear {
            in_features: 25_088,
            out_features: 4_096,
            tokens: 1,
            bias: true,
            tied: false,
        };
        assert_eq!(l.macs(), 102_760_448);
        assert_eq!(l.params(), 102_760_448 + 4_096);
    }

    #[test]
    fn tied_layer_has_cells_but_no_params() {
        let l = Linear {
            in_features: 1024,
            out_features: 50_257,
            tokens: 4,
            bias: false,
            tied: true,
        };
        assert_eq!(l.params(), 0);
        assert_eq!(l.weights(), 1024 * 50_257);
        assert_eq!(l.matrix().macs(), l.macs());
    }
}
