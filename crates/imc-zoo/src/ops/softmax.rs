//! Softmax over `rows` independent rows of `length` elements (attention: rows = heads * queries,
//! length = keys).
//!
//! Element count `rows * length`. The integer-only algorithm (I-BERT, Kim et al. 2021,
//! arXiv 2101.01321; used by SoftmAP, arXiv 2411.17847) does per row `length - 1` compares for the
//! maximum, `length` subtractions, `length` exponent evaluations (shift + 2nd-order polynomial),
//! `length - 1` additions and `length` divisions. Those step counts are exposed here so the cost
//! model can price them on an associative processor or a digital unit.

/// A softmax over `rows` rows of `length` values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Softmax {
    /// Rows (all heads and queries).
    pub rows: u64,
    /// Values per row.
    pub length: u64,
}

impl Softmax {
    /// rows x length.
    pub fn elements(&self) -> u64 {
        super::prod(&[self.rows, self.length])
    }

    /// Comparisons for the row maxima: `rows * (length - 1)`.
    pub fn max_compares(&self) -> u64 {
        super::prod(&[self.rows, self.length - 1])
    }

    /// Additions for the row sums: `rows * (length - 1)`.
    pub fn sum_adds(&self) -> u64 {
        super::prod(&[self.rows, self.length - 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_counts() {
        let s = Softmax {
            rows: 4,
            length: 256,
        };
        assert_eq!(s.elements(), 1024);
        assert_eq!(s.max_compares(), 4 * 255);
        assert_eq!(s.sum_adds(), 4 * 255);
    }
}
