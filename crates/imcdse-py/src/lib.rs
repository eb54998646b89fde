//! `imcdse._native`, the compiled half of the `imcdse` Python package (the Python half, in
//! `python/imcdse`, turns its byte buffers into NumPy arrays and frames). It calls the
//! library crates, never the CLI: [`space`] for design spaces, [`problem`] for batches of
//! designs and scores, [`studies`] for sweeps, comparisons and gradings, [`onnx`] for networks
//! imported from ONNX files.

mod convert;
mod interrupt;
mod onnx;
mod problem;
mod space;
mod studies;

use pyo3::prelude::*;

/// The compiled module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // The model's revision and a hash of its defaults: equal strings, equal costs (the whole
    // fingerprint is some 5 kB of Rust debug text).
    let defaults = imcdse::hash::fnv1a(&imc_model::fingerprint());
    let model = format!(
        "imc-model revision {}, defaults {defaults:016x}",
        imc_model::MODEL_REVISION
    );
    m.add("MODEL", model)?;
    m.add_class::<space::PySpace>()?;
    m.add_class::<problem::PyProblem>()?;
    m.add_function(wrap_pyfunction!(problem::score, m)?)?;
    m.add_function(wrap_pyfunction!(problem::workloads, m)?)?;
    m.add_function(wrap_pyfunction!(onnx::import_onnx, m)?)?;
    m.add_function(wrap_pyfunction!(studies::sweep, m)?)?;
    m.add_function(wrap_pyfunction!(studies::compare, m)?)?;
    m.add_function(wrap_pyfunction!(studies::grade, m)?)?;
    Ok(())
}
