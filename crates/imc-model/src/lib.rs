//! # imc-model: analytic cost model of IMC accelerators
//!
//! Not built yet: this crate will hold the architecture, technology, component and mapping
//! models of issue 3 ("Analytic IMC cost model for RRAM and SRAM"). It depends on `imc-zoo`
//! for workloads and knows nothing about search or result files.
