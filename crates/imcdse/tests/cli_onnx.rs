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
        err.contains("`seq`")
            && err.contains("symbolic_seq.onnx:seq=N`")
            && !err.contains("--dims"),
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

/// `workloads import FILE --out PATH`: (exit code, stderr).
fn import_to(model: &str, out: &std::path::Path) -> (i32, String) {
    let (code, _, err) = imcdse(&["workloads", "import", model, "--out", out.to_str().unwrap()]);
    (code, err)
}

/// Issue 32 O1: `--out` naming a device (here a link to /dev/null, so a build without the
/// check replaces only the link) or a FIFO is refused, and the device or FIFO is kept. The
/// atomic rename had replaced /dev/full with a regular file.
#[test]
fn o1_out_naming_a_device_or_fifo_is_refused_and_kept() {
    use std::os::unix::fs::FileTypeExt;
    let s = Scratch::new();
    let model = fixture("conv_initializers.onnx");
    let link = s.path("null.toml");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    let (code, err) = import_to(&model, &link);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("a character device") && err.contains("regular files only"),
        "{err}"
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    let fifo = s.path("pipe.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|st| st.success()), "mkfifo");
    let (code, err) = import_to(&model, &fifo);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("a FIFO (named pipe), not a regular file"),
        "{err}"
    );
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

/// Issue 32 O2: `--out` naming the model being imported, however spelled or linked, is
/// refused before the import, and the model is kept.
#[test]
fn o2_out_naming_the_model_is_refused_and_the_model_kept() {
    let s = Scratch::new();
    let model = s.path("net.onnx");
    std::fs::copy(fixture("conv_initializers.onnx"), &model).unwrap();
    let before = std::fs::read(&model).unwrap();
    let hard = s.path("hard.toml");
    std::fs::hard_link(&model, &hard).unwrap();
    let soft = s.path("soft.toml");
    std::os::unix::fs::symlink(&model, &soft).unwrap();
    let dotted = s.path("").join(".").join("net.onnx");
    for out in [model.clone(), dotted, hard, soft] {
        let (code, err) = import_to(model.to_str().unwrap(), &out);
        assert_eq!(code, 2, "{}: {err}", out.display());
        assert!(err.contains("which the command reads"), "{err}");
        assert_eq!(std::fs::read(&model).unwrap(), before);
    }
}

/// Issue 32 O10: `--out` on a symbolic link writes through it: the file it points to gets
/// the workload, the link stays; a link to nothing is refused.
#[test]
fn o10_out_on_a_symlink_writes_its_target() {
    let s = Scratch::new();
    let target = s.path("target.toml");
    std::fs::write(&target, "keep").unwrap();
    let link = s.path("link.toml");
    std::os::unix::fs::symlink("target.toml", &link).unwrap();
    let (code, err) = import_to(&fixture("conv_initializers.onnx"), &link);
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .contains("schema_version = 1")
    );
    let dangling = s.path("dangling.toml");
    std::os::unix::fs::symlink("nowhere.toml", &dangling).unwrap();
    let (code, err) = import_to(&fixture("conv_initializers.onnx"), &dangling);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a symbolic link to nothing"), "{err}");
}
