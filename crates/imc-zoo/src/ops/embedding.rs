//! Embedding table lookups (`torch.nn.Embedding`), and learned additive tensors such as ViT's
//! class token and position embedding (a table of `entries` rows, each read once).
//!
//! Parameters: `entries * dim`. Work: `lookups` row reads of `dim` values; no MACs. Tables live in
//! memory, not in crossbars.

/// A table lookup (token embeddings): no arithmetic, only weights read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embedding {
    /// Rows of the table.
    pub entries: u64,
    /// Width of a row.
    pub dim: u64,
    /// Rows read per inference.
    pub lookups: u64,
}

impl Embedding {
    /// entries x dim.
    pub fn params(&self) -> u64 {
        super::prod(&[self.entries, self.dim])
    }

    /// lookups x dim.
    pub fn output_activations(&self) -> u64 {
        super::prod(&[self.lookups, self.dim])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpt2_token_table() {
        let e = Embedding {
            entries: 50_257,
            dim: 1024,
            lookups: 256,
        };
        assert_eq!(e.params(), 51_463_168);
        assert_eq!(e.output_activations(), 262_144);
    }
}
