//! One module per subcommand.

pub mod workloads;
