//! A discrete search space: named dimensions, each with a number of allowed values. A
//! [`Point`] holds one value index per dimension ("index genes"); what the indices mean is the
//! problem's business. Points and flat indices convert both ways (mixed radix, first dimension
//! most significant), so a whole space can be enumerated.

/// One design: an index into each dimension's list of values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Point(pub Vec<u32>);

/// Named discrete dimensions; a point picks an index in each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Space {
    /// Dimension names.
    pub names: Vec<String>,
    /// Values per dimension.
    pub sizes: Vec<u32>,
}

impl Space {
    /// A space from `(name, number of values)`; every size must be at least 1.
    pub fn new(dims: Vec<(String, u32)>) -> Space {
        assert!(
            dims.iter().all(|(_, n)| *n >= 1),
            "every dimension needs a value"
        );
        let (names, sizes) = dims.into_iter().unzip();
        Space { names, sizes }
    }

    /// Number of dimensions.
    pub fn dims(&self) -> usize {
        self.sizes.len()
    }

    /// Number of points.
    pub fn size(&self) -> u128 {
        self.sizes.iter().map(|&n| n as u128).product()
    }

    /// The point at a flat index (`index < size()`).
    pub fn point(&self, mut index: u128) -> Point {
        let mut genes = vec![0u32; self.sizes.len()];
        for (g, &n) in genes.iter_mut().zip(&self.sizes).rev() {
            *g = (index % n as u128) as u32;
            index /= n as u128;
        }
        Point(genes)
    }

    /// The flat index of a point.
    pub fn index(&self, p: &Point) -> u128 {
        p.0.iter()
            .zip(&self.sizes)
            .fold(0u128, |acc, (&g, &n)| acc * n as u128 + g as u128)
    }

    /// Whether every gene of `p` is an index of its dimension.
    pub fn contains(&self, p: &Point) -> bool {
        p.0.len() == self.sizes.len() && p.0.iter().zip(&self.sizes).all(|(g, n)| g < n)
    }
}

/// Hamming distance between two points: the number of genes that differ.
pub fn hamming(a: &Point, b: &Point) -> usize {
    a.0.iter().zip(&b.0).filter(|(x, y)| x != y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_round_trip() {
        let s = Space::new(vec![("a".into(), 3), ("b".into(), 4), ("c".into(), 5)]);
        assert_eq!(s.size(), 60);
        for i in 0..60 {
            let p = s.point(i);
            assert!(s.contains(&p));
            assert_eq!(s.index(&p), i);
        }
        assert_eq!(s.point(59), Point(vec![2, 3, 4]));
        assert_eq!(hamming(&Point(vec![0, 1, 2]), &Point(vec![0, 2, 3])), 2);
    }
}
