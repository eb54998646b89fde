//! `imcdse workloads` end to end: the real binary, its JSON, its errors.

mod common;
use common::imcdse;
use serde_json::Value;

fn json(args: &[&str]) -> Vec<Value> {
    let (code, out, err) = imcdse(args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn find<'a>(all: &'a [Value], name: &str) -> &'a Value {
    all.iter()
        .find(|w| w["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn json_lists_the_whole_zoo_with_totals() {
    let all = json(&["workloads", "--json"]);
    let names: Vec<&str> = all.iter().map(|w| w["name"].as_str().unwrap()).collect();
    for n in [
        "vgg16",
        "resnet18",
        "alexnet",
        "mobilenetv3-large",
        "mobilenetv3-small",
        "vgg8-cifar10",
        "cct-7-3x1",
        "resnet50",
        "densenet201",
        "mobilebert",
        "vit-b16",
        "gpt2-medium",
        "llama2-7b-softmax",
        "snn-cifar10dvs",
        "snn-dvs-gesture",
        "snn-nmnist",
    ] {
        assert!(names.contains(&n), "{n} not listed");
    }
    let vgg = find(&all, "vgg16");
    assert_eq!(vgg["params"], 138_357_544u64);
    assert_eq!(vgg["macs"], 15_470_264_320u64);
    assert_eq!(vgg["weights"], 138_344_128u64);
    assert_eq!(vgg["sets"], serde_json::json!(["paper4", "paper9"]));
    assert!(vgg["source"].as_str().unwrap().contains("torchvision"));
    assert_eq!(find(&all, "resnet18")["macs"], 1_814_073_344u64);
    assert_eq!(
        find(&all, "llama2-7b-softmax")["softmax_elements"],
        4_294_967_296u64
    );
    assert_eq!(find(&all, "snn-nmnist")["macs"], 62_260_224u64);
    assert!(
        vgg.get("layer_list").is_none(),
        "the zoo listing has no per-layer list"
    );
}

#[test]
fn named_json_adds_the_layer_list() {
    let one = json(&["workloads", "resnet18", "--json"]);
    assert_eq!(one.len(), 1);
    let layers = one[0]["layer_list"].as_array().unwrap();
    assert_eq!(layers.len() as u64, one[0]["layers"].as_u64().unwrap());
    let sum: u64 = layers.iter().map(|l| l["macs"].as_u64().unwrap()).sum();
    assert_eq!(sum, 1_814_073_344);
    let conv1 = &layers[0];
    assert_eq!(conv1["name"], "conv1");
    assert_eq!(conv1["matrix"]["rows"], 147);
    assert_eq!(conv1["matrix"]["cols"], 64);
    assert_eq!(conv1["shape"]["output_size"], serde_json::json!([112, 112]));
}

#[test]
fn sets_aliases_and_overrides() {
    let p4 = json(&["workloads", "paper4", "--json"]);
    let names: Vec<&str> = p4.iter().map(|w| w["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["vgg16", "resnet18", "alexnet", "mobilenetv3-large"]);
    let alias = json(&["workloads", "mobilenetv3", "--json"]);
    assert_eq!(alias[0]["name"], "mobilenetv3-large");
    let long = json(&["workloads", "llama2-7b-softmax:seq_len=4096", "--json"]);
    assert_eq!(long[0]["softmax_elements"], 17_179_869_184u64);
    assert_eq!(long[0]["parameters"]["seq_len"], 4096);
}

#[test]
fn table_output() {
    let (code, out, _) = imcdse(&["workloads"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("138,357,544") && out.contains("paper4"),
        "{out}"
    );
    let (code, out, _) = imcdse(&["workloads", "vgg8-cifar10"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("fc7") && out.contains("8192x1024") && out.contains("615,917,568"),
        "{out}"
    );
}

#[test]
fn errors_exit_nonzero_with_a_message() {
    let (code, out, err) = imcdse(&["workloads", "vgg19"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("unknown workload or set `vgg19`") && err.contains("vgg16"),
        "{err}"
    );
    let scratch = common::Scratch::new();
    let bad = scratch.path("bad.toml");
    std::fs::write(&bad, "schema_version = 1\nname = \"x\"\ndescription = \"\"\nsource = \"\"\ninput = [3, 8, 8]\n[[layers]]\nname = \"c\"\nop = \"conv2d\"\nin_channels = 3\nout_channels = 4\nkernel = 3\ngroups = 2\n").unwrap();
    let (code, _, err) = imcdse(&["workloads", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bad.toml") && err.contains("\"c\"") && err.contains("key `groups`"),
        "{err}"
    );
}
