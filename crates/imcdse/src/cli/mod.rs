//! One module per subcommand.

pub mod compare;
pub mod eval;
pub mod export;
pub mod grade;
pub mod merge;
pub mod softmax;
pub mod space;
pub mod sweep;
pub mod workloads;
