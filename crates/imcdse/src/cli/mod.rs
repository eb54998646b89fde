//! One module per subcommand.

pub mod eval;
pub mod space;
pub mod sweep;
pub mod workloads;
