//! Properties every built-in workload must have, whatever its published totals.

use imc_zoo::Zoo;
use imc_zoo::ops::Op;

fn all() -> Vec<imc_zoo::Workload> {
    let zoo = Zoo::builtin().unwrap();
    zoo.names().map(|n| zoo.load(n).unwrap()).collect()
}

#[test]
fn crossbar_matrix_reproduces_macs_and_weights() {
    for w in all() {
        for l in &w.layers {
            match l.matrix() {
                Some(m) => {
                    assert_eq!(m.macs(), l.macs(), "{} {}", w.name, l.name);
                    assert_eq!(
                        m.static_weights,
                        l.has_static_weights(),
                        "{} {}",
                        w.name,
                        l.name
                    );
                    if m.static_weights {
                        assert_eq!(m.entries(), l.weights(), "{} {}", w.name, l.name);
                    }
                }
                None => assert_eq!(l.macs(), 0, "{} {}", w.name, l.name),
            }
        }
    }
}

#[test]
fn conv_macs_are_weights_times_output_pixels() {
    for w in all() {
        for l in &w.layers {
            if let Op::Conv2d(c) = &l.op {
                let [h, wd] = c.output_size().expect("validated");
                assert_eq!(c.macs(), c.weights() * h * wd, "{} {}", w.name, l.name);
                if c.is_depthwise() {
                    assert_eq!(
                        c.weights(),
                        c.in_channels * c.kernel[0] * c.kernel[1],
                        "{} {}",
                        w.name,
                        l.name
                    );
                }
            }
        }
    }
}

#[test]
fn totals_are_consistent() {
    for w in all() {
        assert_eq!(w.static_macs() + w.dynamic_macs(), w.macs(), "{}", w.name);
        assert!(
            w.weights() > 0 || w.name == "llama2-7b-softmax",
            "{}",
            w.name
        );
        let names: std::collections::HashSet<_> = w.layers.iter().map(|l| &l.name).collect();
        assert_eq!(
            names.len(),
            w.layers.len(),
            "{} has unique layer names",
            w.name
        );
        for l in &w.layers {
            assert!(
                l.output_activations() > 0,
                "{} {} produces output",
                w.name,
                l.name
            );
        }
    }
}

#[test]
fn cnns_have_no_dynamic_matmuls_and_transformers_do() {
    let zoo = Zoo::builtin().unwrap();
    for n in [
        "vgg16",
        "resnet18",
        "alexnet",
        "mobilenetv3-large",
        "resnet50",
        "densenet201",
        "vgg8-cifar10",
    ] {
        assert_eq!(zoo.load(n).unwrap().dynamic_macs(), 0, "{n}");
    }
    for n in ["vit-b16", "mobilebert", "gpt2-medium", "cct-7-3x1"] {
        assert!(zoo.load(n).unwrap().dynamic_macs() > 0, "{n}");
    }
}
