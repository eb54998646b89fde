//! The studies, as the CLI runs them but without a terminal: `sweep`, `compare` and `grade`
//! take the CLI's options, run with the GIL released and no progress output
//! ([`imcdse::progress::Quiet`]), write the same results folder, and return it with the text
//! the CLI prints. The Python half reads the folder's tables.

use crate::convert::{error, invalid};
use crate::interrupt;
use imcdse::evaluator::EvaluatorOptions;
use imcdse::optimizer::OptimizerKind;
use imcdse::studies::compare::{CompareOptions, Comparison};
use imcdse::studies::grade::{GradeOptions, Grading, comma};
use imcdse::studies::inputs::Inputs;
use imcdse::studies::sequential::Start;
use imcdse::studies::sweep::{Fidelity, Sweep, SweepOptions};
use pyo3::prelude::*;
use std::path::PathBuf;

/// The options every study takes (the CLI's `Common` and `EvaluatorArgs`), as a dict.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct Common {
    space: String,
    workloads: String,
    objective: String,
    calibration: Option<String>,
    out: Option<PathBuf>,
    population: usize,
    evaluator: Option<String>,
    evaluator_workers: usize,
    evaluator_timeout: f64,
    min_snr: Option<f64>,
}

impl Common {
    fn inputs(&self) -> Inputs {
        Inputs {
            space: self.space.clone(),
            workloads: self.workloads.clone(),
            objective: self.objective.clone(),
            calibration: self.calibration.clone(),
            min_snr: self.min_snr,
        }
    }

    /// The `--evaluator` options, checked; `None` without a command.
    fn evaluator(&self) -> PyResult<Option<EvaluatorOptions>> {
        let Some(command) = &self.evaluator else {
            return Ok(None);
        };
        let timeout =
            EvaluatorOptions::timeout_from_secs(self.evaluator_timeout).map_err(invalid)?;
        let o = EvaluatorOptions {
            command: command.clone(),
            workers: self.evaluator_workers,
            timeout,
            cache: None,
        };
        o.check().map_err(invalid)?;
        Ok(Some(o))
    }
}

fn parse<T: std::str::FromStr<Err = String>>(what: &str, text: &str) -> PyResult<T> {
    text.parse()
        .map_err(|e: String| invalid(format!("{what} {text}: {e}")))
}

/// `imcdse sweep`: returns (results folder, summary).
#[pyfunction]
#[pyo3(signature = (common, optimizer, budget, seed, resume, top, keep_all, fidelity, force))]
// One Rust argument per keyword argument of the Python function: PyO3 maps them one to one,
// so a struct here would change the Python API.
#[allow(clippy::too_many_arguments)]
pub fn sweep(
    py: Python<'_>,
    common: Common,
    optimizer: &str,
    budget: Option<u64>,
    seed: u64,
    resume: bool,
    top: usize,
    keep_all: bool,
    fidelity: &str,
    force: bool,
) -> PyResult<(PathBuf, String)> {
    let fidelity = match fidelity {
        "single" => Fidelity::Single,
        "analytic-first" => Fidelity::AnalyticFirst,
        other => {
            return Err(invalid(format!(
                "fidelity {other}: allowed single, analytic-first"
            )));
        }
    };
    let options = SweepOptions {
        inputs: common.inputs(),
        optimizer: parse::<OptimizerKind>("optimizer", optimizer)?,
        budget,
        seed,
        top,
        keep_all,
        population: common.population,
        fidelity,
    };
    let evaluator = common.evaluator()?;
    interrupt::run(py, |progress| -> anyhow::Result<(PathBuf, String)> {
        let problem = options.resolve()?;
        let mut sweep = Sweep::new(problem, options, common.out, resume, None)?;
        sweep.force = force;
        sweep.evaluator = evaluator;
        let done = sweep.run(progress)?;
        Ok((done.out, done.summary))
    })?
    .map_err(error)
}

/// `imcdse compare`: returns (results folder, the comparison's table).
#[pyfunction]
#[pyo3(signature = (common, optimizer, budget, seeds, sequential_start))]
pub fn compare(
    py: Python<'_>,
    common: Common,
    optimizer: &str,
    budget: Option<u64>,
    seeds: u64,
    sequential_start: &str,
) -> PyResult<(PathBuf, String)> {
    let options = CompareOptions {
        inputs: common.inputs(),
        optimizer: parse::<OptimizerKind>("optimizer", optimizer)?,
        budget,
        seeds,
        sequential_start: parse::<Start>("sequential_start", sequential_start)?,
        population: common.population,
    };
    let evaluator = common.evaluator()?;
    interrupt::run(py, |progress| -> anyhow::Result<(PathBuf, String)> {
        let problem = options.resolve()?;
        let mut comparison = Comparison::new(problem, options, common.out);
        comparison.evaluator = evaluator;
        let done = comparison.run(progress)?;
        Ok((done.out, done.text))
    })?
    .map_err(error)
}

/// `imcdse grade`: returns (results folder, the grading's table).
#[pyfunction]
#[pyo3(signature = (common, optimizers, budgets, seeds, cache, certified, force))]
// One Rust argument per keyword argument of the Python function: PyO3 maps them one to one,
// so a struct here would change the Python API.
#[allow(clippy::too_many_arguments)]
pub fn grade(
    py: Python<'_>,
    common: Common,
    optimizers: &str,
    budgets: &str,
    seeds: u64,
    cache: PathBuf,
    certified: Option<PathBuf>,
    force: bool,
) -> PyResult<(PathBuf, String)> {
    let options = GradeOptions {
        inputs: common.inputs(),
        optimizers: GradeOptions::parse_optimizers(optimizers).map_err(error)?,
        budgets: comma::parse("budgets", budgets).map_err(invalid)?,
        seeds,
        population: common.population,
    };
    let evaluator = common.evaluator()?;
    interrupt::run(py, |progress| -> anyhow::Result<(PathBuf, String)> {
        let (options, problem) = options.resolve()?;
        let mut grading = Grading::new(options, problem, common.out);
        grading.cache = cache;
        grading.certified = certified;
        grading.force = force;
        grading.evaluator = evaluator;
        let done = grading.run(progress)?;
        Ok((done.out, done.text))
    })?
    .map_err(error)
}
