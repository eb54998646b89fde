//! The certified optimum of a space, workloads and objective: the exact best score (for
//! `pareto`, the exact front) by exhaustive enumeration ([`super::exhaustive`]), or read from a
//! complete exhaustive sweep folder (a merged sharded one). Certificates are cached in a folder
//! under a name made of the space, the objective and a hash of the space file, the workloads'
//! layers and the tool version, so a changed workload or space is certified again.

use super::estimate::{self, Advice};
use super::exhaustive;
use crate::hash::fnv1a;
use crate::optimizer::OptimizerKind;
use crate::problem::Problem;
use crate::progress::Progress;
use crate::report::pairs;
use crate::results::{self, Row};
use crate::run_dir::{Command, RunToml, Status, write_atomic};
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;

/// The exact answer for a space, workloads and objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certified {
    /// `<space>-<objective>-<hash>` (see the module doc).
    pub key: String,
    /// Designs enumerated.
    pub designs: u64,
    /// Feasible designs.
    pub feasible: u64,
    /// Enumeration time, s.
    pub seconds: f64,
    /// The best score (for `pareto`, the best max-ela, reported only).
    pub best_score: f64,
    /// The best design as `k = v, ...`.
    pub best_design: String,
    /// The exact front in (max E, max L, A), distinct points.
    pub front: Vec<[f64; 3]>,
}

/// The certified optimum, from the cache in `cache` or by an exhaustive run (saved there),
/// refused when its timed estimate is over a day unless `force` ([`super::estimate`]).
pub fn certify(
    problem: &Problem,
    cache: &Path,
    force: bool,
    progress: &dyn Progress,
) -> Result<Certified> {
    let key = certification_key(problem);
    let path = cache.join(format!("{key}.json"));
    let max = imc_zoo::files::MAX_TEXT_BYTES;
    if let Ok(text) =
        imc_zoo::files::read_bounded(&path.display().to_string(), "a certificate", max)
        && let Ok(c) = serde_json::from_slice::<Certified>(&text)
        && c.key == key
    {
        return Ok(c);
    }
    progress.note(&format!(
        "grade: certifying the optimum of {}: every design is costed once, then cached in {}",
        problem.file.name,
        cache.display()
    ));
    let what = ("grade: certification", Advice::Grade);
    estimate::check(problem, None, force, what, progress)?;
    let started = Instant::now();
    let e = exhaustive::run(problem, 1, false, progress)?;
    let secs = started.elapsed().as_secs_f64();
    let c = certificate(problem, &e.rows, e.designs, e.feasible, secs)?;
    save(cache, &c)?;
    Ok(c)
}

/// The certificate of a complete, unsharded (or merged) exhaustive sweep folder of the same
/// space, workloads and objective; saved to the cache too. Its rows hold the best design and
/// the whole front, so the certificate equals the one an enumeration here would give.
pub fn certificate_from(problem: &Problem, dir: &Path, cache: &Path) -> Result<Certified> {
    let run = RunToml::read(dir).context("--certified")?;
    let path = dir.join("run.toml");
    check_sweep(problem, &run, &path)?;
    if let Some(shard) = run.shard {
        bail!(
            "--certified: {} is shard {shard} only; merge the shards first (imcdse merge)",
            dir.display()
        );
    }
    let count = |v: Option<u64>, k: &str| {
        v.with_context(|| format!("--certified: {}: no integer `{k}`", path.display()))
    };
    let (designs, feasible) = (
        count(run.designs, "designs")?,
        count(run.feasible, "feasible")?,
    );
    if designs as u128 != problem.space.size() {
        bail!(
            "--certified: {} covers {designs} designs, the space has {}",
            dir.display(),
            problem.space.size()
        );
    }
    let rows = results::read_rows(problem, &dir.join("evaluations.parquet"))?;
    let seconds = run
        .shard_enumeration_s
        .map(|s| s.iter().sum())
        .or(run.enumeration_s)
        .unwrap_or(f64::NAN);
    let c = certificate(problem, &rows, designs, feasible, seconds)?;
    save(cache, &c)?;
    Ok(c)
}

/// The folder's run.toml must be a complete exhaustive sweep of this space, these workloads
/// and this objective.
fn check_sweep(problem: &Problem, run: &RunToml, path: &Path) -> Result<()> {
    let objective = problem.objective.name();
    let text = |v: &Option<String>| v.as_ref().map_or("missing".into(), |s| format!("{s:?}"));
    let checks = [
        (
            "command",
            run.command == Command::Sweep,
            format!("{:?}", run.command.name()),
            "sweep".to_string(),
        ),
        (
            "optimizer",
            run.optimizer.as_deref() == Some(OptimizerKind::Exhaustive.name()),
            text(&run.optimizer),
            "exhaustive".into(),
        ),
        (
            "status",
            run.status == Status::Complete,
            "\"running\"".into(),
            "complete".into(),
        ),
        (
            "space",
            run.space.as_deref() == Some(problem.file.name.as_str()),
            text(&run.space),
            problem.file.name.clone(),
        ),
        (
            "workloads",
            run.workloads.as_ref() == Some(&problem.names),
            format!("{:?}", run.workloads.clone().unwrap_or_default()),
            problem.names.join(", "),
        ),
        (
            "objective",
            run.objective.as_deref() == Some(objective.as_str()),
            text(&run.objective),
            objective.clone(),
        ),
        (
            "evaluator",
            run.evaluator == identity(problem),
            text(&run.evaluator),
            text(&identity(problem)).replace("missing", "none (the model)"),
        ),
    ];
    for (key, ok, found, want) in checks {
        if !ok {
            bail!(
                "--certified: {}: `{key}` is {found}, this grading needs {want}",
                path.display()
            );
        }
    }
    same_inputs(problem, run, path)
}

/// The sweep's inputs (the space with its constraints and `--min-snr`, each workload, the
/// model's revision, a calibration, the evaluator) must be this grading's, part by part: an
/// optimum certified under another minimum SNR or an older model is another problem's.
fn same_inputs(problem: &Problem, run: &RunToml, path: &Path) -> Result<()> {
    let Some(theirs) = &run.input_parts else {
        bail!(
            "--certified: {}: no [input_parts]; it was made by an older imcdse: certify again",
            path.display()
        );
    };
    let ours = problem.input_parts(identity(problem).as_deref());
    if let Some(part) = ours
        .keys()
        .chain(theirs.keys())
        .find(|k| ours.get(*k) != theirs.get(*k))
    {
        bail!(
            "--certified: {}: its {part} differs from this grading's (another minimum SNR, space, workload, model revision or evaluator): certify again",
            path.display()
        );
    }
    Ok(())
}

/// The certificate of an exhaustive run's rows (its best rows and its whole front).
fn certificate(
    problem: &Problem,
    rows: &[Row],
    designs: u64,
    feasible: u64,
    seconds: f64,
) -> Result<Certified> {
    let Some(best) = results::best_row(rows) else {
        bail!("no design of the space is feasible: nothing to grade against");
    };
    let mut front: Vec<[f64; 3]> = Vec::new();
    for k in results::pareto_rows(rows)
        .iter()
        .filter_map(|r| r.front_key())
    {
        if !front.contains(&k) {
            front.push(k);
        }
    }
    Ok(Certified {
        key: certification_key(problem),
        designs,
        feasible,
        seconds,
        best_score: best.eval.score.unwrap_or(f64::NAN),
        best_design: pairs(&problem.values(&best.point), " = ", ", "),
        front,
    })
}

/// Writes a certificate as `<dir>/<key>.json`.
pub fn save(cache: &Path, c: &Certified) -> Result<()> {
    std::fs::create_dir_all(cache).with_context(|| format!("creating {}", cache.display()))?;
    write_atomic(
        &cache.join(format!("{}.json", c.key)),
        serde_json::to_string_pretty(c)?.as_bytes(),
    )
}

/// Reads `<dir>/certified.json`.
pub fn read(dir: &Path) -> Result<Certified> {
    let path = dir.join("certified.json");
    let file = path.display().to_string();
    let max = imc_zoo::files::MAX_TEXT_BYTES;
    let text = imc_zoo::files::read_bounded(&file, "a certificate", max)?;
    serde_json::from_slice(&text).with_context(|| format!("{}: not a certificate", path.display()))
}

/// The external evaluator's `name version`, if the problem has one.
fn identity(problem: &Problem) -> Option<String> {
    problem.evaluator().map(|e| e.handshake().identity())
}

/// `<space>-<objective>-<hash>`: the hash covers the space file, the workloads' layers, the
/// tool version and the model's revision and defaults (and an external evaluator's name and
/// version), so any change certifies again.
fn certification_key(problem: &Problem) -> String {
    let mut text = format!(
        "{:?}{:?}{}{}{}",
        problem.file,
        problem.workloads,
        problem.objective.name(),
        env!("CARGO_PKG_VERSION"),
        imc_model::fingerprint()
    );
    if let Some(e) = identity(problem) {
        text.push_str(&format!("evaluator {e}"));
    }
    format!(
        "{}-{}-{:016x}",
        problem.file.name,
        problem.objective.name().replace(':', "_"),
        fnv1a(&text)
    )
}
