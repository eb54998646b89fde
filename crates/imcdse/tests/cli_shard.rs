//! `--shard i/N` and `imcdse merge` end to end on the demo space: merged folders equal the
//! unsharded run's tables (exhaustive sweep, compare, grade), complete shards are skipped,
//! interrupted ones resume, and every malformed merge is refused with the reason.

mod common;
use common::Scratch;
use common::imcdse;
use polars_core::prelude::*;
use polars_io::prelude::*;
use std::path::Path;

fn ok(args: &[&str]) -> (String, String) {
    let (code, stdout, stderr) = imcdse(args);
    assert_eq!(code, 0, "imcdse {args:?}\n{stderr}");
    (stdout, stderr)
}

fn err(args: &[&str]) -> String {
    let (code, _, stderr) = imcdse(args);
    assert_eq!(code, 2, "imcdse {args:?} should fail\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn frame(path: &Path, drop: &[&str]) -> DataFrame {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let df = ParquetReader::new(file).finish().unwrap();
    df.drop_many(drop.iter().copied())
}

fn same(a: &Path, b: &Path, drop: &[&str]) {
    let (x, y) = (frame(a, drop), frame(b, drop));
    assert!(x.height() > 0, "{}: empty", a.display());
    assert!(
        x.equals_missing(&y),
        "{} differs from {}:\n{x}\n{y}",
        a.display(),
        b.display()
    );
}

const SWEEP: [&str; 7] = [
    "sweep",
    "--space",
    "demo",
    "--workloads",
    "resnet18,alexnet",
    "--optimizer",
    "exhaustive",
];

fn sweep(extra: &[&str]) -> Vec<String> {
    SWEEP.iter().chain(extra).map(|s| s.to_string()).collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn exhaustive_shards_merge_to_the_unsharded_run() {
    let scratch = Scratch::new();
    let d = scratch.path("exhaustive");
    let path = |n: &str| d.join(n).to_str().unwrap().to_string();
    for objective in ["max-ela", "pareto"] {
        let full = path(&format!("full-{objective}"));
        ok(&refs(&sweep(&[
            "--objective",
            objective,
            "--top",
            "7",
            "--out",
            &full,
        ])));
        let mut dirs = Vec::new();
        // Given out of order: merge sorts by shard.
        for i in [2, 0, 3, 1] {
            let out = path(&format!("{objective}-{i}"));
            let shard = format!("{i}/4");
            ok(&refs(&sweep(&[
                "--objective",
                objective,
                "--top",
                "7",
                "--shard",
                &shard,
                "--out",
                &out,
            ])));
            let toml =
                std::fs::read_to_string(d.join(format!("{objective}-{i}/run.toml"))).unwrap();
            assert!(toml.contains(&format!("shard = \"{shard}\"")), "{toml}");
            dirs.push(out);
        }
        let merged = path(&format!("merged-{objective}"));
        let mut args = vec!["merge".to_string()];
        args.extend(dirs.iter().cloned());
        args.extend(["--out".to_string(), merged.clone()]);
        let (stdout, _) = ok(&refs(&args));
        assert!(stdout.contains("4 shards"), "{stdout}");
        for table in ["evaluations.parquet", "pareto.parquet"] {
            same(
                &Path::new(&full).join(table),
                &Path::new(&merged).join(table),
                &[],
            );
        }
        // The feasible count is the shards' sum and equals the single run's.
        let count = |dir: &str| {
            let t: toml::Table =
                toml::from_str(&std::fs::read_to_string(Path::new(dir).join("run.toml")).unwrap())
                    .unwrap();
            (t["designs"].as_integer(), t["feasible"].as_integer())
        };
        assert_eq!(count(&full), count(&merged));
        assert_eq!(count(&full).0, Some(324));
    }
}

#[test]
fn a_complete_shard_skips_and_an_interrupted_one_resumes() {
    let scratch = Scratch::new();
    let d = scratch.path("resume");
    let out = d.join("s1").to_str().unwrap().to_string();
    let args = sweep(&["--shard", "1/3", "--out", &out]);
    ok(&refs(&args));
    let before = frame(&Path::new(&out).join("evaluations.parquet"), &[]);
    let (_, stderr) = ok(&refs(&args));
    assert!(stderr.contains("already holds this run"), "{stderr}");
    // As if killed after its blocks were saved but before the tables were written.
    interrupt(Path::new(&out));
    std::fs::remove_file(Path::new(&out).join("evaluations.parquet")).unwrap();
    let (stdout, _) = ok(&refs(&args));
    assert!(stdout.contains("resumed: 1 of 1 blocks"), "{stdout}");
    assert!(before.equals_missing(&frame(&Path::new(&out).join("evaluations.parquet"), &[])));
    // Another configuration in the same folder is refused, naming both.
    let e = err(&refs(&sweep(&[
        "--shard",
        "1/3",
        "--objective",
        "mean-ela",
        "--out",
        &out,
    ])));
    assert!(
        e.contains("another configuration") && e.contains("mean-ela"),
        "{e}"
    );
    let e = err(&refs(&sweep(&[
        "--shard", "1/3", "--top", "3", "--out", &out,
    ])));
    assert!(e.contains("other settings") || e.contains("--top"), "{e}");
}

#[test]
fn merge_refuses_what_is_not_one_whole_sharded_run() {
    let scratch = Scratch::new();
    let d = scratch.path("refuse");
    let path = |n: &str| d.join(n).to_str().unwrap().to_string();
    for i in 0..3 {
        ok(&refs(&sweep(&[
            "--shard",
            &format!("{i}/3"),
            "--out",
            &path(&format!("a{i}")),
        ])));
    }
    ok(&refs(&sweep(&[
        "--shard",
        "2/3",
        "--objective",
        "mean-ela",
        "--out",
        &path("b2"),
    ])));
    ok(&refs(&sweep(&["--out", &path("whole")])));
    let out = path("merged");
    // `imcdse merge` of the named folders of `d` into `out`, refused.
    let refused = |dirs: &[&str], out: &str| {
        let mut a = vec!["merge".to_string()];
        a.extend(dirs.iter().map(|n| path(n)));
        a.extend(["--out".to_string(), out.to_string()]);
        err(&refs(&a))
    };
    let e = refused(&["a0", "a2"], &out);
    assert!(e.contains("missing shard(s) 1/3"), "{e}");
    let e = refused(&["a0", "a1", "a1", "a2"], &out);
    assert!(e.contains("shard 1/3 given 2 times"), "{e}");
    let e = refused(&["a0", "a1", "b2"], &out);
    assert!(
        e.contains("not shards of one run") && e.contains("args"),
        "{e}"
    );
    let e = refused(&["a0", "whole"], &out);
    assert!(e.contains("not a shard"), "{e}");
    let e = refused(&["a0", "nowhere"], &out);
    assert!(e.contains("nowhere") && e.contains("no run.toml"), "{e}");
    let e = refused(&["a0", "a1", "a2"], &path("a1"));
    assert!(e.contains("is one of the shards"), "{e}");
    #[cfg(unix)]
    {
        // A link to a shard is that shard; a FIFO where a shard's table belongs is refused
        // unopened (opening it would wait for good).
        std::os::unix::fs::symlink(d.join("a1"), d.join("link")).unwrap();
        let e = refused(&["a0", "a1", "a2"], &path("link"));
        assert!(e.contains("is one of the shards"), "{e}");
        let fifo = d.join("f2");
        std::fs::create_dir_all(&fifo).unwrap();
        std::fs::copy(d.join("a2/run.toml"), fifo.join("run.toml")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(fifo.join("evaluations.parquet"))
            .status();
        assert!(made.is_ok_and(|st| st.success()), "mkfifo");
        let e = refused(&["a0", "a1", "f2"], &out);
        assert!(e.contains("a FIFO (named pipe), not a regular file"), "{e}");
    }
    // More shards than designs, or than any cluster runs, are refused before any work.
    let e = err(&refs(&sweep(&["--shard", "0/325", "--out", &path("many")])));
    assert!(e.contains("would leave some empty; use at most 324"), "{e}");
    let (code, _, e) = imcdse(&refs(&sweep(&[
        "--shard",
        "0/10001",
        "--out",
        &path("many"),
    ])));
    assert_eq!(code, 2);
    assert!(e.contains("at most 10000 shards"), "{e}");
    // A run.toml edited to count more feasible designs than its slice holds is refused.
    let forged = d.join("g2");
    std::fs::create_dir_all(&forged).unwrap();
    for f in [
        "run.toml",
        "evaluations.parquet",
        "pareto.parquet",
        "summary.md",
    ] {
        std::fs::copy(d.join("a2").join(f), forged.join(f)).unwrap();
    }
    let text = std::fs::read_to_string(forged.join("run.toml")).unwrap();
    let edited: String = text
        .lines()
        .map(|l| {
            if l.starts_with("feasible = ") {
                "feasible = 1000000"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(forged.join("run.toml"), edited + "\n").unwrap();
    let e = refused(&["a0", "a1", "g2"], &out);
    assert!(e.contains("edited or damaged"), "{e}");
    // A folder that holds another run is not merged into.
    let e = refused(&["a0", "a1", "a2"], &path("b2"));
    assert!(e.contains("already holds another run"), "{e}");
    interrupt(&d.join("a1"));
    let e = refused(&["a0", "a1", "a2"], &out);
    assert!(e.contains("shard 1/3 is not complete"), "{e}");
    // Shards of one command line whose space file changed in between.
    let file = d.join("space.toml");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../search-spaces/demo.toml");
    let text = std::fs::read_to_string(demo).unwrap();
    std::fs::write(&file, &text).unwrap();
    let space = file.to_str().unwrap();
    let args = |i: u32| {
        let mut a = sweep(&[
            "--shard",
            &format!("{i}/2"),
            "--out",
            &path(&format!("f{i}")),
        ]);
        a[2] = space.to_string();
        a
    };
    ok(&refs(&args(0)));
    let edited = text.replacen("description = \"", "description = \"edited: ", 1);
    assert_ne!(edited, text);
    std::fs::write(&file, edited).unwrap();
    ok(&refs(&args(1)));
    let e = refused(&["f0", "f1"], &out);
    assert!(
        e.contains("not shards of one run") && e.contains("`inputs` differ"),
        "{e}"
    );
    // Nor does a shard resume over results of other inputs.
    interrupt(&d.join("f1"));
    std::fs::write(&file, &text).unwrap();
    let e = err(&refs(&args(1)));
    assert!(
        e.contains("another configuration") && e.contains("inputs"),
        "{e}"
    );
    // Bad --shard values and a shard of a sequential search.
    for bad in ["3/3", "1", "a/b"] {
        let e = err(&refs(&sweep(&["--shard", bad])));
        assert!(e.contains("0 <= i < N"), "{e}");
    }
    let e = err(&[
        "sweep",
        "--space",
        "demo",
        "--shard",
        "0/2",
        "--out",
        &path("ga4"),
    ]);
    assert!(
        e.contains("--shard splits the exhaustive enumeration"),
        "{e}"
    );
}

/// Runs shards 0..n of a command into `<prefix><i>`.
fn run_shards(command: &dyn Fn(&[&str]) -> (String, String), n: u64, prefix: &str) {
    for i in 0..n {
        command(&[
            "--shard",
            &format!("{i}/{n}"),
            "--out",
            &format!("{prefix}{i}"),
        ]);
    }
}

/// `imcdse merge` of `dirs` into `out`.
fn merge(dirs: &[String], out: &str) -> (String, String) {
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(String::as_str));
    args.extend(["--out", out]);
    ok(&args)
}

/// Marks a finished run as interrupted.
fn interrupt(dir: &Path) {
    let run_toml = dir.join("run.toml");
    let text = std::fs::read_to_string(&run_toml).unwrap();
    let running = text.replace("status = \"complete\"", "status = \"running\"");
    std::fs::write(&run_toml, running).unwrap();
}

/// `imcdse grade` on the demo space (2 optimizers x 3 seeds x 2 budgets) with `extra`.
fn grade(cache: &str, extra: &[&str]) -> (String, String) {
    let mut a = vec![
        "grade",
        "--space",
        "demo",
        "--workloads",
        "resnet18,alexnet",
        "--optimizers",
        "random,anneal",
        "--budgets",
        "50,10",
        "--seeds",
        "3",
        "--cache",
        cache,
    ];
    a.extend(extra);
    ok(&a)
}

#[test]
fn compare_shards_merge_to_the_unsharded_comparison() {
    let scratch = Scratch::new();
    let d = scratch.path("compare");
    let path = |n: &str| d.join(n).to_str().unwrap().to_string();
    let compare = |extra: &[&str]| {
        let mut a = vec![
            "compare",
            "--space",
            "demo",
            "--workloads",
            "resnet18,alexnet",
            "--optimizer",
            "random",
            "--budget",
            "40",
            "--seeds",
            "2",
        ];
        a.extend(extra);
        ok(&a)
    };
    compare(&["--out", &path("c-full")]);
    run_shards(&compare, 4, &path("c"));
    for i in 0..4 {
        assert!(!d.join(format!("c{i}/comparison.parquet")).exists());
    }
    let shards: Vec<String> = [3, 1, 0, 2]
        .iter()
        .map(|i| path(&format!("c{i}")))
        .collect();
    merge(&shards, &path("c-merged"));
    same(
        &d.join("c-full/comparison.parquet"),
        &d.join("c-merged/comparison.parquet"),
        &[],
    );
    let md = |p: &str| std::fs::read_to_string(d.join(p)).unwrap();
    assert_eq!(md("c-full/comparison.md"), md("c-merged/comparison.md"));
    // A merge runs no search: a shard whose search folder is gone is refused, nothing written.
    let gone = std::fs::read_dir(d.join("c1"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.is_dir())
        .unwrap();
    std::fs::remove_dir_all(&gone).unwrap();
    let mut args = vec!["merge".to_string()];
    args.extend(shards.iter().cloned());
    args.extend(["--out".to_string(), path("c-missing")]);
    let e = err(&refs(&args));
    assert!(e.contains("no shard holds it complete"), "{e}");
    assert!(!d.join("c-missing/comparison.parquet").exists());
}

#[test]
fn grade_shards_merge_skip_and_resume() {
    let scratch = Scratch::new();
    let d = scratch.path("grade");
    let path = |n: &str| d.join(n).to_str().unwrap().to_string();
    let cache = path("cache");
    let grade = |extra: &[&str]| grade(&cache, extra);
    grade(&["--out", &path("g-full")]);
    run_shards(&grade, 2, &path("g"));
    let shards = [path("g0"), path("g1")];
    merge(&shards, &path("g-merged"));
    same(
        &d.join("g-full/grading.parquet"),
        &d.join("g-merged/grading.parquet"),
        &["run_seconds"],
    );
    assert_eq!(
        frame(&d.join("g-merged/grading.parquet"), &[]).height(),
        2 * 3 * 2
    );
    // A grading shard run again skips; interrupted, it runs only what is missing.
    let (_, stderr) = grade(&["--shard", "1/2", "--out", &shards[1]]);
    assert!(stderr.contains("already holds this grading"), "{stderr}");
    let g1 = d.join("g1");
    interrupt(&g1);
    let runs = std::fs::read_to_string(g1.join("runs.jsonl")).unwrap();
    assert_eq!(runs.lines().count(), 3, "{runs}");
    let kept: Vec<&str> = runs.lines().take(2).collect();
    std::fs::write(
        g1.join("runs.jsonl"),
        format!("{}\n{{\"torn", kept.join("\n")),
    )
    .unwrap();
    std::fs::remove_file(g1.join("grading.parquet")).unwrap();
    let (_, stderr) = grade(&["--shard", "1/2", "--out", &shards[1]]);
    assert!(stderr.contains("resumed: 2 of 3 runs"), "{stderr}");
    merge(&shards, &path("g-merged2"));
    same(
        &d.join("g-full/grading.parquet"),
        &d.join("g-merged2/grading.parquet"),
        &["run_seconds"],
    );
}

#[test]
fn grade_certified_by_a_merged_exhaustive_sweep() {
    let scratch = Scratch::new();
    let d = scratch.path("certified");
    let path = |n: &str| d.join(n).to_str().unwrap().to_string();
    // Two shards of an exhaustive sweep and their merge; returns (merged, first shard).
    let sweep_dir = |name: &str, objective: &str| {
        let dirs: Vec<String> = (0..2).map(|i| path(&format!("{name}{i}"))).collect();
        for (i, dir) in dirs.iter().enumerate() {
            let shard = format!("{i}/2");
            ok(&refs(&sweep(&[
                "--objective",
                objective,
                "--shard",
                &shard,
                "--out",
                dir,
            ])));
        }
        merge(&dirs, &path(name));
        (path(name), dirs[0].clone())
    };
    grade(&path("cache"), &["--out", &path("g-full")]);
    let (certified, shard0) = sweep_dir("x", "max-ela");
    let (_, stderr) = grade(
        &path("cache2"),
        &["--out", &path("g-cert"), "--certified", &certified],
    );
    assert!(
        stderr.contains(&format!("read from {certified}")),
        "{stderr}"
    );
    same(
        &d.join("g-full/grading.parquet"),
        &d.join("g-cert/grading.parquet"),
        &["run_seconds"],
    );
    // The command grading.md says writes it again names the certificate it was graded on.
    let md = std::fs::read_to_string(d.join("g-cert/grading.md")).unwrap();
    assert!(
        md.contains(&format!("--certified {certified}`")),
        "{}",
        md.lines().last().unwrap_or("")
    );
    let bad = |dir: &str| {
        err(&[
            "grade",
            "--space",
            "demo",
            "--workloads",
            "resnet18,alexnet",
            "--certified",
            dir,
            "--out",
            &path("g-bad"),
        ])
    };
    let e = bad(&shard0);
    assert!(e.contains("merge the shards first"), "{e}");
    let (pareto, _) = sweep_dir("y", "pareto");
    let e = bad(&pareto);
    assert!(
        e.contains("`objective` is \"pareto\", this grading needs max-ela"),
        "{e}"
    );
    // An optimum certified without a minimum SNR is not one under it.
    let e = err(&[
        "grade",
        "--space",
        "demo",
        "--workloads",
        "resnet18,alexnet",
        "--min-snr",
        "5",
        "--certified",
        &certified,
        "--out",
        &path("g-snr"),
    ]);
    assert!(e.contains("its min_snr differs from this grading's"), "{e}");
}
