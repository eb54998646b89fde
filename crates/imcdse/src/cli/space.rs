//! `imcdse space FILE [--json]`: a design space's parameters, values and size.
//! JSON: `{"name", "description", "size", "params": {name: [values]}, "fixed": {..},
//! "constraints": {..}}`; `params` keeps the file's order.

use anyhow::Result;
use imc_model::Value;
use imcdse::describe::value_json;
use imcdse::report::thousands;
use imcdse::space::Space;
use serde_json::{Map, json};
use std::fmt::Write;

/// Options of `imcdse space`.
#[derive(clap::Args)]
pub struct Args {
    /// Design-space file (search-spaces/*.toml).
    file: String,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args) -> Result<String> {
    let s = Space::resolve(&args.file)?;
    if args.json {
        return json(&s);
    }
    let mut out = String::new();
    writeln!(out, "{}: {}", s.name, s.description)?;
    writeln!(out, "size: {} designs", thousands(s.size()))?;
    for (k, vs) in &s.params {
        let values: Vec<String> = vs.iter().map(Value::to_string).collect();
        writeln!(
            out,
            "  {k:<22} {:>3} values: {}",
            vs.len(),
            values.join(", ")
        )?;
    }
    for (k, v) in &s.fixed {
        writeln!(out, "  {k:<22} fixed: {v}")?;
    }
    if let Some(a) = s.constraints.max_area_mm2 {
        writeln!(out, "  constraint: area <= {a} mm2")?;
    }
    if let Some(w) = s.constraints.weights_on_chip {
        writeln!(out, "  constraint: weights_on_chip = {w}")?;
    }
    if let Some(db) = s.constraints.min_snr_db {
        writeln!(out, "  constraint: compute SNR >= {db} dB")?;
    }
    if let Some(c) = &s.calibration {
        writeln!(out, "  calibration: {}", c.summary())?;
    }
    Ok(out)
}

fn json(s: &Space) -> Result<String> {
    let params: Map<String, serde_json::Value> = s
        .params
        .iter()
        .map(|(k, vs)| (k.clone(), vs.iter().map(value_json).collect()))
        .collect();
    let fixed: Map<String, serde_json::Value> = s
        .fixed
        .iter()
        .map(|(k, v)| (k.clone(), value_json(v)))
        .collect();
    let mut constraints = Map::new();
    if let Some(a) = s.constraints.max_area_mm2 {
        constraints.insert("max_area_mm2".into(), json!(a));
    }
    if let Some(w) = s.constraints.weights_on_chip {
        constraints.insert("weights_on_chip".into(), json!(w));
    }
    if let Some(db) = s.constraints.min_snr_db {
        constraints.insert("min_snr_db".into(), json!(db));
    }
    // An exact integer while it fits in u64 (every space we ship); a float beyond.
    let size = match u64::try_from(s.size()) {
        Ok(n) => json!(n),
        Err(_) => json!(s.size() as f64),
    };
    let v = json!({"name": s.name, "description": s.description, "size": size, "params": params, "fixed": fixed, "constraints": constraints});
    Ok(format!("{}\n", serde_json::to_string_pretty(&v)?))
}
