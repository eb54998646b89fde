//! Stable hashing: FNV-1a, 64 bit (Fowler, Noll and Vo; the parameters of
//! <http://www.isthe.com/chongo/tech/comp/fnv/>), the hash of texts that names cache files and
//! keys run identities; and SplitMix64 (Steele, Lea and Flood, OOPSLA 2014), a seeded stream of
//! well-mixed 64-bit words for choices that must repeat from a seed. Both are stable across Rust
//! versions and platforms, unlike std's hasher and `rand`'s generators, so what a seed or a text
//! gave today it gives tomorrow. Problems, evaluators and studies all use them; they sit below.

/// FNV-1a of `text`'s bytes: offset basis `0xcbf29ce484222325`, prime `0x100000001b3`.
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// SplitMix64: `next` adds the golden-ratio increment and mixes the state.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next word of the stream.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference implementation's test vectors (FNV-1a 64 of "", "a" and "foobar").
    #[test]
    fn matches_the_published_test_vectors() {
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a("foobar"), 0x8594_4171_f739_67e8);
    }

    /// SplitMix64's reference output for seed 0 (the first words of Vigna's splitmix64.c).
    #[test]
    fn splitmix_matches_the_reference_stream() {
        let mut s = SplitMix(0);
        assert_eq!(s.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(s.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }
}
