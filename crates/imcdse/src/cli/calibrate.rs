//! `imcdse calibrate --reference FILE --space S --out FILE [--holdout 0.3] [--seed N]
//! [--voltage-laws]`: fit a
//! calibration to a reference simulator's table ([`imcdse::studies::calibrate`]).

use super::progress::Terminal;
use anyhow::{Context, Result};
use imcdse::reference::Reference;
use imcdse::run_dir::{output_files, write_atomic};
use imcdse::space::Space;
use imcdse::studies::calibrate::{CalibrateOptions, calibrate};
use std::path::{Path, PathBuf};

/// Options of `imcdse calibrate`.
#[derive(clap::Args)]
pub struct Args {
    /// The reference: CSV or Parquet with the space's parameters, `area_mm2`,
    /// `<workload>__energy_mj` and `<workload>__latency_ms`.
    #[arg(long)]
    reference: PathBuf,
    /// The design space of the reference's designs (without a calibration).
    #[arg(long)]
    space: String,
    /// The calibration file to write (.toml).
    #[arg(long)]
    out: PathBuf,
    /// Share of the designs held out of the fit, to test it on (0 to 0.9).
    #[arg(long, default_value_t = 0.3)]
    holdout: f64,
    /// Seed of the fit / held-out split.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The calibration's name (default: the output file's stem).
    #[arg(long)]
    name: Option<String>,
    /// Where to write the before/after report (default: the output path with .md).
    #[arg(long)]
    report: Option<PathBuf>,
    /// Also fit, per energy part, shares that follow the supply voltage (C V^2, and drivers
    /// sized for their current): for a reference that varies the supply while the space's
    /// voltage scaling is off.
    #[arg(long)]
    voltage_laws: bool,
}

/// Where the calibration and the report are written, checked before the fit: regular files
/// or new ones, neither the reference nor the space file, and not one file.
fn outputs(args: &Args) -> Result<(PathBuf, PathBuf)> {
    let default = args.out.with_extension("md");
    let (flag, report) = match &args.report {
        Some(r) => ("--report", r.as_path()),
        None => ("the default --report", default.as_path()),
    };
    let mut inputs = vec![("--reference", args.reference.as_path())];
    if args.space.ends_with(".toml") || args.space.contains('/') {
        inputs.push(("--space", Path::new(&args.space)));
    }
    let mut targets = output_files(&[("--out", &args.out), (flag, report)], &inputs)?;
    let report = targets.pop().unwrap_or_default();
    Ok((targets.pop().unwrap_or_default(), report))
}

pub fn run(args: &Args) -> Result<String> {
    let (out, report_target) = outputs(args)?;
    let space = Space::resolve(&args.space)?;
    let reference = Reference::read(&args.reference, &space)?;
    let name = args.name.clone().unwrap_or_else(|| {
        args.out
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into()
    });
    let options = CalibrateOptions {
        name,
        holdout: args.holdout,
        seed: args.seed,
        voltage_laws: args.voltage_laws,
    };
    let fitted = calibrate(&space, &reference, &options, &Terminal)?;
    let command = format!(
        "Written by `imcdse calibrate --reference {} --space {} --out {} --holdout {} --seed {}{}`.",
        args.reference.display(),
        args.space,
        args.out.display(),
        args.holdout,
        args.seed,
        if args.voltage_laws {
            " --voltage-laws"
        } else {
            ""
        }
    );
    let report = args
        .report
        .clone()
        .unwrap_or_else(|| args.out.with_extension("md"));
    let text = fitted.markdown();
    for path in [&out, &report_target] {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
    }
    write_atomic(&out, fitted.calibration.to_toml(&command).as_bytes())
        .with_context(|| format!("writing {}", args.out.display()))?;
    write_atomic(&report_target, format!("{text}\n{command}\n").as_bytes())
        .with_context(|| format!("writing {}", report.display()))?;
    Ok(format!(
        "{text}\ncalibration: {}\nreport: {}\n",
        args.out.display(),
        report.display()
    ))
}
