//! `imcdse compare` and `imcdse export` end to end on the demo space: the comparison's files
//! and arithmetic, and exported tables that hold the Parquet values, in every format, with both
//! plot kinds.

mod common;
use common::Scratch;
use common::imcdse;
use std::path::Path;

fn ok(args: &[&str]) -> String {
    let (code, out, err) = imcdse(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

/// comparison.parquet as CSV through `export` (full precision), parsed into rows of fields.
fn comparison_rows(dir: &Path) -> Vec<Vec<String>> {
    let csv = ok(&[
        "export",
        dir.to_str().unwrap(),
        "--format",
        "csv",
        "--columns",
        "seed,kind,design,workload,edap,normalized,gain_over_largest_pct,gain_over_largest_pp,loss_vs_specific_pct",
    ]);
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn compare_writes_its_outputs_and_the_arithmetic_holds() {
    let scratch = Scratch::new();
    let out = scratch.path("compare");
    let o = out.to_str().unwrap();
    let md = ok(&[
        "compare",
        "--space",
        "demo",
        "--workloads",
        "resnet18,alexnet",
        "--seeds",
        "2",
        "--out",
        o,
    ]);
    for f in [
        "comparison.parquet",
        "comparison.md",
        "s0/joint/evaluations.parquet",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    assert!(out.join("s1/specific-alexnet/summary.md").exists());
    assert!(
        md.contains("largest workload (most MACs): resnet18"),
        "{md}"
    );
    let rows = comparison_rows(&out);
    // 2 seeds x (joint, largest, sequential, 2 specific) x 2 workloads.
    assert_eq!(rows.len(), 20);
    let f = |r: &Vec<String>, i: usize| r[i].parse::<f64>().unwrap();
    for r in &rows {
        let (seed, kind, design, w) = (&r[0], &r[1], &r[2], &r[3]);
        if kind == "specific" {
            assert_eq!(design, &format!("specific:{w}"));
            assert_eq!(f(r, 5), 1.0, "the specific design normalises to 1");
        }
        if kind == "joint" {
            let largest = rows
                .iter()
                .find(|x| &x[0] == seed && x[1] == "largest" && &x[3] == w)
                .unwrap();
            let (sj, sl) = (f(r, 5), f(largest, 5));
            assert!((f(r, 6) - (sl - sj) / sl * 100.0).abs() < 1e-9);
            assert!((f(r, 7) - (sl - sj) * 100.0).abs() < 1e-9);
            assert!((f(r, 8) - (sj - 1.0) * 100.0).abs() < 1e-9);
            let spec = rows
                .iter()
                .find(|x| &x[0] == seed && x[1] == "specific" && &x[3] == w)
                .unwrap();
            assert!((f(r, 4) / f(spec, 4) - sj).abs() < 1e-9 * sj);
        } else {
            assert_eq!(r[6], "", "gain only on joint rows");
        }
    }
    // The grouped-bar plot of a comparison, as SVG.
    let svg = out.join("bars.svg");
    ok(&["export", o, "--plot", svg.to_str().unwrap()]);
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("<svg") && text.contains("resnet18") && text.contains("joint"));
}

#[test]
fn export_tables_hold_the_parquet_values_in_every_format() {
    let scratch = Scratch::new();
    let run = scratch.path("run");
    let r = run.to_str().unwrap();
    ok(&[
        "sweep",
        "--space",
        "demo",
        "--workloads",
        "resnet18",
        "--optimizer",
        "random",
        "--budget",
        "60",
        "--out",
        r,
    ]);
    // CSV at full precision against the summary's best score.
    let csv = ok(&[
        "export",
        r,
        "--format",
        "csv",
        "--columns",
        "rows,cols,score",
        "--top",
        "1",
    ]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("rows,cols,score"));
    let best: Vec<&str> = lines.next().unwrap().split(',').collect();
    let score: f64 = best[2].parse().unwrap();
    let summary = std::fs::read_to_string(run.join("summary.md")).unwrap();
    let printed = summary
        .lines()
        .find(|l| l.starts_with("score ("))
        .unwrap()
        .split(" = ")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .parse::<f64>()
        .unwrap();
    assert!(
        (score - printed).abs() / score < 1e-6,
        "{score} vs {printed}"
    );
    // Markdown: readable headers with units, the same best row to 4 significant figures.
    let md = ok(&["export", r, "--top", "3"]);
    assert!(md.starts_with("| Rows | Columns |"), "{md}");
    assert!(md.contains("Area (mm²)"));
    assert_eq!(md.lines().count(), 5, "header, rule and 3 rows");
    let mdrow = md.lines().nth(2).unwrap();
    assert!(
        mdrow.starts_with(&format!("| {} | {} |", best[0], best[1])),
        "{mdrow}"
    );
    // LaTeX: booktabs rules and escaped units; sorted descending when asked.
    let tex = ok(&[
        "export",
        r,
        "--format",
        "latex",
        "--sort",
        "score:desc",
        "--top",
        "2",
    ]);
    for s in [
        "\\toprule",
        "\\midrule",
        "\\bottomrule",
        "Area (mm$^2$)",
        "\\begin{tabular}",
    ] {
        assert!(tex.contains(s), "{s} missing from {tex}");
    }
    // Pareto table and both plot files.
    let p = ok(&["export", r, "--table", "pareto", "--format", "csv"]);
    assert!(p.lines().count() >= 2);
    for name in ["front.svg", "front.png"] {
        let f = run.join(name);
        ok(&["export", r, "--plot", f.to_str().unwrap()]);
        assert!(
            std::fs::metadata(&f).unwrap().len() > 1000,
            "{name} is empty"
        );
    }
    let png = std::fs::read(run.join("front.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn export_errors_name_what_is_valid() {
    let scratch = Scratch::new();
    let run = scratch.path("bad");
    let r = run.to_str().unwrap();
    ok(&[
        "sweep",
        "--space",
        "demo",
        "--workloads",
        "alexnet",
        "--optimizer",
        "random",
        "--budget",
        "10",
        "--out",
        r,
    ]);
    for (args, msg) in [
        (
            vec!["export", r, "--columns", "rows,nope"],
            "no column `nope` in evaluations.parquet; valid columns: rows, cols",
        ),
        (
            vec!["export", r, "--format", "xls"],
            "not one of markdown, latex, csv",
        ),
        (
            vec!["export", r, "--table", "comparison"],
            "available here: evaluations, pareto",
        ),
        (
            vec!["export", r, "--sort", "zzz"],
            "--sort: no column `zzz`",
        ),
        (
            vec!["export", r, "--plot", "x.jpg"],
            "must end in .svg or .png",
        ),
        (vec!["export", "/nonexistent-dir"], "no such folder"),
        (
            vec!["export", r, "--label", "score=A", "--label", "score=B"],
            "labelled twice",
        ),
    ] {
        let (code, _, err) = imcdse(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(msg), "{args:?}: {err}");
    }
}
