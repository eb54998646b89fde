//! The ONNX importer (issue 16) against hand-computed totals (`tests/onnx/expected.json`, made
//! with the fixtures by `scripts/onnx/make_fixtures.py`), against the zoo's own definitions of
//! the five torchvision models in `tests/onnx/torchvision/`, and on bad and damaged files.

use imc_zoo::onnx::{Options, import, import_bytes};
use imc_zoo::{Workload, Zoo};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/onnx");

fn path(name: &str) -> String {
    format!("{DIR}/{name}")
}

fn expected() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(path("expected.json")).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_object()
        .unwrap()
        .clone()
}

fn dims(v: &Value) -> Vec<(String, u64)> {
    v.get("dims")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
                .collect()
        })
        .unwrap_or_default()
}

fn matrix_layers(w: &Workload) -> usize {
    w.layers.iter().filter(|l| l.is_matrix_layer()).count()
}

#[test]
fn fixtures_give_their_hand_totals() {
    let mut checked = 0;
    for (file, want) in expected() {
        if want.get("error").is_some() {
            continue;
        }
        let skip = want.get("unsupported").and_then(Value::as_object);
        if let Some(ops) = skip {
            // Refused, naming every unsupported operator with its count and first node.
            let e = import(&path(&file), &Options::default())
                .unwrap_err()
                .to_string();
            for (op, count) in ops {
                assert!(
                    e.contains(&format!("{op} x{count} (first: `")),
                    "{file}: {e}"
                );
            }
            assert!(e.contains("--skip-unsupported"), "{e}");
        }
        if let Some(word) = want.get("ambiguous_error").and_then(Value::as_str) {
            let e = import(&path(&file), &Options::default())
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(word) && e.contains("cannot tell which graph input"),
                "{file}: {e}"
            );
        }
        let opts = Options {
            dims: dims(&want),
            skip_unsupported: skip.is_some(),
            input: want.get("input").and_then(Value::as_str).map(String::from),
            ..Options::default()
        };
        let got = import(&path(&file), &opts).unwrap_or_else(|e| panic!("{file}: {e}"));
        if let Some(ops) = skip {
            let listed: Vec<(String, u64)> = got
                .skipped
                .iter()
                .map(|u| (u.op.clone(), u.count as u64))
                .collect();
            let want: Vec<(String, u64)> = ops
                .iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
                .collect();
            assert_eq!(listed.len(), want.len());
            assert!(want.iter().all(|w| listed.contains(w)), "{listed:?}");
        }
        let w = &got.workload;
        let n = |k: &str| want[k].as_u64().unwrap();
        assert_eq!(w.weights(), n("weights"), "{file} weights");
        assert_eq!(w.static_macs(), n("static_macs"), "{file} static MACs");
        assert_eq!(w.dynamic_macs(), n("dynamic_macs"), "{file} dynamic MACs");
        assert_eq!(
            matrix_layers(w) as u64,
            n("matrix_layers"),
            "{file} matrix layers"
        );
        if let Some(s) = want.get("softmax_elements") {
            assert_eq!(w.softmax_elements(), s.as_u64().unwrap(), "{file} softmax");
        }
        if let Some(t) = want.get("tokens") {
            let m = w.layers.iter().find_map(|l| l.matrix()).unwrap();
            assert_eq!(m.vectors, t.as_u64().unwrap(), "{file} tokens");
        }
        if let Some(name) = want.get("zoo").and_then(Value::as_str) {
            let z = Zoo::builtin().unwrap().load(name).unwrap();
            assert_eq!(
                matrices(w),
                matrices(&z),
                "{file}: layer by layer as the zoo's {name}"
            );
        }
        if let Some(macs) = want.get("default_static_macs") {
            let w1 = import(&path(&file), &Options::default()).unwrap().workload;
            assert_eq!(
                w1.static_macs(),
                macs.as_u64().unwrap(),
                "{file}: the batch defaults to 1"
            );
        }
        if let Some(acts) = want.get("act_elements").and_then(Value::as_object) {
            for (kind, elements) in acts {
                let got: u64 = w
                    .layers
                    .iter()
                    .filter_map(|l| match &l.op {
                        imc_zoo::ops::Op::Activation(a) if a.kind.name() == kind => {
                            Some(a.elements)
                        }
                        _ => None,
                    })
                    .sum();
                assert_eq!(got, elements.as_u64().unwrap(), "{file}: {kind}");
            }
        }
        if let Some(norms) = want.get("norms") {
            let got: Vec<(String, u64, u64)> = w
                .layers
                .iter()
                .filter_map(|l| match &l.op {
                    imc_zoo::ops::Op::Norm(n) => Some((
                        format!("{:?}", n.kind).to_lowercase(),
                        n.features,
                        n.elements,
                    )),
                    _ => None,
                })
                .collect();
            let want: Vec<(String, u64, u64)> = serde_json::from_value(norms.clone()).unwrap();
            assert_eq!(got, want, "{file}");
        }
        if let Some(n) = want.get("layers") {
            assert_eq!(
                w.layers.len() as u64,
                n.as_u64().unwrap(),
                "{file}: {:#?}",
                w.layers
            );
        }
        if let Some(e) = want.get("embedding") {
            let got = w.layers.iter().find_map(|l| match &l.op {
                imc_zoo::ops::Op::Embedding(e) => Some(vec![e.entries, e.dim, e.lookups]),
                _ => None,
            });
            assert_eq!(
                got,
                serde_json::from_value::<Option<Vec<u64>>>(e.clone()).unwrap()
            );
        }
        if let Some(out) = want.get("pool_output") {
            let p = w.layers.iter().find_map(|l| match &l.op {
                imc_zoo::ops::Op::Pool(p) => Some(p.output_size),
                _ => None,
            });
            assert_eq!(
                p.map(|p| vec![p[0], p[1]]),
                serde_json::from_value::<Option<Vec<u64>>>(out.clone()).unwrap()
            );
        }
        if let Some(word) = want.get("missing_dim_error").and_then(Value::as_str) {
            let e = import(&path(&file), &Options::default())
                .unwrap_err()
                .to_string();
            assert!(e.contains(word) && e.contains("--dims"), "{file}: {e}");
            // A zero size is refused, whether from --dims or a `model.onnx:seq=0` item.
            let zero = Options {
                dims: vec![(word.to_string(), 0)],
                ..Options::default()
            };
            let e = import(&path(&file), &zero).unwrap_err().to_string();
            assert!(
                e.contains(&format!("--dims {word}=0")) && e.contains(">= 1"),
                "{e}"
            );
        }
        // The workload file it writes reads back to the same layers.
        let back = imc_zoo::parse_workload("back.toml", &got.toml).unwrap();
        assert_eq!(back.layers, w.layers, "{file}");
        assert!(
            w.source.contains(&got.hash) && got.hash.len() == 16,
            "{}",
            w.source
        );
        checked += 1;
    }
    assert!(checked >= 10, "{checked}");
}

#[test]
fn bad_files_are_refused_with_the_word_that_names_the_problem() {
    let mut checked = 0;
    for (file, want) in expected() {
        let Some(word) = want.get("error").and_then(Value::as_str) else {
            continue;
        };
        let e = import(&path(&file), &Options::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains(word), "{file}: {e}");
        assert!(e.contains(&file), "{file}: the message names the file: {e}");
        checked += 1;
    }
    assert_eq!(checked, 8);
}

#[test]
fn weights_as_initializers_inputs_or_absent_external_data_import_alike() {
    let a = import(&path("conv_initializers.onnx"), &Options::default()).unwrap();
    let b = import(&path("conv_params_as_inputs.onnx"), &Options::default()).unwrap();
    let c = import(&path("conv_external_data.onnx"), &Options::default()).unwrap();
    // The same layers; only weights whose values are in the file give a weight crest.
    let without_data = |w: &Workload| -> Vec<imc_zoo::Layer> {
        w.layers
            .iter()
            .cloned()
            .map(|mut l| {
                l.data = Default::default();
                l
            })
            .collect()
    };
    assert_eq!(without_data(&a.workload), b.workload.layers);
    assert_eq!(b.workload.layers, c.workload.layers);
    assert_eq!(a.workload.name, "conv_initializers");
    // max|w| / rms(w) of the fixture's `w`, by NumPy on onnx.numpy_helper's array:
    // 2.4916234858234256.
    let crest = a.workload.layers[0].data.weight_crest.unwrap();
    assert!((crest - 2.491_623_485_823_4).abs() < 1e-9, "{crest}");
    assert!(b.workload.layers.iter().all(|l| l.data.is_empty()));
}

fn matrices(w: &Workload) -> Vec<(u64, u64, u64, u64)> {
    w.layers
        .iter()
        .filter_map(|l| l.matrix())
        .map(|m| (m.rows, m.cols, m.groups, m.vectors))
        .collect()
}

/// The four CNNs equal the zoo's built-ins: weights, static MACs, and layer by layer the
/// crossbar matrices and their input vectors; and torchvision's hook counts.
#[test]
fn torchvision_cnns_equal_the_zoo() {
    let zoo = Zoo::builtin().unwrap();
    for (file, name) in [
        ("resnet18", "resnet18"),
        ("vgg16", "vgg16"),
        ("alexnet", "alexnet"),
        ("mobilenet_v3_large", "mobilenetv3-large"),
    ] {
        let got = import(
            &path(&format!("torchvision/{file}.onnx")),
            &Options::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let w = &got.workload;
        let z = zoo.load(name).unwrap();
        assert_eq!(w.weights(), z.weights(), "{file} weights");
        assert_eq!(w.static_macs(), z.static_macs(), "{file} static MACs");
        assert_eq!(matrices(w), matrices(&z), "{file} matrices layer by layer");
        let json: Value = serde_json::from_str(
            &std::fs::read_to_string(path(&format!("torchvision/{file}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(
            w.static_macs(),
            json["hook_macs_conv_linear"].as_u64().unwrap(),
            "{file}"
        );
        assert_eq!(
            w.weights(),
            json["weights_conv_linear"].as_u64().unwrap(),
            "{file}"
        );
    }
}

/// ViT-B/16: every MAC, attention's included, equals the zoo's vit-b16.
#[test]
fn vit_b16_macs_equal_the_zoo() {
    let got = import(&path("torchvision/vit_b_16.onnx"), &Options::default()).unwrap();
    let w = &got.workload;
    let z = Zoo::builtin().unwrap().load("vit-b16").unwrap();
    assert_eq!(w.macs(), z.macs());
    assert_eq!(w.static_macs(), z.static_macs());
    assert_eq!(w.dynamic_macs(), z.dynamic_macs());
    assert_eq!(w.weights(), z.weights());
    assert_eq!(w.softmax_elements(), z.softmax_elements());
}

/// Every fixture with bytes flipped, set to a varint continuation, deleted, or cut off at each
/// position: the importer returns (an error or a workload), never panics.
#[test]
fn damaged_files_never_panic() {
    // DenseNet-201 (317 kB) is left out: its 2,000 variants would take a minute of test time.
    let mut files: Vec<String> = expected()
        .keys()
        .filter(|f| !f.starts_with("densenet"))
        .map(|f| path(f))
        .collect();
    files.push(path("torchvision/alexnet.onnx"));
    let mut tried = 0;
    let mut refused = 0;
    for f in files {
        let good = std::fs::read(&f).unwrap();
        // Every position of a small file, about 400 spread over a large one.
        let step = (good.len() / 400).max(1);
        for i in (0..good.len()).step_by(step) {
            let mut variants: Vec<Vec<u8>> = Vec::new();
            for x in [0xff, 0x01, 0x80] {
                let mut v = good.clone();
                v[i] = if x == 0x80 { 0x80 | v[i] } else { v[i] ^ x };
                variants.push(v);
            }
            let mut v = good.clone();
            v.remove(i);
            variants.push(v);
            variants.push(good[..i].to_vec());
            for v in variants {
                if import_bytes("damaged.onnx", &v, &Options::default()).is_err() {
                    refused += 1;
                }
                tried += 1;
            }
        }
    }
    assert!(tried > 10_000, "{tried}");
    assert!(refused > tried / 4, "{refused} of {tried} refused");
}

/// Hand-built hostile graphs, written with a protobuf writer of a few lines: each is a small
/// valid model (a data input `x` of [1, 4] times a weight of [4, 2]) plus nodes on constants
/// that a damaged or hostile file could hold.
mod hostile {
    use super::*;

    fn varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    /// Field `f` as a varint.
    fn int(out: &mut Vec<u8>, f: u64, v: i64) {
        varint(out, f << 3);
        varint(out, v as u64);
    }

    /// Field `f` as bytes (a string or a message).
    fn bytes(out: &mut Vec<u8>, f: u64, b: &[u8]) {
        varint(out, (f << 3) | 2);
        varint(out, b.len() as u64);
        out.extend_from_slice(b);
    }

    /// A `TensorProto` of int64 `dims`, its values in `int64_data` (or `raw_data` when `raw`).
    pub fn tensor(name: &str, dims: &[i64], values: &[i64], raw: Option<&[u8]>) -> Vec<u8> {
        let mut t = Vec::new();
        for &d in dims {
            int(&mut t, 1, d);
        }
        int(&mut t, 2, 7);
        for &v in values {
            int(&mut t, 7, v);
        }
        bytes(&mut t, 8, name.as_bytes());
        if let Some(b) = raw {
            bytes(&mut t, 9, b);
        }
        t
    }

    /// An attribute: an integer, a list of integers, a string or a tensor.
    pub enum A<'a> {
        I(i64),
        Is(&'a [i64]),
        S(&'a str),
        T(Vec<u8>),
    }

    fn attribute(name: &str, a: &A) -> Vec<u8> {
        let mut m = Vec::new();
        bytes(&mut m, 1, name.as_bytes());
        match a {
            A::I(i) => {
                int(&mut m, 3, *i);
                int(&mut m, 20, 2);
            }
            A::Is(v) => {
                v.iter().for_each(|&i| int(&mut m, 8, i));
                int(&mut m, 20, 7);
            }
            A::S(s) => {
                bytes(&mut m, 4, s.as_bytes());
                int(&mut m, 20, 3);
            }
            A::T(t) => {
                bytes(&mut m, 5, t);
                int(&mut m, 20, 4);
            }
        }
        m
    }

    /// A `NodeProto`.
    pub fn node(op: &str, ins: &[&str], outs: &[&str], attrs: &[(&str, A)]) -> Vec<u8> {
        let mut n = Vec::new();
        ins.iter().for_each(|i| bytes(&mut n, 1, i.as_bytes()));
        outs.iter().for_each(|o| bytes(&mut n, 2, o.as_bytes()));
        bytes(&mut n, 3, outs.first().unwrap_or(&op).as_bytes());
        bytes(&mut n, 4, op.as_bytes());
        attrs
            .iter()
            .for_each(|(k, a)| bytes(&mut n, 5, &attribute(k, a)));
        n
    }

    /// A `ValueInfoProto` of a float tensor of `dims`.
    fn value_info(name: &str, dims: &[i64]) -> Vec<u8> {
        let mut shape = Vec::new();
        for &d in dims {
            let mut dim = Vec::new();
            int(&mut dim, 1, d);
            bytes(&mut shape, 1, &dim);
        }
        let mut tensor_type = Vec::new();
        int(&mut tensor_type, 1, 1);
        bytes(&mut tensor_type, 2, &shape);
        let mut ty = Vec::new();
        bytes(&mut ty, 1, &tensor_type);
        let mut v = Vec::new();
        bytes(&mut v, 1, name.as_bytes());
        bytes(&mut v, 2, &ty);
        v
    }

    /// A model of opset `opset`: `x` [1, 4] times the weight `w` [4, 2], then `nodes`, with
    /// the initializers `inits`.
    pub fn model(opset: i64, nodes: &[Vec<u8>], inits: &[Vec<u8>]) -> Vec<u8> {
        let mut all = vec![node("MatMul", &["x", "w"], &["y"], &[])];
        all.extend_from_slice(nodes);
        let mut inits = inits.to_vec();
        inits.insert(0, tensor("w", &[4, 2], &[], None));
        graph(opset, &all, &[("x", &[1, 4])], &["y"], &inits)
    }

    /// A model of opset `opset` of exactly `nodes`, the float graph inputs `inputs` (name and
    /// dimensions), the graph outputs `outputs` and the initializers `inits`.
    pub fn graph(
        opset: i64,
        nodes: &[Vec<u8>],
        inputs: &[(&str, &[i64])],
        outputs: &[&str],
        inits: &[Vec<u8>],
    ) -> Vec<u8> {
        let mut g = Vec::new();
        nodes.iter().for_each(|n| bytes(&mut g, 1, n));
        bytes(&mut g, 2, b"hostile");
        inits.iter().for_each(|t| bytes(&mut g, 5, t));
        for (name, dims) in inputs {
            bytes(&mut g, 11, &value_info(name, dims));
        }
        for name in outputs {
            bytes(&mut g, 12, &value_info(name, &[1]));
        }
        let mut opsets = Vec::new();
        int(&mut opsets, 2, opset);
        let mut m = Vec::new();
        int(&mut m, 1, 8);
        bytes(&mut m, 7, &g);
        bytes(&mut m, 8, &opsets);
        m
    }

    /// The message refusing `bytes`, which must name the file.
    pub fn refused(bytes: &[u8]) -> String {
        match import_bytes("hostile.onnx", bytes, &Options::default()) {
            Ok(_) => panic!("a hostile file was accepted"),
            Err(e) => {
                let e = e.to_string();
                assert!(e.contains("hostile.onnx"), "{e}");
                e
            }
        }
    }
}

use hostile::{A, graph, model, node, refused, tensor};

#[test]
fn the_hostile_graphs_base_model_imports() {
    let got = import_bytes("hostile.onnx", &model(17, &[], &[]), &Options::default()).unwrap();
    assert_eq!(got.workload.static_macs(), 8);
}

#[test]
fn constant_with_fewer_values_than_its_shape_is_refused() {
    let short = tensor("", &[3], &[5], None);
    let gather = [
        node("Constant", &[], &["c"], &[("value", A::T(short))]),
        node("Constant", &[], &["i"], &[("value_int", A::I(2))]),
        node("Gather", &["c", "i"], &["g"], &[]),
    ];
    let e = refused(&model(17, &gather, &[]));
    assert!(
        e.contains("dimensions [3] need 3 values, it holds 1"),
        "{e}"
    );
    // More values than the shape holds is refused as well.
    let long = tensor("", &[1], &[5, 6], None);
    let more = [node("Constant", &[], &["c"], &[("value", A::T(long))])];
    let e = refused(&model(17, &more, &[]));
    assert!(
        e.contains("dimensions [1] need 1 values, it holds 2"),
        "{e}"
    );
}

#[test]
fn initializer_with_fewer_values_than_its_shape_is_refused() {
    let expand = [
        node("Constant", &[], &["s"], &[("value_ints", A::Is(&[4]))]),
        node("Expand", &["short", "s"], &["e"], &[]),
        node("Add", &["short", "short"], &["a"], &[]),
    ];
    let short = tensor("short", &[4], &[1], None);
    let e = refused(&model(17, &expand, &[short]));
    assert!(e.contains("tensor `short`"), "{e}");
    assert!(
        e.contains("dimensions [4] need 4 values, it holds 1"),
        "{e}"
    );
}

#[test]
fn initializer_whose_raw_data_does_not_fill_its_shape_is_refused() {
    let add = [node("Add", &["short", "short"], &["a"], &[])];
    for (len, words) in [(16, "holds 16 bytes"), (17, "holds 17 bytes")] {
        let raw = vec![1u8; len];
        let short = tensor("short", &[3], &[], Some(&raw));
        let e = refused(&model(17, &add, &[short]));
        assert!(e.contains("tensor `short`"), "{e}");
        assert!(e.contains("dimensions [3] need 3 values"), "{e}");
        assert!(e.contains(words), "{e}");
    }
}

/// The nodes that read an axis of a scalar, each refused (a scalar has no axis 0): the
/// constant `s`, or `d`, computed from the data (`y[0, 0]` reshaped to a scalar).
#[test]
fn axis_of_a_scalar_is_refused() {
    let ints =
        |name: &str, v: &'static [i64]| node("Constant", &[], &[name], &[("value_ints", A::Is(v))]);
    let setup = || {
        vec![
            node("Constant", &[], &["s"], &[("value_int", A::I(0))]),
            ints("z", &[0]),
            ints("o", &[1]),
            ints("zz", &[0, 0]),
            ints("none", &[]),
            node("Gather", &["y", "s"], &["g"], &[("axis", A::I(1))]),
            node("Reshape", &["g", "none"], &["d"], &[]),
        ]
    };
    let axis0 = || ("axis", A::I(0));
    let cases = [
        ("Gather", node("Gather", &["s", "s"], &["r"], &[axis0()])),
        ("Concat", node("Concat", &["s", "s"], &["r"], &[axis0()])),
        ("Split", node("Split", &["s"], &["r"], &[axis0()])),
        ("Squeeze", node("Squeeze", &["s", "z"], &["r"], &[])),
        ("Slice", node("Slice", &["s", "z", "o", "z"], &["r"], &[])),
        ("Pad", node("Pad", &["s", "zz", "", "z"], &["r"], &[])),
        ("Softmax", node("Softmax", &["d"], &["r"], &[axis0()])),
        ("ReduceMean", node("ReduceMean", &["d", "z"], &["r"], &[])),
    ];
    for (op, n) in cases {
        let mut nodes = setup();
        nodes.push(n);
        let e = refused(&model(18, &nodes, &[]));
        assert!(e.contains("axis 0 is out of range for rank 0"), "{op}: {e}");
    }
}

#[test]
fn where_with_fewer_than_three_inputs_is_refused() {
    let two = [
        node("Constant", &[], &["c"], &[("value_ints", A::Is(&[1, 0]))]),
        node("Constant", &[], &["a"], &[("value_ints", A::Is(&[3, 4]))]),
        node("Where", &["c", "a"], &["w2"], &[]),
    ];
    let e = refused(&model(17, &two, &[]));
    assert!(e.contains("Where needs 3 inputs"), "{e}");
}

#[test]
fn split_sizes_that_overflow_are_refused() {
    let split = [
        node("Constant", &[], &["c"], &[("value_ints", A::Is(&[1, 2]))]),
        node(
            "Split",
            &["c"],
            &["p", "q", "r"],
            &[("split", A::Is(&[i64::MAX, i64::MAX, 4]))],
        ),
    ];
    let e = refused(&model(11, &split, &[]));
    assert!(e.contains("do not add up to 2"), "{e}");
}

#[test]
fn split_into_more_parts_than_outputs_is_refused() {
    let split = [
        node("Constant", &[], &["c"], &[("value_ints", A::Is(&[1, 2]))]),
        node(
            "Split",
            &["c"],
            &["p", "q"],
            &[("num_outputs", A::I(1 << 40))],
        ),
    ];
    let e = refused(&model(18, &split, &[]));
    assert!(e.contains("num_outputs 1099511627776"), "{e}");
}

/// An empty tensor whose other dimensions multiply past 2^46 (and 2^64, which `Size`, a
/// `Flatten` or a norm's features would overflow on): refused as an initializer and as the
/// data expanded.
#[test]
fn empty_tensor_whose_other_dimensions_multiply_past_2_46_is_refused() {
    let d = 1i64 << 24;
    let huge: &[i64] = &[d, d, d, 0, 1, 4];
    let words = "has more than 2^46 elements (not counting its empty axes)";
    let size = [node("Size", &["empty"], &["n"], &[])];
    let e = refused(&model(17, &size, &[tensor("empty", huge, &[], None)]));
    assert!(
        e.contains("initializer `empty`") && e.contains(words),
        "{e}"
    );
    let norm = [
        node("Constant", &[], &["s"], &[("value_ints", A::Is(huge))]),
        node("Expand", &["x", "s"], &["e"], &[]),
        node("LayerNormalization", &["e"], &["l"], &[("axis", A::I(0))]),
    ];
    let e = refused(&model(17, &norm, &[]));
    assert!(e.contains("node `e` (Expand)") && e.contains(words), "{e}");
}

/// A `MaxPool` and a `Conv` with `auto_pad = SAME_UPPER` over an empty spatial axis (`x`
/// sliced to nothing, reshaped to [1, 1, 0]).
#[test]
fn same_padding_of_an_empty_axis_is_refused() {
    let ints =
        |name: &str, v: &'static [i64]| node("Constant", &[], &[name], &[("value_ints", A::Is(v))]);
    let same = || ("auto_pad", A::S("SAME_UPPER"));
    let kernel = || ("kernel_shape", A::Is(&[1]));
    let cases = [
        node("MaxPool", &["r"], &["p"], &[kernel(), same()]),
        node("Conv", &["r", "k"], &["p"], &[kernel(), same()]),
    ];
    for n in cases {
        let nodes = [
            ints("z", &[0]),
            ints("one", &[1]),
            ints("shape", &[1, 1, 0]),
            node("Slice", &["x", "z", "z", "one"], &["e"], &[]),
            node(
                "Reshape",
                &["e", "shape"],
                &["r"],
                &[("allowzero", A::I(1))],
            ),
            n,
        ];
        let k = tensor("k", &[1, 1, 1], &[], None);
        let e = refused(&model(17, &nodes, &[k]));
        assert!(e.contains("auto_pad SAME_UPPER of input [1, 1, 0]"), "{e}");
        assert!(e.contains("empty spatial axis"), "{e}");
    }
}

/// Issue 32 O3: a layer too large for the zoo is named by its layer and node, not by a line of
/// the workload file written on the way, and a count past 2^64 is not printed as 2^64 - 1.
#[test]
fn o3_errors_name_layers_not_lines_of_an_internal_file() {
    let big = graph(
        17,
        &[node("MatMul", &["x", "w"], &["mm"], &[])],
        &[("x", &[1 << 22, 1 << 24])],
        &["mm"],
        &[tensor("w", &[1 << 24, 1 << 22], &[], None)],
    );
    let e = refused(&big);
    assert!(
        e.contains("layer 0 \"mm\"") && e.contains("more than 2^64"),
        "{e}"
    );
    assert!(
        !e.contains("line ") && !e.contains("18446744073709551615"),
        "{e}"
    );
}

/// A chain of `n` Relu nodes on `t0` [1, 16].
fn relu_chain(n: usize) -> Vec<u8> {
    let names: Vec<String> = (0..=n).map(|i| format!("t{i}")).collect();
    let nodes: Vec<Vec<u8>> = (0..n)
        .map(|i| node("Relu", &[&names[i]], &[&names[i + 1]], &[]))
        .collect();
    graph(17, &nodes, &[("t0", &[1, 16])], &[&names[n]], &[])
}

/// Issue 32 O4: a graph of more nodes than the zoo takes layers is refused by its count while
/// it is read, before any layer is made (it took 5.4 s and 730 MB at 200,000 nodes).
#[test]
fn o4_a_graph_over_the_node_limit_is_refused_by_its_count() {
    let start = std::time::Instant::now();
    let e = refused(&relu_chain(imc_zoo::ops::MAX_LAYERS + 1));
    assert!(
        e.contains("the graph has 100001 nodes; the importer reads at most 100000"),
        "{e}"
    );
    assert!(start.elapsed().as_secs_f64() < 3.0, "{:?}", start.elapsed());
}

/// Issue 32 O5: each message says what is wrong. An undefined tensor is named; a graph
/// without inputs says so; unnamed nodes in a cycle are named by index and operator; a
/// folder is a folder; an ONNX file not named .onnx is read by its content; the system's
/// reason for an unreadable file is given once.
#[test]
fn o5_messages_say_what_is_wrong() {
    let undefined = graph(
        17,
        &[node("Relu", &["nonexistent"], &["y"], &[])],
        &[("x", &[1, 16])],
        &["y"],
        &[],
    );
    let e = refused(&undefined);
    assert!(e.contains("reads `nonexistent`, which no node"), "{e}");
    let constant = tensor("", &[1, 4], &[0, 0, 0, 0], None);
    let no_inputs = graph(
        17,
        &[
            node("Constant", &[], &["c"], &[("value", A::T(constant))]),
            node("Relu", &["c"], &["y"], &[]),
        ],
        &[],
        &["y"],
        &[],
    );
    let e = refused(&no_inputs);
    assert!(
        e.contains("the graph has no inputs besides its initializers"),
        "{e}"
    );
    let e = import(&path("bad_cycle.onnx"), &Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cycle through node #0 (Add -> `a`)") && !e.contains("``"),
        "{e}"
    );
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("dir.onnx");
    std::fs::create_dir(&folder).unwrap();
    let e = import(folder.to_str().unwrap(), &Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("a folder, not a regular file") && !e.contains("truncated"),
        "{e}"
    );
    let noext = dir.path().join("noext");
    std::fs::copy(path("conv_initializers.onnx"), &noext).unwrap();
    let zoo = Zoo::builtin().unwrap();
    let w = zoo.load(noext.to_str().unwrap()).unwrap();
    assert_eq!(w.static_macs(), 55_296);
    let missing = dir.path().join("none.onnx");
    let e = zoo.load(missing.to_str().unwrap()).unwrap_err().to_string();
    assert_eq!(e.matches("(os error 2)").count(), 1, "{e}");
}

/// Issue 32 O6: an opset newer than the importer knows, and a graph output that nothing
/// provides, are refused.
#[test]
fn o6_unknown_opsets_and_dangling_outputs_are_refused() {
    let e = refused(&model(99_999, &[], &[]));
    assert!(
        e.contains("opset 99999 is newer than 25") && e.contains("convert_version"),
        "{e}"
    );
    assert!(import_bytes("ok.onnx", &model(25, &[], &[]), &Options::default()).is_ok());
    let dangling = graph(
        17,
        &[node("Relu", &["x"], &["z"], &[])],
        &[("x", &[1, 16])],
        &["y"],
        &[],
    );
    let e = refused(&dangling);
    assert!(e.contains("graph output `y` is provided by no node"), "{e}");
}

/// Issue 32 O7: a FIFO is refused by what it is, before it is opened: no block without a
/// writer, no "no graph" with one. A device is refused the same way.
#[test]
fn o7_fifos_and_devices_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.onnx");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let (tx, rx) = std::sync::mpsc::channel();
    let f = fifo.to_str().unwrap().to_string();
    std::thread::spawn(move || {
        let _ = tx.send(
            import(&f, &Options::default())
                .map(|_| ())
                .map_err(|e| e.to_string()),
        );
    });
    let got = rx.recv_timeout(std::time::Duration::from_secs(10));
    let e = got.expect("the import of a FIFO blocked").unwrap_err();
    assert!(e.contains("a FIFO (named pipe), not a regular file"), "{e}");
    let e = import("/dev/null", &Options::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("a character device, not a regular file"), "{e}");
}

/// Issue 32 O8: the advice to give a symbolic dimension names the form that works where the
/// user is: `--dims` for `workloads import`, `FILE.onnx:seq=N` in a workload list, `dims=` in
/// Python.
#[test]
fn o8_the_advice_names_the_form_the_user_can_type() {
    let file = path("symbolic_seq.onnx");
    let e = Zoo::builtin().unwrap().load(&file).unwrap_err().to_string();
    assert!(
        e.contains(&format!("`{file}:seq=N`")) && !e.contains("--dims"),
        "{e}"
    );
    let e = import(&file, &Options::default()).unwrap_err().to_string();
    assert!(e.contains("`--dims seq=N`"), "{e}");
    let python = Options {
        dims_syntax: imc_zoo::onnx::DimsSyntax::Python,
        ..Options::default()
    };
    let e = import(&file, &python).unwrap_err().to_string();
    assert!(e.contains("`dims={\"seq\": N}`"), "{e}");
    let e = Zoo::builtin()
        .unwrap()
        .load(&format!("{file}:seq=0"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("`{file}:seq=0`")) && !e.contains("--dims"),
        "{e}"
    );
}

/// Issue 32 O9: a dimension (or any override) given twice is refused, not the last kept.
#[test]
fn o9_a_dimension_given_twice_is_refused() {
    let file = path("symbolic_seq.onnx");
    let zoo = Zoo::builtin().unwrap();
    let e = zoo
        .load(&format!("{file}:seq=4,seq=8"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("`seq` is given twice (seq=4 and seq=8)"), "{e}");
    let e = zoo
        .load("llama2-7b-softmax:seq_len=128;seq_len=256")
        .unwrap_err()
        .to_string();
    assert!(e.contains("`seq_len` is given twice"), "{e}");
    let twice = Options {
        dims: vec![("seq".into(), 4), ("seq".into(), 9)],
        ..Options::default()
    };
    let e = import(&file, &twice).unwrap_err().to_string();
    assert!(e.contains("`--dims seq=4` and `--dims seq=9`"), "{e}");
}

/// Issue 32 O11: a file whose name holds `:` or `,` can be given: a path that exists is taken
/// whole, and overrides follow the last `:` whose left part is an existing file.
#[test]
fn o11_file_names_with_colons_and_commas_can_be_given() {
    let dir = tempfile::tempdir().unwrap();
    let zoo = Zoo::builtin().unwrap();
    for name in ["x:y.onnx", "a,b.onnx", "c:d.toml.onnx"] {
        let p = dir.path().join(name);
        std::fs::copy(path("conv_initializers.onnx"), &p).unwrap();
        let got = zoo.resolve(p.to_str().unwrap()).unwrap();
        assert_eq!(got[0].static_macs(), 55_296, "{name}");
        assert!(!got[0].name.contains([':', ',']), "{}", got[0].name);
    }
    let p = dir.path().join("s:q.onnx");
    std::fs::copy(path("symbolic_seq.onnx"), &p).unwrap();
    let item = format!("{}:seq=4", p.display());
    let got = zoo.resolve(&format!("{item},vgg16")).unwrap();
    assert_eq!(got[0].params, vec![("batch".into(), 1), ("seq".into(), 4)]);
    assert_eq!(got[1].name, "vgg16");
}
