//! What every study costs, as the user named it: a design space, the workloads and the
//! objective. Each study's options hold one [`Inputs`] (flattened into run.toml's `[args]`, so
//! the file reads as before) and resolve it with these steps, in the order the study needs.

use crate::calibration::Calibration;
use crate::objective::Objective;
use crate::space::Space as SpaceFile;
use anyhow::{Context, Result};
use imc_zoo::{Workload, Zoo};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A space, workloads and an objective by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    /// A built-in space's name or a .toml file.
    pub space: String,
    /// Workloads: names, sets, aliases, .toml files or .onnx files (model.onnx:seq=128 sets a symbolic dimension), comma-separated.
    pub workloads: String,
    /// The objective's name (`max-ela`, `edap:<w>`, `pareto`, ...).
    pub objective: String,
    /// A calibration (built-in name or file) for a space that names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<String>,
    /// The minimum compute SNR, dB, over the space's own `min_snr_db` (`--min-snr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_snr: Option<f64>,
}

impl Default for Inputs {
    /// The paper's setting: paper-rram, its four workloads, the max-ELA score.
    fn default() -> Inputs {
        Inputs {
            space: "paper-rram".into(),
            workloads: "paper4".into(),
            objective: "max-ela".into(),
            calibration: None,
            min_snr: None,
        }
    }
}

impl Inputs {
    /// These inputs as seen from another folder than `dir`, the one they were given in: each
    /// relative path to a `.toml` or `.onnx` file (the space, the calibration, a workload file,
    /// `model.onnx:seq=N` too) that names no file here but one in `dir` is taken from `dir`.
    pub fn rebased(&self, dir: &Path) -> Inputs {
        let fix = |item: &str| -> String {
            let path = item.trim().split(':').next().unwrap_or_default();
            let p = Path::new(path);
            let lower = path.to_ascii_lowercase();
            let file = lower.ends_with(".toml") || lower.ends_with(".onnx");
            if !file || p.is_absolute() || p.exists() || !dir.join(p).is_file() {
                return item.to_string();
            }
            format!("{}{}", dir.join(p).display(), &item.trim()[path.len()..])
        };
        Inputs {
            space: fix(&self.space),
            workloads: self
                .workloads
                .split(',')
                .map(fix)
                .collect::<Vec<_>>()
                .join(","),
            objective: self.objective.clone(),
            calibration: self.calibration.as_deref().map(fix),
            min_snr: self.min_snr,
        }
    }

    /// The space file, loaded and checked, with the calibration if one is given and
    /// `--min-snr` in its constraints.
    pub fn space(&self) -> Result<SpaceFile> {
        let mut space = calibrated(&self.space, self.calibration.as_deref())?;
        if let Some(db) = self.min_snr {
            let db = crate::space::check_min_snr(db)
                .map_err(|e| anyhow::anyhow!("--min-snr: {}", e.replace("min_snr_db = ", "")))?;
            space.constraints.min_snr_db = Some(db);
        }
        Ok(space)
    }

    /// The workloads, resolved from the built-in zoo (errors name `--workloads`).
    pub fn workloads(&self) -> Result<Vec<Workload>> {
        workloads(&Zoo::builtin()?, &self.workloads)
    }

    /// The objective, checked against the workloads' names.
    pub fn objective(&self, workloads: &[Workload]) -> Result<Objective> {
        let names: Vec<String> = workloads.iter().map(|w| w.name.clone()).collect();
        Objective::parse(&self.objective, &names)
    }
}

/// The workloads of a `--workloads` list (names, sets, aliases, .toml or .onnx files) from `zoo`;
/// errors name `--workloads`.
pub fn workloads(zoo: &Zoo, names: &str) -> Result<Vec<Workload>> {
    zoo.resolve(names)
        .with_context(|| format!("--workloads {}", imc_zoo::error::clipped(names)))
}

/// A space by name or path, with a calibration by name or path if one is given.
pub fn calibrated(space: &str, calibration: Option<&str>) -> Result<SpaceFile> {
    let space = SpaceFile::resolve(space)?;
    Ok(match calibration {
        Some(c) => space.calibrate(Calibration::resolve(c)?)?,
        None => space,
    })
}
