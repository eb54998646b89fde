//! Fully connected layer applied to `tokens` input vectors (`torch.nn.Linear`; for a CNN
//! classifier `tokens = 1`, for a transformer projection `tokens` is the sequence length M).
//!
//! - weights: `in_features * out_features`; MACs: `tokens * weights`
//! - crossbar matrix: `in_features x out_features`, applied to `tokens` vectors.
//! - `tied`: the weight matrix is another layer's (GPT-2's LM head reuses the token
//!   embedding). It still occupies crossbar cells, but adds no parameters to the model count.

use super::{MatrixShape, prod};

/// A fully connected layer applied to `tokens` vectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linear {
    /// Input features.
    pub in_features: u64,
    /// Output features.
    pub out_features: u64,
    /// Input vectors (M of the matmul; 1 for a CNN classifier).
    pub tokens: u64,
    /// Whether it has a bias.
    pub bias: bool,
    /// Whether its weights are another layer's (a tied LM head): their cells are counted, not
    /// its parameters.
    pub tied: bool,
}

impl Linear {
    /// in_features x out_features.
    pub fn weights(&self) -> u64 {
        prod(&[self.in_features, self.out_features])
    }

    /// weights x tokens.
    pub fn macs(&self) -> u64 {
        prod(&[self.tokens, self.weights()])
    }

    /// Weights and bias, none when tied.
    pub fn params(&self) -> u64 {
        if self.tied {
            return 0;
        }
        self.weights()
            .saturating_add(if self.bias { self.out_features } else { 0 })
    }

    /// tokens x in_features.
    pub fn input_activations(&self) -> u64 {
        prod(&[self.tokens, self.in_features])
    }

    /// tokens x out_features.
    pub fn output_activations(&self) -> u64 {
        prod(&[self.tokens, self.out_features])
    }

    /// `in_features x out_features`, one input vector per token.
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
