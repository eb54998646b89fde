//! Embedding table lookups (`torch.nn.Embedding`), and learned additive tensors such as ViT's
//! class token and position embedding (a table of `entries` rows, each read once).
//!
//! Parameters: `entries * dim`. Work: `lookups` row reads of `dim` values; no MACs. Tables live in
//! memory, not in crossbars.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embedding {
    pub entries: u64,
    pub dim: u64,
    pub lookups: u64,
}

impl Embedding {
    pub fn params(&self) -> u64 {
        super::prod(&[self.entries, self.dim])
    }

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
