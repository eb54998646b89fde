//! What an evaluation tells the optimizer: objective values to minimize, or infeasibility with a
//! violation size (how far outside the constraints; used by constrained domination, Deb 2000)
//! and a reason. An infeasible design is never given a score.

/// The outcome of one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The objective vector, every entry minimized.
    Feasible(Vec<f64>),
    /// Not a valid or buildable design.
    Infeasible {
        /// How far from feasible (> 0); smaller is closer, for constrained domination.
        violation: f64,
        /// Why, for people.
        reason: String,
    },
}

impl Outcome {
    /// The objective vector of a feasible outcome.
    pub fn objectives(&self) -> Option<&[f64]> {
        match self {
            Outcome::Feasible(f) => Some(f),
            Outcome::Infeasible { .. } => None,
        }
    }

    /// 0 for a feasible outcome, else its violation.
    pub fn violation(&self) -> f64 {
        match self {
            Outcome::Feasible(_) => 0.0,
            Outcome::Infeasible { violation, .. } => *violation,
        }
    }

    /// Whether the design is feasible.
    pub fn is_feasible(&self) -> bool {
        matches!(self, Outcome::Feasible(_))
    }
}

/// Pareto dominance for minimization: `a` is no worse everywhere and better somewhere.
pub fn dominates(a: &[f64], b: &[f64]) -> bool {
    let mut better = false;
    for (x, y) in a.iter().zip(b) {
        if x > y {
            return false;
        }
        if x < y {
            better = true;
        }
    }
    better
}

/// Constrained domination (Deb, 2000): a feasible outcome beats an infeasible one; of two
/// infeasible outcomes the smaller violation wins; two feasible outcomes compare by dominance.
pub fn constrained_dominates(a: &Outcome, b: &Outcome) -> bool {
    match (a, b) {
        (Outcome::Feasible(x), Outcome::Feasible(y)) => dominates(x, y),
        (Outcome::Feasible(_), Outcome::Infeasible { .. }) => true,
        (Outcome::Infeasible { .. }, Outcome::Feasible(_)) => false,
        (Outcome::Infeasible { violation: v, .. }, Outcome::Infeasible { violation: w, .. }) => {
            v < w
        }
    }
}

/// Total order for single-objective ranking: feasible by the first objective, then infeasible by
/// violation. Ties keep their order (stable sorts).
pub fn rank_cmp(a: &Outcome, b: &Outcome) -> std::cmp::Ordering {
    match (a, b) {
        (Outcome::Feasible(x), Outcome::Feasible(y)) => x[0].total_cmp(&y[0]),
        (Outcome::Feasible(_), Outcome::Infeasible { .. }) => std::cmp::Ordering::Less,
        (Outcome::Infeasible { .. }, Outcome::Feasible(_)) => std::cmp::Ordering::Greater,
        (a, b) => a.violation().total_cmp(&b.violation()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domination_rules() {
        assert!(dominates(&[1.0, 2.0], &[1.0, 3.0]));
        assert!(!dominates(&[1.0, 2.0], &[1.0, 2.0]));
        assert!(!dominates(&[0.0, 3.0], &[1.0, 2.0]));
        let f = Outcome::Feasible(vec![9.0]);
        let i1 = Outcome::Infeasible {
            violation: 1.0,
            reason: "x".into(),
        };
        let i2 = Outcome::Infeasible {
            violation: 2.0,
            reason: "y".into(),
        };
        assert!(constrained_dominates(&f, &i1));
        assert!(constrained_dominates(&i1, &i2));
        assert!(!constrained_dominates(&i2, &f));
        assert_eq!(rank_cmp(&i1, &f), std::cmp::Ordering::Greater);
    }
}
