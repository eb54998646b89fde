//! `imcdse eval --space FILE [--set k=v,..] [--workloads LIST] [--json]`: cost one design.
//! JSON: [`imcdse::describe::design_json`]. Units: mJ, ms, mm2, EDAP mJ*ms*mm2.

use anyhow::{Context, Result};
use imc_model::{DesignReport, evaluate_design};
use imc_zoo::Zoo;
use imcdse::describe::design_json;
use imcdse::report::{fixed4, table};
use imcdse::space::parse_set;
use imcdse::studies::inputs::calibrated;
use std::fmt::Write;

/// Options of `imcdse eval`.
#[derive(clap::Args)]
pub struct Args {
    /// Design-space or architecture file (search-spaces/*.toml).
    #[arg(long)]
    space: String,
    /// Values for the space's free parameters (all of them), or overrides of fixed ones:
    /// k=v,k=v (may be given more than once; a key only once in all).
    #[arg(long)]
    set: Vec<String>,
    /// Workloads: names, sets (paper4), aliases, .toml files or .onnx files (model.onnx:seq=128 sets a symbolic dimension), comma-separated.
    #[arg(long, default_value = "paper4")]
    workloads: String,
    /// A calibration (a built-in name or a .toml file) for a space that names none.
    #[arg(long)]
    calibration: Option<String>,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args) -> Result<String> {
    let space = calibrated(&args.space, args.calibration.as_deref())?;
    let values = parse_set(&args.set.join(",")).map_err(anyhow::Error::msg)?;
    let arch = space.architecture(&values)?;
    let workloads = Zoo::builtin()?
        .resolve(&args.workloads)
        .with_context(|| format!("--workloads {}", imc_zoo::error::clipped(&args.workloads)))?;
    let mut report = evaluate_design(&arch, &workloads, space.constraints.max_area_mm2);
    report.add_snr(&arch, &workloads, space.constraints.min_snr_db);
    if args.json {
        let v = design_json(&space.file, space.calibration.as_ref(), &arch, &report);
        return Ok(format!("{}\n", serde_json::to_string_pretty(&v)?));
    }
    let reason = report.infeasible().map(|(w, why)| format!("{w}: {why}"));
    let mut out = String::new();
    let free: Vec<String> = space.params.iter().map(|(k, _)| k.clone()).collect();
    let shown: Vec<String> = arch
        .values()
        .iter()
        .filter(|(k, _)| free.iter().any(|f| f == k))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    writeln!(out, "design: {} [{}]", space.name, shown.join(", "))?;
    if let Some(c) = &space.calibration {
        writeln!(out, "calibration: {}", c.summary())?;
    }
    writeln!(
        out,
        "area: {:.3} mm2   feasible: {}",
        report.area_mm2,
        reason
            .as_deref()
            .map_or("yes".to_string(), |r| format!("no ({r})"))
    )?;
    out.push_str(&workload_table(&report));
    out.push_str(&energy_shares(&report));
    out.push_str(&area_table(&report));
    Ok(out)
}

/// Energy, latency, EDAP, throughput and status per workload.
fn workload_table(report: &DesignReport) -> String {
    let rows: Vec<Vec<String>> = report
        .workloads
        .iter()
        .map(|w| {
            vec![
                w.workload.clone(),
                fixed4(w.energy_mj),
                fixed4(w.latency_ms),
                fixed4(w.edap),
                format!("{:.2}", w.tops),
                format!("{:.2}", w.tops_per_w),
                format!("{:.0}%", 100.0 * w.utilization),
                w.snr_db.map_or("-".into(), |db| format!("{db:.1}")),
                w.infeasible
                    .as_ref()
                    .map_or("ok".into(), |_| "infeasible".into()),
            ]
        })
        .collect();
    table(
        &[
            "workload",
            ">energy mJ",
            ">latency ms",
            ">EDAP mJ*ms*mm2",
            ">TOPS",
            ">TOPS/W",
            ">util",
            ">SNR dB",
            "status",
        ],
        &rows,
    )
}

/// Each component's share of each workload's energy.
fn energy_shares(report: &DesignReport) -> String {
    let Some(first) = report.workloads.first() else {
        return String::new();
    };
    let mut header = vec!["energy share".to_string()];
    header.extend(report.workloads.iter().map(|w| w.workload.clone()));
    let parts = first.energy_breakdown_mj.len();
    let rows: Vec<Vec<String>> = (0..parts)
        .map(|i| {
            let mut r = vec![first.energy_breakdown_mj[i].0.to_string()];
            r.extend(
                report
                    .workloads
                    .iter()
                    .map(|w| format!("{:.1}%", 100.0 * w.energy_breakdown_mj[i].1 / w.energy_mj)),
            );
            r
        })
        .collect();
    let h: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, h)| if i == 0 { h.clone() } else { format!(">{h}") })
        .collect();
    format!(
        "\n{}",
        table(&h.iter().map(String::as_str).collect::<Vec<_>>(), &rows)
    )
}

/// The chip's area by component.
fn area_table(report: &DesignReport) -> String {
    let rows: Vec<Vec<String>> = report
        .area_breakdown_mm2
        .iter()
        .map(|(k, v)| vec![k.to_string(), format!("{v:.3}")])
        .collect();
    format!("\n{}", table(&["area", ">mm2"], &rows))
}
