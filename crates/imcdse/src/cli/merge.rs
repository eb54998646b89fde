//! `imcdse merge DIR... --out DIR`: one results folder from the folders of a sharded run
//! (`--shard i/N` of `sweep --optimizer exhaustive`, `compare` or `grade`).
//!
//! Checks first, writes after: every folder must hold a complete shard (`run.toml` with
//! `status = "complete"` and a `shard`), of the same command, options (`[args]`), inputs (a
//! hash of the space file and the workloads' layers: `Problem::inputs`) and tool version, and the shards must cover 0..N exactly once; an error names the folder and what is
//! wrong, or the shards missing or given twice. Then, by command:
//!
//! - **sweep** (exhaustive): each shard kept its best `top` rows and its Pareto front; their
//!   union holds the whole space's best `top` rows and front, which are recomputed with the
//!   same rules as one run ([`exhaustive::combine`]: by score, ties by evaluation index; the
//!   front by evaluation index). `evaluations.parquet` and `pareto.parquet` come out equal to
//!   the unsharded run's; the feasible count is the shards' sum.
//! - **compare**: the shards' search folders are copied under `--out` and the comparison is
//!   assembled from them as `compare` does (each search is read back, none run again).
//! - **grade**: the shards' rows in the order of one run; all shards must have certified the
//!   same optimum.
//!
//! Only times differ from an unsharded run: `run.toml`, the summaries' seconds, `run_seconds`.

use crate::cli::{compare, grade, sweep};
use crate::exhaustive;
use crate::results::{self, RunFile};
use crate::shard::Shard;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args, Clone)]
pub struct Args {
    /// The shards' folders (any order), e.g. results/run/shard-*.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Where the merged results go.
    #[arg(long)]
    pub out: PathBuf,
}

/// A shard folder's run.toml.
pub struct ShardRun {
    pub dir: PathBuf,
    pub shard: Shard,
    pub run: RunFile,
}

impl ShardRun {
    fn read(dir: &Path) -> Result<ShardRun> {
        let run =
            RunFile::read(dir).context("merge takes the folders of runs made with --shard i/N")?;
        let path = run.path.display();
        let Some(shard) = run.text("shard") else {
            bail!(
                "{path}: not a shard (no `shard` key): merge combines the folders of runs made with --shard i/N"
            );
        };
        let shard: Shard = shard
            .parse()
            .map_err(|e| anyhow::anyhow!("{path}: shard: {e}"))?;
        match run.text("status") {
            Some("complete") => {}
            other => bail!(
                "{}: shard {shard} is not complete (status {}); run the same command again to resume it",
                dir.display(),
                other.unwrap_or("missing")
            ),
        }
        Ok(ShardRun {
            dir: dir.to_path_buf(),
            shard,
            run,
        })
    }

    fn get(&self, key: &str) -> Option<&toml::Value> {
        self.run.get(key)
    }

    fn u64(&self, key: &str) -> Result<u64> {
        self.run.u64(key)
    }

    fn args<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        let path = self.run.path.display();
        let v = self
            .get("args")
            .cloned()
            .with_context(|| format!("{path}: no [args]"))?;
        v.try_into().with_context(|| format!("{path}: [args]"))
    }
}

/// Reads and checks the shards: one command, options and version; 0..N once each. Returned in
/// shard order.
pub fn check(dirs: &[PathBuf]) -> Result<Vec<ShardRun>> {
    let mut runs = dirs
        .iter()
        .map(|d| ShardRun::read(d))
        .collect::<Result<Vec<_>>>()?;
    let first = &runs[0];
    for r in &runs[1..] {
        for key in ["command", "tool", "inputs", "args"] {
            if r.get(key) != first.get(key) {
                let show = |x: &ShardRun| {
                    x.get(key)
                        .map_or("(missing)".to_string(), |v| v.to_string())
                        .trim()
                        .to_string()
                };
                bail!(
                    "{} and {} are not shards of one run: their `{key}` differ:\n  {}\n  {}",
                    first.dir.display(),
                    r.dir.display(),
                    show(first),
                    show(r)
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
            format!(
                "shard {i}/{n} given {} times ({})",
                d.len(),
                d.iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
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

pub fn run(args: &Args) -> Result<()> {
    let started = Instant::now();
    let runs = check(&args.dirs)?;
    let out_abs = std::path::absolute(&args.out)?;
    if runs
        .iter()
        .any(|r| std::path::absolute(&r.dir).is_ok_and(|d| d == out_abs))
    {
        bail!(
            "--out {}: is one of the shards; merge into another folder",
            args.out.display()
        );
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    match runs[0].run.text("command").unwrap_or("") {
        "sweep" => merge_sweep(&runs, &args.out, started),
        "compare" => merge_compare(&runs, &args.out),
        "grade" => merge_grade(&runs, &args.out, started),
        other => bail!(
            "{}: unknown command `{other}` in run.toml",
            runs[0].dir.display()
        ),
    }
}

fn merge_sweep(runs: &[ShardRun], out: &Path, started: Instant) -> Result<()> {
    let mut args: sweep::Args = runs[0].args()?;
    args.out = Some(out.to_path_buf());
    let (space, problem) = sweep::setup(&args)?;
    let size = problem.space.size();
    let (mut designs, mut feasible) = (0u64, 0u64);
    let mut parts = Vec::new();
    let mut seconds = Vec::new();
    for r in runs {
        let (lo, hi) = r.shard.range(size as u64);
        if (r.u64("first_index")?, r.u64("end_index")?) != (lo, hi) {
            bail!(
                "{}: shard {} covers {}..{}, not {lo}..{hi} as it should in a space of {size}",
                r.dir.display(),
                r.shard,
                r.u64("first_index")?,
                r.u64("end_index")?
            );
        }
        designs += r.u64("designs")?;
        feasible += r.u64("feasible")?;
        seconds.push(
            r.get("enumeration_s")
                .and_then(|v| v.as_float())
                .unwrap_or(f64::NAN),
        );
        parts.push(results::read_rows(
            &problem,
            &r.dir.join("evaluations.parquet"),
        )?);
    }
    if designs as u128 != size {
        bail!("the shards hold {designs} designs, the space {size}");
    }
    let rows = exhaustive::combine(parts, args.top, args.keep_all);
    let total: f64 = seconds.iter().sum();
    let slowest = seconds.iter().copied().fold(0.0, f64::max);
    let note = format!(
        "evaluated all {designs} designs in {} shards (enumeration {total:.1} s in all, the slowest shard {slowest:.1} s), {feasible} feasible; merged",
        runs.len()
    );
    let merged = format!(
        "designs = {designs}\nfeasible = {feasible}\nfirst_index = 0\nend_index = {designs}\nshards = {}\nshard_enumeration_s = [{}]\n",
        runs.len(),
        seconds
            .iter()
            .map(|s| format!("{s:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let swept = sweep::write_results(&args, &space, &problem, rows, &note, &merged, started)?;
    println!("{}", swept.summary);
    println!("results: {}", out.display());
    Ok(())
}

fn merge_compare(runs: &[ShardRun], out: &Path) -> Result<()> {
    let mut args: compare::Args = runs[0].args()?;
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
    args.out = Some(out.to_path_buf());
    compare::run(&args)
}

fn merge_grade(runs: &[ShardRun], out: &Path, started: Instant) -> Result<()> {
    let mut args: grade::Args = runs[0].args()?;
    args.out = Some(out.to_path_buf());
    let setup = grade::setup(&args)?;
    let read_cert = |r: &ShardRun| -> Result<grade::Certified> {
        let path = r.dir.join("certified.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{}: not a certificate", path.display()))
    };
    let cert = read_cert(&runs[0])?;
    let mut grades = Vec::new();
    for r in runs {
        let c = read_cert(r)?;
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
        grades.extend(grade::read_grades(&r.dir.join("grading.parquet"))?);
    }
    let expected = setup.optimizers.len() as u64 * args.seeds * setup.budgets.len() as u64;
    if grades.len() as u64 != expected {
        bail!(
            "the shards hold {} graded rows; {expected} expected ({} optimizers x {} seeds x {} budgets)",
            grades.len(),
            setup.optimizers.len(),
            args.seeds,
            setup.budgets.len()
        );
    }
    grade::write(
        out,
        &setup.problem,
        &cert,
        &grades,
        &setup.optimizers,
        &setup.budgets,
        &args,
    )?;
    results::write_atomic(
        &out.join("certified.json"),
        serde_json::to_string_pretty(&cert)?.as_bytes(),
    )?;
    let tail = sweep::args_toml(&args)?;
    sweep::write_run_toml(
        &out.join("run.toml"),
        "command = \"grade\"\n",
        "complete",
        &format!("shards = {}\n", runs.len()),
        &tail,
        started,
    )?;
    println!("results: {}", out.display());
    Ok(())
}

/// Copies a folder tree (the shards' search folders).
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
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
