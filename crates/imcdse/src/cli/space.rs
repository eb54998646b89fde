//! `imcdse space FILE [--json]`: a design space's parameters, values and size.
//! JSON: `{"name", "description", "size", "params": {name: [values]}, "fixed": {..},
//! "constraints": {..}}`; `params` keeps the file's order.

use crate::space::Space;
use anyhow::Result;
use imc_model::Value;
use serde_json::{Map, json};

#[derive(clap::Args)]
pub struct Args {
    /// Design-space file (search-spaces/*.toml).
    file: String,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn value_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Num(x) if x.fract() == 0.0 && x.abs() < 9e15 => json!(*x as i64),
        Value::Num(x) => json!(x),
        Value::Bool(b) => json!(b),
        Value::Str(s) => json!(s),
    }
}

pub fn run(args: &Args) -> Result<()> {
    let s = Space::resolve(&args.file)?;
    if args.json {
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
        // An exact integer while it fits in u64 (every space we ship); a float beyond.
        let size = match u64::try_from(s.size()) {
            Ok(n) => json!(n),
            Err(_) => json!(s.size() as f64),
        };
        let out = json!({"name": s.name, "description": s.description, "size": size, "params": params, "fixed": fixed, "constraints": constraints});
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("{}: {}", s.name, s.description);
    println!("size: {} designs", crate::fmt::thousands(s.size() as u64));
    for (k, vs) in &s.params {
        println!(
            "  {k:<22} {:>3} values: {}",
            vs.len(),
            vs.iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for (k, v) in &s.fixed {
        println!("  {k:<22} fixed: {v}");
    }
    if let Some(a) = s.constraints.max_area_mm2 {
        println!("  constraint: area <= {a} mm2");
    }
    if let Some(w) = s.constraints.weights_on_chip {
        println!("  constraint: weights_on_chip = {w}");
    }
    Ok(())
}
