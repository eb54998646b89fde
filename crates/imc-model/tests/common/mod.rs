//! Shared by the model's integration tests.

use imc_model::{Architecture, Value};

/// A 256 x 256 RRAM chip of 16 x 32 x 64 crossbars (model defaults elsewhere), with `pairs`
/// overriding or adding numeric parameters.
pub fn arch(pairs: &[(&str, f64)]) -> Architecture {
    let mut v: Vec<(String, Value)> = vec![
        ("rows".into(), Value::Num(256.0)),
        ("cols".into(), Value::Num(256.0)),
        ("router_groups".into(), Value::Num(16.0)),
        ("tiles_per_group".into(), Value::Num(32.0)),
        ("crossbars_per_tile".into(), Value::Num(64.0)),
    ];
    v.extend(pairs.iter().map(|(k, x)| (k.to_string(), Value::Num(*x))));
    Architecture::from_values(&v).unwrap()
}
