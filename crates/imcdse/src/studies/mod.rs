//! The studies: each takes a typed configuration (a [`crate::problem::Problem`] with its
//! workloads and objective, an [`crate::optimizer::OptimizerKind`], budget, seed, output folder),
//! reports progress through a [`crate::progress::Progress`], writes its run folder and returns a
//! typed result. None of them parses command-line text or prints.
//!
//! - [`sweep`]: one search (or, with `exhaustive`, every design: [`exhaustive`]);
//! - [`grade`]: every optimizer against the certified optimum ([`certify`]), with other
//!   libraries' optimizers beside ours ([`peers`]);
//! - [`compare`]: joint against workload-specific, largest-workload and [`sequential`] designs;
//! - [`merge`]: the folders of a sharded run into one;
//! - [`fidelity`]: our model against a reference simulator's costs of the same designs;
//! - [`refine`]: an analytic run's best designs re-costed by an external evaluator;
//! - [`softmax`]: an LLM softmax on an associative processor, a digital unit and GPUs;
//! - [`validate`]: the model beside published silicon ([`crate::silicon`]).
//!
//! [`inputs`] holds what they share: the space, workloads and objective a user named.

pub mod analytic_first;
pub mod calibrate;
pub mod certify;
pub mod compare;
mod compare_md;
pub mod estimate;
pub mod exhaustive;
pub mod fidelity;
pub mod grade;
pub mod inputs;
pub mod merge;
pub mod nnls;
pub mod peers;
pub mod refine;
pub mod sequential;
pub mod softmax;
pub mod sweep;
pub mod validate;
pub mod validate_report;

use std::path::{Path, PathBuf};

/// A finished study that wrote a folder: the folder, and the text a command prints about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    /// The results folder.
    pub out: PathBuf,
    /// What to show the user (a table, a summary), ending in a newline; may be empty.
    pub text: String,
}

impl Done {
    /// A finished study's folder and text.
    pub fn new(out: &Path, text: String) -> Done {
        Done {
            out: out.to_path_buf(),
            text,
        }
    }
}
