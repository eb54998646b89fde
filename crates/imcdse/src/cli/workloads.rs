//! `imcdse workloads [LIST] [--json]`: the zoo at a glance, or workloads layer by layer.
//! `imcdse workloads import ...`: see `import.rs`.
//!
//! JSON (stable, scripts depend on it): an array with one object per workload:
//! `name, description, source, file, sets, parameters, layers (count), weight_layers, params,
//! weights, macs, static_macs, dynamic_macs, softmax_elements, spiking`; when LIST is given,
//! each object also has `layer_list`, one object per layer (see [`imcdse::describe::layer_json`]).

use anyhow::Result;
use imc_zoo::Zoo;
use imcdse::describe::{layer_table, workload_json, zoo_table};
use serde_json::Value;

/// Options of `imcdse workloads`.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    /// Workloads to describe layer by layer: names, sets (paper4), aliases, .toml files or .onnx
    /// files, comma-separated; `name:key=value` overrides a workload parameter
    /// (llama2-7b-softmax:seq_len=4096), `model.onnx:dim=value` sets a symbolic dimension.
    /// Without it, the whole zoo is listed.
    list: Option<String>,
    /// Print one JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Import an ONNX file as a workload file (TOML): printed, or written with --out.
    Import(super::import::Args),
}

pub fn run(args: &Args) -> Result<String> {
    if let Some(Action::Import(a)) = &args.action {
        return super::import::run(a);
    }
    let zoo = Zoo::builtin()?;
    let workloads = match &args.list {
        Some(list) => zoo.resolve(list)?,
        None => zoo
            .names()
            .map(|n| zoo.load(n))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let detailed = args.list.is_some();
    if args.json {
        let items: Vec<Value> = workloads
            .iter()
            .map(|w| workload_json(&zoo, w, detailed))
            .collect();
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&Value::Array(items))?
        ));
    }
    if detailed {
        let tables = workloads.iter().map(layer_table);
        return Ok(tables.collect::<Result<String, _>>()?);
    }
    Ok(zoo_table(&zoo, &workloads)?)
}
