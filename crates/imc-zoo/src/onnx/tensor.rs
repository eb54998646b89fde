//! A tensor as the importer sees it (a concrete shape, whether it depends on the data, its
//! values when known and small), the bounds every shape is checked against, and attribute
//! reading.

use super::proto::{Data, Node, Value};

/// The largest size of one dimension: 2^24 (16,777,216; a vocabulary or a long sequence fits).
pub const MAX_DIM: u64 = 1 << 24;
/// The most elements of one tensor: 2^46, the zoo's bound on one layer's figures.
pub const MAX_ELEMENTS: u64 = 1 << 46;
/// Values are folded for tensors of at most this many elements.
pub const MAX_FOLD: u64 = 1 << 16;

/// A tensor as the importer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct T {
    /// Concrete shape.
    pub shape: Vec<u64>,
    /// Whether it depends on the data input.
    pub data: bool,
    /// Its values, when known.
    pub value: Option<Data>,
}

impl T {
    /// Elements.
    pub fn numel(&self) -> u64 {
        count(&self.shape)
    }

    /// A tensor of that shape and no values.
    pub fn of(shape: Vec<u64>, data: bool) -> T {
        T {
            shape,
            data,
            value: None,
        }
    }

    /// Its values as integers, when known.
    pub fn ints(&self) -> Option<Vec<i64>> {
        match &self.value {
            Some(Data::Int(v)) => Some(v.clone()),
            Some(Data::Float(v)) => Some(v.iter().map(|x| *x as i64).collect()),
            None => None,
        }
    }
}

/// Elements of a shape, saturating (shapes not yet checked may be absurd).
pub fn count(shape: &[u64]) -> u64 {
    crate::ops::prod(shape)
}

/// Checks a shape against [`MAX_DIM`] and [`MAX_ELEMENTS`] (the latter counting only its
/// non-empty axes).
pub fn check_shape(shape: &[u64]) -> Result<(), String> {
    if let Some(d) = shape.iter().find(|&&d| d > MAX_DIM) {
        return Err(format!(
            "dimension {d} in shape {shape:?} is larger than {MAX_DIM}, the largest this importer accepts"
        ));
    }
    // Empty axes are left out of the count, so that no product of some of the dimensions (a
    // `Flatten`, a norm's features) can overflow either.
    let n = shape
        .iter()
        .filter(|&&d| d != 0)
        .fold(1u64, |n, &d| n.saturating_mul(d));
    if n > MAX_ELEMENTS {
        let empty = if shape.contains(&0) {
            " (not counting its empty axes)"
        } else {
            ""
        };
        return Err(format!(
            "shape {shape:?} has more than 2^46 elements{empty}"
        ));
    }
    Ok(())
}

/// Reads attributes with defaults.
pub struct Attrs<'a>(pub &'a Node);

impl Attrs<'_> {
    /// An integer attribute.
    pub fn int(&self, name: &str, default: i64) -> i64 {
        match self.0.attr(name) {
            Some(Value::Int(i)) => *i,
            _ => default,
        }
    }
    /// A list of integers, when present.
    pub fn ints(&self, name: &str) -> Option<Vec<i64>> {
        match self.0.attr(name) {
            Some(Value::Ints(v)) => Some(v.clone()),
            _ => None,
        }
    }
    /// A float attribute.
    pub fn float(&self, name: &str, default: f64) -> f64 {
        match self.0.attr(name) {
            Some(Value::Float(f)) => *f,
            _ => default,
        }
    }
    /// A string attribute.
    pub fn str(&self, name: &str, default: &str) -> String {
        match self.0.attr(name) {
            Some(Value::Str(s)) => s.clone(),
            _ => default.to_string(),
        }
    }
}

/// An axis attribute or input, negative counted from the end, checked against the rank (a
/// scalar has no axis: every caller indexes the shape with it).
pub fn axis(a: i64, rank: usize) -> Result<usize, String> {
    let r = rank as i64;
    let x = if a < 0 { a + r } else { a };
    if x < 0 || x >= r {
        return Err(format!("axis {a} is out of range for rank {rank}"));
    }
    Ok(x as usize)
}

/// Dimensions from integers, refusing negative ones.
pub fn dims(v: &[i64]) -> Result<Vec<u64>, String> {
    v.iter()
        .map(|&d| u64::try_from(d).map_err(|_| format!("negative dimension {d} in {v:?}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_counted_from_either_end_and_a_scalar_has_none() {
        assert_eq!(axis(-1, 3), Ok(2));
        assert_eq!(axis(0, 1), Ok(0));
        assert!(axis(3, 3).is_err());
        assert!(axis(-4, 3).is_err());
        assert!(axis(i64::MIN, 3).is_err());
        assert_eq!(axis(0, 0).unwrap_err(), "axis 0 is out of range for rank 0");
    }

    #[test]
    fn empty_axes_are_not_counted_in_the_element_bound() {
        let d = MAX_DIM;
        assert!(check_shape(&[d, 1 << 22, 0]).is_ok());
        assert!(check_shape(&[d, d, d]).is_err());
        assert_eq!(
            check_shape(&[d, d, d, 0]).unwrap_err(),
            "shape [16777216, 16777216, 16777216, 0] has more than 2^46 elements (not counting its empty axes)"
        );
    }
}
