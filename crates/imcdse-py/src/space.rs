//! `imcdse._native.Space`: a design-space file, checked, with the conversions between a
//! design's flat index, its value indices and its values.

use crate::convert::{error, invalid, to_value, value};
use imc_search::{Point, Space};
use imcdse::batch;
use imcdse::space::Space as SpaceFile;
use imcdse::studies::inputs::calibrated;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyDict, PyList};

/// A design space (`search-spaces/*.toml`) with its calibration, if any.
#[pyclass(frozen, name = "Space", module = "imcdse._native")]
pub struct PySpace {
    /// The file as parsed.
    pub file: SpaceFile,
    /// The search's view: one dimension per free parameter.
    pub space: Space,
}

impl PySpace {
    fn new(file: SpaceFile) -> PySpace {
        let space = file.search_space();
        PySpace { file, space }
    }

    fn check_index(&self, index: u128) -> PyResult<()> {
        if index >= self.file.size() {
            return Err(invalid(format!(
                "design index {index} is out of range; {} has {} designs (0..={})",
                self.file.name,
                self.file.size(),
                self.file.size() - 1
            )));
        }
        Ok(())
    }
}

#[pymethods]
impl PySpace {
    /// A built-in space by name (`paper-rram`) or a `.toml` file, with a calibration by name
    /// or file for a space that names none.
    #[staticmethod]
    #[pyo3(signature = (name, calibration = None))]
    fn load(name: &str, calibration: Option<&str>) -> PyResult<PySpace> {
        calibrated(name, calibration)
            .map(PySpace::new)
            .map_err(error)
    }

    /// The space's name.
    #[getter]
    fn name(&self) -> &str {
        &self.file.name
    }

    /// Where it was read from.
    #[getter]
    fn file(&self) -> &str {
        &self.file.file
    }

    /// Its description.
    #[getter]
    fn description(&self) -> &str {
        &self.file.description
    }

    /// The calibration's name, or `None`.
    #[getter]
    fn calibration(&self) -> Option<&str> {
        self.file.calibration.as_ref().map(|c| c.name.as_str())
    }

    /// Number of designs.
    #[getter]
    fn size(&self) -> u128 {
        self.file.size()
    }

    /// Each free parameter's allowed values, in order.
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, vs) in &self.file.params {
            let values = vs
                .iter()
                .map(|v| value(py, v))
                .collect::<PyResult<Vec<_>>>()?;
            d.set_item(k, PyList::new(py, values)?)?;
        }
        Ok(d)
    }

    /// The fixed settings.
    #[getter]
    fn fixed<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in &self.file.fixed {
            d.set_item(k, value(py, v)?)?;
        }
        Ok(d)
    }

    /// `max_area_mm2` and `weights_on_chip` (`None` when the file leaves them unset).
    #[getter]
    fn constraints<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("max_area_mm2", self.file.constraints.max_area_mm2)?;
        d.set_item("weights_on_chip", self.file.constraints.weights_on_chip)?;
        Ok(d)
    }

    /// The design at a flat index: its free parameters' values.
    fn design<'py>(&self, py: Python<'py>, index: u128) -> PyResult<Bound<'py, PyDict>> {
        self.check_index(index)?;
        let p = self.space.point(index);
        let d = PyDict::new(py);
        for ((k, vs), &g) in self.file.params.iter().zip(&p.0) {
            d.set_item(k, value(py, &vs[g as usize])?)?;
        }
        Ok(d)
    }

    /// The value indices of the design at a flat index.
    fn indices(&self, index: u128) -> PyResult<Vec<u32>> {
        self.check_index(index)?;
        Ok(self.space.point(index).0)
    }

    /// The flat index of a design given as its free parameters' values (every one, and no
    /// other name).
    fn index(&self, design: &Bound<'_, PyDict>) -> PyResult<u128> {
        let mut genes = Vec::with_capacity(self.file.params.len());
        let mut problems = Vec::new();
        for (k, vs) in &self.file.params {
            match design.get_item(k)? {
                None => problems.push(format!("`{k}` is missing")),
                Some(v) => {
                    let v = to_value(&v, k)?;
                    match vs.iter().position(|x| *x == v) {
                        Some(g) => genes.push(g as u32),
                        None => problems.push(not_listed(k, &v, vs)),
                    }
                }
            }
        }
        for key in design.keys() {
            let key: String = key.extract()?;
            if !self.file.params.iter().any(|(k, _)| *k == key) {
                problems.push(format!(
                    "`{key}` is not a free parameter of {} ({})",
                    self.file.name,
                    self.space.names.join(", ")
                ));
            }
        }
        if !problems.is_empty() {
            return Err(invalid(format!("design: {}", problems.join("; "))));
        }
        Ok(self.space.index(&Point(genes)))
    }

    /// `n` distinct designs drawn uniformly with `seed`, as value indices: little-endian
    /// 64-bit integers, `n` rows of one per free parameter. The set is uniform, not the
    /// order: with `n` near the space's size, shuffle before taking a prefix.
    #[pyo3(signature = (n, seed = 0))]
    fn sample<'py>(&self, py: Python<'py>, n: u64, seed: u64) -> PyResult<Bound<'py, PyByteArray>> {
        let flat = batch::sample(self.file.size(), n, seed).map_err(invalid)?;
        let bytes: Vec<u8> = flat
            .iter()
            .flat_map(|&i| self.space.point(i).0)
            .flat_map(|g| (g as i64).to_le_bytes())
            .collect();
        Ok(PyByteArray::new(py, &bytes))
    }

    /// The free parameters' names, in order.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.space.names.clone()
    }

    /// Number of values of each free parameter, in order.
    #[getter]
    fn sizes(&self) -> Vec<u32> {
        self.space.sizes.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "Space({:?}, {} designs, {} free parameters)",
            self.file.name,
            self.file.size(),
            self.file.params.len()
        )
    }
}

/// A value that is not one of a parameter's, with the list.
pub fn not_listed(k: &str, v: &imc_model::Value, vs: &[imc_model::Value]) -> String {
    let list: Vec<String> = vs.iter().map(ToString::to_string).collect();
    format!(
        "`{k}` = {v} is not one of the space's values ({})",
        list.join(", ")
    )
}
