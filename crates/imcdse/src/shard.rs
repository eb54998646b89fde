//! `--shard i/N`: the i-th of N deterministic parts of a run, for Slurm job arrays
//! (`i = $SLURM_ARRAY_TASK_ID` with `--array=0-(N-1)`).
//!
//! A part is a contiguous slice of an ordered list of independent units: flat design indices
//! for `sweep --optimizer exhaustive`, (seed, search) pairs for `compare`, (optimizer, seed)
//! runs for `grade`. Slice `i` of `len` units is `[floor(i len / N), floor((i + 1) len / N))`,
//! so the N slices cover the list exactly once and their lengths differ by at most one.
//! N is at most [`MAX_SHARDS`] (Slurm's default `MaxArraySize` is 1,001), and an exhaustive
//! sweep refuses more shards than designs (a shard of none could not be merged).

use std::fmt;
use std::str::FromStr;

/// The most shards a run may be split into.
pub const MAX_SHARDS: u64 = 10_000;

/// The `index`-th of `count` shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shard {
    /// 0-based, below `count`.
    pub index: u64,
    /// How many shards.
    pub count: u64,
}

impl Shard {
    /// This shard's slice `[lo, hi)` of `len` ordered units.
    pub fn range(&self, len: u64) -> (u64, u64) {
        let at = |i: u64| (i as u128 * len as u128 / self.count as u128) as u64;
        (at(self.index), at(self.index + 1))
    }

    /// Whether unit `k` of `len` belongs to this shard.
    pub fn holds(&self, k: u64, len: u64) -> bool {
        let (lo, hi) = self.range(len);
        (lo..hi).contains(&k)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad =
            || format!("`{s}` is not i/N with 0 <= i < N, e.g. 0/4 (the first of four shards)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        if count > MAX_SHARDS {
            return Err(format!("`{s}`: at most {MAX_SHARDS} shards"));
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_cover_every_unit_once_and_balance_within_one() {
        for len in [0u64, 1, 5, 7, 100, 12_096_000] {
            for count in [1u64, 2, 3, 4, 7, 13] {
                let mut next = 0;
                let mut sizes = Vec::new();
                for index in 0..count {
                    let (lo, hi) = Shard { index, count }.range(len);
                    assert_eq!(lo, next, "len {len} count {count}: contiguous");
                    next = hi;
                    sizes.push(hi - lo);
                }
                assert_eq!(next, len);
                let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(max - min <= 1, "len {len} count {count}: {sizes:?}");
            }
        }
        assert!(Shard { index: 1, count: 4 }.holds(3, 12));
        assert!(!Shard { index: 1, count: 4 }.holds(6, 12));
    }

    #[test]
    fn parses_i_of_n_and_names_what_is_allowed() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        assert_eq!(Shard { index: 2, count: 4 }.to_string(), "2/4");
        for bad in ["4/4", "1/0", "x/4", "3", "-1/4", ""] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(e.contains("0 <= i < N"), "{bad}: {e}");
        }
    }
}
