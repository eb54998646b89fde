//! `imcdse eval` and `imcdse space` end to end.

mod common;
use common::imcdse;
use serde_json::Value;

const SPACE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../search-spaces/paper-rram.toml"
);
const DESIGN: &str = "voltage_v=0.7,bits_per_cell=2,cycle_ns=1,rows=256,cols=256,router_groups=4,tiles_per_group=16,crossbars_per_tile=32,glb_mib=2";

#[test]
fn eval_json_has_the_documented_shape() {
    let (code, out, err) = imcdse(&[
        "eval",
        "--space",
        SPACE,
        "--set",
        DESIGN,
        "--workloads",
        "paper4",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    for key in [
        "feasible",
        "reason",
        "area_mm2",
        "parameters",
        "workloads",
        "area_breakdown_mm2",
    ] {
        assert!(v.get(key).is_some(), "{key} missing");
    }
    // 256 x 256 crossbars at 2 bits/cell hold 134 M cells; VGG16 needs 553 M.
    assert_eq!(v["feasible"], false);
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .starts_with("vgg16: weights do not fit on chip")
    );
    assert_eq!(v["parameters"]["rows"], 256);
    assert_eq!(v["parameters"]["device"], "rram");
    assert_eq!(v["parameters"]["voltage_scaling"], false);
    let ws = v["workloads"].as_object().unwrap();
    assert_eq!(ws.len(), 4);
    let r18 = &ws["resnet18"];
    assert_eq!(r18["feasible"], true);
    assert!(r18["reason"].is_null());
    for key in [
        "energy_mj",
        "latency_ms",
        "edap",
        "tops",
        "tops_per_w",
        "tops_per_mm2",
        "utilization",
    ] {
        assert!(r18[key].as_f64().unwrap() > 0.0, "{key}");
    }
    let area = v["area_mm2"].as_f64().unwrap();
    let edap = r18["energy_mj"].as_f64().unwrap() * r18["latency_ms"].as_f64().unwrap() * area;
    assert!((edap / r18["edap"].as_f64().unwrap() - 1.0).abs() < 1e-9);
    let parts: f64 = r18["breakdown"]["energy_mj"]
        .as_object()
        .unwrap()
        .values()
        .map(|x| x.as_f64().unwrap())
        .sum();
    assert!((parts / r18["energy_mj"].as_f64().unwrap() - 1.0).abs() < 1e-9);
    let area_parts: f64 = v["area_breakdown_mm2"]
        .as_object()
        .unwrap()
        .values()
        .map(|x| x.as_f64().unwrap())
        .sum();
    assert!((area_parts / area - 1.0).abs() < 1e-9);
}

#[test]
fn eval_errors_name_the_key_and_what_is_allowed() {
    let (code, _, err) = imcdse(&["eval", "--space", SPACE, "--set", "rows=256"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("paper-rram.toml")
            && err.contains("free parameters need a value with --set: voltage_v"),
        "{err}"
    );
    let bad = DESIGN.replace("rows=256", "rows=300");
    let (code, _, err) = imcdse(&["eval", "--space", SPACE, "--set", &bad]);
    assert_eq!(code, 2);
    assert!(
        err.contains("not one of the space's values for `rows`: 32, 64, 128, 256, 512"),
        "{err}"
    );
    let (code, _, err) = imcdse(&[
        "eval",
        "--space",
        SPACE,
        "--set",
        &format!("{DESIGN},adc_kind=pipeline"),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("adc_kind") && err.contains("sar | flash"),
        "{err}"
    );
    let (code, _, err) = imcdse(&[
        "eval",
        "--space",
        SPACE,
        "--set",
        &format!("{DESIGN},cols_per_adc=48"),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cols_per_adc = 48 must divide cols = 256"),
        "{err}"
    );
    let (code, _, err) = imcdse(&["eval", "--space", "no-such.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such.toml: cannot read"), "{err}");
}

/// `--set` may be given more than once: the same design as one list; a key twice is refused.
#[test]
fn eval_set_may_be_repeated() {
    let (code, joined, err) = imcdse(&[
        "eval",
        "--space",
        SPACE,
        "--set",
        &format!("{DESIGN},adc_bits=6"),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, split, err) = imcdse(&[
        "eval",
        "--space",
        SPACE,
        "--set",
        DESIGN,
        "--set",
        "adc_bits=6",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(joined, split);
    let (code, _, err) = imcdse(&[
        "eval", "--space", SPACE, "--set", DESIGN, "--set", "rows=128", "--json",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--set: `rows` is given twice"), "{err}");
}

#[test]
fn eval_table_and_space_listing() {
    let (code, out, err) = imcdse(&[
        "eval",
        "--space",
        SPACE,
        "--set",
        DESIGN,
        "--workloads",
        "resnet18",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("resnet18") && out.contains("energy share") && out.contains("adc"),
        "{out}"
    );
    let (code, out, _) = imcdse(&["space", SPACE, "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["size"].as_u64(), Some(12_096_000));
    assert_eq!(v["name"], "paper-rram");
    let keys: Vec<&String> = v["params"].as_object().unwrap().keys().collect();
    assert_eq!(keys[0], "voltage_v", "file order is kept");
    assert_eq!(
        v["params"]["rows"],
        serde_json::json!([32, 64, 128, 256, 512])
    );
    assert_eq!(v["constraints"]["max_area_mm2"], 800.0);
    let (code, out, _) = imcdse(&["space", SPACE]);
    assert_eq!(code, 0);
    assert!(out.contains("12,096,000 designs"), "{out}");
}

/// A space's `min_snr_db` holds in `eval` as in the studies: a workload below it is
/// infeasible with its SNR and the minimum, and one above it is not.
#[test]
fn eval_holds_a_spaces_minimum_snr() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(SPACE).unwrap();
    let design = "bits_per_cell=1,cycle_ns=1,rows=256,cols=256,router_groups=4,tiles_per_group=16,crossbars_per_tile=32,glb_mib=2,voltage_v=0.7";
    let eval = |min_db: &str| {
        let path = dir.path().join(format!("min{min_db}.toml"));
        let with_min = text.replace(
            "[constraints]",
            &format!("[constraints]\nmin_snr_db = {min_db}"),
        );
        std::fs::write(&path, with_min).unwrap();
        let args = ["eval", "--space", path.to_str().unwrap(), "--set", design];
        let (code, out, err) =
            imcdse(&[&args[..], &["--workloads", "resnet18", "--json"]].concat());
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<Value>(&out).unwrap()
    };
    let free = eval("-100");
    assert_eq!(free["feasible"], true, "{free}");
    let snr = free["workloads"]["resnet18"]["snr_db"].as_f64().unwrap();
    let above = format!("{}", (snr + 5.0).round());
    let low = eval(&above);
    assert_eq!(low["feasible"], false);
    let reason = low["reason"].as_str().unwrap();
    assert_eq!(
        reason,
        format!("resnet18: compute SNR {snr:.1} dB is below the minimum {above} dB")
    );
}
