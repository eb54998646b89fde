//! Layer lists in JSON, both ways: what `imcdse workloads NAME --json` prints for each layer
//! ([`describe::layer_json`]) is what a request's `layers` carries, and [`layer_from_json`]
//! reads it back into the zoo's [`Layer`], so `imcdse serve` (or any evaluator) needs no copy of
//! the zoo. The derived fields of the JSON (`macs`, `weights`, `matrix`...) are checked against
//! the layer read back when present, so a layer list that was edited inconsistently is refused
//! rather than costed as something else.

use crate::describe;
use crate::hash::fnv1a;
use imc_zoo::ops::{
    ActKind, Activation, Add, Conv2d, Embedding, Linear, MatMul, Norm, NormKind, Op, Pool,
    PoolKind, Scale, Softmax,
};
use imc_zoo::precision::BITS_RANGE;
use imc_zoo::{DataStats, Layer, Precision, Spiking, Workload};
use serde_json::{Map, Value as Json};

/// Every workload's layer list, by name: the `layers` of a request.
pub fn layers_json(workloads: &[Workload]) -> Json {
    Json::Object(
        workloads
            .iter()
            .map(|w| {
                let layers = w.layers.iter().map(describe::layer_json).collect();
                (w.name.clone(), Json::Array(layers))
            })
            .collect(),
    )
}

/// A hash of the workloads' names and layer lists, as sent: part of an evaluator cache key.
pub fn layers_hash(workloads: &[Workload]) -> String {
    format!("{:016x}", fnv1a(&layers_json(workloads).to_string()))
}

/// A workload made of a request's layer list.
pub fn workload_from_json(name: &str, layers: &Json) -> Result<Workload, String> {
    let list = layers
        .as_array()
        .ok_or_else(|| format!("layers.{name}: expected a list of layers"))?;
    if list.is_empty() {
        return Err(format!("layers.{name}: the list is empty"));
    }
    let layers = list
        .iter()
        .enumerate()
        .map(|(i, l)| layer_from_json(l).map_err(|e| format!("layers.{name}[{i}]: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(request_workload(name, layers))
}

/// The workload a request's checked layer list makes.
pub fn request_workload(name: &str, layers: Vec<Layer>) -> Workload {
    Workload {
        name: name.to_string(),
        description: "sent in a request".into(),
        source: "evaluator request".into(),
        input: Vec::new(),
        params: Vec::new(),
        layers,
        file: String::new(),
    }
}

/// One layer from its JSON ([`describe::layer_json`]'s format).
pub fn layer_from_json(j: &Json) -> Result<Layer, String> {
    let obj = j.as_object().ok_or("expected an object")?;
    let name = obj
        .get("name")
        .and_then(Json::as_str)
        .ok_or("`name`: expected a string")?
        .to_string();
    let kind = obj
        .get("op")
        .and_then(Json::as_str)
        .ok_or("`op`: expected a string")?;
    let s = obj
        .get("shape")
        .and_then(Json::as_object)
        .ok_or("`shape`: expected an object")?;
    let op = op(kind, s).map_err(|e| format!("{name} ({kind}): {e}"))?;
    let precision = Precision {
        weight_bits: bits(obj, "weight_bits")?,
        input_bits: bits(obj, "input_bits")?,
        output_bits: bits(obj, "output_bits")?,
    };
    let spiking = match obj.get("spiking") {
        None | Some(Json::Null) => None,
        Some(Json::Object(sp)) => Some(Spiking {
            timesteps: int32(sp, "timesteps")?,
            spike_rate: sp
                .get("spike_rate")
                .and_then(Json::as_f64)
                .filter(|r| *r > 0.0 && *r <= 1.0)
                .ok_or("`spiking.spike_rate`: expected a number in (0, 1]")?,
            membrane_bits: bits(sp, "membrane_bits")?,
            input_spikes: boolean(sp, "input_spikes")?,
        }),
        Some(_) => return Err("`spiking`: expected an object or null".into()),
    };
    let data = data(obj.get("data"))?;
    if !data.is_empty() && !op.has_static_weights() {
        return Err(format!(
            "{name}: `data` statistics apply to layers with weights in cells only"
        ));
    }
    let layer = Layer {
        name,
        op,
        precision,
        spiking,
        data,
    };
    check_derived(obj, &layer)?;
    Ok(layer)
}

/// A layer's own data statistics (`{"weight_crest": 6.1, ..}`, each key optional and in its
/// range, `imc_zoo::data::DATA_KEYS`), empty when absent or null.
fn data(j: Option<&Json>) -> Result<DataStats, String> {
    let obj = match j {
        None | Some(Json::Null) => return Ok(DataStats::default()),
        Some(Json::Object(o)) => o,
        Some(_) => return Err("`data`: expected an object or null".into()),
    };
    let mut d = DataStats::default();
    for (key, v) in obj {
        let v = v
            .as_f64()
            .ok_or_else(|| format!("`data.{key}`: expected a number"))?;
        let slot = match key.as_str() {
            "activation_nonzero" => &mut d.activation_nonzero,
            "activation_crest" => &mut d.activation_crest,
            "weight_crest" => &mut d.weight_crest,
            "signal_gain_db" => &mut d.signal_gain_db,
            _ => {
                return Err(format!(
                    "`data.{key}`: unknown; allowed: activation_nonzero, activation_crest, weight_crest, signal_gain_db"
                ));
            }
        };
        *slot = Some(v);
    }
    match d.problems().first() {
        Some((key, message)) => Err(format!("`data.{key}`: {message}")),
        None => Ok(d),
    }
}

/// The derived fields, where the JSON has them, must be the layer's.
fn check_derived(obj: &Map<String, Json>, l: &Layer) -> Result<(), String> {
    let derived = describe::layer_json(l);
    for key in [
        "macs",
        "weights",
        "params",
        "input_activations",
        "output_activations",
        "matrix",
    ] {
        if let Some(given) = obj.get(key)
            && given != &derived[key]
        {
            return Err(format!(
                "{}: `{key}` is {given}, but its shape gives {}",
                l.name, derived[key]
            ));
        }
    }
    Ok(())
}

fn op(kind: &str, s: &Map<String, Json>) -> Result<Op, String> {
    Ok(match kind {
        "conv2d" => Op::Conv2d(conv2d(s)?),
        "linear" => Op::Linear(Linear {
            in_features: int(s, "in_features")?,
            out_features: int(s, "out_features")?,
            tokens: int(s, "tokens")?,
            bias: boolean(s, "bias")?,
            tied: boolean(s, "tied")?,
        }),
        "matmul" => Op::MatMul(MatMul {
            m: int(s, "m")?,
            k: int(s, "k")?,
            n: int(s, "n")?,
            batch: int(s, "batch")?,
        }),
        "softmax" => Op::Softmax(Softmax {
            rows: int(s, "rows")?,
            length: int(s, "length")?,
        }),
        "pool" => Op::Pool(Pool {
            kind: named(s, "kind", &[("max", PoolKind::Max), ("avg", PoolKind::Avg)])?,
            channels: int(s, "channels")?,
            input_size: pair(s, "input_size")?,
            output_size: pair(s, "output_size")?,
            window: pair(s, "window")?,
        }),
        "add" => Op::Add(Add {
            elements: int(s, "elements")?,
            inputs: int(s, "inputs")?,
        }),
        "scale" => Op::Scale(Scale {
            elements: int(s, "elements")?,
        }),
        "norm" => {
            // `layer_json` writes the kind as its Debug name in lower case (`nonorm`).
            let mut kinds: Vec<(&str, NormKind)> = NormKind::ALL.to_vec();
            kinds.push(("nonorm", NormKind::NoNorm));
            Op::Norm(Norm {
                kind: named(s, "kind", &kinds)?,
                features: int(s, "features")?,
                elements: int(s, "elements")?,
            })
        }
        "act" => Op::Activation(Activation {
            kind: named(s, "kind", &ActKind::ALL)?,
            elements: int(s, "elements")?,
        }),
        "embedding" => Op::Embedding(Embedding {
            entries: int(s, "entries")?,
            dim: int(s, "dim")?,
            lookups: int(s, "lookups")?,
        }),
        other => {
            return Err(format!(
                "unknown op `{other}`; allowed: conv2d, linear, matmul, softmax, pool, add, scale, norm, act, embedding"
            ));
        }
    })
}

/// A `conv2d` layer's fields, with the checks the zoo makes on its own files: groups divide
/// both channel counts, and the kernel fits the padded input.
fn conv2d(s: &Map<String, Json>) -> Result<Conv2d, String> {
    let c = Conv2d {
        in_channels: int(s, "in_channels")?,
        out_channels: int(s, "out_channels")?,
        kernel: pair(s, "kernel")?,
        stride: pair(s, "stride")?,
        padding: pair0(s, "padding")?,
        dilation: pair(s, "dilation")?,
        groups: int(s, "groups")?,
        input_size: pair(s, "input_size")?,
        bias: boolean(s, "bias")?,
        batch: match s.get("batch") {
            Some(_) => int(s, "batch")?,
            None => 1,
        },
    };
    if !c.in_channels.is_multiple_of(c.groups) || !c.out_channels.is_multiple_of(c.groups) {
        return Err(format!(
            "groups {} must divide in_channels {} and out_channels {}",
            c.groups, c.in_channels, c.out_channels
        ));
    }
    if c.output_size().is_none() {
        return Err("the kernel does not fit the padded input".into());
    }
    Ok(c)
}

/// A positive integer field.
fn int(s: &Map<String, Json>, key: &str) -> Result<u64, String> {
    s.get(key)
        .and_then(Json::as_u64)
        .filter(|&v| v >= 1)
        .ok_or_else(|| format!("`{key}`: expected an integer >= 1"))
}

/// A positive integer that fits 32 bits.
fn int32(s: &Map<String, Json>, key: &str) -> Result<u32, String> {
    let v = int(s, key)?;
    u32::try_from(v).map_err(|_| format!("`{key}`: {v} is out of range; allowed 1..={}", u32::MAX))
}

/// A bit width in the zoo's range ([`BITS_RANGE`]).
fn bits(s: &Map<String, Json>, key: &str) -> Result<u32, String> {
    let b = int(s, key)?;
    u32::try_from(b)
        .ok()
        .filter(|b| BITS_RANGE.contains(b))
        .ok_or_else(|| format!("`{key}`: {b} bits; allowed {BITS_RANGE:?}"))
}

fn boolean(s: &Map<String, Json>, key: &str) -> Result<bool, String> {
    s.get(key)
        .and_then(Json::as_bool)
        .ok_or_else(|| format!("`{key}`: expected true or false"))
}

/// `[h, w]` of positive integers.
fn pair(s: &Map<String, Json>, key: &str) -> Result<[u64; 2], String> {
    pair_min(s, key, 1)
}

/// `[h, w]` of integers >= 0 (padding).
fn pair0(s: &Map<String, Json>, key: &str) -> Result<[u64; 2], String> {
    pair_min(s, key, 0)
}

fn pair_min(s: &Map<String, Json>, key: &str, min: u64) -> Result<[u64; 2], String> {
    let bad = || format!("`{key}`: expected [h, w], integers >= {min}");
    let v = s.get(key).and_then(Json::as_array).ok_or_else(bad)?;
    match v.as_slice() {
        [h, w] => match (h.as_u64(), w.as_u64()) {
            (Some(h), Some(w)) if h >= min && w >= min => Ok([h, w]),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

fn named<T: Copy>(s: &Map<String, Json>, key: &str, allowed: &[(&str, T)]) -> Result<T, String> {
    let v = s.get(key).and_then(Json::as_str);
    allowed
        .iter()
        .find(|(n, _)| Some(*n) == v)
        .map(|(_, k)| *k)
        .ok_or_else(|| {
            let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
            format!("`{key}`: expected one of {}", names.join(", "))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use imc_zoo::Zoo;
    use serde_json::json;

    /// Every layer of every built-in workload reads back equal to itself, so an evaluator
    /// costs exactly the network the run costs.
    #[test]
    fn every_zoo_layer_round_trips() {
        let zoo = Zoo::builtin().unwrap();
        let mut n = 0;
        for name in zoo.names() {
            let w = &zoo.resolve(name).unwrap()[0];
            let back = workload_from_json(&w.name, &layers_json(std::slice::from_ref(w))[&w.name])
                .unwrap();
            assert_eq!(back.layers, w.layers, "{name}");
            n += w.layers.len();
        }
        assert!(n > 1000, "{n} layers");
    }

    /// Bad layers are refused, naming the layer and the field.
    #[test]
    fn bad_layers_are_named() {
        let w = &Zoo::builtin().unwrap().resolve("resnet18").unwrap()[0];
        let good = describe::layer_json(&w.layers[0]);
        let cases: [(&str, Json, &str); 6] = [
            (
                "/weight_bits",
                json!(40),
                "`weight_bits`: 40 bits; allowed 1..=32",
            ),
            ("/input_bits", json!(4294967304u64), "allowed 1..=32"),
            ("/shape/groups", json!(5), "groups 5 must divide"),
            ("/macs", json!(7), "`macs` is 7"),
            ("/op", json!("lstm"), "unknown op `lstm`"),
            ("/shape/kernel", json!([7]), "`kernel`: expected [h, w]"),
        ];
        for (ptr, v, want) in cases {
            let mut bad = good.clone();
            *bad.pointer_mut(ptr).unwrap() = v;
            let e = layer_from_json(&bad).unwrap_err();
            assert!(e.contains(want), "{ptr}: {e}");
        }
        let e = workload_from_json("x", &json!([good, 3])).unwrap_err();
        assert!(e.starts_with("layers.x[1]: expected an object"), "{e}");
    }

    /// A layer's own data statistics travel with it; bad ones are refused with their key.
    #[test]
    fn data_statistics_round_trip_and_are_checked() {
        let w = &Zoo::builtin().unwrap().resolve("resnet18").unwrap()[0];
        let mut conv = w.layers[0].clone();
        conv.data.weight_crest = Some(6.25);
        conv.data.signal_gain_db = Some(-2.0);
        let j = describe::layer_json(&conv);
        assert_eq!(
            j["data"],
            json!({"weight_crest": 6.25, "signal_gain_db": -2.0})
        );
        assert_eq!(layer_from_json(&j).unwrap(), conv);
        assert!(describe::layer_json(&w.layers[1]).get("data").is_none());
        for (v, want) in [
            (
                json!({"weight_crest": 0.5}),
                "`data.weight_crest`: 0.5 is out of range",
            ),
            (json!({"crest": 4}), "`data.crest`: unknown"),
            (
                json!({"weight_crest": "x"}),
                "`data.weight_crest`: expected a number",
            ),
            (json!(4), "`data`: expected an object or null"),
        ] {
            let mut bad = j.clone();
            bad["data"] = v;
            let e = layer_from_json(&bad).unwrap_err();
            assert!(e.contains(want), "{e}");
        }
        let norm = w.layers.iter().find(|l| !l.has_static_weights()).unwrap();
        let mut bad = describe::layer_json(norm);
        bad["data"] = json!({"weight_crest": 5.0});
        let e = layer_from_json(&bad).unwrap_err();
        assert!(e.contains("apply to layers with weights in cells"), "{e}");
    }
}
