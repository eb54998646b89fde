//! One module per subcommand: parse, then options, then the library's study, then the text to
//! print (returned, so that `main` writes it once and a closed pipe ends quietly).

pub mod calibrate;
pub mod compare;
pub mod eval;
pub mod export;
pub mod fidelity;
pub mod grade;
pub mod import;
pub mod merge;
pub mod progress;
pub mod refine;
pub mod serve;
pub mod softmax;
pub mod space;
pub mod sweep;
pub mod validate;
pub mod workloads;

use imcdse::evaluator::EvaluatorOptions;
use imcdse::studies::inputs::Inputs;
use std::path::{Path, PathBuf};

/// Options shared by `sweep`, `grade` and `compare`.
#[derive(clap::Args, Clone)]
pub struct Common {
    /// Design space: a built-in name (paper-rram, paper-sram, paper-sram9, demo, softmap-ap) or
    /// a .toml file.
    #[arg(long, default_value = "paper-rram")]
    pub space: String,
    /// Workloads: names, sets (paper4, paper9), aliases, .toml files or .onnx files (model.onnx:seq=128 sets a symbolic dimension), comma-separated.
    #[arg(long, default_value = "paper4")]
    pub workloads: String,
    /// max-ela | mean-ela | prod-ela | edap:<workload> | pareto | pareto-snr (compare: a joint
    /// score).
    #[arg(long, default_value = "max-ela")]
    pub objective: String,
    /// A calibration (a built-in name or a .toml file) for a space that names none.
    #[arg(long)]
    pub calibration: Option<String>,
    /// Output folder (default: a folder under results/ named after the run).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Designs whose compute SNR (worst layer of any workload) is below this are infeasible, dB.
    #[arg(long, value_name = "DB", allow_negative_numbers = true)]
    pub min_snr: Option<f64>,
    /// NSGA-II population.
    #[arg(long, default_value_t = 100)]
    pub population: usize,
}

impl Common {
    /// The space, workloads and objective as the studies take them.
    pub fn inputs(&self) -> Inputs {
        Inputs {
            space: self.space.clone(),
            workloads: self.workloads.clone(),
            objective: self.objective.clone(),
            calibration: self.calibration.clone(),
            min_snr: self.min_snr,
        }
    }
}

/// Options of an external evaluator (`sweep`, `refine`).
#[derive(clap::Args, Clone)]
pub struct EvaluatorArgs {
    /// Cost designs with this external evaluator, a command speaking the JSON Lines protocol
    /// (docs/your-simulator.md), e.g. "python3 scripts/evaluators/zigzag_imc.py".
    #[arg(long, value_name = "CMD")]
    pub evaluator: Option<String>,
    /// Worker processes of the evaluator, each costing one design at a time.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub evaluator_workers: usize,
    /// Seconds one request (and the handshake) may take; a worker that takes longer is killed
    /// and started again, and the design recorded infeasible.
    #[arg(long, default_value_t = 600.0, value_name = "S")]
    pub evaluator_timeout: f64,
    /// A folder of the evaluator's answers shared across runs.
    #[arg(long, value_name = "DIR")]
    pub evaluator_cache: Option<PathBuf>,
}

impl EvaluatorArgs {
    /// The options, checked; `None` without `--evaluator`.
    pub fn options(&self) -> anyhow::Result<Option<EvaluatorOptions>> {
        let Some(command) = &self.evaluator else {
            return Ok(None);
        };
        let timeout = EvaluatorOptions::timeout_from_secs(self.evaluator_timeout)
            .map_err(anyhow::Error::msg)?;
        let o = EvaluatorOptions {
            command: command.clone(),
            workers: self.evaluator_workers,
            timeout,
            cache: self.evaluator_cache.clone(),
        };
        o.check().map_err(anyhow::Error::msg)?;
        Ok(Some(o))
    }
}

/// The usual ending of a study's output: its text, then where its folder is.
pub fn with_folder(text: &str, out: &Path) -> String {
    format!("{text}results: {}\n", out.display())
}
