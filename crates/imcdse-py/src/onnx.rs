//! `imcdse.import_onnx`: an ONNX file as a workload, with the options of
//! `imcdse workloads import` (name, symbolic dimensions, data input, unsupported operators).

use crate::convert::error;
use imc_zoo::Zoo;
use imc_zoo::onnx::{DimsSyntax, Options, import};
use pyo3::prelude::*;

/// An operator costed as nothing: (op, count, first node).
type Skipped = (String, usize, String);

/// Imports `path`; returns (the workload file's text, the workload as `imcdse workloads --json`
/// describes it, the skipped operators as (op, count, first node)).
#[pyfunction]
#[pyo3(signature = (path, name=None, dims=Vec::new(), input=None, skip_unsupported=false))]
pub fn import_onnx(
    path: &str,
    name: Option<String>,
    dims: Vec<(String, u64)>,
    input: Option<String>,
    skip_unsupported: bool,
) -> PyResult<(String, String, Vec<Skipped>)> {
    let opts = Options {
        name,
        dims,
        input,
        skip_unsupported,
        dims_syntax: DimsSyntax::Python,
    };
    let got = import(path, &opts).map_err(error)?;
    let zoo = Zoo::builtin().map_err(error)?;
    let json = imcdse::describe::workload_json(&zoo, &got.workload, true);
    let skipped = got
        .skipped
        .into_iter()
        .map(|u| (u.op, u.count, u.first))
        .collect();
    Ok((
        got.toml,
        serde_json::to_string(&json).map_err(error)?,
        skipped,
    ))
}
