//! `imcdse fidelity --reference FILE --space S [--set k=v,..] [--out DIR] [--json]`: our model
//! against a reference simulator's costs of the same designs
//! ([`imcdse::studies::fidelity`]).

use super::progress::Terminal;
use anyhow::Result;
use imcdse::reference::Reference;
use imcdse::space::parse_set;
use imcdse::studies::fidelity::fidelity;
use imcdse::studies::inputs::calibrated;
use std::path::PathBuf;

/// Options of `imcdse fidelity`.
#[derive(clap::Args)]
pub struct Args {
    /// The reference: CSV or Parquet with the space's parameters, `area_mm2`,
    /// `<workload>__energy_mj` and `<workload>__latency_ms` (the columns of evaluations.parquet).
    #[arg(long)]
    reference: PathBuf,
    /// The design space the reference's designs belong to (a built-in name or a .toml file).
    #[arg(long)]
    space: String,
    /// Overrides of the space's fixed parameters for every design: k=v,k=v.
    #[arg(long, default_value = "")]
    set: String,
    /// Output folder (default: results/fidelity-<space>-<reference file stem>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// A calibration (a built-in name or a .toml file) for a space that names none.
    #[arg(long)]
    calibration: Option<String>,
    /// Print the report as JSON instead of Markdown.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args) -> Result<String> {
    let space = calibrated(&args.space, args.calibration.as_deref())?;
    let set = parse_set(&args.set).map_err(anyhow::Error::msg)?;
    let reference = Reference::read(&args.reference, &space)?;
    let report = fidelity(&space, &reference, &set, &Terminal)?;
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = args
            .reference
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy();
        PathBuf::from("results").join(format!("fidelity-{}-{stem}", space.name))
    });
    report.write(&out)?;
    if args.json {
        return Ok(format!("{}\n", serde_json::to_string_pretty(&report)?));
    }
    Ok(super::with_folder(&report.markdown(), &out))
}
