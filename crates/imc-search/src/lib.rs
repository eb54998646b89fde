//! # imc-search: generic search over discrete design spaces
//!
//! Not built yet: this crate will hold spaces, ask/tell optimizers, the Pareto archive and
//! hypervolume of issue 4. It knows nothing about hardware.
