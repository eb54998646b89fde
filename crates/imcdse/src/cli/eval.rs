//! `imcdse eval --space FILE [--set k=v,..] [--workloads LIST] [--json]`: cost one design.
//!
//! JSON (stable): `{"feasible", "reason", "area_mm2", "parameters": {..resolved architecture..},
//! "workloads": {"<name>": {"energy_mj", "latency_ms", "edap", "tops", "tops_per_w",
//! "tops_per_mm2", "utilization", "feasible", "reason", "needed_crossbars", "needed_cells",
//! "breakdown": {"energy_mj": {..}, "latency_ms": {..}}}}, "area_breakdown_mm2": {..},
//! "space": "<file>"}`. Units: mJ, ms, mm2, EDAP mJ*ms*mm2.

use crate::cli::space::value_json;
use crate::fmt::table;
use crate::space::{Space, parse_cli_value};
use anyhow::{Context, Result, bail};
use imc_model::{Value, evaluate_design};
use imc_zoo::Zoo;
use serde_json::{Map, json};

#[derive(clap::Args)]
pub struct Args {
    /// Design-space or architecture file (search-spaces/*.toml).
    #[arg(long)]
    space: String,
    /// Values for the space's free parameters (all of them), or overrides of fixed ones:
    /// k=v,k=v.
    #[arg(long, default_value = "")]
    set: String,
    /// Workloads: names, sets (paper4), aliases or .toml files, comma-separated.
    #[arg(long, default_value = "paper4")]
    workloads: String,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
}

/// Parses `k=v,k=v`.
pub fn parse_set(set: &str) -> Result<Vec<(String, Value)>> {
    let mut out = Vec::new();
    for kv in set.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((k, v)) = kv.split_once('=') else {
            bail!("--set: {kv:?} is not key=value")
        };
        let k = k.trim().to_string();
        if out.iter().any(|(o, _): &(String, Value)| *o == k) {
            bail!("--set: `{k}` is given twice");
        }
        out.push((k, parse_cli_value(v)));
    }
    Ok(out)
}

pub fn run(args: &Args) -> Result<()> {
    let space = Space::resolve(&args.space)?;
    let arch = space.architecture(&parse_set(&args.set)?)?;
    let workloads = Zoo::builtin()?
        .resolve(&args.workloads)
        .with_context(|| format!("--workloads {}", args.workloads))?;
    let report = evaluate_design(&arch, &workloads, space.constraints.max_area_mm2);
    let reason = report.infeasible().map(|(w, why)| format!("{w}: {why}"));
    if args.json {
        let parameters: Map<String, serde_json::Value> = arch
            .values()
            .iter()
            .map(|(k, v)| (k.to_string(), value_json(v)))
            .collect();
        let mut ws = Map::new();
        for w in &report.workloads {
            let parts = |v: &[(&str, f64)]| {
                v.iter()
                    .map(|(k, x)| (k.to_string(), json!(x)))
                    .collect::<Map<_, _>>()
            };
            ws.insert(
                w.workload.clone(),
                json!({
                    "energy_mj": w.energy_mj, "latency_ms": w.latency_ms, "edap": w.edap, "tops": w.tops,
                    "tops_per_w": w.tops_per_w, "tops_per_mm2": w.tops_per_mm2, "utilization": w.utilization,
                    "feasible": w.infeasible.is_none(), "reason": w.infeasible.as_ref().map(|i| i.to_string()),
                    "needed_crossbars": w.needed_crossbars, "needed_cells": w.needed_cells,
                    "breakdown": {"energy_mj": parts(&w.energy_breakdown_mj), "latency_ms": parts(&w.latency_breakdown_ms)},
                }),
            );
        }
        let out = json!({
            "space": space.file,
            "feasible": reason.is_none(),
            "reason": reason,
            "area_mm2": report.area_mm2,
            "parameters": parameters,
            "workloads": ws,
            "area_breakdown_mm2": report.area_breakdown_mm2.iter().map(|(k, x)| (k.to_string(), json!(x))).collect::<Map<_, _>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let free: Vec<String> = space.params.iter().map(|(k, _)| k.clone()).collect();
    let shown: Vec<String> = arch
        .values()
        .iter()
        .filter(|(k, _)| free.iter().any(|f| f == k))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    println!("design: {} [{}]", space.name, shown.join(", "));
    println!(
        "area: {:.3} mm2   feasible: {}",
        report.area_mm2,
        reason
            .as_deref()
            .map_or("yes".to_string(), |r| format!("no ({r})"))
    );
    let rows: Vec<Vec<String>> = report
        .workloads
        .iter()
        .map(|w| {
            vec![
                w.workload.clone(),
                format!("{:.4}", w.energy_mj),
                format!("{:.4}", w.latency_ms),
                format!("{:.4}", w.edap),
                format!("{:.2}", w.tops),
                format!("{:.2}", w.tops_per_w),
                format!("{:.0}%", 100.0 * w.utilization),
                w.infeasible
                    .as_ref()
                    .map_or("ok".into(), |_| "infeasible".into()),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &[
                "workload",
                ">energy mJ",
                ">latency ms",
                ">EDAP mJ*ms*mm2",
                ">TOPS",
                ">TOPS/W",
                ">util",
                "status"
            ],
            &rows
        )
    );
    let mut header = vec!["energy share".to_string()];
    header.extend(report.workloads.iter().map(|w| w.workload.clone()));
    let parts = report.workloads[0].energy_breakdown_mj.len();
    let rows: Vec<Vec<String>> = (0..parts)
        .map(|i| {
            let mut r = vec![report.workloads[0].energy_breakdown_mj[i].0.to_string()];
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
    print!(
        "\n{}",
        table(&h.iter().map(String::as_str).collect::<Vec<_>>(), &rows)
    );
    let rows: Vec<Vec<String>> = report
        .area_breakdown_mm2
        .iter()
        .map(|(k, v)| vec![k.to_string(), format!("{v:.3}")])
        .collect();
    print!("\n{}", table(&["area", ">mm2"], &rows));
    Ok(())
}
