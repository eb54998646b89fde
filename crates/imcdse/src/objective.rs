//! Joint objectives over a workload set W, from per-workload energy E_w (mJ), latency L_w (ms)
//! and the chip area A (mm^2), all minimized (paper-framework.md section 5):
//!
//! - `max-ela` = max_w E_w x max_w L_w x A: the joint co-optimization paper's score;
//! - `mean-ela` = mean_w E_w x mean_w L_w x A (its 9-workload runs);
//! - `prod-ela` = A x prod_w E_w x prod_w L_w;
//! - `edap:<w>` (or `edap-<w>`) = E_w x L_w x A for one workload of the set;
//! - `pareto`: the vector (max_w E_w, max_w L_w, A), for Pareto searches;
//! - `pareto-snr`: (max_w E_w, max_w L_w, A, -min_w SNR_w), the energy-accuracy trade-off as
//!   one front (SNR_w the workload's compute SNR in dB, [`crate::accuracy`]).

use anyhow::{Result, bail};

/// A joint objective (see the module doc for the formulas).
#[derive(Debug, Clone, PartialEq)]
pub enum Objective {
    /// max E x max L x A.
    MaxEla,
    /// mean E x mean L x A.
    MeanEla,
    /// A x prod E x prod L.
    ProdEla,
    /// E x L x A of the named workload.
    Edap(String),
    /// (max E, max L, A), three objectives.
    Pareto,
    /// (max E, max L, A, -min SNR), four objectives.
    ParetoSnr,
}

impl Objective {
    /// Parses an objective name; `workloads` are the run's workload names (for `edap:`).
    pub fn parse(text: &str, workloads: &[String]) -> Result<Objective> {
        let o = match text {
            "max-ela" => Objective::MaxEla,
            "mean-ela" => Objective::MeanEla,
            "prod-ela" => Objective::ProdEla,
            "pareto" => Objective::Pareto,
            "pareto-snr" => Objective::ParetoSnr,
            _ => match text
                .strip_prefix("edap:")
                .or_else(|| text.strip_prefix("edap-"))
            {
                Some(w) if workloads.iter().any(|x| x == w) => Objective::Edap(w.to_string()),
                Some(w) => bail!(
                    "--objective {text}: `{w}` is not one of the run's workloads ({})",
                    workloads.join(", ")
                ),
                None => bail!(
                    "unknown objective `{text}`; allowed: max-ela, mean-ela, prod-ela, edap:<workload>, pareto, pareto-snr"
                ),
            },
        };
        Ok(o)
    }

    /// The name as typed (`edap:<w>` for one workload).
    pub fn name(&self) -> String {
        match self {
            Objective::MaxEla => "max-ela".into(),
            Objective::MeanEla => "mean-ela".into(),
            Objective::ProdEla => "prod-ela".into(),
            Objective::Edap(w) => format!("edap:{w}"),
            Objective::Pareto => "pareto".into(),
            Objective::ParetoSnr => "pareto-snr".into(),
        }
    }

    /// Whether it has more than one objective.
    pub fn is_pareto(&self) -> bool {
        matches!(self, Objective::Pareto | Objective::ParetoSnr)
    }

    /// How many objectives the optimizer minimizes.
    pub fn dims(&self) -> usize {
        match self {
            Objective::Pareto => 3,
            Objective::ParetoSnr => 4,
            _ => 1,
        }
    }

    /// The scalar score (for `pareto`, the paper's max-ela, reported in the score column).
    pub fn score(&self, names: &[String], e: &[f64], l: &[f64], area: f64) -> f64 {
        let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        match self {
            Objective::MaxEla | Objective::Pareto | Objective::ParetoSnr => max(e) * max(l) * area,
            Objective::MeanEla => mean(e) * mean(l) * area,
            Objective::ProdEla => area * e.iter().product::<f64>() * l.iter().product::<f64>(),
            // `parse` checks the workload is one of the run's; a name that is not scores NaN,
            // which ranks below every number.
            Objective::Edap(w) => names
                .iter()
                .position(|n| n == w)
                .map_or(f64::NAN, |i| e[i] * l[i] * area),
        }
    }

    /// The objective vector the optimizer minimizes; `snr` is each workload's compute SNR, dB
    /// (read by `pareto-snr` only).
    pub fn vector(
        &self,
        names: &[String],
        e: &[f64],
        l: &[f64],
        area: f64,
        snr: &[f64],
    ) -> Vec<f64> {
        let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        match self {
            Objective::Pareto => vec![max(e), max(l), area],
            Objective::ParetoSnr => {
                let worst = snr.iter().copied().fold(f64::INFINITY, f64::min);
                vec![max(e), max(l), area, -worst]
            }
            _ => vec![self.score(names, e, l, area)],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_on_a_hand_computed_case() {
        let names: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        let (e, l, a) = ([2.0, 3.0], [5.0, 1.0], 10.0);
        assert_eq!(Objective::MaxEla.score(&names, &e, &l, a), 3.0 * 5.0 * 10.0);
        assert_eq!(
            Objective::MeanEla.score(&names, &e, &l, a),
            2.5 * 3.0 * 10.0
        );
        assert_eq!(
            Objective::ProdEla.score(&names, &e, &l, a),
            10.0 * 6.0 * 5.0
        );
        assert_eq!(
            Objective::Edap("b".into()).score(&names, &e, &l, a),
            3.0 * 1.0 * 10.0
        );
        assert_eq!(
            Objective::Pareto.vector(&names, &e, &l, a, &[]),
            vec![3.0, 5.0, 10.0]
        );
        assert_eq!(
            Objective::ParetoSnr.vector(&names, &e, &l, a, &[20.0, 12.5]),
            vec![3.0, 5.0, 10.0, -12.5]
        );
        assert_eq!(Objective::parse("pareto-snr", &names).unwrap().dims(), 4);
        assert_eq!(
            Objective::parse("edap-a", &names).unwrap(),
            Objective::Edap("a".into())
        );
        let err = Objective::parse("edap:c", &names).unwrap_err().to_string();
        assert!(
            err.contains("`c` is not one of the run's workloads (a, b)"),
            "{err}"
        );
        let err = Objective::parse("min-ela", &names).unwrap_err().to_string();
        assert!(
            err.contains(
                "allowed: max-ela, mean-ela, prod-ela, edap:<workload>, pareto, pareto-snr"
            ),
            "{err}"
        );
    }
}
