//! Element-wise operators with no weights.
//!
//! - `Add`: residual additions and embedding sums; `elements` outputs, each the sum of
//!   `inputs` operands (`(inputs - 1) * elements` additions).
//! - `Scale`: a channel-wise product (squeeze-and-excitation gating, Hu et al. 2018):
//!   `elements` multiplications.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Add {
    pub elements: u64,
    pub inputs: u64,
}

impl Add {
    pub fn ops(&self) -> u64 {
        super::prod(&[self.inputs - 1, self.elements])
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
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
