//! FNV-1a, 64 bit (Fowler, Noll and Vo; the parameters of
//! <http://www.isthe.com/chongo/tech/comp/fnv/>): the hash of texts that names cache files and
//! keys run identities. Stable across Rust versions and platforms, unlike std's hasher, so a
//! hash written today still finds its file tomorrow. Problems, evaluators and studies all use
//! it; it sits below them.

/// FNV-1a of `text`'s bytes: offset basis `0xcbf29ce484222325`, prime `0x100000001b3`.
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
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
}
