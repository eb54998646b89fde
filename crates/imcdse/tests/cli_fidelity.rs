//! `imcdse fidelity` and `imcdse calibrate` on the shipped CiMLoop reference tables, and on bad
//! reference files.

mod common;
use common::{Scratch, imcdse};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");

fn reference(device: &str) -> String {
    format!("{ROOT}search-spaces/reference/cimloop-paper/{device}-all.csv")
}

/// `imcdse fidelity --json` of paper-rram on the RRAM reference, with `extra` arguments.
fn rram_fidelity(s: &Scratch, extra: &[&str]) -> serde_json::Value {
    let out = s.path("f");
    let (r, o) = (reference("rram"), out.to_str().unwrap().to_string());
    let mut args = vec![
        "fidelity",
        "--reference",
        &r,
        "--space",
        "paper-rram",
        "--json",
    ];
    args.extend(["--out", &o]);
    args.extend(extra);
    let (code, text, err) = imcdse(&args);
    assert_eq!(code, 0, "{err}");
    for f in ["fidelity.md", "fidelity.parquet", "designs.parquet"] {
        assert!(out.join(f).exists(), "{f}");
    }
    serde_json::from_str(&text).unwrap()
}

/// One metric's agreement from a fidelity report.
fn find(v: &serde_json::Value, metric: &str) -> serde_json::Value {
    v["agreements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["metric"] == metric)
        .unwrap()
        .clone()
}

/// The uncalibrated model on the paper framework's RRAM designs. With uniform replication (the
/// default until balanced): area rho 0.977, joint max-ela rho 0.799 with a median ratio of 215,
/// CiMLoop's best design 172nd in ours and ours 347th in CiMLoop (issue 18's table, under model
/// revision 1: 0.802, 284, 161st, 347th); VGG16 is the slowest in every design. With the
/// default (balanced): the joint score ranks at 0.881, median ratio 3.33, the best designs
/// 112th and 157th (revision 3: 0.880, 4.23, 101st, 88th; revision 4's cheaper low-bit ADCs
/// and row drivers moved the ratio and the ranks of the best designs, not the rank agreement).
#[test]
fn fidelity_of_the_default_model_on_cimloop_rram() {
    let s = Scratch::new();
    let uniform = s.path("uniform.toml");
    std::fs::write(
        &uniform,
        "schema_version = 1\nname = \"uniform\"\ndescription = \"the old default\"\n[parameters]\nreplication = \"uniform\"\n",
    )
    .unwrap();
    let v = rram_fidelity(&s, &["--calibration", uniform.to_str().unwrap()]);
    assert_eq!(v["designs"], 887);
    let area = find(&v, "area");
    assert!((area["spearman"].as_f64().unwrap() - 0.977).abs() < 5e-4);
    let joint = find(&v, "max-ela");
    assert!((joint["spearman"].as_f64().unwrap() - 0.799).abs() < 5e-4);
    assert!((joint["median_ratio"].as_f64().unwrap() - 215.0).abs() < 1.0);
    assert_eq!(joint["reference_best_in_model"], 172);
    assert_eq!(joint["model_best_in_reference"], 347);
    assert_eq!(v["largest"][0]["latency"][0], 1.0);

    let v = rram_fidelity(&s, &[]);
    assert!((find(&v, "area")["spearman"].as_f64().unwrap() - 0.977).abs() < 5e-4);
    let joint = find(&v, "max-ela");
    assert!((joint["spearman"].as_f64().unwrap() - 0.881).abs() < 5e-4);
    assert!((joint["median_ratio"].as_f64().unwrap() - 3.33).abs() < 0.01);
    assert_eq!(joint["reference_best_in_model"], 112);
    assert_eq!(joint["model_best_in_reference"], 157);
}

/// Fits `device`'s reference with `calibrate --voltage-laws` as the shipped calibration was
/// (same command, same file); checks the fit is the shipped one, body for body, and returns the
/// held-out Spearman rho of a report line (`"| max-ela"`, `"| energy | vgg16"`, ...).
fn refit_shipped(device: &str) -> impl Fn(&str) -> f64 {
    let s = Scratch::new();
    let out = s.path("cal/c.toml");
    let name = format!("cimloop-paper-{device}");
    let (code, text, err) = imcdse(&[
        "calibrate",
        "--reference",
        &reference(device),
        "--space",
        &format!("paper-{device}"),
        "--out",
        out.to_str().unwrap(),
        "--name",
        &name,
        "--voltage-laws",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("## Fidelity, uncalibrated -> calibrated"),
        "{text}"
    );
    let fitted = std::fs::read_to_string(&out).unwrap();
    let shipped =
        std::fs::read_to_string(format!("{ROOT}search-spaces/calibrations/{name}.toml")).unwrap();
    let body = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&fitted), body(&shipped), "{name}");
    assert!(s.path("cal/c.md").exists());
    move |start: &str| -> f64 {
        let line = text.lines().find(|l| l.starts_with(start)).unwrap();
        line.split('|')
            .nth(5)
            .unwrap()
            .split("->")
            .nth(1)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }
}

/// The shipped SRAM calibration is what `calibrate --voltage-laws` fits today, and its held-out
/// fidelity meets the joint-score target; the supply laws lift AlexNet's energy ranks, 0.705
/// held out without them (0.885 with them, 0.911 with the re-read inputs of layers larger than
/// the chip).
#[test]
fn calibrate_reproduces_the_shipped_sram_calibration() {
    let held = refit_shipped("sram");
    assert!(held("| max-ela") >= 0.95);
    assert!(held("| energy | alexnet") >= 0.9);
    // Inputs read again by every weight-stationary pass of a layer larger than the chip:
    // VGG16's held-out energy rank was 0.877 without them.
    assert!(held("| energy | vgg16") >= 0.92);
}

/// The same for RRAM: the supply laws took the held-out energy ranks from 0.942 / 0.962 /
/// 0.929 / 0.956 (VGG16, ResNet18, AlexNet, MobileNetV3) to 0.980 / 0.985 / 0.980 / 0.982.
#[test]
fn calibrate_reproduces_the_shipped_rram_calibration() {
    let held = refit_shipped("rram");
    assert!(held("| max-ela") >= 0.99);
    for w in ["vgg16", "resnet18", "alexnet", "mobilenetv3-large"] {
        assert!(held(&format!("| energy | {w}")) >= 0.975, "{w}");
    }
}

/// Bad references name the file, row and column, exit 2, and write nothing.
#[test]
fn bad_references_are_refused_and_nothing_is_written() {
    let s = Scratch::new();
    let header = "voltage_v,bits_per_cell,cycle_ns,rows,cols,router_groups,tiles_per_group,crossbars_per_tile,glb_mib,area_mm2,alexnet__energy_mj,alexnet__latency_ms";
    let good = "0.5,2,1,128,128,4,16,32,2,100,1,1";
    let cases = [
        ("empty.csv", String::new(), "empty file"),
        ("header.csv", format!("{header}\n"), "no rows"),
        (
            "nan.csv",
            format!("{header}\n{good}\n0.5,2,1,128,128,4,16,32,2,NaN,1,1\n"),
            "row 2, column `area_mm2`: NaN",
        ),
        (
            "neg.csv",
            format!("{header}\n0.5,2,1,128,128,4,16,32,2,100,-1,1\n"),
            "row 1, column `alexnet__energy_mj`: -1",
        ),
        (
            "zero.csv",
            format!("{header}\n0.5,2,1,128,128,4,16,32,2,100,1,0\n"),
            "column `alexnet__latency_ms`: 0 is not",
        ),
        (
            "outside.csv",
            format!("{header}\n0.5,2,1,100,128,4,16,32,2,100,1,1\n"),
            "row 1: column `rows`: 100 is not one of",
        ),
        (
            "missing.csv",
            format!(
                "{}\n{}\n",
                header.replace(",glb_mib", ""),
                good.replace(",2,100", ",100")
            ),
            "missing column `glb_mib`",
        ),
        (
            "unknown.csv",
            format!("{}\n{good}\n", header.replace("alexnet", "alexnot")),
            "`alexnot` is not a workload of the zoo",
        ),
    ];
    for (name, body, want) in cases {
        let file = s.path(name);
        std::fs::write(&file, body).unwrap();
        for command in ["fidelity", "calibrate"] {
            let out = s.path(&format!("{name}.{command}.out"));
            let (code, _, err) = imcdse(&[
                command,
                "--reference",
                file.to_str().unwrap(),
                "--space",
                "paper-rram",
                "--out",
                out.to_str().unwrap(),
            ]);
            assert_eq!(code, 2, "{command} {name}: {err}");
            assert!(
                err.contains(name) && err.contains(want),
                "{command} {name}: {err}"
            );
            assert!(!out.exists(), "{command} {name} wrote {}", out.display());
        }
    }
}

/// C1: a calibration of 1e300 factors (which made `eval` print energy `inf` and shares of
/// `NaN%`, and an exhaustive sweep report a best score of `inf`) is refused by `eval` and
/// `sweep`, naming the file, the key and the range; nothing is written.
#[test]
fn c1_a_calibration_of_1e300_factors_is_refused() {
    let s = Scratch::new();
    let big = s.path("big.toml");
    std::fs::write(
        &big,
        "schema_version = 1\nname = \"big\"\ndescription = \"x\"\n[energy]\ncell_array = 1e300\n\
         adc = 1e300\n[latency]\ncrossbar = 1e300\n[area]\ncell_array = 1e300\n",
    )
    .unwrap();
    let (cal, out) = (big.to_str().unwrap(), s.path("run"));
    let set = "rows=256,cols=256,bits_per_cell=4,crossbars_per_tile=64,router_groups=8,tiles_per_group=16";
    let common = [
        "--space",
        "demo",
        "--workloads",
        "resnet18",
        "--calibration",
        cal,
    ];
    let eval: Vec<&str> = [&["eval", "--set", set][..], &common].concat();
    let sweep: Vec<&str> = [
        &[
            "sweep",
            "--optimizer",
            "exhaustive",
            "--out",
            out.to_str().unwrap(),
        ][..],
        &common,
    ]
    .concat();
    for args in [eval, sweep] {
        let (code, text, err) = imcdse(&args);
        assert_eq!(code, 2, "{args:?}: {text}{err}");
        for want in [
            "big.toml",
            "[energy].cell_array = 1e300: out of range; allowed: a factor from 1e-9 to 1e9",
            "[latency].crossbar = 1e300",
        ] {
            assert!(err.contains(want), "{args:?}: {err}");
        }
        assert!(!text.contains("inf") && !text.contains("NaN"), "{text}");
        assert!(!out.exists());
    }
}

/// C2: a reference whose energies are all 1e-308 (fidelity reported NaN medians, calibrate a
/// report of "NaN -> NaN", both with exit 0) is refused by both, naming the row, column and
/// range; nothing is written.
#[test]
fn c2_a_reference_of_1e_308_energies_is_refused() {
    let s = Scratch::new();
    let text = std::fs::read_to_string(reference("rram")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let col = header
        .split(',')
        .position(|c| c == "vgg16__energy_mj")
        .unwrap();
    let mut tiny = vec![header.to_string()];
    for l in lines {
        let mut cells: Vec<&str> = l.split(',').collect();
        cells[col] = "1e-308";
        tiny.push(cells.join(","));
    }
    let file = s.path("alltiny.csv");
    std::fs::write(&file, tiny.join("\n") + "\n").unwrap();
    for command in ["fidelity", "calibrate"] {
        let out = s.path(&format!("{command}.out"));
        let (code, text, err) = imcdse(&[
            command,
            "--reference",
            file.to_str().unwrap(),
            "--space",
            "paper-rram",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{command}: {text}{err}");
        assert!(
            err.contains("alltiny.csv: row 1, column `vgg16__energy_mj`: 1e-308 is out of range; allowed: 1e-15 to 1e15"),
            "{command}: {err}"
        );
        assert!(!out.exists(), "{command}");
    }
}

/// C8: the SRAM calibration is refused on the RRAM space (it was applied without a word); the
/// RRAM calibration on it is not.
#[test]
fn c8_a_calibration_refuses_a_space_of_another_device() {
    let set = "voltage_v=0.5,bits_per_cell=2,cycle_ns=1,rows=512,cols=64,router_groups=8,\
               tiles_per_group=64,crossbars_per_tile=128,glb_mib=0.5";
    let (code, _, err) = imcdse(&[
        "eval",
        "--space",
        "paper-rram",
        "--calibration",
        "cimloop-paper-sram",
        "--set",
        set,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("calibration cimloop-paper-sram")
            && err.contains("was fitted on sram designs and does not apply to device = \"rram\""),
        "{err}"
    );
    let (code, _, err) = imcdse(&["eval", "--space", "paper-rram-cimloop", "--set", set]);
    assert_eq!(code, 0, "{err}");
}
