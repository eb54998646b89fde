//! `imcdse workloads [LIST] [--json]`: the zoo at a glance, or workloads layer by layer.
//! `imcdse workloads import FILE.onnx [--name N] [--dims k=v,...] [--input NAME] [--out FILE]
//! [--skip-unsupported]`: an ONNX graph as a workload file to read, edit and commit.
//!
//! JSON (stable, scripts depend on it): an array with one object per workload:
//! `name, description, source, file, sets, parameters, layers (count), weight_layers, params,
//! weights, macs, static_macs, dynamic_macs, softmax_elements, spiking`; when LIST is given,
//! each object also has `layer_list`, one object per layer (see [`imcdse::describe::layer_json`]).

use anyhow::{Context, Result, bail};
use imc_zoo::Zoo;
use imc_zoo::onnx::{Options, import};
use imcdse::describe::{layer_table, workload_json, zoo_table};
use serde_json::Value;
use std::path::PathBuf;

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
    Import(ImportArgs),
}

/// Options of `imcdse workloads import`.
#[derive(clap::Args)]
struct ImportArgs {
    /// The ONNX file (with or without its weights; external data files need not be present).
    file: String,
    /// The workload's name (default: the file stem).
    #[arg(long)]
    name: Option<String>,
    /// Values of the graph's symbolic dimensions, e.g. `batch=1,seq=128` (batch defaults to 1).
    #[arg(long)]
    dims: Option<String>,
    /// The graph input that carries the data, when the importer cannot tell.
    #[arg(long)]
    input: Option<String>,
    /// Write the workload file here (atomically) instead of printing it.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Cost unsupported operators as nothing (listed in the output and in the file's header).
    #[arg(long)]
    skip_unsupported: bool,
}

fn parse_dims(text: &str) -> Result<Vec<(String, u64)>> {
    let mut out = Vec::new();
    for kv in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((k, v)) = kv.split_once('=') else {
            bail!("--dims {kv:?}: expected name=value, e.g. batch=1,seq=128");
        };
        // Zero is refused by the importer, wherever the dimensions come from.
        let v: u64 = v
            .trim()
            .parse()
            .with_context(|| format!("--dims {kv:?}: the value must be an integer >= 1"))?;
        out.push((k.trim().to_string(), v));
    }
    Ok(out)
}

fn run_import(a: &ImportArgs) -> Result<String> {
    let opts = Options {
        name: a.name.clone(),
        dims: a
            .dims
            .as_deref()
            .map(parse_dims)
            .transpose()?
            .unwrap_or_default(),
        input: a.input.clone(),
        skip_unsupported: a.skip_unsupported,
    };
    let start = std::time::Instant::now();
    let got = import(&a.file, &opts)?;
    let seconds = start.elapsed().as_secs_f64();
    let w = &got.workload;
    let mut summary = format!(
        "{}: {} nodes -> {} layers ({} on crossbars), {} weights, {} static + {} dynamic MACs; imported in {:.1} ms\n",
        w.name,
        got.nodes,
        w.layers.len(),
        w.layers.iter().filter(|l| l.is_matrix_layer()).count(),
        w.weights(),
        w.static_macs(),
        w.dynamic_macs(),
        seconds * 1e3
    );
    for u in &got.skipped {
        summary.push_str(&format!(
            "costed as nothing (unsupported): {} x{} (first: {})\n",
            u.op, u.count, u.first
        ));
    }
    match &a.out {
        Some(path) => {
            imcdse::run_dir::write_atomic(path, got.toml.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            summary.push_str(&format!("wrote {}\n", path.display()));
            Ok(summary)
        }
        None => {
            eprint!("{summary}");
            Ok(got.toml)
        }
    }
}

pub fn run(args: &Args) -> Result<String> {
    if let Some(Action::Import(a)) = &args.action {
        return run_import(a);
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
