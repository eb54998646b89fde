//! ONNX files wherever a workload is accepted (issue 16), end to end with the real binary:
//! `workloads import` and its file, `eval` and `sweep` with an .onnx item among zoo names, and
//! the errors a user meets.

mod common;
use common::{Scratch, imcdse};

const ONNX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../imc-zoo/tests/onnx");

fn fixture(name: &str) -> String {
    format!("{ONNX}/{name}")
}

#[test]
fn import_writes_a_file_that_loads_to_the_same_workload() {
    let scratch = Scratch::new();
    let out = scratch.path("r18.toml");
    let model = fixture("torchvision/resnet18.onnx");
    let (code, stdout, err) = imcdse(&[
        "workloads",
        "import",
        &model,
        "--name",
        "my-resnet18",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("my-resnet18: 65 nodes -> 48 layers (21 on crossbars)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("11678912 weights, 1814073344 static"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("name = \"my-resnet18\"") && text.contains("graph hash fnv1a64:"));
    // The file and the .onnx item describe the same layers.
    let (code, from_file, err) = imcdse(&["workloads", out.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let (code, from_onnx, err) = imcdse(&["workloads", &model, "--json"]);
    assert_eq!(code, 0, "{err}");
    let layers = |s: &str| {
        let v: serde_json::Value = serde_json::from_str(s).unwrap();
        v[0]["layer_list"].clone()
    };
    assert_eq!(layers(&from_file), layers(&from_onnx));
    // Without --out the file goes to stdout and the summary to stderr.
    let (code, stdout, err) = imcdse(&[
        "workloads",
        "import",
        &fixture("symbolic_seq.onnx"),
        "--dims",
        "seq=128",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.starts_with("# Imported by imcdse") && stdout.contains("seq = 128"),
        "{stdout}"
    );
    assert!(err.contains("65536 static"), "{err}");
}

#[test]
fn eval_and_sweep_take_onnx_items_among_zoo_names() {
    let list = format!(
        "{},vgg16,{}:seq=128",
        fixture("torchvision/resnet18.onnx"),
        fixture("symbolic_seq.onnx")
    );
    let set = "rows=128,cols=128,bits_per_cell=2,crossbars_per_tile=16,router_groups=4,tiles_per_group=16";
    let (code, out, err) = imcdse(&[
        "eval",
        "--space",
        "demo",
        "--set",
        set,
        "--workloads",
        &list,
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let text = v.to_string();
    for name in ["resnet18", "vgg16", "symbolic_seq"] {
        assert!(
            text.contains(&format!("\"{name}\"")),
            "{name} missing: {text}"
        );
    }
    let scratch = Scratch::new();
    let run = scratch.path("run");
    let (code, _, err) = imcdse(&[
        "sweep",
        "--space",
        "demo",
        "--workloads",
        &format!("{},alexnet", fixture("torchvision/mobilenet_v3_large.onnx")),
        "--optimizer",
        "random",
        "--budget",
        "20",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(run.join("evaluations.parquet").exists());
}

/// `compare` and `grade` on the demo space with an imported network and a zoo one.
#[test]
fn compare_and_grade_take_onnx_items() {
    let list = format!("{},alexnet", fixture("torchvision/resnet18.onnx"));
    let scratch = Scratch::new();
    let cmp = scratch.path("compare");
    let (code, out, err) = imcdse(&[
        "compare",
        "--space",
        "demo",
        "--workloads",
        &list,
        "--seeds",
        "1",
        "--out",
        cmp.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("resnet18") && out.contains("alexnet"), "{out}");
    let grade = scratch.path("grade");
    // The certified optimum's cache in the scratch folder, not in the checkout's results/.
    let cache = scratch.path("certified");
    let (code, out, err) = imcdse(&[
        "grade",
        "--space",
        "demo",
        "--workloads",
        &list,
        "--optimizers",
        "random",
        "--budgets",
        "20",
        "--seeds",
        "1",
        "--cache",
        cache.to_str().unwrap(),
        "--out",
        grade.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("random"), "{out}");
}

#[test]
fn errors_name_the_file_and_what_to_do() {
    let (code, _, err) = imcdse(&["workloads", &fixture("symbolic_seq.onnx")]);
    assert_eq!(code, 2);
    assert!(
        err.contains("symbolic_seq.onnx") && err.contains("`seq`") && err.contains("--dims seq=N"),
        "{err}"
    );
    let (code, _, err) = imcdse(&["workloads", "import", &fixture("unsupported.onnx")]);
    assert_eq!(code, 2);
    assert!(
        err.contains("Tanh (outside a tanh-GELU; the zoo has no tanh activation) x2")
            && err.contains("--skip-unsupported"),
        "{err}"
    );
    let (code, _, err) = imcdse(&["workloads", "import", &fixture("bad_truncated.onnx")]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bad_truncated.onnx") && err.contains("truncated"),
        "{err}"
    );
    let (code, _, err) = imcdse(&[
        "workloads",
        "import",
        &fixture("symbolic_seq.onnx"),
        "--dims",
        "seq=0",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--dims") && err.contains(">= 1"), "{err}");
    let (code, _, err) = imcdse(&[
        "workloads",
        &format!("{},resnet18", fixture("torchvision/resnet18.onnx")),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("two workloads named resnet18") && err.contains("--name NEW"),
        "{err}"
    );
    let (code, _, err) = imcdse(&["workloads", "/nonexistent/model.onnx"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("/nonexistent/model.onnx") && err.contains("cannot read"),
        "{err}"
    );
}
