//! The co-design problem: a point of a design space -> an architecture -> its cost on every
//! workload -> the objective. Infeasible designs (invalid parameter combinations, weights that
//! do not fit, area above the limit) are infeasible for every objective, with a reason and a
//! violation size for constrained domination: the sum over workloads of
//! `needed/available - 1` crossbars, plus `area/limit - 1`; an invalid combination gets
//! violation 1e6 (worse than any buildable design).

use crate::accuracy::Accuracy;
use crate::evaluator::protocol::Answer;
use crate::evaluator::{Evaluator, EvaluatorOptions};
use crate::hash::fnv1a;
use crate::infeasibility::{Cause, Infeasibility};
use crate::objective::Objective;
use crate::progress::Progress;
use crate::space::Space as SpaceFile;
use imc_model::cost::footprint;
use imc_model::{
    Architecture, Assignment, Factors, ModelError, Plan, Settings, Value, evaluate_design_with,
};
use imc_search::{Outcome, Point, Space};
use imc_zoo::Workload;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

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
    /// An external evaluator's extra numeric fields, by name, sorted (empty for the model).
    pub extra: Vec<(String, f64)>,
    /// Per workload, its compute SNR, dB ([`crate::accuracy`]; an external evaluator's when
    /// it answers one); empty for an invalid architecture.
    pub snr_db: Vec<Option<f64>>,
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
    /// The compute SNR's view of the workloads, and the minimum (`min_snr_db`).
    pub accuracy: Accuracy,
    /// Each workload's repeated layers, found once (costed once per design).
    plans: Vec<Plan>,
    /// The fixed settings and the constraints' `weights_on_chip`, checked once.
    base: Settings,
    /// Each free parameter's listed values, checked once, in the space's order.
    choices: Vec<Vec<Assignment>>,
    /// The calibration's factors (all 1 without one).
    factors: Factors,
    /// An external evaluator costing valid designs in place of the model (`--evaluator`).
    external: OnceLock<Arc<Evaluator>>,
}

impl Problem {
    /// The problem of a space file, workloads and an objective. Every value of the space is
    /// checked here, once; a value the parameter table does not allow is an error naming it
    /// (a space read by [`SpaceFile::load`] has been checked already).
    pub fn new(
        file: SpaceFile,
        workloads: Vec<Workload>,
        objective: Objective,
    ) -> Result<Problem, ModelError> {
        let space = file.search_space();
        let names = workloads.iter().map(|w| w.name.clone()).collect();
        let plans = workloads.iter().map(Plan::new).collect();
        let accuracy = Accuracy::new(&workloads, file.constraints.min_snr_db);
        let factors = file.factors();
        let mut base = Settings::default();
        base.set(&file.base_values())?;
        let choices = file
            .params
            .iter()
            .map(|(k, vs)| vs.iter().map(|v| Assignment::new(k, v)).collect())
            .collect::<Result<_, _>>()?;
        Ok(Problem {
            file,
            space,
            workloads,
            names,
            objective,
            accuracy,
            plans,
            base,
            choices,
            factors,
            external: OnceLock::new(),
        })
    }

    /// From now on, valid designs are costed by an external evaluator (an invalid parameter
    /// combination is still refused here, without asking it). A problem takes one evaluator
    /// once: a second is an error.
    pub fn attach(&self, evaluator: Arc<Evaluator>) -> anyhow::Result<()> {
        self.external
            .set(evaluator)
            .map_err(|_| anyhow::anyhow!("the problem already has an external evaluator"))
    }

    /// Starts `options`' workers for this problem's workloads, their log `dir/evaluator.log`,
    /// says so on `progress`, and attaches them ([`Problem::attach`]): from now on every valid
    /// design it costs goes to them. Returns the evaluator's `name version`.
    pub fn start_evaluator(
        &self,
        options: &EvaluatorOptions,
        dir: &Path,
        progress: &dyn Progress,
    ) -> anyhow::Result<String> {
        let log = dir.join("evaluator.log");
        let e =
            Evaluator::start(options.clone(), &self.workloads, &log).map_err(anyhow::Error::msg)?;
        let identity = e.handshake().identity();
        progress.note(&format!(
            "evaluator: {identity} ({} workers, timeout {} s, log {})",
            options.workers,
            options.timeout.as_secs_f64(),
            log.display()
        ));
        self.attach(Arc::new(e))?;
        Ok(identity)
    }

    /// The external evaluator, when there is one.
    pub fn evaluator(&self) -> Option<&Evaluator> {
        self.external.get().map(|e| e.as_ref())
    }

    /// An error when the external evaluator was taken for broken ([`Evaluator::broken`]): a
    /// study checks before it records designs, so that none costed since is kept.
    pub fn check_evaluator(&self) -> anyhow::Result<()> {
        match self.evaluator().and_then(Evaluator::broken) {
            Some(why) => Err(anyhow::Error::msg(why)),
            None => Ok(()),
        }
    }

    /// A hash of everything the costs depend on: the space file as parsed and the workloads'
    /// layers, with the tool version and the model's revision and defaults
    /// ([`imc_model::fingerprint`]), and an external evaluator's name and version. Runs to be
    /// merged or resumed together must have the same.
    pub fn inputs(&self) -> String {
        let identity = self.evaluator().map(|e| e.handshake().identity());
        self.inputs_with(identity.as_deref())
    }

    /// [`Problem::inputs`] with the evaluator `name version` given (`None`: the model), before
    /// the evaluator has started.
    pub fn inputs_with(&self, evaluator: Option<&str>) -> String {
        let evaluator = evaluator
            .map(|e| format!("evaluator {e}"))
            .unwrap_or_default();
        format!(
            "{:016x}",
            fnv1a(&format!(
                "{:?}{:?}{}{}{evaluator}",
                self.file,
                self.workloads,
                env!("CARGO_PKG_VERSION"),
                imc_model::fingerprint()
            ))
        )
    }

    /// What [`Problem::inputs`] hashes, part by part, each hashed alone: `space` (without the
    /// calibration and the minimum SNR), `calibration`, `min_snr` (a space's `min_snr_db` or
    /// `--min-snr`), `workload <name>` for each, `model` (tool version and model revision) and
    /// `evaluator` (with `name version` given, as in [`Problem::inputs_with`]). run.toml
    /// records them so that a refused resume names what changed.
    pub fn input_parts(&self, evaluator: Option<&str>) -> BTreeMap<String, String> {
        let h = |text: String| format!("{:016x}", fnv1a(&text));
        let mut space = self.file.clone();
        let min_snr = space.constraints.min_snr_db.take();
        let calibration = space.calibration.take();
        if let Some(c) = &calibration {
            // The calibration's parameters are in `fixed` too: they are the calibration's part.
            space
                .fixed
                .retain(|(k, _)| !c.parameters.iter().any(|(p, _)| p == k));
        }
        let mut parts = BTreeMap::new();
        parts.insert("space".to_string(), h(format!("{space:?}")));
        if let Some(c) = calibration {
            parts.insert("calibration".into(), h(format!("{c:?}")));
        }
        if let Some(db) = min_snr {
            parts.insert("min_snr".into(), h(format!("{db:?}")));
        }
        for w in &self.workloads {
            parts.insert(format!("workload {}", w.name), h(format!("{w:?}")));
        }
        let model = format!("{}{}", env!("CARGO_PKG_VERSION"), imc_model::fingerprint());
        parts.insert("model".into(), h(model));
        if let Some(e) = evaluator {
            parts.insert("evaluator".into(), h(e.to_string()));
        }
        parts
    }

    /// Every parameter of a point's design: the space's fixed values and constraints'
    /// `weights_on_chip`, then the point's values (what an external evaluator is sent).
    pub fn design(&self, p: &Point) -> Vec<(String, Value)> {
        let mut all = self.file.base_values();
        all.extend(self.values(p));
        all
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
    /// and the point's values, each copied as checked when the problem was made; an invalid
    /// combination is an error with its reason.
    pub fn architecture(&self, p: &Point) -> Result<Architecture, ModelError> {
        let mut settings = self.base;
        for (choices, &g) in self.choices.iter().zip(&p.0) {
            settings.apply(choices[g as usize]);
        }
        let mut a = settings.resolve()?;
        a.factors = self.factors;
        Ok(a)
    }

    /// Cheap check before costing: a valid architecture whose weights fit for every workload.
    pub fn precheck(&self, p: &Point) -> bool {
        match self.architecture(p) {
            Ok(a) => {
                !a.chip.weights_on_chip
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
        if let Some(e) = self.external.get() {
            return self.external_evaluation(e, p, &arch);
        }
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
        let snr = self.accuracy.snr_db(&arch);
        let reasons = r
            .workloads
            .iter()
            .map(|w| (w.workload.as_str(), w.infeasible.as_ref()));
        let low = self.accuracy.below(&self.names, &snr);
        let mut eval = match Infeasibility::with_snr(Infeasibility::from_workloads(reasons), low) {
            Some(why) => Evaluation::infeasible(why, Some(r.area_mm2), per_workload),
            None => {
                let e: Vec<f64> = r.workloads.iter().map(|w| w.energy_mj).collect();
                let l: Vec<f64> = r.workloads.iter().map(|w| w.latency_ms).collect();
                self.scored(&e, &l, r.area_mm2, &snr, per_workload)
            }
        };
        eval.snr_db = snr.into_iter().map(Some).collect();
        eval
    }
}

impl Problem {
    /// A valid design costed by the external evaluator: its answer scored like the model's
    /// costs (the area limit applied here), or infeasible with the evaluator's reason or
    /// what went wrong. Its SNR per workload is the evaluator's where it answers one, else the
    /// model's for the design's read chain.
    fn external_evaluation(&self, e: &Evaluator, p: &Point, arch: &Architecture) -> Evaluation {
        let n = self.workloads.len();
        let limit = self.file.constraints.max_area_mm2;
        let above = |area: Option<f64>| {
            area.zip(limit)
                .filter(|(a, l)| a > l)
                .map(|(area_mm2, limit_mm2)| Cause::Area {
                    area_mm2,
                    limit_mm2,
                })
        };
        match e.cost(&self.design(p)) {
            Err(text) => {
                let why = Infeasibility::External {
                    text,
                    violation: 1.0,
                };
                Evaluation::infeasible(why, None, vec![None; n])
            }
            Ok(Answer::Infeasible {
                reason,
                violation,
                area_mm2,
            }) => {
                let mut text = format!("evaluator {}: {reason}", e.handshake().name);
                let mut violation = violation.unwrap_or(1.0);
                if let Some(area) = above(area_mm2) {
                    violation += area.violation();
                    text.push_str(&format!("; {area}"));
                }
                let why = Infeasibility::External { text, violation };
                Evaluation::infeasible(why, area_mm2, vec![None; n])
            }
            Ok(Answer::Feasible {
                area_mm2,
                costs,
                extra,
                snr_db,
            }) => {
                let per_workload = costs
                    .iter()
                    .map(|&(en, l)| Some((en, l, en * l * area_mm2)))
                    .collect();
                // The evaluator's SNRs; the model's only where it gives none.
                let snr: Vec<f64> = match snr_db.iter().copied().collect::<Option<Vec<f64>>>() {
                    Some(answered) => answered,
                    None => {
                        let model = self.accuracy.snr_db(arch);
                        snr_db
                            .iter()
                            .zip(model)
                            .map(|(a, m)| a.unwrap_or(m))
                            .collect()
                    }
                };
                let area = above(Some(area_mm2)).map(|a| Infeasibility::Causes(vec![a]));
                let low = self.accuracy.below(&self.names, &snr);
                let mut eval = match Infeasibility::with_snr(area, low) {
                    Some(why) => Evaluation::infeasible(why, Some(area_mm2), per_workload),
                    None => {
                        let (en, l): (Vec<f64>, Vec<f64>) = costs.into_iter().unzip();
                        self.scored(&en, &l, area_mm2, &snr, per_workload)
                    }
                };
                eval.extra = extra;
                eval.snr_db = snr.into_iter().map(Some).collect();
                eval
            }
        }
    }

    /// A feasible design's evaluation: its objective vector and score from its energies and
    /// latencies (per workload) and area. Costs that multiply out of range (an EDAP, an
    /// objective or the score that is not a finite number above 0) make it infeasible
    /// instead, with the reason, whichever evaluator gave them; the numbers that are out of
    /// range are left out of its row.
    fn scored(
        &self,
        e: &[f64],
        l: &[f64],
        area_mm2: f64,
        snr: &[f64],
        per_workload: Vec<Option<(f64, f64, f64)>>,
    ) -> Evaluation {
        let vector = self.objective.vector(&self.names, e, l, area_mm2, snr);
        let score = self.objective.score(&self.names, e, l, area_mm2);
        let costs = Costs {
            names: &self.names,
            energy: e,
            latency: l,
            area_mm2,
            per_workload: &per_workload,
        };
        if let Some(why) = costs.out_of_range(&self.objective, &vector, score) {
            let usable_costs = |w: (f64, f64, f64)| [w.0, w.1, w.2].into_iter().all(usable);
            let per_workload = per_workload
                .into_iter()
                .map(|w| w.filter(|&w| usable_costs(w)))
                .collect();
            let area = Some(area_mm2).filter(|&a| usable(a));
            return Evaluation::infeasible(Infeasibility::Range(why), area, per_workload);
        }
        Evaluation {
            outcome: Outcome::Feasible(vector),
            reason: None,
            score: Some(score),
            area_mm2: Some(area_mm2),
            per_workload,
            extra: Vec::new(),
            snr_db: Vec::new(),
        }
    }
}

/// A finite number above 0: what every cost, EDAP, objective and score must be.
fn usable(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// The costs of a design that its evaluator calls feasible.
struct Costs<'a> {
    names: &'a [String],
    energy: &'a [f64],
    latency: &'a [f64],
    area_mm2: f64,
    /// (energy, latency, EDAP) per workload, as the evaluator gave them.
    per_workload: &'a [Option<(f64, f64, f64)>],
}

impl Costs<'_> {
    /// Why these costs give no usable score (`None` when every cost, EDAP, objective and the
    /// score is a finite number above 0), e.g. "costs overflow: vgg16: energy 1e308 mJ x
    /// latency 1e308 ms x area 100 mm2 = EDAP inf".
    fn out_of_range(&self, objective: &Objective, vector: &[f64], score: f64) -> Option<String> {
        use crate::report::bounded as b;
        let what = |x: f64| match x {
            x if x.is_infinite() => "overflow",
            x if x.is_nan() => "are not numbers",
            _ => "underflow",
        };
        let tail = "; every cost, EDAP and score must be a finite number above 0";
        let area = self.area_mm2;
        let edaps = self.per_workload.iter().map(|w| w.map(|w| w.2));
        for (((name, &e), &l), edap) in self
            .names
            .iter()
            .zip(self.energy)
            .zip(self.latency)
            .zip(edaps)
        {
            let edap = edap.unwrap_or(e * l * area);
            if let Some(&bad) = [e, l, area, edap].iter().find(|&&x| !usable(x)) {
                return Some(format!(
                    "costs {}: {name}: energy {} mJ x latency {} ms x area {} mm2 = EDAP {}{tail}",
                    what(bad),
                    b(e),
                    b(l),
                    b(area),
                    b(edap)
                ));
            }
        }
        // Costs and their products only: `pareto-snr`'s fourth objective is minus an SNR in
        // dB, finite by construction and of either sign.
        let bad = vector
            .iter()
            .take(3)
            .chain([&score])
            .find(|&&x| !usable(x))?;
        Some(format!(
            "costs {}: the {} score of these costs is {}{tail}",
            what(*bad),
            objective.name(),
            b(*bad)
        ))
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
            extra: Vec::new(),
            snr_db: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imc_zoo::Zoo;

    fn problem(space: SpaceFile) -> Result<Problem, ModelError> {
        let w = Zoo::builtin().unwrap().resolve("resnet18").unwrap();
        let o = Objective::parse("max-ela", &["resnet18".to_string()]).unwrap();
        Problem::new(space, w, o)
    }

    /// A point's architecture, built by copying values checked once, is the architecture the
    /// full check of its `(name, value)` pairs builds: for every design of the demo space and
    /// of a space with invalid combinations and dependent defaults, and a spread of
    /// paper-sram's.
    #[test]
    fn copied_settings_build_the_checked_architecture() {
        let mixed = "schema_version = 1\nname = \"mixed\"\ndescription = \"d\"\n[fixed]\n\
                     weights_on_chip = false\n[params]\ndevice = [\"rram\", \"sram\"]\n\
                     bits_per_cell = [1, 2]\nrows = [64, 256]\nparallel_rows = [32, 128]\n\
                     cols = [64, 128]\ncols_per_adc = [8, 96]\ntechnology_nm = [22, 32]\n";
        let spaces = [
            (SpaceFile::resolve("demo").unwrap(), 1),
            (SpaceFile::parse("mixed.toml", mixed).unwrap(), 1),
            (SpaceFile::resolve("paper-sram").unwrap(), 9_973),
        ];
        for (file, step) in spaces {
            let name = file.name.clone();
            let p = problem(file).unwrap();
            let mut invalid = 0;
            for i in (0..p.file.size()).step_by(step) {
                let point = p.space.point(i);
                let checked = p.file.build(&p.values(&point));
                invalid += checked.is_err() as usize;
                assert_eq!(p.architecture(&point), checked, "{name} design {i}");
            }
            assert_eq!(invalid > 0, name == "mixed", "{name}: {invalid} invalid");
        }
    }

    /// E3, E4: costs that are each a number but multiply to an EDAP or a score that is not a
    /// finite number above 0 make the design infeasible with the reason, whoever gave them
    /// (the model with a calibration, or an evaluator); the row keeps only usable numbers, so
    /// that its checkpoint line reads back.
    #[test]
    fn e3_costs_that_multiply_out_of_range_are_infeasible() {
        let p = problem(SpaceFile::resolve("demo").unwrap()).unwrap();
        let ok = p.scored(&[2.0], &[3.0], 4.0, &[], vec![Some((2.0, 3.0, 24.0))]);
        assert_eq!(ok.score, Some(24.0));
        let cases = [
            (
                1e300,
                1e300,
                1.0,
                "costs overflow: resnet18: energy 1e300 mJ x latency 1e300 ms x area 1 mm2 = EDAP inf",
            ),
            (
                1e-300,
                1e-300,
                1.0,
                "costs underflow: resnet18: energy 1e-300 mJ x latency 1e-300 ms x area 1 mm2 = EDAP 0",
            ),
            (
                f64::INFINITY,
                1.0,
                1.0,
                "costs overflow: resnet18: energy inf mJ",
            ),
        ];
        for (e, l, a, want) in cases {
            let eval = p.scored(&[e], &[l], a, &[], vec![Some((e, l, e * l * a))]);
            assert!(
                !eval.outcome.is_feasible() && eval.score.is_none(),
                "{want}"
            );
            let why = eval.reason.as_ref().unwrap().to_string();
            assert!(why.starts_with(want), "{why}");
            assert!(why.contains("must be a finite number above 0"), "{why}");
            assert_eq!(eval.per_workload, vec![None], "{why}");
            assert_eq!(eval.outcome.violation(), 1.0);
        }
        // Each EDAP in range, the score not: prod-ela over two workloads.
        let w = Zoo::builtin().unwrap().resolve("resnet18,alexnet").unwrap();
        let names: Vec<String> = w.iter().map(|w| w.name.clone()).collect();
        let o = Objective::parse("prod-ela", &names).unwrap();
        let p = Problem::new(SpaceFile::resolve("demo").unwrap(), w, o).unwrap();
        let c = (1e100, 1e100, 1e200);
        let eval = p.scored(&[1e100; 2], &[1e100; 2], 1.0, &[], vec![Some(c); 2]);
        let why = eval.reason.unwrap().to_string();
        assert!(
            why.starts_with("costs overflow: the prod-ela score of these costs is inf"),
            "{why}"
        );
        assert_eq!(eval.per_workload, vec![Some(c); 2]);
    }

    /// A space made in code, not read from a file, is checked when the problem is made.
    #[test]
    fn unchecked_space_values_are_refused_when_the_problem_is_made() {
        let mut file = SpaceFile::resolve("demo").unwrap();
        file.params[0].1.push(Value::Num(3.5));
        let e = problem(file).err().unwrap().to_string();
        assert!(
            e.contains("`rows`") && e.contains("expected an integer"),
            "{e}"
        );
    }
}
