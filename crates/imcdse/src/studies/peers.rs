//! Peers in the grading table: other libraries' optimizers (Optuna's TPE, pymoo's GA, ...), run
//! outside this tool by `scripts/python/peers.py` and graded the same way, read back from its
//! Parquet file so that `imcdse grade --peers FILE` shows them beside ours.
//!
//! The file holds grading.parquet's columns (one row per peer x seed x budget) and, in every
//! row, what it was graded against: `space`, `workloads`, `objective`, `certificate` (the key
//! of the certified optimum, [`super::certify`]: a hash of the space file, the workloads'
//! layers, the objective and the model) and `optimum`. A file is taken only for the same
//! certificate and optimum as the grading's, so a peer's gap means what ours means; its gaps
//! and "found" flags must follow from its best scores and that optimum, its budgets must be the
//! grading's and its names must not be ours.

use super::certify::Certified;
use super::grade::{Grade, GradeOptions, grades_of};
use crate::optimizer::OptimizerKind;
use crate::problem::Problem;
use crate::results::{self, Cell, Table};
use anyhow::{Context, Result, bail};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Most rows of a peers file: 3 peers x 1,000 seeds x 33 budgets, and more.
pub const MAX_ROWS: usize = 100_000;
/// Most columns: grading.parquet's 9, the 5 of what the rows were graded against, and room.
pub const MAX_COLUMNS: usize = 64;

/// A checked peers file: its path and its grades, in the file's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Peers {
    /// The file as given.
    pub file: PathBuf,
    /// Its rows.
    pub grades: Vec<Grade>,
}

/// What a peers file says it was graded against (the same in every row).
#[derive(Debug, Clone, PartialEq)]
struct Against {
    space: String,
    workloads: String,
    objective: String,
    certificate: String,
    optimum: f64,
}

impl Peers {
    /// Reads `file` and checks it against this grading: the same certificate and optimum
    /// (so the same space, workloads, objective and model), budgets among the grading's, names
    /// not ours, gaps that follow from the scores. Every refusal names the file and the reason.
    pub fn read(
        file: &Path,
        problem: &Problem,
        options: &GradeOptions,
        cert: &Certified,
    ) -> Result<Peers> {
        let shown = file.display();
        if problem.objective.is_pareto() {
            bail!("--peers: peers are graded on a score; this grading's objective is a front");
        }
        check_file(file)?;
        let table = results::read_table(file)
            .with_context(|| format!("--peers: {shown} is not a peers file"))?;
        let grades = grades_of(&table, file)
            .with_context(|| format!("--peers: {shown} is not a peers file"))?;
        if grades.is_empty() {
            bail!("--peers: {shown} holds no rows");
        }
        let against = against(&table, file)?;
        same_optimum(&against, problem, cert, file)?;
        check_rows(&grades, options, cert.best_score, file)?;
        Ok(Peers {
            file: file.to_path_buf(),
            grades,
        })
    }

    /// The peers' names, in the order they first appear.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for g in &self.grades {
            if !names.contains(&g.optimizer.as_str()) {
                names.push(&g.optimizer);
            }
        }
        names
    }

    /// How many seeds each peer ran (the most of any peer).
    pub fn seeds(&self) -> usize {
        let seeds: HashSet<(&str, u64)> = self
            .grades
            .iter()
            .map(|g| (g.optimizer.as_str(), g.seed))
            .collect();
        self.names()
            .iter()
            .map(|n| seeds.iter().filter(|(o, _)| o == n).count())
            .max()
            .unwrap_or(0)
    }
}

/// A peers file before its data is read: a regular file (a FIFO is refused unopened) of
/// Parquet whose footer states at most [`MAX_ROWS`] rows and [`MAX_COLUMNS`] columns.
pub fn check_file(file: &Path) -> Result<()> {
    let shown = file.display();
    imc_zoo::files::regular(&shown.to_string(), "a peers file")
        .with_context(|| "--peers".to_string())?;
    let (rows, columns) = results::parquet_shape(file)
        .with_context(|| format!("--peers: {shown} is not a peers file"))?;
    if rows > MAX_ROWS || columns > MAX_COLUMNS {
        bail!(
            "--peers: {shown}: {rows} rows and {columns} columns; a peers file may have at most \
             {MAX_ROWS} rows and {MAX_COLUMNS} columns"
        );
    }
    Ok(())
}

/// The file's `space`, `workloads`, `objective`, `certificate` and `optimum`, the same in
/// every row.
fn against(t: &Table, file: &Path) -> Result<Against> {
    let one = |name: &str| -> Result<&Cell> {
        let col = t.column(name).with_context(|| {
            format!(
                "--peers: {}: no column `{name}` (what the rows were graded against); write the \
                 file with scripts/python/peers.py",
                file.display()
            )
        })?;
        if col.iter().any(|c| c != &col[0]) {
            bail!(
                "--peers: {}: column `{name}` differs from row to row; one file holds one grading's peers",
                file.display()
            );
        }
        Ok(&col[0])
    };
    let text = |name: &str| -> Result<String> {
        match one(name)? {
            Cell::Str(s) => Ok(s.clone()),
            other => bail!(
                "--peers: {}: `{name}` is {}, not text",
                file.display(),
                other.describe()
            ),
        }
    };
    Ok(Against {
        space: text("space")?,
        workloads: text("workloads")?,
        objective: text("objective")?,
        certificate: text("certificate")?,
        optimum: one("optimum")?
            .number()
            .with_context(|| format!("--peers: {}: `optimum` is not a number", file.display()))?,
    })
}

/// The file must have been graded against this grading's certificate and optimum.
fn same_optimum(a: &Against, problem: &Problem, cert: &Certified, file: &Path) -> Result<()> {
    let ours = Against {
        space: problem.file.name.clone(),
        workloads: problem.names.join(","),
        objective: problem.objective.name(),
        certificate: cert.key.clone(),
        optimum: cert.best_score,
    };
    if a.certificate != ours.certificate {
        let what = |x: &Against| {
            format!(
                "space `{}`, workloads `{}`, objective `{}` (certificate {})",
                results::quoted_short(&x.space),
                results::quoted_short(&x.workloads),
                results::quoted_short(&x.objective),
                results::quoted_short(&x.certificate)
            )
        };
        let why = if (&a.space, &a.workloads, &a.objective)
            == (&ours.space, &ours.workloads, &ours.objective)
        {
            "the names agree, so the space file, a workload's layers, the minimum SNR \
             (--min-snr) or the model differ"
        } else {
            "peers are graded only on the same space, workloads and objective"
        };
        bail!(
            "--peers: {} was graded on {}; this grading is {}: {why}. Run \
             scripts/python/peers.py --grading <this grading's folder> to grade the peers on it",
            file.display(),
            what(a),
            what(&ours)
        );
    }
    if (&a.space, &a.workloads, &a.objective) != (&ours.space, &ours.workloads, &ours.objective) {
        bail!(
            "--peers: {} contradicts itself: its certificate is this grading's, but its columns \
             name space `{}`, workloads `{}`, objective `{}` (this grading: `{}`, `{}`, `{}`); \
             write the file with scripts/python/peers.py",
            file.display(),
            results::quoted_short(&a.space),
            results::quoted_short(&a.workloads),
            results::quoted_short(&a.objective),
            ours.space,
            ours.workloads,
            ours.objective
        );
    }
    let rel = ((a.optimum - ours.optimum) / ours.optimum).abs();
    if rel.is_nan() || rel >= 1e-12 {
        bail!(
            "--peers: {} was graded against the optimum {:e}, this grading certifies {:e}",
            file.display(),
            a.optimum,
            ours.optimum
        );
    }
    Ok(())
}

/// Each row: a name that is not ours, a budget of the grading, at most that many evaluations,
/// no repeated (name, budget, seed), a gap and a "found" that follow from the best score.
fn check_rows(grades: &[Grade], o: &GradeOptions, optimum: f64, file: &Path) -> Result<()> {
    let mut seen = HashSet::new();
    for (i, g) in grades.iter().enumerate() {
        let row = format!(
            "--peers: {}: row {i} ({} at budget {}, seed {})",
            file.display(),
            results::quoted_short(&g.optimizer),
            g.budget,
            g.seed
        );
        if g.optimizer.trim().is_empty() || g.optimizer.parse::<OptimizerKind>().is_ok() {
            bail!("{row}: a peer needs a name of its own, not empty and not one of our optimizers");
        }
        if !o.budgets.contains(&g.budget) {
            bail!(
                "{row}: the grading's budgets are {:?}; grade it with the peers' budgets too",
                o.budgets
            );
        }
        if g.evaluations > g.budget {
            bail!("{row}: {} evaluations are over the budget", g.evaluations);
        }
        if !seen.insert((&g.optimizer, g.budget, g.seed)) {
            bail!("{row}: the same run is in the file twice");
        }
        let gap = g.best_score.map(|b| 100.0 * (b - optimum) / optimum);
        let found = g
            .best_score
            .is_some_and(|b| ((b - optimum) / optimum).abs() < 1e-12);
        let close = match (gap, g.gap_pct) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(1.0),
            (None, None) => true,
            _ => false,
        };
        if !close || found != g.found {
            bail!(
                "{row}: gap {} % and found = {} do not follow from the best score {} and the optimum {optimum:e}",
                shown(g.gap_pct),
                g.found,
                shown(g.best_score)
            );
        }
        if !(g.run_seconds.is_finite() && g.run_seconds >= 0.0) || g.hv_ratio.is_some() {
            bail!(
                "{row}: run_seconds {} must be a time of 0 or more, and hv_ratio {} empty (peers \
                 are graded on a score)",
                g.run_seconds,
                shown(g.hv_ratio)
            );
        }
    }
    complete(grades, file)
}

/// A number or "none", for messages.
fn shown(x: Option<f64>) -> String {
    x.map_or("none".into(), |v| v.to_string())
}

/// Each peer's rows cover every one of its seeds at every one of its budgets, so that its
/// medians and counts are over the same runs (the rows are known to be distinct).
fn complete(grades: &[Grade], file: &Path) -> Result<()> {
    let mut names: Vec<&str> = grades.iter().map(|g| g.optimizer.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let rows: Vec<&Grade> = grades.iter().filter(|g| g.optimizer == name).collect();
        let seeds: HashSet<u64> = rows.iter().map(|g| g.seed).collect();
        let budgets: HashSet<u64> = rows.iter().map(|g| g.budget).collect();
        if rows.len() != seeds.len() * budgets.len() {
            bail!(
                "--peers: {}: {} has {} rows for {} seeds and {} budgets; each seed needs a \
                 row at each budget",
                file.display(),
                results::quoted_short(name),
                rows.len(),
                seeds.len(),
                budgets.len()
            );
        }
    }
    Ok(())
}
