//! A workload written back as a workload file: every layer as a primitive with all its sizes
//! spelled out, so that parsing the text gives the same layers (`imcdse workloads import`
//! writes ONNX graphs this way, for users to read, edit and commit).

use crate::layer::Layer;
use crate::ops::*;
use crate::precision::Precision;
use crate::workload::Workload;
use std::fmt::Write;

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn pair(p: [u64; 2]) -> String {
    if p[0] == p[1] {
        p[0].to_string()
    } else {
        format!("[{}, {}]", p[0], p[1])
    }
}

/// A stride and padding that give `output` from `input` with `window`: what a pool file must
/// state (the layer keeps only the window and the sizes). Padding at most half the window.
fn pool_geometry(input: u64, output: u64, window: u64) -> Option<(u64, u64)> {
    for stride in std::iter::once(window).chain(1..=input.max(window)) {
        for pad in 0..=window / 2 {
            if Conv2d::axis_output(input, window, stride, pad, 1) == Some(output) {
                return Some((stride, pad));
            }
        }
    }
    None
}

/// Writes `k = v` on a line of its own.
fn kv(s: &mut String, k: &str, v: String) {
    let _ = writeln!(s, "{k} = {v}");
}

/// The `[[layers]]` table of one layer: its name, its op's keys, and its precision where it is
/// not the default. A spiking layer is refused.
fn layer(l: &Layer) -> Result<String, String> {
    let mut s = format!("[[layers]]\nname = {}\n", quote(&l.name));
    match &l.op {
        Op::Conv2d(c) => conv2d(&mut s, c),
        Op::Linear(x) => linear(&mut s, x),
        Op::MatMul(m) => matmul(&mut s, m),
        Op::Softmax(x) => softmax(&mut s, x),
        Op::Pool(p) => pool(&mut s, p, &l.name)?,
        Op::Add(a) => add(&mut s, a),
        Op::Scale(x) => scale(&mut s, x),
        Op::Norm(x) => norm(&mut s, x),
        Op::Activation(x) => act(&mut s, x),
        Op::Embedding(e) => embedding(&mut s, e),
    }
    precision(&mut s, l.precision);
    data(&mut s, &l.data);
    if l.spiking.is_some() {
        return Err(format!(
            "layer {:?}: spiking layers are not written by this writer",
            l.name
        ));
    }
    Ok(s)
}

/// `op = "conv2d"` and every size (`batch` when not 1).
fn conv2d(s: &mut String, c: &Conv2d) {
    kv(s, "op", quote("conv2d"));
    kv(s, "in_channels", c.in_channels.to_string());
    kv(s, "out_channels", c.out_channels.to_string());
    kv(s, "kernel", pair(c.kernel));
    kv(s, "stride", pair(c.stride));
    kv(s, "padding", pair(c.padding));
    kv(s, "dilation", pair(c.dilation));
    kv(s, "groups", c.groups.to_string());
    kv(s, "input_size", pair(c.input_size));
    kv(s, "bias", c.bias.to_string());
    if c.batch != 1 {
        kv(s, "batch", c.batch.to_string());
    }
}

/// `op = "linear"` and its sizes (`tied` when true).
fn linear(s: &mut String, x: &Linear) {
    kv(s, "op", quote("linear"));
    kv(s, "in_features", x.in_features.to_string());
    kv(s, "out_features", x.out_features.to_string());
    kv(s, "tokens", x.tokens.to_string());
    kv(s, "bias", x.bias.to_string());
    if x.tied {
        kv(s, "tied", "true".into());
    }
}

/// `op = "matmul"`: `m`, `k`, `n`, `batch`.
fn matmul(s: &mut String, m: &MatMul) {
    kv(s, "op", quote("matmul"));
    for (k, v) in [("m", m.m), ("k", m.k), ("n", m.n), ("batch", m.batch)] {
        kv(s, k, v.to_string());
    }
}

/// `op = "softmax"`: `rows` of `length`.
fn softmax(s: &mut String, x: &Softmax) {
    kv(s, "op", quote("softmax"));
    kv(s, "rows", x.rows.to_string());
    kv(s, "length", x.length.to_string());
}

/// `op = "pool"` of layer `name`: an average whose window is what an adaptive pool takes is
/// written `adaptive_avg` (sizes alone); any other pool with the kernel, stride and padding that
/// give its output size, or an error when none does.
fn pool(s: &mut String, p: &Pool, name: &str) -> Result<(), String> {
    kv(s, "op", quote("pool"));
    let adaptive = p.kind == PoolKind::Avg
        && (0..2).all(|i| p.window[i] == p.input_size[i].div_ceil(p.output_size[i]));
    kv(
        s,
        "kind",
        quote(if adaptive {
            "adaptive_avg"
        } else if p.kind == PoolKind::Max {
            "max"
        } else {
            "avg"
        }),
    );
    kv(s, "channels", p.channels.to_string());
    kv(s, "input_size", pair(p.input_size));
    if !adaptive {
        let g: Option<Vec<(u64, u64)>> = (0..2)
            .map(|i| pool_geometry(p.input_size[i], p.output_size[i], p.window[i]))
            .collect();
        let g = g.ok_or_else(|| {
            format!(
                "layer {:?}: no stride and padding (at most half the window) give {:?} from {:?} with window {:?}",
                name, p.output_size, p.input_size, p.window
            )
        })?;
        kv(s, "kernel", pair(p.window));
        kv(s, "stride", pair([g[0].0, g[1].0]));
        kv(s, "padding", pair([g[0].1, g[1].1]));
    }
    kv(s, "output_size", pair(p.output_size));
    Ok(())
}

/// `op = "add"`: `elements` and `inputs`.
fn add(s: &mut String, a: &Add) {
    kv(s, "op", quote("add"));
    kv(s, "elements", a.elements.to_string());
    kv(s, "inputs", a.inputs.to_string());
}

/// `op = "scale"`: `elements`.
fn scale(s: &mut String, x: &Scale) {
    kv(s, "op", quote("scale"));
    kv(s, "elements", x.elements.to_string());
}

/// `op = "norm"`: its kind by name, `features`, `elements`.
fn norm(s: &mut String, x: &Norm) {
    kv(s, "op", quote("norm"));
    let kind = NormKind::ALL
        .iter()
        .find(|(_, k)| *k == x.kind)
        .map_or("?", |(n, _)| n);
    kv(s, "kind", quote(kind));
    kv(s, "features", x.features.to_string());
    kv(s, "elements", x.elements.to_string());
}

/// `op = "act"`: its kind by name, `elements`.
fn act(s: &mut String, x: &Activation) {
    kv(s, "op", quote("act"));
    kv(s, "kind", quote(x.kind.name()));
    kv(s, "elements", x.elements.to_string());
}

/// `op = "embedding"`: `entries`, `dim`, `lookups`.
fn embedding(s: &mut String, e: &Embedding) {
    kv(s, "op", quote("embedding"));
    kv(s, "entries", e.entries.to_string());
    kv(s, "dim", e.dim.to_string());
    kv(s, "lookups", e.lookups.to_string());
}

/// The precision keys whose value is not the default's.
fn precision(s: &mut String, p: Precision) {
    let d = Precision::default();
    for (k, v, dv) in [
        ("weight_bits", p.weight_bits, d.weight_bits),
        ("input_bits", p.input_bits, d.input_bits),
        ("output_bits", p.output_bits, d.output_bits),
    ] {
        if v != dv {
            kv(s, k, v.to_string());
        }
    }
}

/// `data = { .. }` with the layer's own statistics, when it has any.
fn data(s: &mut String, d: &crate::DataStats) {
    if d.is_empty() {
        return;
    }
    let items: Vec<String> = d
        .given()
        .iter()
        .map(|(k, v)| format!("{k} = {v:?}"))
        .collect();
    kv(s, "data", format!("{{ {} }}", items.join(", ")));
}

/// The workload file of `w`, with `comment` lines (each prefixed `# `) at the top.
pub fn to_toml(w: &Workload, comment: &str) -> Result<String, String> {
    let mut s = String::new();
    for line in comment.lines() {
        let _ = writeln!(s, "# {line}");
    }
    let _ = writeln!(s, "schema_version = {}", super::SCHEMA_VERSION);
    let _ = writeln!(s, "name = {}", quote(&w.name));
    let _ = writeln!(s, "description = {}", quote(&w.description));
    let _ = writeln!(s, "source = {}", quote(&w.source));
    let input: Vec<String> = w.input.iter().map(u64::to_string).collect();
    let _ = writeln!(s, "input = [{}]", input.join(", "));
    if !w.params.is_empty() {
        s.push_str("\n[params]\n");
        for (k, v) in &w.params {
            let _ = writeln!(s, "{k} = {v}");
        }
    }
    for l in &w.layers {
        s.push('\n');
        s.push_str(&layer(l)?);
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Zoo;

    /// Every built-in workload without spiking layers written and read back gives its layers.
    #[test]
    fn the_zoo_round_trips() {
        let zoo = Zoo::builtin().unwrap();
        let mut n = 0;
        for name in zoo.names() {
            let w = zoo.load(name).unwrap();
            if w.is_spiking() {
                continue;
            }
            let text = to_toml(&w, "round trip").unwrap();
            let back =
                crate::parse_workload("x.toml", &text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(back.layers, w.layers, "{name}");
            assert_eq!(
                (back.name, back.input, back.params),
                (w.name, w.input, w.params)
            );
            n += 1;
        }
        assert!(n >= 12, "{n}");
    }

    /// A layer's own data statistics are written and read back.
    #[test]
    fn data_statistics_round_trip() {
        let mut w = Zoo::builtin().unwrap().load("resnet18").unwrap();
        let mut set = 0;
        for (i, l) in w.layers.iter_mut().enumerate() {
            if l.has_static_weights() && i % 3 == 0 {
                l.data.weight_crest = Some(4.0 + i as f64 / 7.0);
                l.data.signal_gain_db = Some(-1.25);
                set += 1;
            }
        }
        assert!(set > 3);
        let text = to_toml(&w, "data").unwrap();
        assert!(text.contains("data = { weight_crest = 4.0, signal_gain_db = -1.25 }"));
        let back = crate::parse_workload("x.toml", &text).unwrap();
        assert_eq!(back.layers, w.layers);
    }

    /// A pool no stride and padding give, and a spiking layer, are refused with the layer's name.
    #[test]
    fn unwritable_layers_are_named() {
        let pool = Layer {
            name: "p".into(),
            op: Op::Pool(Pool {
                kind: PoolKind::Max,
                channels: 1,
                input_size: [8, 8],
                output_size: [9, 9],
                window: [1, 1],
            }),
            precision: Precision::default(),
            spiking: None,
            data: Default::default(),
        };
        assert_eq!(
            layer(&pool).unwrap_err(),
            "layer \"p\": no stride and padding (at most half the window) give [9, 9] from [8, 8] with window [1, 1]"
        );
        let spiking = Layer {
            name: "s".into(),
            op: Op::Scale(Scale { elements: 4 }),
            precision: Precision::default(),
            spiking: Some(crate::Spiking {
                timesteps: 4,
                spike_rate: 0.5,
                membrane_bits: 8,
                input_spikes: true,
            }),
            data: Default::default(),
        };
        assert_eq!(
            layer(&spiking).unwrap_err(),
            "layer \"s\": spiking layers are not written by this writer"
        );
    }

    #[test]
    fn pool_geometry_finds_a_stride() {
        assert_eq!(pool_geometry(112, 56, 3), Some((2, 1)));
        assert_eq!(pool_geometry(7, 1, 7), Some((7, 0)));
        assert_eq!(pool_geometry(6, 6, 1), Some((1, 0)));
    }
}
