//! `imcdse workloads [LIST] [--json]`: the zoo at a glance, or workloads layer by layer.
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
pub struct Args {
    /// Workloads to describe layer by layer: names, sets (paper4), aliases, or .toml files,
    /// comma-separated; `name:key=value` overrides a workload parameter
    /// (llama2-7b-softmax:seq_len=4096). Without it, the whole zoo is listed.
    list: Option<String>,
    /// Print one JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args) -> Result<String> {
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
