//! `imcdse sweep` end to end on the small demo space: files and columns, determinism across
//! runs and thread counts, resume, exhaustive exactness, errors.

mod common;
use common::Scratch;
use common::imcdse_threads;
use std::path::Path;

fn sweep(out: &Path, extra: &[&str], threads: &str) -> String {
    let mut args = vec![
        "sweep",
        "--space",
        "demo",
        "--workloads",
        "paper4",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = imcdse_threads(&args, threads);
    assert_eq!(code, 0, "{stderr}");
    stdout
}

/// The Parquet file read back with polars, as tab-separated text: header, then one line per row.
fn table(path: &Path) -> String {
    use polars_io::prelude::*;
    let df = ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap();
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let mut out = names.join("\t");
    for i in 0..df.height() {
        out.push('\n');
        let cells: Vec<String> = df
            .columns()
            .iter()
            .map(|c| format!("{}", c.get(i).unwrap()))
            .collect();
        out.push_str(&cells.join("\t"));
    }
    out
}

#[test]
fn nsga2_writes_the_documented_files_and_columns() {
    let scratch = Scratch::new();
    let out = scratch.path("files");
    sweep(
        &out,
        &[
            "--optimizer",
            "nsga2",
            "--budget",
            "120",
            "--seed",
            "1",
            "--population",
            "20",
        ],
        "2",
    );
    for f in [
        "run.toml",
        "evaluations.parquet",
        "pareto.parquet",
        "summary.md",
        "checkpoint.jsonl",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let t = table(&out.join("evaluations.parquet"));
    let header = t.lines().next().unwrap();
    let mut expect = vec![
        "rows",
        "cols",
        "bits_per_cell",
        "crossbars_per_tile",
        "router_groups",
        "tiles_per_group",
        "feasible",
        "infeasible_reason",
        "score",
        "area_mm2",
    ];
    let per: Vec<String> = ["vgg16", "resnet18", "alexnet", "mobilenetv3-large"]
        .iter()
        .flat_map(|w| {
            [
                format!("{w}__energy_mj"),
                format!("{w}__latency_ms"),
                format!("{w}__edap"),
            ]
        })
        .collect();
    expect.extend(per.iter().map(String::as_str));
    let snr: Vec<String> = ["vgg16", "resnet18", "alexnet", "mobilenetv3-large"]
        .iter()
        .map(|w| format!("{w}__snr_db"))
        .collect();
    expect.extend(snr.iter().map(String::as_str));
    expect.extend(["eval_index", "phase"]);
    assert_eq!(header, expect.join("\t"));
    assert_eq!(t.lines().count(), 1 + 120, "one row per unique evaluation");
    let run = std::fs::read_to_string(out.join("run.toml")).unwrap();
    assert!(
        run.contains("status = \"complete\"")
            && run.contains("optimizer = \"nsga2\"")
            && run.contains("evaluations = 120"),
        "{run}"
    );
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        summary.contains("## Best design") && summary.contains("| resnet18 |"),
        "{summary}"
    );
}

#[test]
fn same_seed_same_results_with_one_or_two_threads() {
    let scratch = Scratch::new();
    let (a, b, c) = (
        scratch.path("det-a"),
        scratch.path("det-b"),
        scratch.path("det-c"),
    );
    sweep(&a, &["--optimizer", "ga4", "--seed", "3"], "1");
    sweep(&b, &["--optimizer", "ga4", "--seed", "3"], "2");
    sweep(&c, &["--optimizer", "ga4", "--seed", "3"], "2");
    let ta = table(&a.join("evaluations.parquet"));
    assert_eq!(ta, table(&b.join("evaluations.parquet")));
    assert_eq!(ta, table(&c.join("evaluations.parquet")));
    assert!(ta.contains("phase4"), "the full ga4 schedule ran");
}

#[test]
fn resume_continues_without_re_evaluation() {
    let scratch = Scratch::new();
    let (part, full) = (scratch.path("resume-part"), scratch.path("resume-full"));
    sweep(
        &part,
        &["--optimizer", "random", "--budget", "50", "--seed", "5"],
        "2",
    );
    // Simulate a kill: results files gone, the checkpoint stays.
    std::fs::remove_file(part.join("evaluations.parquet")).unwrap();
    let (code, _, err) = imcdse_threads(
        &[
            "sweep",
            "--space",
            "demo",
            "--optimizer",
            "random",
            "--budget",
            "120",
            "--seed",
            "5",
            "--out",
            part.to_str().unwrap(),
        ],
        "2",
    );
    assert_eq!(code, 2, "an existing run needs --resume");
    assert!(
        err.contains("already holds a run") && err.contains("--resume"),
        "{err}"
    );
    sweep(
        &part,
        &[
            "--optimizer",
            "random",
            "--budget",
            "120",
            "--seed",
            "5",
            "--resume",
        ],
        "2",
    );
    sweep(
        &full,
        &["--optimizer", "random", "--budget", "120", "--seed", "5"],
        "1",
    );
    assert_eq!(
        table(&part.join("evaluations.parquet")),
        table(&full.join("evaluations.parquet"))
    );
    let lines = std::fs::read_to_string(part.join("checkpoint.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(lines, 120, "each design checkpointed once");
    let (code, _, err) = imcdse_threads(
        &[
            "sweep",
            "--space",
            "demo",
            "--optimizer",
            "random",
            "--seed",
            "6",
            "--resume",
            "--out",
            part.to_str().unwrap(),
        ],
        "1",
    );
    assert_eq!(code, 2);
    assert!(err.contains("another configuration"), "{err}");
}

/// A complete run whose tables were deleted is rebuilt by --resume (not refused), and a
/// smaller --budget takes the checkpoint's prefix and says so.
#[test]
fn resume_rebuilds_deleted_or_damaged_tables_and_names_a_smaller_budget() {
    let scratch = Scratch::new();
    let run = scratch.path("run");
    let args = |budget: &'static str| ["--optimizer", "random", "--budget", budget, "--seed", "5"];
    sweep(&run, &args("40"), "2");
    let before = table(&run.join("evaluations.parquet"));
    for gone in ["summary.md", "evaluations.parquet"] {
        std::fs::remove_file(run.join(gone)).unwrap();
        let mut resume = args("40").to_vec();
        resume.push("--resume");
        sweep(&run, &resume, "1");
        assert_eq!(table(&run.join("evaluations.parquet")), before, "{gone}");
        assert!(run.join("summary.md").is_file(), "{gone}");
    }
    // A table cut short (a full disk, a copy interrupted) is written again too.
    let path = run.join("evaluations.parquet");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let mut resume = args("40").to_vec();
    resume.push("--resume");
    sweep(&run, &resume, "1");
    assert_eq!(table(&path), before, "a damaged table");
    // A folder in a table's place is refused before anything is costed.
    std::fs::remove_file(run.join("pareto.parquet")).unwrap();
    std::fs::create_dir(run.join("pareto.parquet")).unwrap();
    let mut cmd = vec!["sweep", "--space", "demo", "--workloads", "paper4", "--out"];
    cmd.push(run.to_str().unwrap());
    cmd.extend_from_slice(&resume);
    let (code, _, err) = imcdse_threads(&cmd, "1");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("pareto.parquet: a folder, not a regular file"),
        "{err}"
    );
    std::fs::remove_dir(run.join("pareto.parquet")).unwrap();
    // A folder with a run's files but no run.toml is not written into.
    let other = scratch.path("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("summary.md"), "my notes").unwrap();
    let (code, _, err) = imcdse_threads(
        &[
            "sweep",
            "--space",
            "demo",
            "--budget",
            "5",
            "--out",
            other.to_str().unwrap(),
        ],
        "1",
    );
    assert_eq!(code, 2);
    assert!(err.contains("holds summary.md but no run.toml"), "{err}");
    assert_eq!(
        std::fs::read_to_string(other.join("summary.md")).unwrap(),
        "my notes"
    );
    let mut smaller = args("15").to_vec();
    smaller.push("--resume");
    sweep(&run, &smaller, "1");
    let summary = std::fs::read_to_string(run.join("summary.md")).unwrap();
    assert!(
        summary.contains("the checkpoint holds 40 evaluations; this run is its first 15"),
        "{summary}"
    );
}

#[test]
fn exhaustive_keeps_the_exact_best_and_front() {
    let scratch = Scratch::new();
    let (top, all) = (scratch.path("ex-top"), scratch.path("ex-all"));
    let out = sweep(&top, &["--optimizer", "exhaustive", "--top", "5"], "2");
    assert!(out.contains("evaluated all 324 designs"), "{out}");
    sweep(&all, &["--optimizer", "exhaustive", "--keep-all"], "2");
    let t_all = table(&all.join("evaluations.parquet"));
    assert_eq!(t_all.lines().count(), 1 + 324);
    let t_top = table(&top.join("evaluations.parquet"));
    // The best 5 rows come first and equal the 5 lowest scores of all rows.
    let score_col = t_all
        .lines()
        .next()
        .unwrap()
        .split('\t')
        .position(|c| c == "score")
        .unwrap();
    let mut scores: Vec<f64> = t_all
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(score_col).unwrap().parse().ok())
        .collect();
    scores.sort_by(f64::total_cmp);
    let top_scores: Vec<f64> = t_top
        .lines()
        .skip(1)
        .take(5)
        .map(|l| l.split('\t').nth(score_col).unwrap().parse().unwrap())
        .collect();
    assert_eq!(top_scores, scores[..5]);
    assert_eq!(
        table(&top.join("pareto.parquet")),
        table(&all.join("pareto.parquet")),
        "the exact front does not depend on --top"
    );
}

#[test]
fn anneal_runs_through_sweep_and_repeats() {
    let scratch = Scratch::new();
    let (a, b) = (scratch.path("anneal-a"), scratch.path("anneal-b"));
    sweep(
        &a,
        &["--optimizer", "anneal", "--budget", "80", "--seed", "2"],
        "1",
    );
    sweep(
        &b,
        &["--optimizer", "anneal", "--budget", "80", "--seed", "2"],
        "2",
    );
    let t = table(&a.join("evaluations.parquet"));
    assert_eq!(t, table(&b.join("evaluations.parquet")));
    assert!(t.contains("anneal"));
}

#[test]
fn bayes_runs_through_sweep_and_repeats_whatever_the_threads() {
    let scratch = Scratch::new();
    let (a, b, p) = (
        scratch.path("bayes-a"),
        scratch.path("bayes-b"),
        scratch.path("bayes-p"),
    );
    let args = ["--optimizer", "bayes", "--budget", "40", "--seed", "4"];
    sweep(&a, &args, "1");
    sweep(&b, &args, "2");
    let t = table(&a.join("evaluations.parquet"));
    assert_eq!(t, table(&b.join("evaluations.parquet")));
    assert_eq!(
        t.lines().count(),
        41,
        "40 unique evaluations and the header"
    );
    assert!(t.contains("initial") && t.contains("bayes"));
    // Several objectives: EHVI over (max E, max L, A).
    let out = sweep(
        &p,
        &[
            "--optimizer",
            "bayes",
            "--budget",
            "30",
            "--objective",
            "pareto",
        ],
        "2",
    );
    assert!(out.contains("on the Pareto front"), "{out}");
}

#[test]
fn bad_options_fail_with_a_message() {
    let scratch = Scratch::new();
    let out = scratch.path("bad");
    let o = out.to_str().unwrap();
    for (args, msg) in [
        (
            vec![
                "sweep",
                "--space",
                "demo",
                "--optimizer",
                "hillclimb",
                "--out",
                o,
            ],
            "unknown optimizer `hillclimb`",
        ),
        (
            vec![
                "sweep",
                "--space",
                "demo",
                "--objective",
                "pareto",
                "--out",
                o,
            ],
            "tpe is single-objective",
        ),
        (
            vec![
                "sweep",
                "--space",
                "demo",
                "--objective",
                "edap:vgg19",
                "--out",
                o,
            ],
            "`vgg19` is not one of the run's workloads",
        ),
        (
            vec!["sweep", "--space", "nowhere.toml", "--out", o],
            "nowhere.toml: cannot read",
        ),
        (
            vec!["sweep", "--space", "demo", "--min-snr", "500", "--out", o],
            "--min-snr: 500: out of range; allowed -100 to 200 dB",
        ),
    ] {
        let (code, _, err) = imcdse_threads(&args, "1");
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(msg), "{args:?}: {err}");
    }
}

/// `--min-snr`: designs whose compute SNR is below it are infeasible with the reason, the rest
/// keep their costs, and evaluations.parquet holds each workload's SNR.
#[test]
fn min_snr_makes_designs_below_it_infeasible() {
    let scratch = Scratch::new();
    let out = scratch.path("snr");
    sweep(
        &out,
        &[
            "--optimizer",
            "random",
            "--budget",
            "80",
            "--min-snr",
            "-20",
        ],
        "2",
    );
    let t = table(&out.join("evaluations.parquet"));
    let header: Vec<&str> = t.lines().next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (feasible, reason) = (col("feasible"), col("infeasible_reason"));
    let snr: Vec<usize> = ["vgg16", "resnet18", "alexnet", "mobilenetv3-large"]
        .iter()
        .map(|w| col(&format!("{w}__snr_db")))
        .collect();
    let (mut low, mut high) = (0, 0);
    for line in t.lines().skip(1) {
        let cells: Vec<&str> = line.split('\t').collect();
        let worst = snr
            .iter()
            .map(|&i| cells[i].parse::<f64>().unwrap())
            .fold(f64::INFINITY, f64::min);
        if worst < -20.0 {
            low += 1;
            assert_eq!(cells[feasible], "false", "{line}");
            assert!(
                cells[reason].contains("is below the minimum -20 dB"),
                "{line}"
            );
        } else {
            high += 1;
            assert!(!cells[reason].contains("compute SNR"), "{line}");
        }
    }
    assert!(low > 0 && high > 0, "low {low}, high {high}");
    // Another minimum is another run, and a refused resume names it, not the space file.
    let (code, _, err) = imcdse_threads(
        &[
            "sweep",
            "--space",
            "demo",
            "--workloads",
            "paper4",
            "--optimizer",
            "random",
            "--budget",
            "80",
            "--min-snr",
            "-10",
            "--resume",
            "--out",
            out.to_str().unwrap(),
        ],
        "1",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("the minimum SNR (--min-snr, or the space's min_snr_db) changed since")
            && !err.contains("the space file"),
        "{err}"
    );
}

/// An exhaustive sweep costs every design whatever `--budget` says, and says so.
#[test]
fn an_exhaustive_sweep_says_it_ignores_a_budget() {
    let scratch = Scratch::new();
    let out = scratch.path("ex");
    let args = "sweep --space demo --workloads resnet18 --optimizer exhaustive --budget 20 --out";
    let mut args: Vec<&str> = args.split_whitespace().collect();
    args.push(out.to_str().unwrap());
    let (code, _, err) = imcdse_threads(&args, "1");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("--budget 20 does not bound an exhaustive sweep"),
        "{err}"
    );
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("evaluated all 324 designs"), "{summary}");
    // Nor does the budget make it another run: resumed without it, it is found complete.
    let resume: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| *a != "--budget" && *a != "20")
        .chain(["--resume"])
        .collect();
    let (code, _, err) = imcdse_threads(&resume, "1");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("already holds this run, complete"), "{err}");
}
