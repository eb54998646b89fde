//! # imc-model: analytic cost model of IMC accelerators
//!
//! Given an [`Architecture`] and an [`imc_zoo::Workload`], [`evaluate`] returns energy, latency,
//! area and their breakdowns by component. The per-architecture component table is built once
//! ([`ComponentTable`]); the mapping of each layer gives action counts; energy is their product.
#![warn(missing_docs)]

pub mod arch;
pub mod breakdown;
pub mod components;
pub mod error;
pub mod factors;
pub mod gpu;
pub mod param;
pub mod supply;
pub mod tech;

pub use arch::{
    AdcKind, AdcModel, AdcRange, Architecture, Assignment, ColumnCombine, Compute,
    DepthwisePacking, Device, LanesAt, Settings, SoftmaxUnit,
};
pub use error::ModelError;
pub use factors::Factors;
pub use param::Value;
pub use replication::Replication;
pub use revision::{MODEL_REVISION, fingerprint};
pub mod cost;
pub mod layer_cost;
pub mod mapping;
pub mod replication;
pub mod report;
pub mod revision;
pub mod snr;
pub mod table;

pub use breakdown::{AreaPart, EnergyPart, LatencyPart, Part};
pub use cost::{Infeasible, Plan, WorkloadCost, evaluate};
pub use report::{DesignReport, WorkloadReport, evaluate_design, evaluate_design_with};
pub use table::ComponentTable;
