//! Issue 17, "hardening": what a careless or hostile user does, one test per item, each named
//! after its item (`item3_...`). Items checked inside the library have their tests there too
//! (`imc_zoo::registry`, `imcdse::results`, `imcdse::studies::merge`).

mod common;
use common::{Scratch, imcdse};
use std::process::{Command, Stdio};

/// A design of paper-rram.
const DESIGN: &str = "voltage_v=0.7,bits_per_cell=2,cycle_ns=1,rows=256,cols=256,router_groups=4,\
                      tiles_per_group=16,crossbars_per_tile=32,glb_mib=2";

/// The text of a built-in space file.
fn space_text(name: &str) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../search-spaces/");
    std::fs::read_to_string(format!("{root}{name}.toml")).unwrap()
}

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

/// Item 4: every physical number a user can type is finite and in its documented range: the
/// softmax study's AP flags, `--set` values, values in a space file, calibration factors.
#[test]
fn item4_non_finite_or_negative_numbers_are_refused() {
    let flags: [(&str, &str); 8] = [
        ("--ap-compare-fj", "NaN"),
        ("--ap-compare-fj", "0"),
        ("--ap-write-fj", "1e-300"),
        ("--ap-write-fj", "-5"),
        ("--ap-write-fj", "inf"),
        ("--ap-compare-ns", "0"),
        ("--ap-write-ns", "-inf"),
        ("--lanes", "0"),
    ];
    for (flag, value) in flags {
        let (code, text, err) = imcdse(&["softmax", &format!("{flag}={value}")]);
        assert_eq!(code, 2, "{flag} {value}: {text}");
        assert!(err.contains(flag) && err.contains("allowed"), "{err}");
        assert!(text.is_empty(), "{text}");
    }
    for set in ["ap_write_fj=-5", "ap_compare_fj=inf", "ap_cell_um2=nan"] {
        let (code, _, err) = imcdse(&[
            "eval",
            "--space",
            "paper-rram",
            "--set",
            &format!("{DESIGN},{set}"),
        ]);
        let key = set.split('=').next().unwrap();
        assert_eq!(code, 2, "{set}");
        assert!(err.contains(key) && err.contains("allowed"), "{err}");
    }
    let s = Scratch::new();
    let space = s.path("space.toml");
    let text = space_text("demo");
    for (key, value) in [
        ("cycle_ns", "inf"),
        ("cycle_ns", "nan"),
        ("cycle_ns", "-1.0"),
    ] {
        std::fs::write(
            &space,
            text.replace("cycle_ns = 1", &format!("{key} = {value}")),
        )
        .unwrap();
        let (code, _, err) = imcdse(&["space", space.to_str().unwrap()]);
        assert_eq!(code, 2, "{key} = {value}");
        assert!(err.contains("space.toml") && err.contains(key), "{err}");
    }
    let cal = s.path("cal.toml");
    std::fs::write(
        &cal,
        "schema_version = 1\nname = \"x\"\n[energy]\nadc = inf\n",
    )
    .unwrap();
    let c = cal.to_str().unwrap();
    let (code, _, err) = imcdse(&[
        "eval",
        "--space",
        "paper-rram",
        "--set",
        DESIGN,
        "--calibration",
        c,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("[energy].adc = inf: out of range"), "{err}");
}

/// Item 5: a checkpoint line whose score disagrees with its own costs is refused on resume,
/// named by file and line; it never reaches evaluations.parquet.
#[test]
fn item5_a_checkpoint_line_that_contradicts_itself() {
    let s = Scratch::new();
    let out = s.path("run");
    let o = out.to_str().unwrap();
    let args = [
        "sweep", "--space", "demo", "--budget", "40", "--seed", "3", "--out", o,
    ];
    let (code, _, err) = imcdse(&args);
    assert_eq!(code, 0, "{err}");
    let path = out.join("checkpoint.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let n = lines
        .iter()
        .position(|l| !l.contains("\"score\":null"))
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&lines[n]).unwrap();
    v["score"] = serde_json::json!(1e-9);
    lines[n] = v.to_string();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let before = std::fs::read(out.join("evaluations.parquet")).unwrap();
    let (code, _, err) = imcdse(&[&args[..], &["--resume"]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("checkpoint.jsonl: line {}", n + 1)) && err.contains("its score"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(out.join("evaluations.parquet")).unwrap(),
        before
    );
}

/// Item 10: a budget of no evaluation and a population under 2 are refused by sweep, compare
/// and grade, before any folder is made.
#[test]
fn item10_budgets_and_populations_that_mean_nothing() {
    let s = Scratch::new();
    let out = s.path("run");
    let o = out.to_str().unwrap();
    let cases: [(&[&str], &str); 7] = [
        (&["sweep", "--budget", "0"], "--budget 0"),
        (&["sweep", "--population", "0"], "--population 0"),
        (
            &["sweep", "--population", "1", "--optimizer", "nsga2"],
            "--population 1",
        ),
        (&["compare", "--budget", "0"], "--budget 0"),
        (&["compare", "--population", "1"], "--population 1"),
        (&["grade", "--population", "0"], "--population 0"),
        (&["grade", "--budgets", "0"], "--budgets"),
    ];
    for (args, flag) in cases {
        let all = [args, &["--space", "demo", "--out", o]].concat();
        let (code, _, err) = imcdse(&all);
        assert_eq!(code, 2, "{all:?}: {err}");
        assert!(err.contains(flag), "{all:?}: {err}");
        assert!(!out.exists(), "{all:?}");
    }
}

/// A finished demo sweep of 30 evaluations in `dir`, its space's area limit `max_area` mm2.
fn demo_run(s: &Scratch, dir: &str, max_area: &str) -> std::path::PathBuf {
    let text = space_text("demo");
    let space = s.path(&format!("{dir}.toml"));
    let text = text.replace("max_area_mm2 = 800", &format!("max_area_mm2 = {max_area}"));
    std::fs::write(&space, text).unwrap();
    let out = s.path(dir);
    let (code, _, err) = imcdse(&[
        "sweep",
        "--space",
        space.to_str().unwrap(),
        "--budget",
        "30",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    out
}

/// The files in a folder, sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Item 8: a plot path that cannot be written is named with the system's reason, not debug
/// text.
#[test]
fn item8_a_plot_path_that_cannot_be_written() {
    let s = Scratch::new();
    let run = demo_run(&s, "run", "800");
    let missing = s.path("no-such-folder").join("x.png");
    for path in [missing.to_str().unwrap(), "/proc/x.png"] {
        let (code, _, err) = imcdse(&["export", run.to_str().unwrap(), "--plot", path]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!("cannot write {path}: No such file or directory")),
            "{err}"
        );
        assert!(!err.contains("Error(") && !err.contains("Os {"), "{err}");
    }
}

/// Item 9: with no feasible design there is nothing to plot: the command fails before it
/// draws, and the file named by --plot keeps its content; no temporary file is left.
#[test]
fn item9_nothing_to_plot_writes_nothing() {
    let s = Scratch::new();
    let run = demo_run(&s, "tiny", "0.001");
    for name in ["keep.png", "keep.svg"] {
        let plot = s.path(name);
        std::fs::write(&plot, "an earlier figure").unwrap();
        let before = listing(&s.path(""));
        let (code, _, err) = imcdse(&[
            "export",
            run.to_str().unwrap(),
            "--plot",
            plot.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("no feasible design to plot"), "{err}");
        assert_eq!(std::fs::read_to_string(&plot).unwrap(), "an earlier figure");
        assert_eq!(listing(&s.path("")), before);
    }
}

/// Item 7: a run folder is locked while a run writes it. A second process on the same folder
/// is refused with the first one's pid; `kill -9` of the first leaves no stale lock, and
/// `--resume` then finishes the run with exactly the evaluations of an uninterrupted one.
#[test]
fn item7_a_run_folder_is_locked_and_kill_9_resumes() {
    let s = Scratch::new();
    let (out, full) = (s.path("killed"), s.path("full"));
    let args = |dir: &std::path::Path| -> Vec<String> {
        let a = "sweep --space paper-rram --optimizer random --budget 20000 --seed 11 --out";
        let mut v: Vec<String> = a.split(' ').map(String::from).collect();
        v.push(dir.to_str().unwrap().to_string());
        v
    };
    let mut first = Command::new(env!("CARGO_BIN_EXE_imcdse"))
        .args(args(&out))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let checkpoint = out.join("checkpoint.jsonl");
    let lines = |p: &std::path::Path| std::fs::read_to_string(p).unwrap_or_default();
    let started = std::time::Instant::now();
    while lines(&checkpoint).lines().count() < 200 {
        assert!(
            first.try_wait().unwrap().is_none(),
            "the run ended before it was killed"
        );
        assert!(
            started.elapsed().as_secs() < 120,
            "no checkpoint after 2 minutes"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let resume: Vec<String> = [args(&out), vec!["--resume".into()]].concat();
    let resume: Vec<&str> = resume.iter().map(String::as_str).collect();
    let (code, _, err) = imcdse(&resume);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "in use by another imcdse process (pid {})",
            first.id()
        )),
        "{err}"
    );
    first.kill().unwrap();
    first.wait().unwrap();
    let (code, _, err) = imcdse(&resume);
    assert_eq!(code, 0, "{err}");
    let whole: Vec<String> = args(&full);
    let (code, _, err) = imcdse(&whole.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{err}");
    let sorted = |p: &std::path::Path| {
        let mut v: Vec<String> = lines(p).lines().map(String::from).collect();
        v.sort();
        v
    };
    let (resumed, uninterrupted) = (sorted(&checkpoint), sorted(&full.join("checkpoint.jsonl")));
    assert_eq!(resumed.len(), 20000);
    assert!(
        resumed == uninterrupted,
        "the resumed run's evaluations differ"
    );
}

/// Runs `imcdse` and expects success.
fn ok(args: &[&str]) {
    let (code, _, err) = imcdse(args);
    assert_eq!(code, 0, "imcdse {args:?}\n{err}");
}

/// Item 6: a shard's tables copied from another shard, or cut short, are refused by merge,
/// naming the file: each shard's rows are checked against its index range and the counts its
/// run.toml recorded (sweep), or against its slice of the runs (grade).
#[test]
fn item6_a_shard_holding_another_shards_tables_is_refused() {
    let s = Scratch::new();
    let dir = |n: &str| s.path(n).to_str().unwrap().to_string();
    let sweep = [
        "sweep",
        "--space",
        "demo",
        "--workloads",
        "resnet18",
        "--optimizer",
        "exhaustive",
    ];
    for i in 0..2 {
        let shard = format!("{i}/2");
        ok(&[
            &sweep[..],
            &[
                "--top",
                "5",
                "--shard",
                &shard,
                "--out",
                &dir(&format!("s{i}")),
            ],
        ]
        .concat());
    }
    let merge = |a: &str, b: &str| imcdse(&["merge", &dir(a), &dir(b), "--out", &dir("merged")]);
    for table in ["evaluations.parquet", "pareto.parquet"] {
        std::fs::copy(s.path("s0").join(table), s.path("s1").join(table)).unwrap();
    }
    let (code, _, err) = merge("s0", "s1");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("s1/evaluations.parquet") && err.contains("not this shard's"),
        "{err}"
    );
    assert!(!s.path("merged").join("evaluations.parquet").exists());

    let cache = dir("cache");
    let grade = [
        "grade",
        "--space",
        "demo",
        "--workloads",
        "resnet18",
        "--optimizers",
        "random",
        "--budgets",
        "10",
        "--seeds",
        "2",
        "--cache",
        &cache,
    ];
    for i in 0..2 {
        let shard = format!("{i}/2");
        ok(&[
            &grade[..],
            &["--shard", &shard, "--out", &dir(&format!("g{i}"))],
        ]
        .concat());
    }
    let table = "grading.parquet";
    std::fs::copy(s.path("g0").join(table), s.path("g1").join(table)).unwrap();
    let (code, _, err) = merge("g0", "g1");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("g1/grading.parquet") && err.contains("not this shard's"),
        "{err}"
    );
}

/// Item 2: an exhaustive sweep, or a grading's certification, whose timed estimate is days is
/// refused before anything is written, printing the estimate and how to split the work;
/// certification says what it is doing first.
#[test]
fn item2_runs_that_cannot_finish_are_refused() {
    let s = Scratch::new();
    let text = space_text("paper-rram").replace(
        "[params]\n",
        &format!(
            "[params]\n{}",
            include_str!("fixtures/days-of-enumeration.toml")
        ),
    );
    let space = s.path("huge.toml");
    std::fs::write(&space, text).unwrap();
    let space = space.to_str().unwrap();
    let out = s.path("run");
    let o = out.to_str().unwrap();
    let (code, _, err) = imcdse(&[
        "sweep",
        "--optimizer",
        "exhaustive",
        "--space",
        space,
        "--out",
        o,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("exhaustive: 1,783,627,776,000,000 designs, about "),
        "{err}"
    );
    assert!(
        err.contains("would take about") && err.contains("--shard i/N"),
        "{err}"
    );
    assert!(err.contains("Slurm") && err.contains("--force"), "{err}");
    assert!(!out.exists());
    let cache = s.path("cache");
    let c = cache.to_str().unwrap();
    let (code, _, err) = imcdse(&["grade", "--space", space, "--out", o, "--cache", c]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("grade: certifying the optimum of paper-rram"),
        "{err}"
    );
    assert!(
        err.contains("grade: certification: enumerating 1,783,627,776,000,000 designs"),
        "{err}"
    );
    assert!(
        err.contains("--certified") && err.contains("--force"),
        "{err}"
    );
    assert!(!out.exists() && !cache.exists());
}

/// Item 1: a space of sixteen parameters of sixteen values has 2^64 designs: `space` prints
/// the exact size (it used to wrap to 0), `space --json` agrees (a JSON number, 2^64 as a
/// float), and an exhaustive sweep of it is refused at once.
#[test]
fn item1_space_sizes_past_2_to_the_64_print_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let ints = |from: u32| {
        (from..from + 16)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let reals = |scale: f64| {
        (1..=16)
            .map(|i| format!("{}", i as f64 * scale))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text =
        String::from("schema_version = 1\nname = \"huge\"\ndescription = \"2^64\"\n[params]\n");
    for k in [
        "rows",
        "cols",
        "router_groups",
        "tiles_per_group",
        "crossbars_per_tile",
        "digital_lanes",
    ] {
        text += &format!("{k} = [{}]\n", ints(16));
    }
    for (k, scale) in [
        ("cycle_ns", 1.0),
        ("glb_mib", 1.0),
        ("tile_input_buffer_kib", 1.0),
        ("tile_output_buffer_kib", 1.0),
        ("input_density", 0.01),
        ("weight_density", 0.01),
        ("read_pulse_ns", 1.0),
        ("cell_area_f2", 10.0),
        ("ap_compare_fj", 1.0),
        ("ap_write_fj", 1.0),
    ] {
        text += &format!("{k} = [{}]\n", reals(scale));
    }
    let file = dir.path().join("huge.toml");
    std::fs::write(&file, text).unwrap();
    let (code, out, err) = imcdse(&["space", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("size: 18,446,744,073,709,551,616 designs"),
        "{out}"
    );
    let (code, json, err) = imcdse(&["space", file.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["size"].as_f64(), Some(2f64.powi(64)), "{json}");
    let out = dir.path().join("run");
    let (code, _, err) = imcdse(&[
        "sweep",
        "--optimizer",
        "exhaustive",
        "--space",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("18,446,744,073,709,551,616 designs, more than 2^64"),
        "{err}"
    );
    assert!(!out.exists());
}

// Issue 32, run folders (`R1`..`R4`): refused resumes, refine from another folder, numbers
// run.toml cannot hold, and what `refine --resume` checks before its evaluator starts.

/// `imcdse` with `args`, run in the folder `cwd`: (exit code, stdout, stderr).
fn imcdse_in(cwd: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_imcdse"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `imcdse serve`, the model as an external evaluator.
fn serve() -> String {
    format!("{} serve", env!("CARGO_BIN_EXE_imcdse"))
}

/// An exhaustive sweep of the demo space on `workloads` into `out`.
fn exhaustive(out: &std::path::Path, workloads: &str) {
    let o = out.to_str().unwrap();
    let args = ["--space", "demo", "--workloads", workloads, "--out", o];
    ok(&[&["sweep", "--optimizer", "exhaustive"][..], &args].concat());
}

/// R1: a resume refused because an input changed names that input (the space file, a
/// workload), not two configurations that differ in an opaque hash.
#[test]
fn r1_a_refused_resume_names_the_changed_input() {
    let s = Scratch::new();
    let space = s.path("my-space.toml");
    std::fs::write(&space, space_text("demo")).unwrap();
    let work = my_vgg16(&s);
    let out = s.path("run");
    let args = |budget: &'static str| -> Vec<String> {
        [
            "sweep",
            "--space",
            space.to_str().unwrap(),
            "--workloads",
            &format!("{work},resnet18"),
            "--optimizer",
            "random",
            "--budget",
            budget,
            "--out",
            out.to_str().unwrap(),
        ]
        .iter()
        .map(|a| a.to_string())
        .collect()
    };
    let first = args("5");
    ok(&first.iter().map(String::as_str).collect::<Vec<_>>());
    let mut again = args("10");
    again.push("--resume".into());
    let again: Vec<&str> = again.iter().map(String::as_str).collect();
    let text = space_text("demo").replace("max_area_mm2 = 800", "max_area_mm2 = 700");
    assert!(text.contains("max_area_mm2 = 700"));
    std::fs::write(&space, &text).unwrap();
    let (code, _, err) = imcdse(&again);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("holds a run of another configuration")
            && err.contains(&format!(
                "the space file ({}) changed since",
                space.display()
            )),
        "{err}"
    );
    assert!(
        !err.contains("inputs = \"") && !err.contains("vgg16"),
        "{err}"
    );
    std::fs::write(&space, space_text("demo")).unwrap();
    let mine = std::fs::read_to_string(&work).unwrap();
    std::fs::write(&work, mine.replace("out_features = 4", "out_features = 5")).unwrap();
    let (code, _, err) = imcdse(&again);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the layers of workload `vgg16` changed since") && !err.contains("space"),
        "{err}"
    );
    std::fs::write(&work, mine).unwrap();
    ok(&again);
}

/// R2: `refine` of a sweep made with a space file given by a relative path works from another
/// folder: run.toml records the folder the sweep ran in.
#[test]
fn r2_refine_from_another_folder_finds_the_recorded_space() {
    let s = Scratch::new();
    let work = s.path("work");
    std::fs::create_dir_all(work.join("runs")).unwrap();
    std::fs::write(work.join("my-space.toml"), space_text("demo")).unwrap();
    let args = [
        "sweep",
        "--space",
        "my-space.toml",
        "--workloads",
        "resnet18",
        "--optimizer",
        "exhaustive",
        "--out",
        "runs/C",
    ];
    let (code, _, err) = imcdse_in(&work, &args);
    assert_eq!(code, 0, "{err}");
    let serve = serve();
    let args = ["refine", "C", "--evaluator", &serve, "--top", "2"];
    let (code, _, err) = imcdse_in(
        &work.join("runs"),
        &[&args[..], &["--out", "C-ref"]].concat(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(work.join("runs/C-ref/refine.md").exists());
    // Refined from where the sweep ran, the same.
    let (code, _, err) = imcdse_in(
        &work,
        &["refine", "runs/C", "--evaluator", &serve, "--top", "2"],
    );
    assert_eq!(code, 0, "{err}");
}

/// R3: a number run.toml cannot hold (past 2^63 - 1) is refused naming its flag, before a
/// folder is made or an evaluator started; `--budget` has a documented bound of its own.
#[test]
fn r3_numbers_past_what_run_toml_holds_name_their_flag() {
    let s = Scratch::new();
    let max = u64::MAX.to_string();
    let out = s.path("run");
    let o = out.to_str().unwrap();
    let sweep = [
        "sweep",
        "--space",
        "demo",
        "--workloads",
        "resnet18",
        "--out",
        o,
    ];
    for (flag, want) in [
        (
            "--budget",
            format!("--budget {max}: out of range; allowed 1..=1000000000000"),
        ),
        (
            "--seed",
            format!("--seed {max}: out of range; allowed at most 9223372036854775807"),
        ),
    ] {
        let (code, _, err) = imcdse(&[&sweep[..], &["--optimizer", "random", flag, &max]].concat());
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(&want), "{err}");
        assert!(!out.exists(), "{flag}");
    }
    let run = s.path("A");
    exhaustive(&run, "resnet18");
    let refined = s.path("A-top");
    let serve = serve();
    let (code, _, err) = imcdse(&[
        "refine",
        run.to_str().unwrap(),
        "--evaluator",
        &serve,
        "--top",
        &max,
        "--out",
        refined.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("--top {max}: out of range")), "{err}");
    assert!(!refined.exists(), "a half-made folder is left");
}

/// R4: `refine --resume` into a folder that holds the refinement of another run is refused
/// before the evaluator starts: the folder's evaluator.log is left as it was.
#[test]
fn r4_refine_resume_refuses_another_refinement_before_starting() {
    let s = Scratch::new();
    let (a, b) = (s.path("A"), s.path("B"));
    exhaustive(&a, "resnet18");
    exhaustive(&b, "alexnet");
    let out = s.path("A-ref");
    let serve = serve();
    let refine = |run: &std::path::Path, extra: &[&str]| {
        let args = [
            "refine",
            run.to_str().unwrap(),
            "--evaluator",
            &serve,
            "--top",
            "2",
            "--out",
            out.to_str().unwrap(),
        ];
        imcdse(&[&args[..], extra].concat())
    };
    let (code, _, err) = refine(&a, &[]);
    assert_eq!(code, 0, "{err}");
    let log = std::fs::read_to_string(out.join("evaluator.log")).unwrap();
    let (code, _, err) = refine(&b, &["--resume"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("holds another refinement")
            && err.contains("workload `alexnet` is used now, not there"),
        "{err}"
    );
    assert!(!err.contains("evaluator: "), "the evaluator started: {err}");
    assert_eq!(
        std::fs::read_to_string(out.join("evaluator.log")).unwrap(),
        log
    );
    let (code, _, err) = refine(&a, &["--resume"]);
    assert_eq!(code, 0, "{err}");
}

/// The first `rows` designs of the shipped RRAM reference table, written to `path`.
fn reference_rows(path: &std::path::Path, rows: usize) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../search-spaces/");
    let text = std::fs::read_to_string(format!("{root}reference/cimloop-paper/rram-all.csv"));
    let lines: Vec<String> = text
        .unwrap()
        .lines()
        .take(rows + 1)
        .map(String::from)
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// `calibrate --reference REF --space paper-rram` and `extra`: (exit code, stderr).
fn calibrate(reference: &std::path::Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["calibrate", "--reference", reference.to_str().unwrap()];
    args.extend(["--space", "paper-rram"]);
    args.extend(extra);
    let (code, _, err) = imcdse(&args);
    (code, err)
}

/// Issue 32 C3: `calibrate --out` (or `--report`) naming the reference table, however spelled
/// or linked, is refused before the fit; the reference (a simulator's costly output) is kept.
#[test]
fn c3_calibrate_out_naming_the_reference_is_refused() {
    let s = Scratch::new();
    let reference = s.path("victim.csv");
    reference_rows(&reference, 3);
    let before = std::fs::read(&reference).unwrap();
    let link = s.path("link.toml");
    std::os::unix::fs::symlink("victim.csv", &link).unwrap();
    let dotted = s.path("").join(".").join("victim.csv");
    let fresh = s.path("fresh.toml");
    let (r, l, d, f) = (&reference, &link, &dotted, &fresh);
    for extra in [
        [
            "--out",
            r.to_str().unwrap(),
            "--report",
            f.to_str().unwrap(),
        ],
        [
            "--out",
            l.to_str().unwrap(),
            "--report",
            f.to_str().unwrap(),
        ],
        [
            "--out",
            d.to_str().unwrap(),
            "--report",
            f.to_str().unwrap(),
        ],
        [
            "--out",
            f.to_str().unwrap(),
            "--report",
            r.to_str().unwrap(),
        ],
    ] {
        let (code, err) = calibrate(&reference, &extra);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(
            err.contains("this is --reference") && err.contains("which the command reads"),
            "{err}"
        );
        assert_eq!(std::fs::read(&reference).unwrap(), before);
        assert!(!fresh.exists());
    }
}

/// Issue 32 C4: `calibrate --report` naming the `--out` file (or by default, an `--out` that
/// ends in .md) is refused before the fit; nothing is written.
#[test]
fn c4_calibrate_report_naming_the_out_file_is_refused() {
    let s = Scratch::new();
    let reference = s.path("ref.csv");
    reference_rows(&reference, 3);
    let same = s.path("same.toml");
    let spelled = s.path("").join(".").join("same.toml");
    let (a, b) = (same.to_str().unwrap(), spelled.to_str().unwrap());
    let (code, err) = calibrate(&reference, &["--out", a, "--report", b]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("this is also --out") && err.contains("two outputs cannot be one file"),
        "{err}"
    );
    let md = s.path("cal.md");
    let (code, err) = calibrate(&reference, &["--out", md.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the default --report") && err.contains("this is also --out"),
        "{err}"
    );
    assert!(!same.exists() && !md.exists());
}

/// Issue 32, the output principle for `export --plot`: a FIFO or a link to a device is
/// refused and kept; a link to a file is written through; a plot cannot replace a table of
/// the folder it plots.
#[test]
fn plot_outputs_are_regular_files_never_the_tables_plotted() {
    let s = Scratch::new();
    let run = demo_run(&s, "run", "800");
    let plot = |path: &std::path::Path| {
        let (code, _, err) = imcdse(&[
            "export",
            run.to_str().unwrap(),
            "--plot",
            path.to_str().unwrap(),
        ]);
        (code, err)
    };
    let null = s.path("null.svg");
    std::os::unix::fs::symlink("/dev/null", &null).unwrap();
    let (code, err) = plot(&null);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("a character device") && err.contains("regular files only"),
        "{err}"
    );
    let fifo = s.path("pipe.svg");
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|st| st.success()), "mkfifo");
    let (code, err) = plot(&fifo);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a FIFO (named pipe)"), "{err}");
    let table = s.path("table.svg");
    std::fs::hard_link(run.join("evaluations.parquet"), &table).unwrap();
    let (code, err) = plot(&table);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("this is the table"), "{err}");
    std::fs::write(s.path("fig.svg"), "old").unwrap();
    let link = s.path("link.svg");
    std::os::unix::fs::symlink("fig.svg", &link).unwrap();
    let (code, err) = plot(&link);
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::read_to_string(s.path("fig.svg"))
            .unwrap()
            .contains("<svg")
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}
