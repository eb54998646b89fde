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

/// The `[[layers]]` table of one layer.
fn layer(l: &Layer) -> Result<String, String> {
    let mut s = format!("[[layers]]\nname = {}\n", quote(&l.name));
    let kv = |s: &mut String, k: &str, v: String| {
        let _ = writeln!(s, "{k} = {v}");
    };
    match &l.op {
        Op::Conv2d(c) => {
            kv(&mut s, "op", quote("conv2d"));
            kv(&mut s, "in_channels", c.in_channels.to_string());
            kv(&mut s, "out_channels", c.out_channels.to_string());
            kv(&mut s, "kernel", pair(c.kernel));
            kv(&mut s, "stride", pair(c.stride));
            kv(&mut s, "padding", pair(c.padding));
            kv(&mut s, "dilation", pair(c.dilation));
            kv(&mut s, "groups", c.groups.to_string());
            kv(&mut s, "input_size", pair(c.input_size));
            kv(&mut s, "bias", c.bias.to_string());
            if c.batch != 1 {
                kv(&mut s, "batch", c.batch.to_string());
            }
        }
        Op::Linear(x) => {
            kv(&mut s, "op", quote("linear"));
            kv(&mut s, "in_features", x.in_features.to_string());
            kv(&mut s, "out_features", x.out_features.to_string());
            kv(&mut s, "tokens", x.tokens.to_string());
            kv(&mut s, "bias", x.bias.to_string());
            if x.tied {
                kv(&mut s, "tied", "true".into());
            }
        }
        Op::MatMul(m) => {
            kv(&mut s, "op", quote("matmul"));
            for (k, v) in [("m", m.m), ("k", m.k), ("n", m.n), ("batch", m.batch)] {
                kv(&mut s, k, v.to_string());
            }
        }
        Op::Softmax(x) => {
            kv(&mut s, "op", quote("softmax"));
            kv(&mut s, "rows", x.rows.to_string());
            kv(&mut s, "length", x.length.to_string());
        }
        Op::Pool(p) => {
            kv(&mut s, "op", quote("pool"));
            let adaptive = p.kind == PoolKind::Avg
                && (0..2).all(|i| p.window[i] == p.input_size[i].div_ceil(p.output_size[i]));
            kv(
                &mut s,
                "kind",
                quote(if adaptive {
                    "adaptive_avg"
                } else if p.kind == PoolKind::Max {
                    "max"
                } else {
                    "avg"
                }),
            );
            kv(&mut s, "channels", p.channels.to_string());
            kv(&mut s, "input_size", pair(p.input_size));
            if !adaptive {
                let g: Option<Vec<(u64, u64)>> = (0..2)
                    .map(|i| pool_geometry(p.input_size[i], p.output_size[i], p.window[i]))
                    .collect();
                let g = g.ok_or_else(|| {
                    format!(
                        "layer {:?}: no stride and padding (at most half the window) give {:?} from {:?} with window {:?}",
                        l.name, p.output_size, p.input_size, p.window
                    )
                })?;
                kv(&mut s, "kernel", pair(p.window));
                kv(&mut s, "stride", pair([g[0].0, g[1].0]));
                kv(&mut s, "padding", pair([g[0].1, g[1].1]));
            }
            kv(&mut s, "output_size", pair(p.output_size));
        }
        Op::Add(a) => {
            kv(&mut s, "op", quote("add"));
            kv(&mut s, "elements", a.elements.to_string());
            kv(&mut s, "inputs", a.inputs.to_string());
        }
        Op::Scale(x) => {
            kv(&mut s, "op", quote("scale"));
            kv(&mut s, "elements", x.elements.to_string());
        }
        Op::Norm(x) => {
            kv(&mut s, "op", quote("norm"));
            let kind = NormKind::ALL
                .iter()
                .find(|(_, k)| *k == x.kind)
                .map_or("?", |(n, _)| n);
            kv(&mut s, "kind", quote(kind));
            kv(&mut s, "features", x.features.to_string());
            kv(&mut s, "elements", x.elements.to_string());
        }
        Op::Activation(x) => {
            kv(&mut s, "op", quote("act"));
            kv(&mut s, "kind", quote(x.kind.name()));
            kv(&mut s, "elements", x.elements.to_string());
        }
        Op::Embedding(e) => {
            kv(&mut s, "op", quote("embedding"));
            kv(&mut s, "entries", e.entries.to_string());
            kv(&mut s, "dim", e.dim.to_string());
            kv(&mut s, "lookups", e.lookups.to_string());
        }
    }
    let d = Precision::default();
    let p = l.precision;
    for (k, v, dv) in [
        ("weight_bits", p.weight_bits, d.weight_bits),
        ("input_bits", p.input_bits, d.input_bits),
        ("output_bits", p.output_bits, d.output_bits),
    ] {
        if v != dv {
            kv(&mut s, k, v.to_string());
        }
    }
    if l.spiking.is_some() {
        return Err(format!(
            "layer {:?}: spiking layers are not written by this writer",
            l.name
        ));
    }
    Ok(s)
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

    #[test]
    fn pool_geometry_finds_a_stride() {
        assert_eq!(pool_geometry(112, 56, 3), Some((2, 1)));
        assert_eq!(pool_geometry(7, 1, 7), Some((7, 0)));
        assert_eq!(pool_geometry(6, 6, 1), Some((1, 0)));
    }
}
