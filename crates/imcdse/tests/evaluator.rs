//! Issue 14: external evaluators. The protocol against a scripted fake worker that crashes,
//! hangs, garbles, answers another request and makes noise; a kill -9 and `--resume`; the
//! cache; and `imcdse serve` standing in for the model, to the last bit.

mod common;
use common::{Scratch, imcdse};
use imcdse::results::{Cell, read_table};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn fake() -> String {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fake_evaluator.sh"
    );
    format!("sh {script}")
}

/// A one-layer workload and a space of `rows` x `cols` (plus `tiles`, when given).
fn inputs(s: &Scratch, cols: &str, tiles: &str) -> (String, String) {
    let w = s.path("tiny.toml");
    std::fs::write(
        &w,
        "schema_version = 1\nname = \"tiny\"\ndescription = \"one layer\"\nsource = \"test\"\n\
         input = [8]\n\n[[layers]]\nname = \"fc\"\nop = \"linear\"\nin_features = 8\nout_features = 4\n",
    )
    .unwrap();
    let space = s.path("space.toml");
    std::fs::write(
        &space,
        format!(
            "schema_version = 1\nname = \"fake\"\ndescription = \"protocol test\"\n[fixed]\n\
             device = \"rram\"\n[params]\nrows = [64, 128, 256, 512]\ncols = {cols}\n\
             tiles_per_group = {tiles}\n[constraints]\nweights_on_chip = false\nmax_area_mm2 = 800\n"
        ),
    )
    .unwrap();
    (
        space.to_str().unwrap().to_string(),
        w.to_str().unwrap().to_string(),
    )
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Str(s) => s.clone(),
        Cell::Null => String::new(),
        other => format!("{other:?}"),
    }
}

/// A number cell's value (NaN for a null, as a missing number compares unequal).
fn num(c: &Cell) -> f64 {
    c.number().unwrap_or(f64::NAN)
}

/// Every way a worker can fail marks only that design infeasible, with the reason in its
/// row; the run goes on; the worker's stderr lands in evaluator.log; extra fields become
/// columns; no infeasible design has a score.
#[test]
fn every_failure_is_recorded_and_the_run_goes_on() {
    let s = Scratch::new();
    let (space, w) = inputs(&s, "[64, 128, 256]", "[4]");
    let out = s.path("run");
    let started = Instant::now();
    let (code, text_out, err) = imcdse(&[
        "sweep",
        "--space",
        &space,
        "--workloads",
        &w,
        "--optimizer",
        "random",
        "--budget",
        "12",
        "--evaluator",
        &fake(),
        "--evaluator-timeout",
        "0.5",
        "--evaluator-workers",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the hang was not cut short"
    );
    assert!(
        text_out.contains("12 requests, 0 answered from the cache, 7 failed, "),
        "{text_out}"
    );
    let t = read_table(&out.join("evaluations.parquet")).unwrap();
    assert_eq!(t.rows(), 12);
    let col = |n: &str| t.column(n).unwrap();
    let expected = [
        ((128, 64), "the worker exited with status 3"),
        ((128, 128), "no answer within 0.5 s"),
        ((128, 256), "malformed JSON"),
        ((128, 512), "answered id"),
        ((256, 64), "malformed JSON"),
        ((256, 128), "`workloads.tiny.latency_ms` is -2"),
        ((256, 256), "feasible without a `workloads` object"),
        ((256, 512), "evaluator fake: fake: too small"),
    ];
    for i in 0..t.rows() {
        let (rows, cols) = (num(&col("rows")[i]) as u64, num(&col("cols")[i]) as u64);
        let reason = text(&col("infeasible_reason")[i]);
        if cols == 64 {
            assert_eq!(
                col("feasible")[i],
                Cell::Bool(true),
                "{rows}x{cols}: {reason}"
            );
            assert_eq!(num(&col("tiny__energy_mj")[i]), rows as f64);
            assert_eq!(num(&col("extra__cycles")[i]), 2.0 * rows as f64);
            assert_eq!(num(&col("score")[i]), rows as f64 * 4.0 * 10.0);
            continue;
        }
        let want = expected.iter().find(|(d, _)| *d == (cols, rows)).unwrap().1;
        assert_eq!(col("feasible")[i], Cell::Bool(false), "{rows}x{cols}");
        assert!(reason.contains(want), "{rows}x{cols}: {reason}");
        assert!(reason.starts_with("evaluator fake"), "{reason}");
        assert_eq!(col("score")[i], Cell::Null, "{rows}x{cols}");
    }
    let log = std::fs::read_to_string(out.join("evaluator.log")).unwrap();
    assert!(log.contains("noise: request"), "{log}");
    assert!(
        log.contains("killed") && log.contains("started again"),
        "{log}"
    );
    let run = std::fs::read_to_string(out.join("run.toml")).unwrap();
    assert!(run.contains("evaluator = \"fake 1\""), "{run}");
}

/// Waits until the checkpoint has `n` lines.
fn wait_for_lines(path: &Path, n: usize) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        let lines = std::fs::read_to_string(path).map_or(0, |t| t.lines().count());
        if lines >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{} never had {n} lines", path.display());
}

/// The cells of a results table, for equality.
fn cells(dir: &Path) -> Vec<String> {
    let t = read_table(&dir.join("evaluations.parquet")).unwrap();
    let mut v: Vec<String> = t.names.clone();
    for c in &t.columns {
        v.push(format!("{c:?}"));
    }
    v
}

/// kill -9 of imcdse mid-run, then `--resume`, gives the tables of a run never interrupted,
/// and asks the evaluator only for designs the checkpoint did not hold. A second run with
/// `--evaluator-cache` asks it for nothing; another evaluator version cannot resume.
#[test]
fn kill_resume_and_cache() {
    let s = Scratch::new();
    let (space, w) = inputs(&s, "[64]", "[1, 2, 4, 8, 16, 32]");
    let args = |out: &PathBuf| -> Vec<String> {
        [
            "sweep",
            "--space",
            &space,
            "--workloads",
            &w,
            "--optimizer",
            "anneal",
            "--budget",
            "20",
            "--evaluator",
            &fake(),
            "--out",
            out.to_str().unwrap(),
        ]
        .iter()
        .map(|a| a.to_string())
        .collect()
    };
    let whole = s.path("whole");
    let (code, _, err) = imcdse(&args(&whole).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{err}");

    let cut = s.path("cut");
    let mut child = Command::new(env!("CARGO_BIN_EXE_imcdse"))
        .args(args(&cut))
        .env("FAKE_DELAY", "0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_lines(&cut.join("checkpoint.jsonl"), 4);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = std::fs::read_to_string(cut.join("checkpoint.jsonl")).unwrap();
    let kept = before.lines().filter(|l| l.ends_with('}')).count();
    assert!(kept < 20, "the run finished before it was killed");

    let mut resume = args(&cut);
    resume.push("--resume".into());
    let resume: Vec<&str> = resume.iter().map(String::as_str).collect();
    // Another version of the evaluator is another evaluator: no resuming with it.
    let e = Command::new(env!("CARGO_BIN_EXE_imcdse"))
        .args(&resume)
        .env("FAKE_VERSION", "2")
        .output()
        .unwrap();
    assert_eq!(e.status.code(), Some(2));
    let err = String::from_utf8(e.stderr).unwrap();
    assert!(
        err.contains("another configuration") && err.contains("fake 2"),
        "{err}"
    );

    let (code, out, err) = imcdse(&resume);
    assert_eq!(code, 0, "{err}");
    assert_eq!(cells(&cut), cells(&whole));
    let total = read_table(&whole.join("evaluations.parquet"))
        .unwrap()
        .rows();
    assert!(
        out.contains(&format!("{} requests", total - kept)),
        "{kept} kept: {out}"
    );

    let cache = s.path("cache");
    let cache = cache.to_str().unwrap();
    let hits = format!("{total} answered from the cache");
    for (i, want) in [(1, "0 answered from the cache"), (2, hits.as_str())] {
        let dir = s.path(&format!("cached{i}"));
        let mut a = args(&dir);
        a.extend(["--evaluator-cache".to_string(), cache.to_string()]);
        let (code, out, err) = imcdse(&a.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(want), "{out}");
        assert_eq!(cells(&dir), cells(&whole));
    }
}

/// `imcdse serve --calibration C` behind a search of a space is that search of the space
/// calibrated by C in-process: the same designs asked, the same costs to the last bit.
#[test]
fn serve_behind_a_search_is_the_model_itself() {
    let s = Scratch::new();
    let bin = env!("CARGO_BIN_EXE_imcdse");
    let (a, b) = (s.path("served"), s.path("inprocess"));
    let run = |space: &str, out: &Path, extra: &[&str]| {
        let args = [
            &[
                "sweep",
                "--space",
                space,
                "--optimizer",
                "anneal",
                "--budget",
                "200",
                "--out",
                out.to_str().unwrap(),
            ][..],
            extra,
        ]
        .concat();
        let (code, _, err) = imcdse(&args);
        assert_eq!(code, 0, "{err}");
        read_table(&out.join("evaluations.parquet")).unwrap()
    };
    let serve = format!("{bin} serve --calibration cimloop-paper-rram");
    let ta = run(
        "paper-rram",
        &a,
        &["--evaluator", &serve, "--evaluator-workers", "2"],
    );
    let tb = run("paper-rram-cimloop", &b, &[]);
    assert_eq!(ta.rows(), 200);
    let mut feasible = 0;
    for name in &tb.names {
        let (ca, cb) = (ta.column(name).unwrap(), tb.column(name).unwrap());
        if name == "infeasible_reason" {
            continue;
        }
        for (i, (x, y)) in ca.iter().zip(cb).enumerate() {
            // An infeasible design's costs are the model's business only in-process.
            let infeasible = tb.column("feasible").unwrap()[i] == Cell::Bool(false);
            if infeasible && name.contains("__") {
                continue;
            }
            assert_eq!(x, y, "{name}, row {i}");
        }
    }
    for c in tb.column("feasible").unwrap() {
        feasible += (*c == Cell::Bool(true)) as usize;
    }
    assert!(feasible > 5, "{feasible} feasible designs compared");
}

/// An evaluator that cannot start, or gives no handshake, stops the run before it begins,
/// naming the command; a sharded enumeration does not take one.
#[test]
fn an_evaluator_that_cannot_start_is_named() {
    let s = Scratch::new();
    let (space, w) = inputs(&s, "[64]", "[4]");
    for (cmd, want) in [
        ("echo hello", "not a JSON handshake"),
        ("sh -c 'exit 4'", "exited with status 4"),
        ("/no/such/evaluator", "no handshake"),
    ] {
        let out = s.path("bad");
        let (code, _, err) = imcdse(&[
            "sweep",
            "--space",
            &space,
            "--workloads",
            &w,
            "--optimizer",
            "random",
            "--budget",
            "2",
            "--evaluator",
            cmd,
            "--evaluator-timeout",
            "5",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{cmd}");
        assert!(
            err.contains(&format!("--evaluator `{cmd}`")) && err.contains(want),
            "{cmd}: {err}"
        );
        assert!(!out.join("evaluations.parquet").exists());
        let _ = std::fs::remove_dir_all(&out);
    }
    let (code, _, err) = imcdse(&[
        "sweep",
        "--space",
        &space,
        "--workloads",
        &w,
        "--optimizer",
        "exhaustive",
        "--shard",
        "0/2",
        "--evaluator",
        &fake(),
        "--out",
        s.path("ex").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("a sharded enumeration cannot take an external evaluator"),
        "{err}"
    );
    let (code, _, err) = imcdse(&[
        "sweep",
        "--space",
        &space,
        "--workloads",
        &w,
        "--evaluator",
        &fake(),
        "--evaluator-workers",
        "0",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--evaluator-workers 0: allowed 1..=256"),
        "{err}"
    );
}

/// `refine` of an exhaustive sweep with `imcdse serve` (the same model): the two rankings
/// agree exactly; the tables hold the evaluator's costs; a second refinement into the same
/// folder needs `--resume`, which sends nothing already costed; `--front` takes the front.
#[test]
fn refine_with_the_model_itself_agrees_exactly() {
    let s = Scratch::new();
    let bin = env!("CARGO_BIN_EXE_imcdse");
    let run = s.path("demo");
    let (code, _, err) = imcdse(&[
        "sweep",
        "--space",
        "demo",
        "--workloads",
        "resnet18",
        "--optimizer",
        "exhaustive",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let serve = format!("{bin} serve");
    let out = s.path("refined");
    let args = [
        "refine",
        run.to_str().unwrap(),
        "--top",
        "8",
        "--evaluator",
        &serve,
        "--evaluator-workers",
        "2",
        "--out",
        out.to_str().unwrap(),
    ];
    let (code, text, err) = imcdse(&args);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("8 designs, 8 feasible under both"), "{text}");
    assert!(
        text.contains("Spearman rho of the two scores: 1.000"),
        "{text}"
    );
    assert!(
        text.contains("the analytic best under the evaluator: rank 1 of 8"),
        "{text}"
    );
    assert!(
        text.contains("the evaluator's best: analytic rank 1 of 8"),
        "{text}"
    );
    let refined = read_table(&out.join("evaluations.parquet")).unwrap();
    let analytic = read_table(&run.join("evaluations.parquet")).unwrap();
    assert_eq!(refined.rows(), 8);
    let idx = |t: &imcdse::results::Table, i: usize| num(&t.column("eval_index").unwrap()[i]);
    for i in 0..8 {
        let j = (0..analytic.rows())
            .find(|&j| idx(&analytic, j) == idx(&refined, i))
            .unwrap();
        for c in [
            "score",
            "area_mm2",
            "resnet18__energy_mj",
            "resnet18__latency_ms",
        ] {
            assert_eq!(
                refined.column(c).unwrap()[i],
                analytic.column(c).unwrap()[j],
                "{c}"
            );
        }
    }
    let json = std::fs::read_to_string(out.join("refine.json")).unwrap();
    assert!(json.contains("\"spearman\": 1.0"), "{json}");
    assert!(out.join("fidelity.md").exists());

    let (code, _, err) = imcdse(&args);
    assert_eq!(code, 2);
    assert!(err.contains("pass --resume"), "{err}");
    let (code, _, err) = imcdse(&[&args[..], &["--resume"]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("(8 already costed)"), "{err}");

    let front = s.path("front");
    let (code, text, err) = imcdse(&[
        "refine",
        run.to_str().unwrap(),
        "--front",
        "--evaluator",
        &serve,
        "--out",
        front.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let n = read_table(&front.join("evaluations.parquet"))
        .unwrap()
        .rows();
    assert!(
        n >= 1 && text.contains(&format!("{n} designs, {n} feasible under both")),
        "{text}"
    );

    let (code, _, err) = imcdse(&["refine", run.to_str().unwrap(), "--top", "3"]);
    assert_eq!(code, 2);
    assert!(err.contains("refine needs --evaluator"), "{err}");
}

/// The 15-line example evaluator of docs/your-simulator.md runs behind a search as documented
/// (needs python3, as the evaluator scripts do).
#[test]
fn the_readme_example_evaluator_runs() {
    let s = Scratch::new();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/evaluators/example.py"
    );
    let out = s.path("toy");
    let (code, printed, err) = imcdse(&[
        "sweep",
        "--space",
        "demo",
        "--workloads",
        "resnet18",
        "--optimizer",
        "anneal",
        "--budget",
        "40",
        "--evaluator",
        &format!("python3 {script}"),
        "--evaluator-workers",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        printed.contains("costed by external evaluator toy 1: 40 requests"),
        "{printed}"
    );
    assert!(printed.contains("0 failed"), "{printed}");
    let t = read_table(&out.join("evaluations.parquet")).unwrap();
    let feasible = t
        .column("feasible")
        .unwrap()
        .iter()
        .filter(|c| **c == Cell::Bool(true))
        .count();
    assert!(feasible > 0, "{printed}");
    let reasons: Vec<String> = t
        .column("infeasible_reason")
        .unwrap()
        .iter()
        .map(text)
        .collect();
    assert!(
        reasons
            .iter()
            .all(|r| r.is_empty() || r.contains("weights do not fit") || r.contains("area")),
        "{reasons:?}"
    );
}

/// The score of the best row of a results folder.
fn best_score(dir: &Path) -> f64 {
    let t = read_table(&dir.join("evaluations.parquet")).unwrap();
    t.column("score")
        .unwrap()
        .iter()
        .map(num)
        .filter(|x| x.is_finite())
        .fold(f64::INFINITY, f64::min)
}

/// `--fidelity analytic-first` on the demo space, with the CiMLoop-calibrated model served as
/// the expensive evaluator: it starts with its 10 screened designs, then follows the model;
/// stopped at 12 and resumed to 40 it is the run of 40; within 40 expensive evaluations (30
/// until model revision 4, whose uncalibrated ADCs and row drivers are cheaper than CiMLoop's,
/// so its screen agrees less with the calibrated model) it finds the certified optimum of the
/// calibrated space; it needs an evaluator and takes no optimizer.
#[test]
fn analytic_first_screens_then_follows_the_corrected_model() {
    let s = Scratch::new();
    let bin = env!("CARGO_BIN_EXE_imcdse");
    let serve = format!("{bin} serve --calibration cimloop-paper-rram");
    let run = |out: &Path, budget: &str, resume: bool| {
        let mut args = vec![
            "sweep",
            "--space",
            "demo",
            "--workloads",
            "resnet18",
            "--fidelity",
            "analytic-first",
            "--budget",
            budget,
            "--seed",
            "3",
            "--evaluator",
            &serve,
            "--out",
            out.to_str().unwrap(),
        ];
        if resume {
            args.push("--resume");
        }
        let (code, text, err) = imcdse(&args);
        assert_eq!(code, 0, "{err}");
        text
    };
    let whole = s.path("whole");
    let printed = run(&whole, "40", false);
    assert!(
        printed.contains("then spent 40 of 40 expensive evaluations"),
        "{printed}"
    );
    let t = read_table(&whole.join("evaluations.parquet")).unwrap();
    let phases: Vec<String> = t.column("phase").unwrap().iter().map(text).collect();
    assert!(
        phases[..10].iter().all(|p| p == "analytic-first:start"),
        "{phases:?}"
    );
    assert!(
        phases[10..].iter().all(|p| p == "analytic-first:model"),
        "{phases:?}"
    );
    let run_toml = std::fs::read_to_string(whole.join("run.toml")).unwrap();
    assert!(
        run_toml.contains("optimizer = \"analytic-first\""),
        "{run_toml}"
    );

    let cut = s.path("cut");
    run(&cut, "12", false);
    let printed = run(&cut, "40", true);
    assert!(printed.contains("(12 resumed)"), "{printed}");
    assert_eq!(cells(&cut), cells(&whole));

    let certified = s.path("certified");
    let (code, _, err) = imcdse(&[
        "sweep",
        "--space",
        "demo",
        "--workloads",
        "resnet18",
        "--calibration",
        "cimloop-paper-rram",
        "--optimizer",
        "exhaustive",
        "--out",
        certified.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (found, optimum) = (best_score(&whole), best_score(&certified));
    assert!(found <= optimum * 1.01, "found {found}, optimum {optimum}");

    let (code, _, err) = imcdse(&["sweep", "--space", "demo", "--fidelity", "analytic-first"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--fidelity analytic-first spends an expensive evaluator"),
        "{err}"
    );
    let (code, _, err) = imcdse(&[
        "sweep",
        "--space",
        "demo",
        "--fidelity",
        "analytic-first",
        "--optimizer",
        "nsga2",
        "--evaluator",
        &serve,
        "--out",
        s.path("x").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("leave out --optimizer nsga2"), "{err}");
}

/// The CiMLoop template speaks the protocol and translates a design and its layers
/// (`--dry-run`: no CiMLoop here); without CiMLoop each design says what is missing.
#[test]
fn the_cimloop_template_translates_designs() {
    let s = Scratch::new();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/evaluators/cimloop_template.py"
    );
    for (flag, want) in [
        (" --dry-run", "\"row.spatial.meshY\": "),
        ("", "NotImplementedError: cost_layer"),
    ] {
        let out = s.path(&format!("cl{}", flag.len()));
        let (code, _, err) = imcdse(&[
            "sweep",
            "--space",
            "paper-rram",
            "--workloads",
            "resnet18",
            "--optimizer",
            "random",
            "--budget",
            "2",
            "--evaluator",
            &format!("python3 {script}{flag}"),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let t = read_table(&out.join("evaluations.parquet")).unwrap();
        let reason = text(&t.column("infeasible_reason").unwrap()[0]);
        assert!(reason.contains(want), "{reason}");
        if !flag.is_empty() {
            assert!(
                reason.contains("\"BASE_LATENCY\": ") && reason.contains("\"HStride\": 2"),
                "{reason}"
            );
        }
    }
}

/// `compare --evaluator "imcdse serve"` (the model itself) writes the comparison the model
/// writes in-process, byte for byte: every search and the final table go through the evaluator.
#[test]
fn compare_through_the_evaluator_is_the_comparison() {
    let s = Scratch::new();
    let bin = env!("CARGO_BIN_EXE_imcdse");
    let serve = format!("{bin} serve");
    let (a, b) = (s.path("inprocess"), s.path("served"));
    let args = [
        "compare",
        "--space",
        "demo",
        "--workloads",
        "resnet18,alexnet",
        "--optimizer",
        "anneal",
        "--budget",
        "40",
        "--seeds",
        "1",
    ];
    let (code, _, err) = imcdse(&[&args[..], &["--out", a.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = imcdse(
        &[
            &args[..],
            &["--out", b.to_str().unwrap(), "--evaluator", &serve],
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{err}");
    let read = |d: &Path| std::fs::read(d.join("comparison.parquet")).unwrap();
    assert_eq!(read(&a), read(&b));
    assert!(b.join("s0/joint/evaluator.log").exists());
    let run = std::fs::read_to_string(b.join("run.toml")).unwrap();
    assert!(run.contains("inputs"), "{run}");
    let (code, _, err) = imcdse(
        &[
            &args[..],
            &[
                "--out",
                s.path("sh").to_str().unwrap(),
                "--evaluator",
                &serve,
                "--shard",
                "0/2",
            ],
        ]
        .concat(),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("a sharded comparison cannot take an external evaluator"),
        "{err}"
    );
}

/// `refine --distinct` skips designs the model cannot tell apart from a better one: in a space
/// without voltage scaling, the voltage twins of a design.
#[test]
fn refine_distinct_skips_twins() {
    let s = Scratch::new();
    let bin = env!("CARGO_BIN_EXE_imcdse");
    let space = s.path("twins.toml");
    std::fs::write(
        &space,
        "schema_version = 1\nname = \"twins\"\ndescription = \"voltage twins\"\n[fixed]\n\
         device = \"rram\"\nvoltage_scaling = false\n[params]\nvoltage_v = [0.5, 0.6, 0.7]\n\
         rows = [128, 256]\ncols = [64, 128]\n[constraints]\nweights_on_chip = false\n",
    )
    .unwrap();
    let run = s.path("run");
    let (code, _, err) = imcdse(&[
        "sweep",
        "--space",
        space.to_str().unwrap(),
        "--workloads",
        "resnet18",
        "--optimizer",
        "exhaustive",
        "--out",
        run.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let serve = format!("{bin} serve");
    for (flag, distinct) in [("", 1), ("--distinct", 3)] {
        let out = s.path(&format!("refined{}", flag.len()));
        let mut args = vec![
            "refine",
            run.to_str().unwrap(),
            "--top",
            "3",
            "--evaluator",
            &serve,
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend((!flag.is_empty()).then_some(flag));
        let (code, _, err) = imcdse(&args);
        assert_eq!(code, 0, "{err}");
        let t = read_table(&out.join("evaluations.parquet")).unwrap();
        let shapes: std::collections::BTreeSet<(u64, u64)> = (0..t.rows())
            .map(|i| {
                (
                    num(&t.column("rows").unwrap()[i]) as u64,
                    num(&t.column("cols").unwrap()[i]) as u64,
                )
            })
            .collect();
        assert_eq!((t.rows(), shapes.len()), (3, distinct), "{flag}");
    }
}

/// An exhaustive sweep through an evaluator certifies a grading through it: with
/// `imcdse serve` (the model itself) the optimum and every grade are the model's own; grade
/// refuses an evaluator without such a certificate, or with the model's.
#[test]
fn grade_through_the_evaluator_against_its_own_exhaustive_sweep() {
    let s = Scratch::new();
    let bin = env!("CARGO_BIN_EXE_imcdse");
    let serve = format!("{bin} serve");
    let base = ["--space", "demo", "--workloads", "resnet18"];
    let sweep = |out: &Path, extra: &[&str]| {
        let args = [
            &["sweep"][..],
            &base,
            &["--optimizer", "exhaustive", "--out", out.to_str().unwrap()],
            extra,
        ]
        .concat();
        let (code, text, err) = imcdse(&args);
        assert_eq!(code, 0, "{err}");
        text
    };
    let (served, model) = (s.path("ex-served"), s.path("ex-model"));
    let text = sweep(
        &served,
        &["--evaluator", &serve, "--evaluator-workers", "2"],
    );
    assert!(
        text.contains("evaluated all 324 designs through the external evaluator"),
        "{text}"
    );
    sweep(&model, &[]);
    assert_eq!(best_score(&served), best_score(&model));

    let cache = s.path("cache");
    let grade = |out: &Path, extra: &[&str]| {
        let args = [
            &["grade"][..],
            &base,
            &[
                "--optimizers",
                "random,anneal",
                "--budgets",
                "20,60",
                "--seeds",
                "2",
                "--cache",
                cache.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            extra,
        ]
        .concat();
        imcdse(&args)
    };
    let (code, _, err) = grade(
        &s.path("g-served"),
        &[
            "--evaluator",
            &serve,
            "--certified",
            served.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let md = std::fs::read_to_string(s.path("g-served").join("grading.md")).unwrap();
    assert!(md.contains(" --evaluator '"), "{md}");
    let (code, _, err) = grade(&s.path("g-model"), &[]);
    assert_eq!(code, 0, "{err}");
    let (a, b) = (
        read_table(&s.path("g-served").join("grading.parquet")).unwrap(),
        read_table(&s.path("g-model").join("grading.parquet")).unwrap(),
    );
    assert_eq!(a.names, b.names);
    for (i, name) in a.names.iter().enumerate() {
        if name != "run_seconds" {
            assert_eq!(a.columns[i], b.columns[i], "{name}");
        }
    }

    let (code, _, err) = grade(&s.path("g1"), &["--evaluator", &serve]);
    assert_eq!(code, 2);
    assert!(
        err.contains("grade --evaluator needs --certified DIR"),
        "{err}"
    );
    let (code, _, err) = grade(
        &s.path("g2"),
        &[
            "--evaluator",
            &serve,
            "--certified",
            model.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("`evaluator` is missing"), "{err}");
}

// Issue 32: evaluators under hostile answers, one test per item (`e1_...`).

/// A shell script evaluator in `s`: the handshake of `name`, then `body` (`ID` is the id of the
/// request read last, by `read_request`).
fn script(s: &Scratch, file: &str, name: &str, body: &str) -> String {
    let path = s.path(file);
    let text = format!(
        "read_request() {{ IFS= read -r line || exit 0; \
         ID=$(printf '%s' \"$line\" | head -c 40 | sed 's/^{{\"id\":\\([0-9]*\\).*/\\1/'); }}\n\
         printf '%s\\n' '{{\"protocol\": 1, \"name\": \"{name}\", \"version\": \"1\"}}'\n{body}\n"
    );
    std::fs::write(&path, text).unwrap();
    format!("sh {}", path.display())
}

/// A script that answers every request with these costs for the `tiny` workload.
fn answering(s: &Scratch, file: &str, energy: &str, latency: &str, area: &str) -> String {
    let body = format!(
        "while read_request; do printf '%s\\n' \"{{\\\"id\\\": $ID, \\\"feasible\\\": true, \
         \\\"area_mm2\\\": {area}, \\\"workloads\\\": {{\\\"tiny\\\": {{\\\"energy_mj\\\": \
         {energy}, \\\"latency_ms\\\": {latency}}}}}}}\"; done"
    );
    script(s, file, "probe", &body)
}

/// Runs imcdse with `args`, killed after `secs` if still running (a hang fails the test
/// instead of stopping the suite); returns (exit code, stdout, stderr, wall time).
fn imcdse_within(args: &[&str], secs: u64) -> (i32, String, String, Duration) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_imcdse"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out = read(Box::new(child.stdout.take().unwrap()));
    let err = read(Box::new(child.stderr.take().unwrap()));
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code().unwrap_or(-1);
        }
        if started.elapsed() > Duration::from_secs(secs) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("imcdse {args:?} did not end within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    (code, out, err, started.elapsed())
}

/// `sweep` of the tiny space through `evaluator` into `out`, with `extra` options.
fn sweep_args(space: &str, w: &str, evaluator: &str, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "sweep",
        "--space",
        space,
        "--workloads",
        w,
        "--evaluator",
        evaluator,
        "--out",
        out.to_str().unwrap(),
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    a.extend(extra.iter().map(|x| x.to_string()));
    a
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The `infeasible_reason` cells of a results folder.
fn reasons(dir: &Path) -> Vec<String> {
    let t = read_table(&dir.join("evaluations.parquet")).unwrap();
    t.column("infeasible_reason")
        .unwrap()
        .iter()
        .map(text)
        .collect()
}

/// E1: a worker that never reads its input, sent requests larger than a pipe holds (paper4's
/// layers, about 112 kB): the timeout covers writing the request, so each design times out
/// and the run ends, instead of hanging for good.
#[test]
fn e1_worker_that_never_reads_stdin_times_out() {
    let s = Scratch::new();
    let deaf = script(&s, "deaf.sh", "deaf", "exec sleep 60");
    let out = s.path("run");
    let args = sweep_args("demo", "paper4", &deaf, &out, &[]);
    let mut args = strs(&args);
    args.extend(["--optimizer", "random", "--budget", "2"]);
    args.extend(["--evaluator-timeout", "1"]);
    let (code, _, err, took) = imcdse_within(&args, 30);
    assert_eq!(code, 0, "{err}");
    assert!(took < Duration::from_secs(20), "{took:?}");
    for r in reasons(&out) {
        assert!(r.contains("no answer within 1 s"), "{r}");
    }
}

/// E2: an answer line that never ends is refused once it passes 16 MiB (imcdse's memory stays
/// bounded), at once rather than at the timeout; the design is infeasible and the run goes on.
#[test]
fn e2_an_endless_answer_line_is_cut_at_the_limit() {
    let s = Scratch::new();
    let (space, w) = inputs(&s, "[64]", "[4]");
    let body = "read_request; printf '{\"id\": 1, \"pad\": \"'; yes x | tr -d '\\n'";
    let endless = script(&s, "endless.sh", "endless", body);
    let out = s.path("run");
    let args = sweep_args(&space, &w, &endless, &out, &["--optimizer", "random"]);
    let mut args = strs(&args);
    args.extend(["--budget", "2", "--evaluator-timeout", "60"]);
    let (code, _, err, took) = imcdse_within(&args, 40);
    assert_eq!(code, 0, "{err}");
    assert!(took < Duration::from_secs(30), "{took:?}");
    let r = reasons(&out);
    assert_eq!(r.len(), 2);
    for r in r {
        assert!(r.contains("a line longer than 16 MiB"), "{r}");
    }
}

/// E3: answers of 1e308 (finite, positive) are refused where they enter, naming the allowed
/// range, in a search, in `--fidelity analytic-first` and in `refine`: no design is feasible
/// with a score of `inf`, and no report prints `inf`.
#[test]
fn e3_answers_that_overflow_the_score_are_refused() {
    let s = Scratch::new();
    let (space, w) = inputs(&s, "[64]", "[4]");
    let huge = answering(&s, "huge.sh", "1e308", "1e308", "100");
    let check = |dir: &Path, reports: &[&str]| {
        let t = read_table(&dir.join("evaluations.parquet")).unwrap();
        assert!(
            t.column("feasible")
                .unwrap()
                .iter()
                .all(|c| *c == Cell::Bool(false))
        );
        for r in reasons(dir) {
            assert!(
                r.contains("is 1e+308; expected a number from 1e-15 to 1e15"),
                "{r}"
            );
        }
        for f in reports {
            let text = std::fs::read_to_string(dir.join(f)).unwrap();
            let number = |w: &&str| *w == "inf" || *w == "NaN" || w.starts_with("infe-");
            let words: Vec<&str> = text
                .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '.'))
                .collect();
            assert!(!words.iter().any(number), "{f}: {text}");
        }
    };
    let searched = s.path("search");
    let args = sweep_args(&space, &w, &huge, &searched, &["--optimizer", "random"]);
    let (code, _, err) = imcdse(&[strs(&args), vec!["--budget", "4"]].concat());
    assert_eq!(code, 0, "{err}");
    check(&searched, &["summary.md"]);

    let first = s.path("analytic-first");
    let args = sweep_args(&space, &w, &huge, &first, &["--fidelity", "analytic-first"]);
    let (code, _, err) = imcdse(&[strs(&args), vec!["--budget", "3"]].concat());
    assert_eq!(code, 0, "{err}");
    check(&first, &["summary.md"]);

    let model = s.path("model");
    let (code, _, err) = imcdse(&[
        "sweep",
        "--space",
        &space,
        "--workloads",
        &w,
        "--optimizer",
        "exhaustive",
        "--out",
        model.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let refined = s.path("refined");
    let (code, _, err) = imcdse(&[
        "refine",
        model.to_str().unwrap(),
        "--evaluator",
        &huge,
        "--top",
        "3",
        "--out",
        refined.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    check(&refined, &["refine.md"]);
}

/// E4: a run whose evaluator answered 1e308 or 1e-308 resumes from its own checkpoint (it
/// once wrote `null` there, or an EDAP of 0, and then refused to read it back).
#[test]
fn e4_runs_with_huge_or_tiny_answers_resume() {
    let s = Scratch::new();
    let (space, w) = inputs(&s, "[64]", "[1, 2, 4]");
    for (file, value) in [("huge.sh", "1e308"), ("tiny.sh", "1e-308")] {
        let ev = answering(&s, file, value, value, "1");
        let out = s.path(&format!("{file}-run"));
        let args = sweep_args(&space, &w, &ev, &out, &["--optimizer", "random"]);
        let (code, _, err) = imcdse(&[strs(&args), vec!["--budget", "3"]].concat());
        assert_eq!(code, 0, "{err}");
        let checkpoint = std::fs::read_to_string(out.join("checkpoint.jsonl")).unwrap();
        // Infeasible, with no number out of range: once `"objectives":[null]` or an EDAP 0.0.
        assert!(
            !checkpoint.contains("\"feasible\":true")
                && !checkpoint.contains("\"objectives\":[null")
                && !checkpoint.contains(",null]]")
                && !checkpoint.contains(",0.0]]"),
            "{checkpoint}"
        );
        let resumed = [strs(&args), vec!["--budget", "6", "--resume"]].concat();
        let (code, _, err) = imcdse(&resumed);
        assert_eq!(code, 0, "{file}: {err}");
        assert_eq!(reasons(&out).len(), 6);
    }
}

/// E6: a worker that starts a process holding its stdout and exits is seen to exit at once
/// (with its status, not as a timeout), and the process it started is killed with it.
#[test]
fn e6_a_worker_that_exits_is_noticed_and_its_children_killed() {
    let s = Scratch::new();
    let (space, w) = inputs(&s, "[64]", "[4]");
    let pid_file = s.path("child.pid");
    let body = format!(
        "read_request; sleep 60 & echo $! > {}; exit 3",
        pid_file.display()
    );
    let forking = script(&s, "forking.sh", "forking", &body);
    let out = s.path("run");
    let args = sweep_args(&space, &w, &forking, &out, &["--optimizer", "random"]);
    let mut args = strs(&args);
    args.extend(["--budget", "1", "--evaluator-timeout", "30"]);
    let (code, _, err, took) = imcdse_within(&args, 25);
    assert_eq!(code, 0, "{err}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    let r = reasons(&out);
    assert!(r[0].contains("the worker exited with status 3"), "{r:?}");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let stat = format!("/proc/{}/stat", pid.trim());
    let alive = std::fs::read_to_string(&stat)
        .map(|s| !s.split(") ").nth(1).unwrap_or("").starts_with('Z'))
        .unwrap_or(false);
    assert!(!alive, "the worker's child {pid} still runs");
}

/// E9: a worker that fails every request stops the run after 10 failures in a row, with an
/// error naming the evaluator, the last failure and the log, instead of being started again
/// for every design; the run can be resumed once the evaluator is fixed.
#[test]
fn e9_an_evaluator_that_always_fails_stops_the_run() {
    let s = Scratch::new();
    let (space, w) = inputs(&s, "[64]", "[1, 2, 4, 8, 16, 32, 64, 128]");
    let crashing = script(&s, "crash.sh", "crash", "read_request; exit 1");
    let out = s.path("run");
    let args = sweep_args(&space, &w, &crashing, &out, &["--optimizer", "random"]);
    let (code, _, err) = imcdse(&[strs(&args), vec!["--budget", "30"]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "10 requests in a row got no usable answer (the last: the worker exited with status 1"
        ) && err.contains("evaluator.log")
            && err.contains("--resume"),
        "{err}"
    );
    let checkpoint = std::fs::read_to_string(out.join("checkpoint.jsonl")).unwrap_or_default();
    assert!(checkpoint.lines().count() < 30, "{checkpoint}");
    assert!(!checkpoint.contains("not asked"), "{checkpoint}");
    let run = std::fs::read_to_string(out.join("run.toml")).unwrap();
    assert!(run.contains("status = \"running\""), "{run}");
}

/// E10, E11: an answer that is not UTF-8 is called that; control characters from an evaluator
/// (its name, its reasons) reach the terminal, summary.md and the reason column escaped.
#[test]
fn e10_e11_bytes_and_control_characters_from_workers() {
    let s = Scratch::new();
    let (space, w) = inputs(&s, "[64]", "[1, 2]");
    let binary = script(
        &s,
        "binary.sh",
        "binary",
        "while read_request; do printf '\\377\\376\\000garbage\\n'; done",
    );
    let out = s.path("binary");
    let args = sweep_args(&space, &w, &binary, &out, &["--optimizer", "random"]);
    let (code, _, err) = imcdse(&[strs(&args), vec!["--budget", "2"]].concat());
    assert_eq!(code, 0, "{err}");
    for r in reasons(&out) {
        assert!(
            r.contains("a line that is not UTF-8 text (byte 0 is 0xff"),
            "{r}"
        );
    }

    let body = "while read_request; do printf '%s\\n' \"{\\\"id\\\": $ID, \\\"feasible\\\": false, \
                \\\"reason\\\": \\\"nope\\\\nline2 \\\\u0000 \\\\u001b[31mred\\\"}\"; done";
    let noisy = script(&s, "noisy.sh", "a\\nb\\u001b[2J", body);
    let out = s.path("noisy");
    let args = sweep_args(&space, &w, &noisy, &out, &["--optimizer", "random"]);
    let (code, text, err) = imcdse(&[strs(&args), vec!["--budget", "2"]].concat());
    assert_eq!(code, 0, "{err}");
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    for (what, t) in [
        ("stderr", &err),
        ("stdout", &text),
        ("summary.md", &summary),
    ] {
        assert!(
            !t.chars().any(|c| c.is_control() && c != '\n'),
            "{what}: {t:?}"
        );
    }
    assert!(err.contains("evaluator: a\\nb\\u{1b}[2J 1"), "{err}");
    assert!(
        summary.contains("nope\\nline2 \\u{0} \\u{1b}[31mred"),
        "{summary}"
    );
    for r in reasons(&out) {
        assert!(!r.chars().any(char::is_control), "{r:?}");
    }
}

/// E12: a huge number in a message prints in a bounded form.
#[test]
fn e12_a_huge_timeout_prints_in_a_bounded_form() {
    let (code, _, err) = imcdse(&[
        "sweep",
        "--space",
        "demo",
        "--evaluator",
        "true",
        "--evaluator-timeout",
        "1e300",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--evaluator-timeout 1e300: allowed 0.001 to 1000000 seconds"),
        "{err}"
    );
}

/// SIGTERM (as `kill`, `timeout` or a batch system's cancel sends it) ends imcdse's workers,
/// which sit in process groups of their own, and imcdse itself with status 130; the workers
/// would otherwise outlive it, hung on a request nobody reads.
#[cfg(unix)]
#[test]
fn sigterm_ends_the_evaluator_workers_too() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let s = Scratch::new();
    let (space, w) = inputs(&s, "[64]", "[1, 2]");
    let pids = s.path("pids");
    let script = s.path("hang.sh");
    std::fs::write(
        &script,
        "echo $$ >> \"$PIDS\"\necho '{\"protocol\": 1, \"name\": \"hang\", \"version\": \"1\"}'\n\
         sleep 1000\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_imcdse"))
        .args(["sweep", "--space", &space, "--workloads", &w])
        .args([
            "--optimizer",
            "random",
            "--budget",
            "4",
            "--evaluator-workers",
            "2",
        ])
        .args(["--evaluator", &format!("sh {}", script.display())])
        .args(["--out", s.path("run").to_str().unwrap()])
        .env("PIDS", &pids)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_lines(&pids, 2);
    std::thread::sleep(Duration::from_millis(200));
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let gone = |pid: &str| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Gone, or a zombie waiting for whoever inherited it to reap it.
        stat.is_empty()
            || stat
                .rsplit(')')
                .next()
                .is_some_and(|t| t.trim_start().starts_with('Z'))
    };
    let start = Instant::now();
    let text = std::fs::read_to_string(&pids).unwrap();
    while !text.lines().all(gone) && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(text.lines().all(gone), "a worker outlived imcdse: {text}");
}
