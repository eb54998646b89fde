//! Golden tests: every built-in workload reproduces its published totals.
//!
//! Sources, as collected in shared/reference/workloads.md and paper-framework.md section 7:
//! - torchvision model docs (`num_params`, "GFLOPS" which are GMACs) for VGG16, ResNet18,
//!   AlexNet, MobileNetV3, ResNet50, DenseNet201, ViT-B/16;
//!   <https://pytorch.org/vision/stable/models.html>
//! - NeuroSim VGG-8 network CSV; CCT README and code; SpikingJelly PLIF nets;
//! - Hugging Face model configurations for MobileBERT, GPT-2 medium and Llama-2-7B;
//! - the joint co-optimization framework's own workload table (cells needed at 1 bit per cell).

use imc_zoo::{Workload, Zoo};

fn load(name: &str) -> Workload {
    Zoo::builtin()
        .expect("built-in zoo loads")
        .load(name)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Asserts `value` rounds to `published` at the given number of decimals of `unit`.
fn assert_rounds_to(value: u64, published: f64, unit: f64, decimals: i32, what: &str) {
    let half_ulp = 0.5 * 10f64.powi(-decimals) * unit;
    let diff = (value as f64 - published * unit).abs();
    assert!(
        diff <= half_ulp,
        "{what}: {value} does not round to the published {published} (x {unit:e})"
    );
}

#[test]
fn vgg16() {
    let w = load("vgg16");
    assert_eq!(w.params(), 138_357_544);
    assert_eq!(w.macs(), 15_470_264_320);
    assert_eq!(w.weight_layers(), 16);
    assert_rounds_to(w.macs(), 15.47, 1e9, 2, "torchvision GFLOPS");
}

#[test]
fn resnet18() {
    let w = load("resnet18");
    assert_eq!(w.params(), 11_689_512);
    assert_eq!(w.macs(), 1_814_073_344);
    assert_eq!(w.weight_layers(), 21);
}

#[test]
fn alexnet() {
    let w = load("alexnet");
    assert_eq!(w.params(), 61_100_840);
    assert_eq!(w.macs(), 714_188_480);
    assert_eq!(w.weight_layers(), 8);
}

#[test]
fn mobilenetv3_large() {
    let w = load("mobilenetv3-large");
    assert_eq!(w.params(), 5_483_032);
    // Exact recount (workloads.md section 4); torchvision publishes 0.217 GMACs (_ops), 0.22 GFLOPS.
    assert_eq!(w.macs(), 216_589_760);
    assert_rounds_to(w.macs(), 0.217, 1e9, 3, "torchvision _ops");
    // 62 conv (depthwise and SE included) + 2 FC = the framework's 64 weight layers.
    assert_eq!(w.weight_layers(), 64);
    // The alias the paper uses.
    assert_eq!(load("mobilenetv3").params(), w.params());
}

#[test]
fn mobilenetv3_small() {
    let w = load("mobilenetv3-small");
    assert_eq!(w.params(), 2_542_856);
    assert_eq!(w.macs(), 56_510_400);
    assert_rounds_to(w.macs(), 0.057, 1e9, 3, "torchvision _ops");
}

#[test]
fn vgg8_cifar10() {
    let w = load("vgg8-cifar10");
    assert_eq!(w.weights(), 12_973_440);
    assert_eq!(w.params(), 12_973_440, "NeuroSim's VGG-8 has no biases");
    assert_eq!(w.macs(), 615_917_568);
}

#[test]
fn cct_7_3x1() {
    let w = load("cct-7-3x1");
    assert_eq!(w.params(), 3_760_139);
    // The README's 0.947 G MACs count conv + linear layers only.
    assert_eq!(w.static_macs(), 946_670_080);
    assert_rounds_to(w.static_macs(), 0.947, 1e9, 3, "CCT README");
    // With the attention matmuls (7 x 2 x 4 heads x 256 x 256 x 64) and the sequence-pooling product.
    assert_eq!(w.macs(), 1_181_616_640);
}

#[test]
fn resnet50_torchvision() {
    let w = load("resnet50");
    assert_eq!(w.params(), 25_557_032);
    assert_rounds_to(w.macs(), 4.09, 1e9, 2, "torchvision GFLOPS");
    assert_eq!(w.weight_layers(), 54, "49 conv + 4 shortcut conv + 1 FC");
}

#[test]
fn densenet201() {
    let w = load("densenet201");
    assert_eq!(w.params(), 20_013_928);
    assert_rounds_to(w.macs(), 4.29, 1e9, 2, "torchvision GFLOPS");
    assert_eq!(w.weight_layers(), 201, "DenseNet-201: 200 conv + 1 FC");
}

#[test]
fn vit_b16() {
    let w = load("vit-b16");
    assert_eq!(w.params(), 86_567_656);
    // torchvision's 17.56 GFLOPS (_ops 17.564) include the attention matmuls.
    assert_rounds_to(w.macs(), 17.56, 1e9, 2, "torchvision GFLOPS");
    assert_eq!(w.macs(), 17_563_828_224);
    assert_rounds_to(w.macs(), 17.564, 1e9, 3, "torchvision _ops");
    // 12 layers x 2 x 12 heads x 197 x 197 x 64
    assert_eq!(w.dynamic_macs(), 715_327_488);
}

#[test]
fn mobilebert() {
    let w = load("mobilebert");
    // Hugging Face MobileBertModel(google/mobilebert-uncased) without task head: embeddings
    // 4,368,128 + 24 layers x 842,240 (the pooler has no dense layer: classifier_activation = false).
    assert_eq!(w.params(), 24_581_888);
    assert_eq!(w.params(), 4_368_128 + 24 * 842_240);
}

#[test]
fn gpt2_medium() {
    let w = load("gpt2-medium");
    // Hugging Face GPT2LMHeadModel("gpt2-medium"), LM head tied to wte: 354,823,168 ("355M").
    assert_eq!(w.params(), 354_823_168);
    // Crossbar weights count the tied LM head's matrix (it must sit in cells too).
    assert_eq!(
        w.weights(),
        24 * (1024 * 3072 + 1024 * 1024 + 2 * 1024 * 4096) + 1024 * 50_257
    );
}

#[test]
fn llama2_7b_softmax() {
    let w = load("llama2-7b-softmax");
    assert_eq!(
        w.softmax_elements(),
        4_294_967_296,
        "S = 2048, 32 layers x 32 heads x S x S"
    );
    let zoo = Zoo::builtin().unwrap();
    let short = zoo.load("llama2-7b-softmax:seq_len=128").unwrap();
    assert_eq!(short.softmax_elements(), 16_777_216);
    let long = zoo.load("llama2-7b-softmax:seq_len=4096").unwrap();
    assert_eq!(long.softmax_elements(), 17_179_869_184);
    assert_eq!(w.weights(), 0);
}

#[test]
fn spiking_networks() {
    for (name, params, macs, t) in [
        ("snn-cifar10dvs", 4_691_812, 834_717_696, 20),
        ("snn-dvs-gesture", 1_698_926, 841_014_272, 20),
        ("snn-nmnist", 17_134_436, 62_260_224, 10),
    ] {
        let w = load(name);
        assert_eq!(w.params(), params, "{name} params");
        assert_eq!(w.macs_per_timestep(), macs, "{name} MACs per timestep");
        assert!(w.is_spiking());
        for l in w.layers.iter().filter(|l| l.has_static_weights()) {
            let s = l.spiking.expect("every weight layer of an SNN spikes");
            assert_eq!(s.timesteps, t, "{name} {}", l.name);
            assert_eq!(l.precision.weight_bits, 1, "binary weights by default");
        }
        let first = w.layers.iter().find(|l| l.has_static_weights()).unwrap();
        assert!(
            !first.spiking.unwrap().input_spikes,
            "the first layer sees event frames"
        );
    }
}

/// The co-optimization framework's capacity column: cells needed at 1 bit per cell for 8-bit
/// weights (paper-framework.md section 7). Its rule counts C*R*S*M per layer and ignores
/// groups, so only the networks without grouped convolutions agree with ours.
#[test]
fn framework_cell_counts_without_groups() {
    for (name, cells) in [
        ("vgg16", 1_106_753_024u64),
        ("alexnet", 488_723_968),
        ("resnet18", 93_431_296),
    ] {
        assert_eq!(load(name).weights() * 8, cells, "{name}");
    }
}

#[test]
fn every_builtin_loads_and_sets_resolve() {
    let zoo = Zoo::builtin().unwrap();
    let expected = [
        "alexnet",
        "cct-7-3x1",
        "densenet201",
        "gpt2-medium",
        "llama2-7b-softmax",
        "mobilebert",
        "mobilenetv3-large",
        "mobilenetv3-small",
        "resnet18",
        "resnet50",
        "snn-cifar10dvs",
        "snn-dvs-gesture",
        "snn-nmnist",
        "vgg16",
        "vgg8-cifar10",
        "vit-b16",
    ];
    let names: Vec<_> = zoo.names().collect();
    assert_eq!(names, expected);
    let p4: Vec<_> = zoo
        .resolve("paper4")
        .unwrap()
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert_eq!(p4, ["vgg16", "resnet18", "alexnet", "mobilenetv3-large"]);
    let p9 = zoo.resolve("paper9").unwrap();
    assert_eq!(p9.len(), 9);
    // Duplicates collapse; order is kept.
    let mixed: Vec<_> = zoo
        .resolve("resnet18,paper4,mobilenetv3")
        .unwrap()
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert_eq!(mixed, ["resnet18", "vgg16", "alexnet", "mobilenetv3-large"]);
}
