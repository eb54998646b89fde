//! `imcdse grade` end to end on the demo space: the certified optimum, the graded table read
//! back, the cache, thread independence, bad options, and peers' rows (`--peers`) put beside
//! ours or refused.

mod common;
use common::Scratch;
use common::{imcdse, imcdse_threads};
use std::path::Path;

/// The demo grading every test here runs (three optimizers, two seeds), into `out`, then
/// `extra`.
fn grade_args<'a>(out: &'a Path, cache: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "grade",
        "--space",
        "demo",
        "--workloads",
        "resnet18,alexnet",
        "--optimizers",
        "random,ga4,nsga2",
        "--budgets",
        "324,10,40",
        "--seeds",
        "2",
        "--out",
        out.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args
}

fn grade(out: &Path, cache: &Path, threads: &str) -> (String, String) {
    let (code, stdout, stderr) = imcdse_threads(&grade_args(out, cache, &[]), threads);
    assert_eq!(code, 0, "{stderr}");
    (stdout, stderr)
}

#[test]
fn grades_against_the_certified_optimum() {
    let scratch = Scratch::new();
    let (a, b, cache) = (scratch.path("a"), scratch.path("b"), scratch.path("cache"));
    let (md, err) = grade(&a, &cache, "1");
    assert!(err.contains("certified optimum"), "{err}");
    assert!(
        md.contains("Certified by exhaustive enumeration: 324 designs"),
        "{md}"
    );
    // Random search over the whole demo space (324 designs) must find the optimum every time.
    let random_all = md
        .lines()
        .find(|l| l.starts_with("random") && l.split_whitespace().nth(1) == Some("324"))
        .expect("a row for random at 324");
    assert!(random_all.contains("2/2"), "{random_all}");
    assert!(random_all.contains(" 0.00 "), "{random_all}");
    // Budgets are sorted; the cache now holds one certificate, reused by the second run.
    assert!(md.find("random     10").unwrap() < md.find("random     40").unwrap());
    let certs: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
    assert_eq!(certs.len(), 1);
    let (_, _) = grade(&b, &cache, "2");
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 1);
    // Same table whatever the thread count (run times aside).
    let strip = |p: &Path| {
        let t = std::fs::read_to_string(p.join("grading.md")).unwrap();
        t.lines()
            .map(|l| l.rsplit_once("  ").map_or(l, |x| x.0).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&a), strip(&b));
    // grading.parquet: 3 optimizers x 3 budgets x 2 seeds.
    use polars_core::prelude::*;
    use polars_io::prelude::*;
    let df = ParquetReader::new(std::fs::File::open(a.join("grading.parquet")).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), 18);
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    for c in [
        "optimizer",
        "budget",
        "seed",
        "evaluations",
        "best_score",
        "gap_pct",
        "found_optimum",
        "hv_ratio",
    ] {
        assert!(names.contains(&c.to_string()), "{c} missing from {names:?}");
    }
    let gaps = df.column("gap_pct").unwrap();
    for i in 0..gaps.len() {
        if let Ok(AnyValue::Float64(g)) = gaps.get(i) {
            assert!(g >= 0.0, "no run beats the optimum: {g}");
        }
    }
}

#[test]
fn bad_options_name_what_is_allowed() {
    let scratch = Scratch::new();
    let out = scratch.path("bad");
    let o = out.to_str().unwrap();
    for (args, msg) in [
        (
            vec![
                "grade",
                "--space",
                "demo",
                "--optimizers",
                "hill",
                "--out",
                o,
            ],
            "unknown optimizer `hill`; available: ga4, nsga2, bayes, anneal, tpe, random",
        ),
        (
            vec!["grade", "--space", "demo", "--budgets", "10,x", "--out", o],
            "--budgets: `x` is not a valid entry",
        ),
        (
            vec![
                "grade",
                "--space",
                "demo",
                "--objective",
                "pareto",
                "--optimizers",
                "ga4",
                "--out",
                o,
            ],
            "ga4 is single-objective",
        ),
        (
            vec![
                "grade",
                "--space",
                "demo",
                "--seeds",
                "18446744073709551615",
                "--out",
                o,
            ],
            "--seeds 18446744073709551615: out of range; allowed 1..=10000",
        ),
        (
            vec![
                "grade",
                "--space",
                "demo",
                "--budgets",
                "10,18446744073709551615",
                "--out",
                o,
            ],
            "--budgets: 18446744073709551615 is out of range; each budget is 1..=1000000000000",
        ),
        (
            vec![
                "compare",
                "--space",
                "demo",
                "--seeds",
                "100000000000",
                "--out",
                o,
            ],
            "--seeds 100000000000: out of range; allowed 1..=10000",
        ),
        (
            "compare --space demo --workloads resnet18,alexnet --optimizer random --budget 400 \
             --seeds 1 --min-snr 200 --out"
                .split_whitespace()
                .chain([o])
                .collect(),
            "costed all 324 designs of the space and none is feasible",
        ),
        (
            vec!["sweep", "--space", "demo", "--min-snr", "1e308", "--out", o],
            "--min-snr: 1e308: out of range",
        ),
    ] {
        let (code, _, err) = imcdse(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(msg), "{err}");
    }
}

/// Writes a peers file as scripts/python/peers.py does: grading.parquet's columns, one row
/// per seed and budget of one peer whose best is the optimum at 40 evaluations and half again
/// at 10, then what the rows were graded against.
fn write_peers(path: &Path, (space, certificate, optimum): (&str, &str, f64), keep: usize) {
    use imcdse::results::{Col, table, write_parquet};
    let mut runs: Vec<(u64, u64)> = [(0, 10), (0, 40), (1, 10), (1, 40)].into();
    runs.truncate(keep);
    let best: Vec<f64> = runs
        .iter()
        .map(|&(_, b)| if b == 40 { optimum } else { 1.5 * optimum })
        .collect();
    let n = runs.len();
    let text = |s: &str| Col::Str(vec![s.to_string(); n]);
    let df = table(vec![
        ("optimizer", text("optuna-tpe")),
        ("budget", Col::U64(runs.iter().map(|r| r.1).collect())),
        ("seed", Col::U64(runs.iter().map(|r| r.0).collect())),
        ("evaluations", Col::U64(runs.iter().map(|r| r.1).collect())),
        (
            "best_score",
            Col::F64(best.iter().map(|&b| Some(b)).collect()),
        ),
        (
            "gap_pct",
            Col::F64(
                best.iter()
                    .map(|&b| Some(100.0 * (b - optimum) / optimum))
                    .collect(),
            ),
        ),
        (
            "found_optimum",
            Col::Bool(best.iter().map(|&b| b == optimum).collect()),
        ),
        ("hv_ratio", Col::F64(vec![None; n])),
        ("run_seconds", Col::F64(vec![Some(0.5); n])),
        ("space", text(space)),
        ("workloads", text("resnet18,alexnet")),
        ("objective", text("max-ela")),
        ("certificate", text(certificate)),
        ("optimum", Col::F64(vec![Some(optimum); n])),
    ])
    .unwrap();
    write_parquet(path, df).unwrap();
}

#[test]
fn peers_are_graded_beside_ours_and_other_files_are_refused() {
    let scratch = Scratch::new();
    let (a, cache) = (scratch.path("a"), scratch.path("cache"));
    let _ = grade(&a, &cache, "2");
    let cert: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("certified.json")).unwrap()).unwrap();
    let (key, optimum) = (
        cert["key"].as_str().unwrap(),
        cert["best_score"].as_f64().unwrap(),
    );
    let file = |name: &str| scratch.path(name).to_str().unwrap().to_string();
    let with_peers = |peers: &str| imcdse(&grade_args(&a, &cache, &["--peers", peers]));

    // The peer's rows follow ours in grading.md, marked, and in grading.parquet.
    write_peers(
        scratch.path("good.parquet").as_path(),
        ("demo", key, optimum),
        4,
    );
    let (code, md, err) = with_peers(&file("good.parquet"));
    assert_eq!(code, 0, "{err}");
    assert!(md.contains("Rows marked (peer)"), "{md}");
    let row = |b: &str| {
        md.lines()
            .find(|l| l.starts_with("optuna-tpe (peer)") && l.split_whitespace().nth(2) == Some(b))
            .unwrap_or_else(|| panic!("no peer row at {b}: {md}"))
            .to_string()
    };
    assert!(
        row("40").contains("2/2") && row("40").contains(" 0.00 "),
        "{md}"
    );
    assert!(
        row("10").contains("0/2") && row("10").contains(" 50.00 "),
        "{md}"
    );
    assert!(md.find("nsga2").unwrap() < md.find("optuna-tpe (peer)").unwrap());
    let peer_rows = md.lines().filter(|l| l.starts_with("optuna-tpe (peer)"));
    assert_eq!(peer_rows.count(), 2, "the peer ran no budget of 324: {md}");
    assert!(md.contains("--peers "), "{md}");
    let t = imcdse::results::read_table(&a.join("grading.parquet")).unwrap();
    assert_eq!(t.rows(), 18 + 4);
    let peer = imcdse::results::Cell::Str("optuna-tpe".into());
    let names = t.column("optimizer").unwrap();
    assert_eq!(names.iter().filter(|c| **c == peer).count(), 4);

    // A file graded on another space, a file that is not Parquet, one with our optimizer's
    // name: refused, each with its reason, and the tables kept.
    write_peers(
        scratch.path("rram.parquet").as_path(),
        ("paper-rram", "paper-rram-max-ela-0123456789abcdef", 5.6),
        4,
    );
    write_peers(
        scratch.path("liar.parquet").as_path(),
        ("paper-rram", key, optimum),
        4,
    );
    write_peers(
        scratch.path("short.parquet").as_path(),
        ("demo", key, optimum),
        3,
    );
    std::fs::write(
        scratch.path("garbage.parquet"),
        "optimizer,budget\nga4,10\n",
    )
    .unwrap();
    {
        use imcdse::results::{Col, table, write_parquet};
        let long = table(vec![("budget", Col::U64(vec![10; 100_001]))]).unwrap();
        write_parquet(&scratch.path("long.parquet"), long).unwrap();
    }
    #[cfg(unix)]
    {
        let fifo = scratch.path("fifo.parquet");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|st| st.success()), "mkfifo");
    }
    let own = a.join("grading.parquet");
    let own = own.to_str().unwrap();
    for (name, msg) in [
        ("rram.parquet", "was graded on space `paper-rram`"),
        ("liar.parquet", "contradicts itself"),
        (
            "short.parquet",
            "optuna-tpe has 3 rows for 2 seeds and 2 budgets",
        ),
        ("garbage.parquet", "is not a peers file"),
        ("missing.parquet", "cannot read"),
        (
            "long.parquet",
            "100001 rows and 1 columns; a peers file may have at most 100000 rows",
        ),
        #[cfg(unix)]
        ("fifo.parquet", "a FIFO (named pipe), not a regular file"),
        (own, "this is --peers"),
    ] {
        let path = if name.starts_with('/') {
            name.to_string()
        } else {
            file(name)
        };
        let (code, _, err) = with_peers(&path);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(
            err.contains("--peers") && err.contains(msg),
            "{name}: {err}"
        );
    }
    let kept = std::fs::read_to_string(a.join("grading.md")).unwrap();
    assert!(kept.contains("optuna-tpe (peer)"), "{kept}");
}

/// `grade` and `compare` leave alone a folder that holds one of their tables but no run.toml
/// (a run whose record was deleted, or someone's files), as `sweep` does.
#[test]
fn folders_with_tables_but_no_record_are_refused() {
    let scratch = Scratch::new();
    for (study, file) in [("grade", "grading.md"), ("compare", "comparison.md")] {
        let out = scratch.path(study);
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(file), "my notes").unwrap();
        let mut args = vec![study, "--space", "demo", "--seeds", "1", "--out"];
        args.push(out.to_str().unwrap());
        let (code, _, err) = imcdse(&args);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!("holds {file} but no run.toml")),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(out.join(file)).unwrap(), "my notes");
        let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
        assert_eq!(left.len(), 2, "only the note and the lock file: {left:?}");
    }
    // A link to nothing counts as there.
    let linked = scratch.path("linked");
    std::fs::create_dir_all(&linked).unwrap();
    std::os::unix::fs::symlink("/nonexistent", linked.join("runs.jsonl")).unwrap();
    let args = ["grade", "--space", "demo", "--seeds", "1", "--out"];
    let (code, _, err) = imcdse(&[&args[..], &[linked.to_str().unwrap()]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("holds runs.jsonl but no run.toml"), "{err}");
    // Another study's folder (here a sweep's) is not written into, nor one whose run.toml
    // does not read.
    let sweep = scratch.path("sweep");
    let s = sweep.to_str().unwrap();
    let made = "sweep --space demo --workloads resnet18 --optimizer random --budget 10 --out";
    let (code, _, err) = imcdse(&[made.split_whitespace().collect::<Vec<_>>(), vec![s]].concat());
    assert_eq!(code, 0, "{err}");
    let record = std::fs::read_to_string(sweep.join("run.toml")).unwrap();
    for study in ["grade", "compare"] {
        let args = [
            study,
            "--space",
            "demo",
            "--workloads",
            "resnet18,alexnet",
            "--seeds",
            "1",
        ];
        let (code, _, err) = imcdse(&[&args[..], &["--out", s]].concat());
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!("holds a `sweep` run, not a `{study}` one")),
            "{err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(sweep.join("run.toml")).unwrap(),
        record
    );
    let broken = scratch.path("broken");
    std::fs::create_dir_all(broken.join("run.toml")).unwrap();
    let (code, _, err) = imcdse(&[&args[..], &[broken.to_str().unwrap()]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("its run.toml cannot be read"), "{err}");
}
