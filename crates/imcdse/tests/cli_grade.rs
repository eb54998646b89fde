//! `imcdse grade` end to end on the demo space: the certified optimum, the graded table read
//! back, the cache, thread independence and bad options.

mod common;
use common::Scratch;
use common::{imcdse, imcdse_threads};
use std::path::Path;

fn grade(out: &Path, cache: &Path, threads: &str) -> (String, String) {
    let (code, stdout, stderr) = imcdse_threads(
        &[
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
        ],
        threads,
    );
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
            "unknown optimizer `hill`; available: ga4, nsga2, bayes, anneal, random",
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
    ] {
        let (code, _, err) = imcdse(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(msg), "{err}");
    }
}
