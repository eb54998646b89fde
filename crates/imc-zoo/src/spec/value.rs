//! Scalar values of workload files: an integer may be written literally or as `"$name"`, a
//! reference to the workload's `[params]` table (so `seq_len` can be overridden at load time);
//! a size may be one integer (square) or `[h, w]`.

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use std::fmt;

/// An integer literal or a `$param` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Int {
    Lit(i64),
    Param(String),
}

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IntVisitor)
    }
}

struct IntVisitor;

impl Visitor<'_> for IntVisitor {
    type Value = Int;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer or a \"$parameter\" reference")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
        Ok(Int::Lit(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
        i64::try_from(v)
            .map(Int::Lit)
            .map_err(|_| E::custom("integer too large"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Int, E> {
        match v.strip_prefix('$') {
            Some(name) if !name.is_empty() => Ok(Int::Param(name.to_string())),
            _ => Err(E::custom(format!(
                "expected an integer or a \"$parameter\" reference, found the string {v:?}"
            ))),
        }
    }
}

/// A size: one integer for both axes, or `[h, w]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pair {
    One(Int),
    Two(Int, Int),
}

impl<'de> Deserialize<'de> for Pair {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PairVisitor)
    }
}

struct PairVisitor;

impl<'de> Visitor<'de> for PairVisitor {
    type Value = Pair;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer, a \"$parameter\", or a pair [height, width]")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Pair, E> {
        IntVisitor.visit_i64(v).map(Pair::One)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Pair, E> {
        IntVisitor.visit_u64(v).map(Pair::One)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Pair, E> {
        IntVisitor.visit_str(v).map(Pair::One)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pair, A::Error> {
        let h: Int = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let w: Int = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        if seq.next_element::<Int>()?.is_some() {
            return Err(de::Error::invalid_length(3, &self));
        }
        Ok(Pair::Two(h, w))
    }
}
