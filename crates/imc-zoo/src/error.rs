//! Errors of the zoo. Every problem names the file, where in it (layer and key) and what is
//! allowed; a file's problems are reported together.

use std::fmt;

/// One thing wrong with a workload file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Location inside the file, e.g. `layers[3] "conv2".groups`.
    pub location: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.location, self.message)
        }
    }
}

/// Why a workload could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ZooError {
    /// The file is not a valid workload: every problem found.
    #[error("{file}: {}", render(problems))]
    Invalid {
        /// The file.
        file: String,
        /// Its problems, in file order.
        problems: Vec<Problem>,
    },
    /// The file cannot be read. The system's reason is part of the message and not a
    /// `source`, so a chain printed with `{:#}` says it once.
    #[error("{file}: cannot read: {error}")]
    Io {
        /// The file.
        file: String,
        /// The error reading it.
        error: std::io::Error,
    },
    /// No such built-in name.
    #[error(
        "unknown workload or set `{name}`; built-in names: {known}; a workload file path (ending in .toml) or an ONNX file (ending in .onnx, with :dim=value,... for its symbolic dimensions) is also accepted"
    )]
    Unknown {
        /// The name given.
        name: String,
        /// The names there are, comma-separated.
        known: String,
    },
    /// Two different workloads of one name in a list: their columns and objectives would clash.
    #[error(
        "two workloads named {name} ({first} and {second}); a list may hold one workload of a name: rename one (the `name` key of its file; an .onnx file takes its name from `imcdse workloads import FILE.onnx --name NEW --out NEW.toml`)"
    )]
    Duplicate {
        /// The name.
        name: String,
        /// Where the first comes from (`zoo` or its file, with its parameters).
        first: String,
        /// Where the second comes from.
        second: String,
    },
    /// A `name:key=value` override that the workload does not take.
    #[error("workload `{name}`: {message}")]
    BadOverride {
        /// The workload.
        name: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

fn render(problems: &[Problem]) -> String {
    if problems.len() == 1 {
        return problems[0].to_string();
    }
    let mut s = format!("{} problems:", problems.len());
    for p in problems {
        s.push_str("\n  - ");
        s.push_str(&p.to_string());
    }
    s
}

impl ZooError {
    /// The problems of an invalid file (empty for other errors).
    pub fn problems(&self) -> &[Problem] {
        match self {
            ZooError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

/// A number for a message, in a bounded form: as typed (its shortest round-trip form) from 1e-4
/// to 1e9, in scientific notation outside (`1e300`, not 301 digits).
pub fn bounded(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-4..1e9).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}
