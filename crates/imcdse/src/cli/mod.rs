//! One module per subcommand.

pub mod eval;
pub mod grade;
pub mod space;
pub mod sweep;
pub mod workloads;
