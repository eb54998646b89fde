//! The co-design problem: a point of a design space -> an architecture -> its cost on every
//! workload -> the objective. Infeasible designs (invalid parameter combinations, weights that
//! do not fit, area above the limit) are infeasible for every objective, with a reason and a
//! violation size for constrained domination: the sum over workloads of
//! `needed/available - 1` crossbars, plus `area/limit - 1`; an invalid combination gets
//! violation 1e6 (worse than any buildable design).

use crate::infeasibility::Infeasibility;
use crate::objective::Objective;
use crate::space::Space as SpaceFile;
use imc_model::cost::footprint;
use imc_model::{Architecture, ModelError, Plan, Value, evaluate_design_with};
use imc_search::{Outcome, Point, Space};
use imc_zoo::Workload;

/// FNV-1a, 64 bit: stable across Rust versions and platforms, unlike std's hasher.
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Everything a results row needs about one evaluated design.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// What the optimizer is told.
    pub outcome: Outcome,
    /// Why the design is infeasible (`None` when feasible).
    pub reason: Option<Infeasibility>,
    /// The objective score, `None` when infeasible.
    pub score: Option<f64>,
    /// The chip's area, mm2 (`None` for an invalid architecture).
    pub area_mm2: Option<f64>,
    /// Per workload (energy mJ, latency ms, EDAP); `None` for an invalid architecture.
    pub per_workload: Vec<Option<(f64, f64, f64)>>,
}

/// A design space, the workloads a design must serve, and the objective.
pub struct Problem {
    /// The space file as parsed.
    pub file: SpaceFile,
    /// The search's view of it: one dimension per free parameter.
    pub space: Space,
    /// The workloads.
    pub workloads: Vec<Workload>,
    /// Their names, in order.
    pub names: Vec<String>,
    /// The objective.
    pub objective: Objective,
    /// Each workload's repeated layers, found once (costed once per design).
    plans: Vec<Plan>,
}

impl Problem {
    /// The problem of a space file, workloads and an objective.
    pub fn new(file: SpaceFile, workloads: Vec<Workload>, objective: Objective) -> Problem {
        let space = Space::new(
            file.params
                .iter()
                .map(|(k, v)| (k.clone(), v.len() as u32))
                .collect(),
        );
        let names = workloads.iter().map(|w| w.name.clone()).collect();
        let plans = workloads.iter().map(Plan::new).collect();
        Problem {
            file,
            space,
            workloads,
            names,
            objective,
            plans,
        }
    }

    /// A hash of everything the costs depend on besides the code: the space file as parsed
    /// and the workloads' layers, with the tool version. Runs to be merged or resumed together
    /// must have the same.
    pub fn inputs(&self) -> String {
        format!(
            "{:016x}",
            fnv1a(&format!(
                "{:?}{:?}{}",
                self.file,
                self.workloads,
                env!("CARGO_PKG_VERSION")
            ))
        )
    }

    /// The parameter values of a point, in the space's order.
    pub fn values(&self, p: &Point) -> Vec<(String, Value)> {
        self.file
            .params
            .iter()
            .zip(&p.0)
            .map(|((k, vs), &g)| (k.clone(), vs[g as usize].clone()))
            .collect()
    }

    /// The architecture of a point: the fixed settings, the constraints' `weights_on_chip`,
    /// and the point's values; an invalid combination is an error with its reason.
    pub fn architecture(&self, p: &Point) -> Result<Architecture, ModelError> {
        let mut values = self.file.fixed.clone();
        if let Some(w) = self.file.constraints.weights_on_chip {
            values.push(("weights_on_chip".into(), Value::Bool(w)));
        }
        values.extend(self.values(p));
        Architecture::from_values(&values)
    }

    /// Cheap check before costing: a valid architecture whose weights fit for every workload.
    pub fn precheck(&self, p: &Point) -> bool {
        match self.architecture(p) {
            Ok(a) => {
                !a.weights_on_chip
                    || self
                        .workloads
                        .iter()
                        .all(|w| footprint(&a, w).0 <= a.crossbars())
            }
            Err(_) => false,
        }
    }

    /// Costs a point on every workload and scores it (see [`Infeasibility`] for what makes a
    /// design infeasible and how far it is from feasible).
    pub fn evaluate(&self, p: &Point) -> Evaluation {
        let arch = match self.architecture(p) {
            Ok(a) => a,
            Err(e) => {
                return Evaluation::infeasible(
                    Infeasibility::Invalid(e),
                    None,
                    vec![None; self.workloads.len()],
                );
            }
        };
        let r = evaluate_design_with(
            &arch,
            &self.workloads,
            Some(&self.plans),
            self.file.constraints.max_area_mm2,
        );
        let per_workload = r
            .workloads
            .iter()
            .map(|w| Some((w.energy_mj, w.latency_ms, w.edap)))
            .collect();
        let reasons = r
            .workloads
            .iter()
            .map(|w| (w.workload.as_str(), w.infeasible.as_ref()));
        if let Some(why) = Infeasibility::from_workloads(reasons) {
            return Evaluation::infeasible(why, Some(r.area_mm2), per_workload);
        }
        let e: Vec<f64> = r.workloads.iter().map(|w| w.energy_mj).collect();
        let l: Vec<f64> = r.workloads.iter().map(|w| w.latency_ms).collect();
        Evaluation {
            outcome: Outcome::Feasible(self.objective.vector(&self.names, &e, &l, r.area_mm2)),
            reason: None,
            score: Some(self.objective.score(&self.names, &e, &l, r.area_mm2)),
            area_mm2: Some(r.area_mm2),
            per_workload,
        }
    }
}

impl Evaluation {
    /// An infeasible design: the optimizer is told the reason's text and violation.
    pub fn infeasible(
        why: Infeasibility,
        area_mm2: Option<f64>,
        per_workload: Vec<Option<(f64, f64, f64)>>,
    ) -> Evaluation {
        Evaluation {
            outcome: Outcome::Infeasible {
                violation: why.violation(),
                reason: why.to_string(),
            },
            reason: Some(why),
            score: None,
            area_mm2,
            per_workload,
        }
    }
}
