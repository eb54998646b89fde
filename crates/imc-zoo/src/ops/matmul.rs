//! Matrix product whose operands are both activations (attention's `Q K^T` and `P V`).
//!
//! `batch` independent products of an `m x k` by a `k x n` matrix (batch = heads):
//! MACs = `batch * m * k * n`. Neither operand is a trained weight, so it cannot stay
//! resident in non-volatile crossbar cells: the cost model must rewrite cells or use a
//! digital unit (Wang et al., TPAMI 2024, arXiv 2410.15977). The "matrix" a crossbar would
//! hold is the `k x n` right operand, rewritten for every inference.

use super::{MatrixShape, prod};

/// A matrix product of two activations (attention's QK^T and AV), `batch` times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatMul {
    /// Rows of the left operand.
    pub m: u64,
    /// The shared dimension.
    pub k: u64,
    /// Columns of the right operand.
    pub n: u64,
    /// Independent products (heads).
    pub batch: u64,
}

impl MatMul {
    /// m x k x n x batch.
    pub fn macs(&self) -> u64 {
        prod(&[self.batch, self.m, self.k, self.n])
    }

    /// Both operands: (m k + k n) x batch.
    pub fn input_activations(&self) -> u64 {
        prod(&[
            self.batch,
            prod(&[self.m, self.k]).saturating_add(prod(&[self.k, self.n])),
        ])
    }

    /// m x n x batch.
    pub fn output_activations(&self) -> u64 {
        prod(&[self.batch, self.m, self.n])
    }

    /// `k x n` per batch (dynamic: both operands change every inference).
    pub fn matrix(&self) -> MatrixShape {
        MatrixShape {
            rows: self.k,
            cols: self.n,
            groups: self.batch,
            vectors: self.m,
            static_weights: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn llama_qk_at_2048() {
        // One Llama-2-7B layer, S = 2048, 32 heads of 128: 32 * 2048 * 128 * 2048 MACs;
        // over 32 layers 549,755,813,888 (workloads.md, LLM checklist).
        let m = MatMul {
            m: 2048,
            k: 128,
            n: 2048,
            batch: 32,
        };
        assert_eq!(32 * m.macs(), 549_755_813_888);
        assert!(!m.matrix().static_weights);
        assert_eq!(m.matrix().macs(), m.macs());
    }
}
