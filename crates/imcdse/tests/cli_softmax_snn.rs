//! `imcdse softmax`, and the softmax and spiking workloads through `eval` and `sweep`.

mod common;
use common::imcdse;

#[test]
fn softmax_table_and_json_agree() {
    let (code, out, err) = imcdse(&["softmax", "--seq", "128,2048", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for r in rows {
        let s = r["seq_len"].as_u64().unwrap();
        // Llama-2-7B: 32 layers x 32 heads x S rows of S.
        assert_eq!(r["elements"].as_f64().unwrap(), (1024 * s * s) as f64);
        let edp = |k: &str| r[k]["edp_mj_ms"].as_f64().unwrap();
        let ratio = r["edp_ratio"]["a100_over_ap"].as_f64().unwrap();
        assert!((ratio - edp("a100") / edp("ap")).abs() < 1e-9 * ratio);
        // The GPUs are memory-bound: 4 bytes per element over the bandwidth.
        let a100_ms = r["a100"]["latency_ms"].as_f64().unwrap();
        assert!((a100_ms - (1024 * s * s) as f64 * 4.0 / 2039.0 * 1e-6).abs() < 1e-9 * a100_ms);
    }
    let (code, table, _) = imcdse(&["softmax", "--seq", "512"]);
    assert_eq!(code, 0);
    assert!(
        table.contains("A100/AP") && table.contains("512"),
        "{table}"
    );
    let (_, help, _) = imcdse(&["softmax", "--help"]);
    assert!(
        help.contains("2203.00662") && help.contains("2,039 GB/s"),
        "{help}"
    );
    let (code, _, err) = imcdse(&["softmax", "--seq", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("--seq: `0`"), "{err}");
    let (code, _, err) = imcdse(&["softmax", "--ap-word-bits", "8"]);
    assert_eq!(code, 2);
    assert!(err.contains("too narrow"), "{err}");
}

#[test]
fn softmax_and_spiking_workloads_evaluate_and_sweep() {
    let set = "voltage_v=0.7,bits_per_cell=2,cycle_ns=1,rows=256,cols=256,router_groups=4,\
               tiles_per_group=16,crossbars_per_tile=32,glb_mib=2";
    for extra in ["", ",softmax_unit=ap"] {
        let s = format!("{set}{extra}");
        let (code, out, err) = imcdse(&[
            "eval",
            "--space",
            "paper-rram",
            "--set",
            &s,
            "--workloads",
            "llama2-7b-softmax,snn",
            "--json",
        ]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        for w in [
            "llama2-7b-softmax",
            "snn-cifar10dvs",
            "snn-dvs-gesture",
            "snn-nmnist",
        ] {
            let e = v["workloads"][w]["energy_mj"].as_f64().unwrap();
            assert!(e > 0.0, "{w}{extra}");
        }
    }
    let (code, out, _) = imcdse(&["space", "softmap-ap", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["size"].as_u64(), Some(72));
    let scratch = common::Scratch::new();
    let dir = scratch.path("snn-sweep");
    let (code, out, err) = imcdse(&[
        "sweep",
        "--space",
        "demo",
        "--workloads",
        "resnet18,snn-cifar10dvs",
        "--optimizer",
        "random",
        "--budget",
        "30",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("snn-cifar10dvs"), "{out}");
}
