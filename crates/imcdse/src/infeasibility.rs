//! Why a design is infeasible, as a value: an invalid parameter combination, or the workloads
//! it cannot run and the area limit it exceeds. Its text (`Display`) is what results tables and
//! checkpoints record, and is made only for display; a reason read back from a file keeps only
//! that text ([`Infeasibility::Recorded`]).
//!
//! The violation the optimizers see (constrained domination) is the sum over causes of how far
//! the design is from feasible: `needed / available - 1` crossbars for weights that do not fit,
//! `area / limit - 1` for the area, 1 for a softmax unit that cannot run a layer; an invalid
//! combination is 1e6, worse than any buildable design; a design an external evaluator calls
//! infeasible has the evaluator's violation (1 when it gives none, or could not cost it); a
//! design whose costs multiply out of range has 1.

use imc_model::{Infeasible, ModelError};
use std::fmt;

/// One reason a valid architecture fails.
#[derive(Debug, Clone, PartialEq)]
pub enum Cause {
    /// A workload cannot run (its weights do not fit, its softmax cannot run).
    Workload {
        /// The workload's name.
        workload: String,
        /// Why.
        why: Infeasible,
    },
    /// A workload's compute SNR is below the minimum (`min_snr_db`).
    Snr(crate::accuracy::LowSnr),
    /// The chip is above the area limit (the chip's, so listed once).
    Area {
        /// The chip's area, mm2.
        area_mm2: f64,
        /// The limit, mm2.
        limit_mm2: f64,
    },
}

/// Why a design is infeasible. Two reasons are equal when their texts are: a reason read back
/// from a file equals the one that was written.
#[derive(Debug, Clone)]
pub enum Infeasibility {
    /// The parameter combination is not a valid architecture.
    Invalid(ModelError),
    /// A valid architecture that fails for these causes, in workload order.
    Causes(Vec<Cause>),
    /// Read back from a results file or a checkpoint: only the text is known.
    Recorded(String),
    /// Its costs, each a number, multiply to an EDAP or a score that is not a finite number
    /// above 0 (an overflow to infinity, an underflow to 0): no score can rank it.
    Range(String),
    /// An external evaluator said so, or gave no usable answer (`--evaluator`).
    External {
        /// Why, starting with `evaluator`.
        text: String,
        /// How far from feasible: the evaluator's own (1 when it gives none or failed), plus
        /// the area's when the chip it reports is above the limit.
        violation: f64,
    },
}

impl Cause {
    /// How far from feasible this cause alone is.
    pub fn violation(&self) -> f64 {
        match self {
            Cause::Workload {
                why:
                    Infeasible::WeightsDoNotFit {
                        needed_crossbars,
                        available_crossbars,
                        ..
                    },
                ..
            } => *needed_crossbars as f64 / *available_crossbars as f64 - 1.0,
            Cause::Workload {
                why:
                    Infeasible::AreaAboveLimit {
                        area_mm2,
                        limit_mm2,
                    },
                ..
            }
            | Cause::Area {
                area_mm2,
                limit_mm2,
            } => area_mm2 / limit_mm2 - 1.0,
            Cause::Workload {
                why: Infeasible::SoftmaxUnit { .. },
                ..
            } => 1.0,
            Cause::Workload {
                why:
                    Infeasible::SupplyBelowThreshold {
                        voltage_v,
                        lowest_v,
                    },
                ..
            } => 1.0 + (lowest_v - voltage_v) / lowest_v,
            Cause::Workload {
                why: Infeasible::SnrBelowMinimum { snr_db, min_db },
                ..
            } => crate::accuracy::shortfall(*snr_db, *min_db),
            Cause::Snr(low) => low.violation(),
        }
    }
}

impl Infeasibility {
    /// The causes of a design report's workloads (`(name, reason)` in workload order): each
    /// workload's own reason, and the area once, at the first workload that has no other.
    pub fn from_workloads<'a>(
        reasons: impl IntoIterator<Item = (&'a str, Option<&'a Infeasible>)>,
    ) -> Option<Infeasibility> {
        let mut causes = Vec::new();
        for (workload, why) in reasons {
            match why {
                Some(&Infeasible::AreaAboveLimit {
                    area_mm2,
                    limit_mm2,
                }) if !causes.iter().any(|c| matches!(c, Cause::Area { .. })) => {
                    causes.push(Cause::Area {
                        area_mm2,
                        limit_mm2,
                    });
                }
                Some(Infeasible::AreaAboveLimit { .. }) | None => {}
                Some(why) => causes.push(Cause::Workload {
                    workload: workload.to_string(),
                    why: why.clone(),
                }),
            }
        }
        (!causes.is_empty()).then_some(Infeasibility::Causes(causes))
    }

    /// `why` with the workloads below the minimum SNR added as causes (after the others).
    pub fn with_snr(
        why: Option<Infeasibility>,
        low: Vec<crate::accuracy::LowSnr>,
    ) -> Option<Infeasibility> {
        if low.is_empty() {
            return why;
        }
        let low = low.into_iter().map(Cause::Snr);
        Some(match why {
            Some(Infeasibility::Causes(mut c)) => {
                c.extend(low);
                Infeasibility::Causes(c)
            }
            _ => Infeasibility::Causes(low.collect()),
        })
    }

    /// The violation the optimizers see (see the module doc); at least 1e-12.
    pub fn violation(&self) -> f64 {
        match self {
            Infeasibility::Invalid(_) => 1e6,
            Infeasibility::Causes(c) => c.iter().map(Cause::violation).sum::<f64>().max(1e-12),
            Infeasibility::Recorded(_) | Infeasibility::Range(_) => 1.0,
            Infeasibility::External { violation, .. } => *violation,
        }
    }
}

impl PartialEq for Infeasibility {
    fn eq(&self, other: &Infeasibility) -> bool {
        self.to_string() == other.to_string()
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Workload { workload, why } => write!(f, "{workload}: {why}"),
            Cause::Snr(low) => low.fmt(f),
            Cause::Area {
                area_mm2,
                limit_mm2,
            } => Infeasible::AreaAboveLimit {
                area_mm2: *area_mm2,
                limit_mm2: *limit_mm2,
            }
            .fmt(f),
        }
    }
}

impl fmt::Display for Infeasibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Infeasibility::Invalid(e) => e.fmt(f),
            Infeasibility::Causes(causes) => {
                for (i, c) in causes.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    c.fmt(f)?;
                }
                Ok(())
            }
            Infeasibility::Recorded(text)
            | Infeasibility::Range(text)
            | Infeasibility::External { text, .. } => f.write_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_keep_workload_order_list_the_area_once_and_add_their_violations() {
        let fit = Infeasible::WeightsDoNotFit {
            needed_crossbars: 30,
            available_crossbars: 10,
            needed_cells: 99,
        };
        let area = Infeasible::AreaAboveLimit {
            area_mm2: 1200.0,
            limit_mm2: 800.0,
        };
        let r = Infeasibility::from_workloads([
            ("a", Some(&area)),
            ("b", Some(&fit)),
            ("c", None),
            ("d", Some(&area)),
        ])
        .unwrap();
        assert_eq!(
            r.to_string(),
            "area 1200.0 mm2 is above the limit of 800 mm2; b: weights do not fit on chip: 30 \
             crossbars needed (99 cells), 10 available"
        );
        assert!((r.violation() - (0.5 + 2.0)).abs() < 1e-12);
        assert_eq!(Infeasibility::from_workloads([("a", None)]), None);
        assert_eq!(Infeasibility::Recorded(r.to_string()), r);
        let e = ModelError::Combination("bad".into());
        assert_eq!(Infeasibility::Invalid(e).violation(), 1e6);
    }
}
