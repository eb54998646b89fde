//! `imcdse._native.Problem`: a space, workloads and an objective, made once and costing
//! batches of designs in parallel with the GIL released ([`imcdse::batch`]); and `score`, the
//! CLI's objectives over the columns of a results table.

use crate::convert::{column, error, f64_bytes, f64s, i64s, invalid};
use crate::space::PySpace;
use imc_zoo::Zoo;
use imcdse::batch;
use imcdse::calibration::Calibration;
use imcdse::objective::Objective;
use imcdse::problem::Problem;
use imcdse::studies::inputs;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyList, PyTuple};

/// The co-design problem of a space, its workloads and an objective.
#[pyclass(frozen, name = "Problem", module = "imcdse._native")]
pub struct PyProblem {
    problem: Problem,
}

/// Designs costed between two checks for Ctrl-C in [`PyProblem::evaluate`].
const CHUNK: usize = 16_384;

#[pymethods]
impl PyProblem {
    /// The problem of `space` (with `calibration` for a space that names none), `workloads`
    /// (names, sets, aliases or .toml files, comma-separated) and `objective`; `min_snr` (dB,
    /// -100 to 200) replaces the space's minimum compute SNR, as `--min-snr` does.
    #[new]
    #[pyo3(signature = (space, workloads = "paper4", objective = "max-ela", calibration = None, min_snr = None))]
    fn new(
        space: &PySpace,
        workloads: &str,
        objective: &str,
        calibration: Option<&str>,
        min_snr: Option<f64>,
    ) -> PyResult<PyProblem> {
        let mut file = space.file.clone();
        if let Some(db) = min_snr {
            file.constraints.min_snr_db = Some(imcdse::space::check_min_snr(db).map_err(invalid)?);
        }
        if let Some(c) = calibration {
            file = file
                .calibrate(Calibration::resolve(c).map_err(error)?)
                .map_err(error)?;
        }
        let zoo = Zoo::builtin().map_err(error)?;
        let workloads = inputs::workloads(&zoo, workloads).map_err(error)?;
        let names: Vec<String> = workloads.iter().map(|w| w.name.clone()).collect();
        let objective = Objective::parse(objective, &names).map_err(error)?;
        let problem = Problem::new(file, workloads, objective).map_err(error)?;
        Ok(PyProblem { problem })
    }

    /// The workloads' names, in order.
    #[getter]
    fn workloads(&self) -> Vec<String> {
        self.problem.names.clone()
    }

    /// The objective's name.
    #[getter]
    fn objective(&self) -> String {
        self.problem.objective.name()
    }

    /// The calibration's name, or `None`.
    #[getter]
    fn calibration(&self) -> Option<String> {
        self.problem
            .file
            .calibration
            .as_ref()
            .map(|c| c.name.clone())
    }

    /// Costs designs given as value indices (little-endian 64-bit integers, one row of one
    /// per free parameter each) on `threads` threads (all cores when `None`), with the GIL
    /// released. Returns `[(name, kind, payload)]`, the columns of `evaluations.parquet`
    /// without `score`, `eval_index` and `phase` (see `convert::column`); with `constraints`,
    /// also `("_constraints", "f64", ...)`: area and capacity per design, feasible at `<= 0`.
    #[pyo3(signature = (indices, threads = None, constraints = false))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        indices: &[u8],
        threads: Option<usize>,
        constraints: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let flat = i64s(indices)?;
        let problem = &self.problem;
        let points = py
            .detach(|| batch::points(&problem.space, &flat))
            .map_err(invalid)?;
        // A chunk at a time, checking for Ctrl-C between chunks (a few hundred ms each).
        let mut evals = Vec::with_capacity(points.len());
        for chunk in points.chunks(CHUNK) {
            let got = py.detach(|| batch::evaluate(problem, chunk, threads));
            evals.extend(got.map_err(invalid)?);
            py.check_signals()?;
        }
        let (cols, g) = py.detach(|| {
            let g = constraints.then(|| batch::constraints(problem, &points, &evals));
            (batch::columns(problem, &points, evals), g)
        });
        let out = PyList::empty(py);
        for (name, c) in cols {
            let (kind, payload) = column(py, c)?;
            out.append(PyTuple::new(
                py,
                [
                    name.into_pyobject(py)?.into_any(),
                    kind.into_pyobject(py)?.into_any(),
                    payload,
                ],
            )?)?;
        }
        if let Some(g) = g {
            let payload = f64_bytes(py, g.into_iter().flatten()).into_any();
            out.append(PyTuple::new(
                py,
                [
                    "_constraints".into_pyobject(py)?.into_any(),
                    "f64".into_pyobject(py)?.into_any(),
                    payload,
                ],
            )?)?;
        }
        Ok(out)
    }

    fn __repr__(&self) -> String {
        format!(
            "Problem({:?}, workloads={:?}, objective={:?})",
            self.problem.file.name,
            self.problem.names.join(","),
            self.problem.objective.name()
        )
    }
}

/// The objective `objective` of rows given as per-workload energies and latencies (row-major,
/// `n x workloads.len()` little-endian floats) and areas: one score per row, or for `pareto`
/// three (max E, max L, A). A row with a NaN scores NaN.
#[pyfunction]
pub fn score<'py>(
    py: Python<'py>,
    objective: &str,
    workloads: Vec<String>,
    energy: &[u8],
    latency: &[u8],
    area: &[u8],
) -> PyResult<Bound<'py, PyByteArray>> {
    let o = Objective::parse(objective, &workloads).map_err(error)?;
    if o.dims() == 4 {
        return Err(invalid(
            "score: pareto-snr needs each row's compute SNR, which energies and latencies do \
             not give; evaluate the designs with the problem instead"
                .to_string(),
        ));
    }
    let (e, l, a) = (
        f64s(energy, "energy")?,
        f64s(latency, "latency")?,
        f64s(area, "area")?,
    );
    let w = workloads.len();
    if w == 0 || e.len() != a.len() * w || l.len() != a.len() * w {
        return Err(invalid(format!(
            "score: {} energies and {} latencies for {} rows of {w} workloads",
            e.len(),
            l.len(),
            a.len()
        )));
    }
    let k = o.dims();
    let rows = e
        .chunks(w)
        .zip(l.chunks(w))
        .zip(&a)
        .flat_map(|((e, l), &a)| {
            let nan = e.iter().chain(l).any(|x| x.is_nan()) || a.is_nan();
            if nan {
                vec![f64::NAN; k]
            } else {
                o.vector(&workloads, e, l, a, &[])
            }
        });
    Ok(f64_bytes(py, rows))
}

/// The workloads of a `--workloads` list as `imcdse workloads LIST --json` prints them.
#[pyfunction]
pub fn workloads(names: &str) -> PyResult<String> {
    let zoo = Zoo::builtin().map_err(error)?;
    let ws = inputs::workloads(&zoo, names).map_err(error)?;
    let items: Vec<serde_json::Value> = ws
        .iter()
        .map(|w| imcdse::describe::workload_json(&zoo, w, true))
        .collect();
    serde_json::to_string(&items).map_err(error)
}
