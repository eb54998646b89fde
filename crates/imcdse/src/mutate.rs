//! Seeded mutations of valid inputs, for the tests that feed each parser of outside input
//! (`serve` requests, reference CSVs, calibration files) a few hundred broken variants: none
//! may panic, and whatever a parser accepts must hold its documented bounds. A failure names
//! its seed and case, so it replays exactly.

use crate::hash::SplitMix;

/// Tokens a mutation may insert: numbers at and past every bound, JSON and CSV punctuation,
/// control and non-ASCII characters.
const TOKENS: [&str; 26] = [
    "-1",
    "0",
    "1e308",
    "1e-308",
    "1e300",
    "NaN",
    "inf",
    "18446744073709551616",
    "\"\"",
    "[]",
    "{}",
    "null",
    "true",
    ",",
    ";",
    "\n",
    "\r\n",
    "\"",
    "=",
    "[",
    "]",
    "{",
    "}",
    ":",
    "\u{0}",
    "é",
];

/// A seeded generator of mutations (on SplitMix64, [`crate::hash::SplitMix`]).
pub struct Mutator(SplitMix);

impl Mutator {
    pub fn new(seed: u64) -> Mutator {
        Mutator(SplitMix(seed))
    }

    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A number in `0..n` (`n` at least 1).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// `input` with one to three edits: a byte replaced by any byte, a span of up to 16 bytes
    /// deleted, a span of up to 64 bytes repeated, or a token inserted.
    pub fn bytes(&mut self, input: &[u8]) -> Vec<u8> {
        let mut v = input.to_vec();
        for _ in 0..1 + self.below(3) {
            let at = self.below(v.len() + 1);
            match self.below(4) {
                0 if at < v.len() => v[at] = self.next() as u8,
                1 => {
                    let end = (at + 1 + self.below(16)).min(v.len());
                    v.drain(at..end);
                }
                2 => {
                    let end = (at + 1 + self.below(64)).min(v.len());
                    let span = v[at..end].to_vec();
                    v.splice(at..at, span);
                }
                _ => {
                    let token = TOKENS[self.below(TOKENS.len())].as_bytes();
                    v.splice(at..at, token.iter().copied());
                }
            }
        }
        v
    }

    /// [`Mutator::bytes`] of a text, read back as text (invalid UTF-8 replaced).
    pub fn text(&mut self, input: &str) -> String {
        String::from_utf8_lossy(&self.bytes(input.as_bytes())).into_owned()
    }
}
