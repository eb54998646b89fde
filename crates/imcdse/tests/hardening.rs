//! Issue 17, "hardening": what a careless or hostile user does, one test per item, each named
//! after its item (`item3_...`). Items checked inside the library have their tests there too
//! (`imc_zoo::registry`, `imcdse::results`, `imcdse::studies::merge`).

mod common;
use common::{Scratch, imcdse};
use std::process::{Command, Stdio};

/// A design of paper-rram.
const DESIGN: &str = "voltage_v=0.7,bits_per_cell=2,cycle_ns=1,rows=256,cols=256,router_groups=4,\
                      tiles_per_group=16,crossbars_per_tile=32,glb_mib=2";

/// A workload file that calls itself `vgg16`.
fn my_vgg16(scratch: &Scratch) -> String {
    let path = scratch.path("my.toml");
    std::fs::write(
        &path,
        "schema_version = 1\nname = \"vgg16\"\ndescription = \"mine\"\nsource = \"test\"\n\
         input = [8]\n\n[[layers]]\nname = \"fc\"\nop = \"linear\"\nin_features = 8\n\
         out_features = 4\n",
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// Item 3: two workloads of one name are refused in either order, naming both; `workloads`
/// labels a file's workload with its own file, not the zoo's.
#[test]
fn item3_two_workloads_with_one_name() {
    let s = Scratch::new();
    let my = my_vgg16(&s);
    for list in [format!("vgg16,{my}"), format!("{my},vgg16")] {
        let out = s.path("run");
        let args = [
            "sweep",
            "--space",
            "demo",
            "--workloads",
            &list,
            "--budget",
            "8",
        ];
        let (code, _, err) = imcdse(&[&args[..], &["--out", out.to_str().unwrap()]].concat());
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("two workloads named vgg16 ("), "{err}");
        assert!(err.contains("zoo") && err.contains(&my), "{err}");
        assert!(!out.exists());
    }
    let (code, text, err) = imcdse(&["workloads", &my]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains(&format!("file: {my}")), "{text}");
    assert!(!text.contains("workloads/cnn/vgg16.toml"), "{text}");
}

/// Item 11: a reader that stops early (`imcdse workloads vgg16 | head -1`, also `eval` and
/// `softmax`) ends the command quietly: exit 0, nothing on stderr. The reading end is closed
/// before the command writes, so its write fails with a broken pipe.
#[test]
fn item11_a_closed_pipe_ends_quietly() {
    let commands: [&[&str]; 4] = [
        &["workloads", "vgg16"],
        &["workloads", "paper9", "--json"],
        &["eval", "--space", "paper-rram", "--set", DESIGN, "--json"],
        &["softmax"],
    ];
    for args in commands {
        let mut child = Command::new(env!("CARGO_BIN_EXE_imcdse"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}
