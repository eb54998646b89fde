//! Machine-readable descriptions: workloads and their layers, parameter values and a costed
//! design as JSON (the stable formats of `imcdse workloads --json`, `space --json` and
//! `eval --json`, which scripts and the external-evaluator protocol depend on), and the short
//! text tables of `imcdse workloads`.

use crate::calibration::Calibration;
use crate::report::{si, table, thousands};
use imc_model::{Architecture, DesignReport, Value};
use imc_zoo::ops::Op;
use imc_zoo::{Layer, Workload, Zoo};
use serde_json::{Map, Value as Json, json};
use std::fmt::Write;

/// A parameter value as JSON: whole numbers as integers.
pub fn value_json(v: &Value) -> Json {
    match v {
        Value::Num(x) if x.fract() == 0.0 && x.abs() < 9e15 => json!(*x as i64),
        Value::Num(x) => json!(x),
        Value::Bool(b) => json!(b),
        Value::Str(s) => json!(s),
    }
}

/// A short shape description for the layer table.
pub fn shape(l: &Layer) -> String {
    match &l.op {
        Op::Conv2d(c) => {
            let o = c.output_size().unwrap_or([0, 0]);
            let mut g = if c.groups > 1 {
                format!(" g{}", c.groups)
            } else {
                String::new()
            };
            if c.batch > 1 {
                g.push_str(&format!(" x{} images", c.batch));
            }
            format!(
                "{}->{} k{}x{} s{} @{}x{}->{}x{}{g}",
                c.in_channels,
                c.out_channels,
                c.kernel[0],
                c.kernel[1],
                c.stride[0],
                c.input_size[0],
                c.input_size[1],
                o[0],
                o[1]
            )
        }
        Op::Linear(x) => format!(
            "{}->{} x{} tokens{}",
            x.in_features,
            x.out_features,
            x.tokens,
            if x.tied { " (tied)" } else { "" }
        ),
        Op::MatMul(m) => format!("{}x{} @ {}x{} x{}", m.m, m.k, m.k, m.n, m.batch),
        Op::Softmax(s) => format!("{} rows x {}", s.rows, s.length),
        Op::Pool(p) => format!(
            "{} {} ch {}x{}->{}x{}",
            format!("{:?}", p.kind).to_lowercase(),
            p.channels,
            p.input_size[0],
            p.input_size[1],
            p.output_size[0],
            p.output_size[1]
        ),
        Op::Add(a) => format!("{} x{} inputs", a.elements, a.inputs),
        Op::Scale(s) => format!("{}", s.elements),
        Op::Norm(n) => format!(
            "{} {} features, {}",
            format!("{:?}", n.kind).to_lowercase(),
            n.features,
            n.elements
        ),
        Op::Activation(a) => format!("{} {}", a.kind.name(), a.elements),
        Op::Embedding(e) => format!("{}x{} table, {} lookups", e.entries, e.dim, e.lookups),
    }
}

/// A workload: `name, description, source, file, sets, parameters, input, layers (count),
/// weight_layers, params, weights, macs, static_macs, dynamic_macs, softmax_elements, spiking`;
/// with `detailed`, also `layer_list`, one [`layer_json`] per layer.
pub fn workload_json(zoo: &Zoo, w: &Workload, detailed: bool) -> Json {
    let mut v = json!({
    "name": w.name,
    "description": w.description,
    "source": w.source,
    "file": w.file,
    "sets": zoo.sets_of(&w.name),
    "parameters": w.params.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
    "input": w.input,
    "layers": w.layers.len(),
    "weight_layers": w.weight_layers(),
    "params": w.params(),
    "weights": w.weights(),
    "macs": w.macs(),
    "static_macs": w.static_macs(),
    "dynamic_macs": w.dynamic_macs(),
    "softmax_elements": w.softmax_elements(),
    "spiking": w.is_spiking(),
    });
    if detailed {
        v["layer_list"] = w.layers.iter().map(layer_json).collect();
    }
    v
}

/// One layer: `name, op, shape (op-specific fields), macs, weights, params, input_activations,
/// output_activations, weight_bits, input_bits, output_bits, matrix {rows, cols, groups,
/// vectors, static} | null, spiking {timesteps, spike_rate, membrane_bits, input_spikes} | null`.
pub fn layer_json(l: &Layer) -> Json {
    let shape = match &l.op {
        Op::Conv2d(c) => {
            let mut o = json!({
                "in_channels": c.in_channels, "out_channels": c.out_channels, "kernel": c.kernel, "stride": c.stride,
                "padding": c.padding, "dilation": c.dilation, "groups": c.groups, "input_size": c.input_size,
                "output_size": c.output_size(), "bias": c.bias,
            });
            // Only a batch above 1 (imported graphs) adds the key: batch-1 layers read as before.
            if c.batch != 1 {
                o["batch"] = json!(c.batch);
            }
            o
        }
        Op::Linear(x) => {
            json!({"in_features": x.in_features, "out_features": x.out_features, "tokens": x.tokens, "bias": x.bias, "tied": x.tied})
        }
        Op::MatMul(m) => json!({"m": m.m, "k": m.k, "n": m.n, "batch": m.batch}),
        Op::Softmax(s) => json!({"rows": s.rows, "length": s.length}),
        Op::Pool(p) => json!({
            "kind": format!("{:?}", p.kind).to_lowercase(), "channels": p.channels, "input_size": p.input_size,
            "output_size": p.output_size, "window": p.window,
        }),
        Op::Add(a) => json!({"elements": a.elements, "inputs": a.inputs}),
        Op::Scale(s) => json!({"elements": s.elements}),
        Op::Norm(n) => {
            json!({"kind": format!("{:?}", n.kind).to_lowercase(), "features": n.features, "elements": n.elements})
        }
        Op::Activation(a) => json!({"kind": a.kind.name(), "elements": a.elements}),
        Op::Embedding(e) => json!({"entries": e.entries, "dim": e.dim, "lookups": e.lookups}),
    };
    let mut out = json!({
    "name": l.name,
    "op": l.op.kind(),
    "shape": shape,
    "macs": l.macs(),
    "weights": l.weights(),
    "params": l.params(),
    "input_activations": l.input_activations(),
    "output_activations": l.output_activations(),
    "weight_bits": l.precision.weight_bits,
    "input_bits": l.precision.input_bits,
    "output_bits": l.precision.output_bits,
    "matrix": l.matrix().map(|m| json!({"rows": m.rows, "cols": m.cols, "groups": m.groups, "vectors": m.vectors, "static": m.static_weights})),
    "spiking": l.spiking.map(|s| json!({
        "timesteps": s.timesteps, "spike_rate": s.spike_rate, "membrane_bits": s.membrane_bits, "input_spikes": s.input_spikes,
    })),
    });
    // Only a layer with its own data statistics adds the key: other layers read (and hash) as
    // before.
    if !l.data.is_empty() {
        out["data"] = Json::Object(parts_of(&l.data.given()));
    }
    out
}

/// `{"name": value}` of named numbers, in order.
fn parts_of<S: AsRef<str>>(v: &[(S, f64)]) -> Map<String, serde_json::Value> {
    v.iter()
        .map(|(k, x)| (k.as_ref().to_string(), json!(x)))
        .collect()
}

/// A costed design (`imcdse eval --json`): `{"space", "feasible", "reason", "area_mm2",
/// "parameters": {..resolved architecture..}, "workloads": {"<name>": {"energy_mj",
/// "latency_ms", "edap", "tops", "tops_per_w", "tops_per_mm2", "utilization", "snr_db",
/// "snr_db_layers": {"<layer>": dB}, "feasible",
/// "reason", "needed_crossbars", "needed_cells", "breakdown": {"energy_mj": {..},
/// "latency_ms": {..}}}}, "area_breakdown_mm2": {..}, "calibration": null | {"name", "file",
/// "factors_outside_0.1_to_10": [..]}}`. Units: mJ, ms, mm2, EDAP mJ*ms*mm2, dB (`snr_db`: the
/// compute SNR of the workload's worst layer, `imc_model::snr`).
pub fn design_json(
    space_file: &str,
    calibration: Option<&Calibration>,
    arch: &Architecture,
    report: &DesignReport,
) -> Json {
    let reason = report.infeasible().map(|(w, why)| format!("{w}: {why}"));
    let parameters: Map<String, serde_json::Value> = arch
        .values()
        .iter()
        .map(|(k, v)| (k.to_string(), value_json(v)))
        .collect();
    let mut ws = Map::new();
    for w in &report.workloads {
        ws.insert(
            w.workload.clone(),
            json!({
                "energy_mj": w.energy_mj, "latency_ms": w.latency_ms, "edap": w.edap, "tops": w.tops,
                "tops_per_w": w.tops_per_w, "tops_per_mm2": w.tops_per_mm2, "utilization": w.utilization,
                "snr_db": w.snr_db, "snr_db_layers": parts_of(&w.snr_layers_db),
                "feasible": w.infeasible.is_none(), "reason": w.infeasible.as_ref().map(|i| i.to_string()),
                "needed_crossbars": w.needed_crossbars, "needed_cells": w.needed_cells,
                "breakdown": {"energy_mj": parts_of(&w.energy_breakdown_mj), "latency_ms": parts_of(&w.latency_breakdown_ms)},
            }),
        );
    }
    json!({
        "space": space_file,
        "feasible": reason.is_none(),
        "reason": reason,
        "area_mm2": report.area_mm2,
        "parameters": parameters,
        "workloads": ws,
        "area_breakdown_mm2": parts_of(&report.area_breakdown_mm2),
        "calibration": calibration.map(|c| json!({
            "name": c.name, "file": c.file, "factors_outside_0.1_to_10": c.flagged(),
        })),
    })
}

/// The zoo at a glance: one row per workload (layers, params, weights, MACs, sets), then the
/// sets and aliases.
pub fn zoo_table(zoo: &Zoo, workloads: &[Workload]) -> Result<String, std::fmt::Error> {
    let mut out = String::new();
    let rows: Vec<Vec<String>> = workloads
        .iter()
        .map(|w| {
            vec![
                w.name.clone(),
                w.layers.len().to_string(),
                w.weight_layers().to_string(),
                thousands(w.params()),
                thousands(w.weights()),
                thousands(w.macs()),
                si(w.macs()),
                zoo.sets_of(&w.name).join(","),
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        table(
            &[
                "workload",
                ">layers",
                ">weight layers",
                ">params",
                ">weights",
                ">MACs",
                ">~",
                "sets"
            ],
            &rows
        )
    )?;
    let aliases: Vec<String> = zoo
        .aliases()
        .iter()
        .map(|(a, t)| format!("{a} = {t}"))
        .collect();
    writeln!(
        out,
        "\nsets: {}",
        zoo.sets()
            .iter()
            .map(|(s, m)| format!("{s} ({})", m.len()))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    writeln!(out, "aliases: {}", aliases.join(", "))?;
    writeln!(
        out,
        "MACs count conv, linear and attention matmuls, batch 1 (spiking networks: per timestep)."
    )?;
    Ok(out)
}

/// A workload layer by layer: op, shape, MACs, weights, crossbar matrix and bits, then totals.
pub fn layer_table(w: &Workload) -> Result<String, std::fmt::Error> {
    let mut out = String::new();
    writeln!(out, "{}: {}", w.name, w.description)?;
    writeln!(out, "source: {}", w.source)?;
    if !w.params.is_empty() {
        let p: Vec<String> = w.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        writeln!(out, "parameters: {}", p.join(", "))?;
    }
    writeln!(out, "file: {}", w.file)?;
    let rows: Vec<Vec<String>> = w
        .layers
        .iter()
        .map(|l| {
            let m = l.matrix().map_or(String::new(), |m| {
                let g = if m.groups > 1 {
                    format!(" x{}", m.groups)
                } else {
                    String::new()
                };
                format!(
                    "{}x{}{g}{}",
                    m.rows,
                    m.cols,
                    if m.static_weights { "" } else { " dyn" }
                )
            });
            vec![
                l.name.clone(),
                l.op.kind().into(),
                shape(l),
                thousands(l.macs()),
                thousands(l.weights()),
                m,
                format!(
                    "{}/{}/{}",
                    l.precision.weight_bits, l.precision.input_bits, l.precision.output_bits
                ),
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        table(
            &[
                "layer",
                "op",
                "shape",
                ">MACs",
                ">weights",
                "crossbar matrix",
                "bits w/i/o"
            ],
            &rows
        )
    )?;
    writeln!(
        out,
        "total: {} layers ({} with weights), {} params, {} weights, {} MACs ({} static, {} dynamic)\n",
        w.layers.len(),
        w.weight_layers(),
        thousands(w.params()),
        thousands(w.weights()),
        thousands(w.macs()),
        thousands(w.static_macs()),
        thousands(w.dynamic_macs())
    )?;
    Ok(out)
}

/// The lines `imcdse workloads import` prints about an import that took `seconds`: the
/// workload's size, and each operator costed as nothing.
pub fn import_summary(got: &imc_zoo::onnx::Imported, seconds: f64) -> String {
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
    summary
}
