//! Standard multi-objective test problems on a discretized domain, for checking optimizers:
//! each real variable in [0, 1] becomes `levels` evenly spaced values (gene g -> g/(levels-1)).
//! ZDT1-3 (Zitzler, Deb, Thiele, Evolutionary Computation 8(2), 2000) with 30 variables;
//! DTLZ2 (Deb, Thiele, Laumanns, Zitzler 2002) with 3 objectives and 12 variables.

use crate::outcome::Outcome;
use crate::space::{Point, Space};

/// Standard multi-objective test problems, discretized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// ZDT1 (convex front).
    Zdt1,
    /// ZDT2 (concave front).
    Zdt2,
    /// ZDT3 (disconnected front).
    Zdt3,
    /// DTLZ2 with three objectives (spherical front).
    Dtlz2,
}

impl Problem {
    /// Number of decision variables.
    pub fn variables(self) -> usize {
        match self {
            Problem::Dtlz2 => 12,
            _ => 30,
        }
    }

    /// The discretized space: `levels` values per variable in [0, 1].
    pub fn space(self, levels: u32) -> Space {
        Space::new(
            (0..self.variables())
                .map(|i| (format!("x{i}"), levels))
                .collect(),
        )
    }

    /// The objectives at a point.
    pub fn evaluate(self, p: &Point, levels: u32) -> Outcome {
        let x: Vec<f64> =
            p.0.iter()
                .map(|&g| g as f64 / (levels - 1) as f64)
                .collect();
        let n = x.len() as f64;
        let f = match self {
            Problem::Zdt1 | Problem::Zdt2 | Problem::Zdt3 => {
                let g = 1.0 + 9.0 * x[1..].iter().sum::<f64>() / (n - 1.0);
                let r = x[0] / g;
                let h = match self {
                    Problem::Zdt1 => 1.0 - r.sqrt(),
                    Problem::Zdt2 => 1.0 - r * r,
                    _ => 1.0 - r.sqrt() - r * (10.0 * std::f64::consts::PI * x[0]).sin(),
                };
                vec![x[0], g * h]
            }
            Problem::Dtlz2 => {
                let g: f64 = x[2..].iter().map(|v| (v - 0.5).powi(2)).sum();
                let (a, b) = (
                    x[0] * std::f64::consts::FRAC_PI_2,
                    x[1] * std::f64::consts::FRAC_PI_2,
                );
                vec![
                    (1.0 + g) * a.cos() * b.cos(),
                    (1.0 + g) * a.cos() * b.sin(),
                    (1.0 + g) * a.sin(),
                ]
            }
        };
        Outcome::Feasible(f)
    }
}
