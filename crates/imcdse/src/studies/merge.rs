//! One results folder from the folders of a sharded run (a shard of an exhaustive sweep, a
//! comparison or a grading).
//!
//! Checks first, writes after: every folder must hold a complete shard (`run.toml` with
//! `status = "complete"` and a `shard`), of the same command, options (`[args]`), inputs (a
//! hash of the space file and the workloads' layers: `Problem::inputs`) and tool version, and
//! the shards must cover 0..N exactly once; an error names the folder and what is wrong, or the
//! shards missing or given twice. Then, by command:
//!
//! - **sweep** (exhaustive): each shard kept its best `top` rows and its Pareto front; their
//!   union holds the whole space's best `top` rows and front, which are recomputed with the
//!   same rules as one run ([`exhaustive::combine`]: by score, ties by evaluation index; the
//!   front by evaluation index). `evaluations.parquet` and `pareto.parquet` come out equal to
//!   the unsharded run's; the feasible count is the shards' sum.
//! - **compare**: the shards' search folders are copied into the output folder and the
//!   comparison is assembled from them as a comparison does (each search is read back, none
//!   run again).
//! - **grade**: the shards' rows in the order of one run; all shards must have certified the
//!   same optimum.
//!
//! Only times differ from an unsharded run: `run.toml`, the summaries' seconds, `run_seconds`.

use super::compare::{CompareOptions, Comparison};
use super::grade::{self, GradeOptions, Grading};
use super::sweep::{Sweep, SweepOptions};
use super::{Done, certify, exhaustive};
use crate::consistency;
use crate::lock::{LOCK_FILE, RunLock};
use crate::progress::Progress;
use crate::results::{self, Row};
use crate::run_dir::{Command, Counts, RunToml, Status, write_atomic};
use crate::shard::Shard;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A shard folder and its run.toml.
pub struct ShardRun {
    /// The folder.
    pub dir: PathBuf,
    /// Which shard it holds.
    pub shard: Shard,
    /// Its run.toml.
    pub run: RunToml,
}

impl ShardRun {
    fn read(dir: &Path) -> Result<ShardRun> {
        let run =
            RunToml::read(dir).context("merge takes the folders of runs made with --shard i/N")?;
        let path = dir.join("run.toml");
        let Some(shard) = run.shard else {
            bail!(
                "{}: not a shard (no `shard` key): merge combines the folders of runs made with --shard i/N",
                path.display()
            );
        };
        if run.status != Status::Complete {
            bail!(
                "{}: shard {shard} is not complete (status running); run the same command again to resume it",
                dir.display()
            );
        }
        Ok(ShardRun {
            dir: dir.to_path_buf(),
            shard,
            run,
        })
    }

    /// How `self` and `other` differ in `key`, one line each: for `args`, the options that
    /// differ; for `inputs`, the parts that differ when both record them; else both values.
    fn difference(&self, other: &ShardRun, key: &str) -> String {
        let lines = |a: &toml::Table, b: &toml::Table| {
            crate::run_dir::differing(a, b)
                .into_iter()
                .map(|(k, x, y)| format!("  - {k}: {x} there, {y} here"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let parts = |r: &ShardRun| -> Option<toml::Table> {
            let p = r.run.input_parts.as_ref()?;
            Some(
                p.iter()
                    .map(|(k, v)| (k.clone(), toml::Value::String(v.clone())))
                    .collect(),
            )
        };
        match (key, parts(self), parts(other)) {
            ("args", ..) => lines(&self.run.args, &other.run.args),
            ("inputs", Some(a), Some(b)) => lines(&a, &b),
            _ => format!("  {}\n  {}", self.shown(key), other.shown(key)),
        }
    }

    /// The value of one of the keys shards must share, for messages.
    fn shown(&self, key: &str) -> String {
        let r = &self.run;
        match key {
            "command" => format!("{:?}", r.command.name()),
            "tool" => format!("{:?}", r.tool),
            "inputs" => r
                .inputs
                .as_ref()
                .map_or("(missing)".into(), |s| format!("{s:?}")),
            _ => toml::to_string(&r.args)
                .unwrap_or_default()
                .trim()
                .to_string(),
        }
    }
}

/// Reads and checks the shards: one command, options and version; 0..N once each. Returned in
/// shard order.
pub fn check(dirs: &[PathBuf]) -> Result<Vec<ShardRun>> {
    let mut runs = dirs
        .iter()
        .map(|d| ShardRun::read(d))
        .collect::<Result<Vec<_>>>()?;
    let Some(first) = runs.first() else {
        bail!("merge needs the shards' folders");
    };
    for r in &runs[1..] {
        for key in ["command", "tool", "inputs", "args"] {
            if r.shown(key) != first.shown(key) {
                bail!(
                    "{} and {} are not shards of one run: their `{key}` differ:\n{}",
                    first.dir.display(),
                    r.dir.display(),
                    first.difference(r, key)
                );
            }
        }
        if r.shard.count != first.shard.count {
            bail!(
                "{} is shard {} but {} is shard {}: not the same division",
                first.dir.display(),
                first.shard,
                r.dir.display(),
                r.shard
            );
        }
    }
    let n = first.shard.count;
    let mut by_index: BTreeMap<u64, Vec<&Path>> = BTreeMap::new();
    for r in &runs {
        by_index.entry(r.shard.index).or_default().push(&r.dir);
    }
    let twice: Vec<String> = by_index
        .iter()
        .filter(|(_, d)| d.len() > 1)
        .map(|(i, d)| {
            let dirs: Vec<String> = d.iter().map(|p| p.display().to_string()).collect();
            format!(
                "shard {i}/{n} given {} times ({})",
                d.len(),
                dirs.join(", ")
            )
        })
        .collect();
    if !twice.is_empty() {
        bail!("{}", twice.join("; "));
    }
    let missing: Vec<String> = (0..n)
        .filter(|i| !by_index.contains_key(i))
        .map(|i| format!("{i}/{n}"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "missing shard(s) {} of {n}: {} folder(s) given; run the missing shards, then merge all {n}",
            missing.join(", "),
            runs.len()
        );
    }
    runs.sort_by_key(|r| r.shard.index);
    Ok(runs)
}

/// `out` is not one of the shards (however spelled or linked) and holds no run but an earlier
/// merge of the same shards (which the merge writes again).
fn check_out(runs: &[ShardRun], out: &Path) -> Result<()> {
    if runs.iter().any(|r| crate::run_dir::same_file(&r.dir, out)) {
        bail!(
            "--out {}: is one of the shards; merge into another folder",
            out.display()
        );
    }
    if out.exists() && !out.is_dir() {
        bail!("--out {}: not a folder; merge into a folder", out.display());
    }
    let Some(there) = RunToml::read_if_any(out)? else {
        return Ok(());
    };
    let merged = RunToml {
        shard: None,
        ..runs[0].run.clone()
    };
    if there.shard.is_some() || !there.same_identity(&merged) || !there.same_settings(&merged) {
        bail!(
            "--out {}: already holds another run (its run.toml); merge into a new folder",
            out.display()
        );
    }
    Ok(())
}

/// Merges the shards in `dirs` into `out`.
pub fn merge(dirs: &[PathBuf], out: &Path, progress: &dyn Progress) -> Result<Done> {
    let started = Instant::now();
    let runs = check(dirs)?;
    check_out(&runs, out)?;
    let lock = RunLock::acquire(out)?;
    match runs[0].run.command {
        Command::Sweep => merge_sweep(&runs, out, started),
        Command::Compare => merge_compare(&runs, out, lock, progress),
        Command::Grade => merge_grade(&runs, out, started),
        Command::Refine => bail!(
            "{}: a refinement is not sharded; there is nothing to merge",
            runs[0].dir.display()
        ),
    }
}

fn merge_sweep(runs: &[ShardRun], out: &Path, started: Instant) -> Result<Done> {
    let options: SweepOptions = runs[0].run.args(&runs[0].dir)?;
    let problem = options.resolve()?;
    let size = problem.space.size();
    let (mut designs, mut feasible) = (0u64, 0u64);
    let mut parts = Vec::new();
    let mut seconds = Vec::new();
    for r in runs {
        let (lo, hi) = r.shard.range(size as u64);
        let need = |v: Option<u64>, k: &str| {
            v.with_context(|| format!("{}: no integer `{k}`", r.dir.join("run.toml").display()))
        };
        let (first, end) = (
            need(r.run.first_index, "first_index")?,
            need(r.run.end_index, "end_index")?,
        );
        if (first, end) != (lo, hi) {
            bail!(
                "{}: shard {} covers {first}..{end}, not {lo}..{hi} as it should in a space of {size}",
                r.dir.display(),
                r.shard,
            );
        }
        let (d, f) = (
            need(r.run.designs, "designs")?,
            need(r.run.feasible, "feasible")?,
        );
        let secs = r.run.enumeration_s.unwrap_or(0.0);
        if d != hi - lo || f > d || !(secs.is_finite() && (0.0..=1e9).contains(&secs)) {
            bail!(
                "{}: designs = {d}, feasible = {f}, enumeration_s = {}: a shard of {}..{hi} \
                 holds {} designs, at most that many feasible, in 0 to 1e9 s; it was edited or \
                 damaged: run the shard again",
                r.dir.join("run.toml").display(),
                imc_zoo::error::bounded(secs),
                lo,
                hi - lo
            );
        }
        designs += d;
        feasible += f;
        seconds.push(secs);
        let path = r.dir.join("evaluations.parquet");
        let rows = results::read_rows(&problem, &path)?;
        shard_rows(&problem, r, &rows, &path, (lo, hi))?;
        parts.push(rows);
    }
    if designs as u128 != size {
        bail!("the shards hold {designs} designs, the space {size}");
    }
    let rows = exhaustive::combine(parts, options.top, options.keep_all);
    let total: f64 = seconds.iter().sum();
    let slowest = seconds.iter().copied().fold(0.0, f64::max);
    let note = format!(
        "evaluated all {designs} designs in {} shards (enumeration {total:.1} s in all, the slowest shard {slowest:.1} s), {feasible} feasible; merged",
        runs.len()
    );
    let counts = Counts {
        designs: Some(designs),
        feasible: Some(feasible),
        slice: Some((0, designs)),
        shards: Some(seconds),
        evaluations: Some(rows.len() as u64),
        ..Counts::default()
    };
    let sweep = Sweep::new(problem, options, Some(out.to_path_buf()), false, None)?;
    let swept = sweep.write_results(rows, &note, &counts, started)?;
    Ok(Done::new(out, format!("{}\n", swept.summary)))
}

/// Checks a sweep shard's rows against its run.toml: as many as it recorded, each a design of
/// its own slice `lo..hi` (its evaluation index is its design's flat index), none twice, no
/// more feasible than it counted, and each agreeing with itself ([`consistency`]). A table
/// copied from another shard, or cut short, is refused here rather than merged.
fn shard_rows(
    problem: &crate::problem::Problem,
    r: &ShardRun,
    rows: &[Row],
    path: &Path,
    (lo, hi): (u64, u64),
) -> Result<()> {
    let toml = r.dir.join("run.toml");
    let recorded = r
        .run
        .evaluations
        .with_context(|| format!("{}: no integer `evaluations`", toml.display()))?;
    if rows.len() as u64 != recorded {
        bail!(
            "{}: {} rows, but {} records {recorded} for shard {}; the table is not this shard's",
            path.display(),
            rows.len(),
            toml.display(),
            r.shard
        );
    }
    let mut seen = std::collections::HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let index = row.eval_index;
        let flat = problem.space.index(&row.point);
        if !(lo..hi).contains(&index) || flat != u128::from(index) || !seen.insert(index) {
            bail!(
                "{}: row {} (eval_index {index}, design {flat}) is not a design of shard {}                  ({lo}..{hi}) or is there twice; the table is not this shard's",
                path.display(),
                i + 1,
                r.shard
            );
        }
    }
    let feasible = rows.iter().filter(|r| r.eval.score.is_some()).count() as u64;
    if r.run.feasible.is_some_and(|f| feasible > f) {
        bail!(
            "{}: {feasible} feasible rows, more than the {} feasible designs {} records",
            path.display(),
            r.run.feasible.unwrap_or(0),
            toml.display()
        );
    }
    consistency::check_rows(problem, rows, path, "row")
}

fn merge_compare(
    runs: &[ShardRun],
    out: &Path,
    lock: RunLock,
    progress: &dyn Progress,
) -> Result<Done> {
    let options: CompareOptions = runs[0].run.args(&runs[0].dir)?;
    let problem = options.resolve()?;
    // Every search complete in a shard before anything is copied: a merge runs no search.
    let comparison = Comparison::new(problem, options, Some(out.to_path_buf()));
    for rel in comparison.search_folders() {
        let complete = |r: &ShardRun| {
            RunToml::read(&r.dir.join(&rel)).is_ok_and(|t| t.status == Status::Complete)
        };
        if !runs.iter().any(complete) {
            bail!(
                "search {}: no shard holds it complete (missing, interrupted or damaged); run \
                 its shard again with the same command, then merge",
                rel.display()
            );
        }
    }
    for r in runs {
        for entry in
            std::fs::read_dir(&r.dir).with_context(|| format!("reading {}", r.dir.display()))?
        {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                copy_dir(&entry.path(), &out.join(entry.file_name()))?;
            }
        }
    }
    // The comparison takes the folder's lock itself.
    drop(lock);
    comparison.run(progress)
}

fn merge_grade(runs: &[ShardRun], out: &Path, started: Instant) -> Result<Done> {
    let options: GradeOptions = runs[0].run.args(&runs[0].dir)?;
    let (options, problem) = options.resolve()?;
    let cert = certify::read(&runs[0].dir)?;
    let mut grades = Vec::new();
    for r in runs {
        let c = certify::read(&r.dir)?;
        if (c.key.as_str(), c.best_score, &c.front)
            != (cert.key.as_str(), cert.best_score, &cert.front)
        {
            bail!(
                "{} and {} certified different optima ({} vs {})",
                runs[0].dir.display(),
                r.dir.display(),
                cert.best_score,
                c.best_score
            );
        }
        let path = r.dir.join("grading.parquet");
        let held = grade::read_grades(&path)?;
        shard_grades(&options, r, &held, &path)?;
        grades.extend(held);
    }
    let (optimizers, budgets) = (options.optimizers.len(), options.budgets.len());
    let expected = (optimizers * budgets) as u64 * options.seeds;
    if grades.len() as u64 != expected {
        bail!(
            "the shards hold {} graded rows; {expected} expected ({optimizers} optimizers x {} seeds x {budgets} budgets)",
            grades.len(),
            options.seeds,
        );
    }
    let mut record = RunToml::new(Command::Grade, &options)?;
    record.shards = Some(runs.len() as u64);
    let grading = Grading::new(options, problem, Some(out.to_path_buf()));
    let md = grading.write_tables(&cert, &grades)?;
    write_atomic(
        &out.join("certified.json"),
        serde_json::to_string_pretty(&cert)?.as_bytes(),
    )?;
    record.write(out, Status::Complete, started)?;
    Ok(Done::new(out, format!("{md}\n")))
}

/// Checks a grade shard's rows: exactly the (optimizer, seed) runs of its slice
/// `first_run..end_run`, each at every budget once.
fn shard_grades(
    options: &GradeOptions,
    r: &ShardRun,
    grades: &[grade::Grade],
    path: &Path,
) -> Result<()> {
    let toml = r.dir.join("run.toml");
    let (Some(lo), Some(hi)) = (r.run.first_run, r.run.end_run) else {
        bail!("{}: no `first_run` and `end_run`", toml.display());
    };
    let all = options.runs();
    let Some(slice) = all.get(lo as usize..hi as usize) else {
        bail!(
            "{}: runs {lo}..{hi} are not a slice of the {} runs",
            toml.display(),
            all.len()
        );
    };
    let mut want: Vec<(String, u64, u64)> = slice
        .iter()
        .flat_map(|(o, s)| options.budgets.iter().map(move |&b| (o.to_string(), *s, b)))
        .collect();
    let mut have: Vec<(String, u64, u64)> = grades
        .iter()
        .map(|g| (g.optimizer.clone(), g.seed, g.budget))
        .collect();
    want.sort();
    have.sort();
    if have != want {
        bail!(
            "{}: its rows are not the runs {lo}..{hi} of shard {} ({} rows, {} expected); the \
             table is not this shard's",
            path.display(),
            r.shard,
            have.len(),
            want.len()
        );
    }
    Ok(())
}

/// Copies a folder tree (the shards' search folders).
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_name() == LOCK_FILE {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).with_context(|| {
                format!("copying {} to {}", entry.path().display(), target.display())
            })?;
        }
    }
    Ok(())
}
