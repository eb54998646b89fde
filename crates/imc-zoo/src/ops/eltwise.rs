//! Element-wise operators with no weights.
//!
//! - `Add`: residual additions and embedding sums; `elements` outputs, each the sum of
//!   `inputs` operands (`(inputs - 1) * elements` additions).
//! - `Scale`: a channel-wise product (squeeze-and-excitation gating, Hu et al. 2018):
//!   `elements` multiplications.

/// Elementwise sum of `inputs` tensors (residual connections).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Add {
    /// Elements of each input.
    pub elements: u64,
    /// How many tensors are summed.
    pub inputs: u64,
}

impl Add {
    /// Additions: `elements x (inputs - 1)`.
    pub fn ops(&self) -> u64 {
        super::prod(&[self.inputs - 1, self.elements])
    }
}

/// Elementwise multiplication by another tensor or a scale (squeeze-excite, attention scaling).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    /// Elements multiplied.
    pub elements: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residual_add() {
        let a = Add {
            elements: 64 * 56 * 56,
            inputs: 2,
        };
        assert_eq!(a.ops(), 200_704);
    }
}
