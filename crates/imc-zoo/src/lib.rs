//! # imc-zoo: neural-network workloads as data
//!
//! A [`Workload`] is a named list of [`Layer`]s, each an [`ops::Op`] with its [`Precision`].
//! Workloads are TOML files under the repository's `workloads/` folder (format: [`spec`]);
//! the built-in ones are embedded at compile time and found through [`Zoo`]. Every derived
//! figure (MACs, weights, parameters, activations, the crossbar matrix a layer needs) is
//! computed from shapes, never stored, and the built-in networks reproduce their published
//! totals exactly (see the tests in `tests/published_totals.rs`).
//!
//! ```
//! let zoo = imc_zoo::Zoo::builtin().unwrap();
//! let vgg = zoo.load("vgg16").unwrap();
//! assert_eq!(vgg.params(), 138_357_544);
//! assert_eq!(vgg.macs(), 15_470_264_320);
//! ```
#![warn(missing_docs)]

pub mod data;
pub mod error;
pub mod files;
pub mod layer;
pub mod onnx;
pub mod ops;
pub mod precision;
pub mod registry;
pub mod spec;
pub mod workload;

pub use data::DataStats;
pub use error::{Problem, ZooError};
pub use layer::Layer;
pub use precision::{Precision, Spiking};
pub use registry::Zoo;
pub use workload::Workload;

/// Parses a workload from TOML text; `file` names it in error messages.
pub fn parse_workload(file: &str, text: &str) -> Result<Workload, ZooError> {
    spec::parse(file, text, &[])
}
