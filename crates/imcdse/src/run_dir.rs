//! Run folders: `run.toml` as one typed record ([`RunToml`]), the append-only journals
//! (`checkpoint.jsonl`, `blocks.jsonl`, `runs.jsonl`: one [`Journal`] type), and atomic writes.
//!
//! `run.toml` holds, in this order: the run's identity (`command`, `inputs`: a hash of the space
//! file, the workloads' layers and the tool version, then for a sweep `space`, `space_file`,
//! `workloads`, `objective`, `optimizer`, `seed`, and `shard` with its slice when sharded), the
//! settings that shape its rows (`budget`, `population`, `top`, `keep_all`), `status`, `tool`,
//! `written` (UTC), `elapsed_s`, the counts of a finished run, and the options as given under
//! `[args]`, which `imcdse merge` reads back. A resumed run must have the same identity.
//!
//! Files a user names as outputs (`--out`, `--report`, `--plot`) go through [`output_files`]
//! first: regular files only, written through symbolic links, never one of the command's
//! inputs nor another of its outputs.

use crate::shard::Shard;
use anyhow::{Context, Result, bail};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// The command that wrote a run folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Command {
    /// `imcdse sweep` (any optimizer, exhaustive included).
    Sweep,
    /// `imcdse compare`.
    Compare,
    /// `imcdse grade`.
    Grade,
    /// `imcdse refine`.
    Refine,
}

impl Command {
    /// The command's name as typed.
    pub fn name(self) -> &'static str {
        match self {
            Command::Sweep => "sweep",
            Command::Compare => "compare",
            Command::Grade => "grade",
            Command::Refine => "refine",
        }
    }
}

/// Whether a run finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Started, not finished (or interrupted).
    Running,
    /// Finished; its tables are written.
    Complete,
}

/// A sweep's evaluation budget as recorded: a number of unique evaluations, or ga4's own
/// schedule (written `"schedule"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// At most this many unique evaluations.
    Evaluations(u64),
    /// The optimizer's own schedule (ga4's 3,300 requests).
    Schedule,
}

impl Budget {
    /// The runner's budget: `u64::MAX` for a schedule (the optimizer stops itself).
    pub fn limit(self) -> u64 {
        match self {
            Budget::Evaluations(n) => n,
            Budget::Schedule => u64::MAX,
        }
    }

    /// The length of a progress bar over the run.
    pub fn bar_len(self) -> u64 {
        match self {
            Budget::Evaluations(n) => n,
            Budget::Schedule => 3300,
        }
    }
}

impl Serialize for Budget {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Budget::Evaluations(n) => s.serialize_u64(*n),
            Budget::Schedule => s.serialize_str("schedule"),
        }
    }
}

impl<'de> Deserialize<'de> for Budget {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Budget, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Count(u64),
            Word(String),
        }
        match Raw::deserialize(d)? {
            Raw::Count(n) => Ok(Budget::Evaluations(n)),
            Raw::Word(w) if w == "schedule" => Ok(Budget::Schedule),
            Raw::Word(w) => Err(serde::de::Error::custom(format!(
                "budget `{w}`: expected a number or \"schedule\""
            ))),
        }
    }
}

/// `shard = "i/N"` in run.toml.
mod shard_text {
    use super::Shard;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(s: &Option<Shard>, ser: S) -> Result<S::Ok, S::Error> {
        match s {
            Some(s) => ser.serialize_str(&s.to_string()),
            None => ser.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Shard>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| t.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// A run folder's `run.toml`, written and read by this one type. Keys a command does not use
/// are left out of the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunToml {
    /// The command that wrote the folder.
    pub command: Command,
    /// Hash of the inputs (space file, workloads' layers, tool version): `Problem::inputs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<String>,
    /// Sweep: the space's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<String>,
    /// Sweep: the space's file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space_file: Option<String>,
    /// Sweep: the workloads' names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workloads: Option<Vec<String>>,
    /// Sweep: the objective's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<String>,
    /// Sweep: the optimizer's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<String>,
    /// Sweep: the seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The shard this folder holds, when sharded.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "shard_text")]
    pub shard: Option<Shard>,
    /// Grade shard: its slice of the (optimizer, seed) runs, `[first_run, end_run)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_run: Option<u64>,
    /// See `first_run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_run: Option<u64>,
    /// Compare shard: its slice of the searches, `[first_search, end_search)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_search: Option<u64>,
    /// See `first_search`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_search: Option<u64>,
    /// Sweep setting: the budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Budget>,
    /// Sweep setting: NSGA-II population.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<u64>,
    /// Sweep setting: best rows kept by an exhaustive run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top: Option<u64>,
    /// Sweep setting: an exhaustive run keeps every row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_all: Option<bool>,
    /// An external evaluator's name and version (`--evaluator`): part of the identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluator: Option<String>,
    /// Its command line, as given (not part of the identity: the same evaluator may be
    /// started from another path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluator_command: Option<String>,
    /// Sweep: the folder it ran in, which relative paths under `[args]` are relative to (not
    /// part of the identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Running or complete.
    pub status: Status,
    /// `imcdse <version>`.
    pub tool: String,
    /// When the file was written, UTC (`YYYY-MM-DDTHH:MM:SSZ`).
    pub written: String,
    /// Seconds since the command started.
    pub elapsed_s: f64,
    /// Exhaustive: designs in the enumerated slice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub designs: Option<u64>,
    /// Exhaustive: feasible designs among them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feasible: Option<u64>,
    /// Exhaustive: the slice `[first_index, end_index)` of flat design indices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_index: Option<u64>,
    /// See `first_index`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_index: Option<u64>,
    /// Exhaustive: the enumeration's wall time, s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enumeration_s: Option<f64>,
    /// Merged: how many shards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shards: Option<u64>,
    /// Merged sweep: each shard's enumeration time, s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_enumeration_s: Option<Vec<f64>>,
    /// Sweep: rows in evaluations.parquet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluations: Option<u64>,
    /// What `inputs` hashes, part by part (`space`, `calibration`, `workload <name>`, `model`,
    /// `evaluator`: `Problem::input_parts`), so that a refused resume names what changed. Not
    /// part of the identity (`inputs` is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_parts: Option<BTreeMap<String, String>>,
    /// The options as given (without where the run is written or which shard it is).
    #[serde(default)]
    pub args: toml::Table,
}

/// The counts a finished exhaustive sweep records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Designs in the slice.
    pub designs: Option<u64>,
    /// Feasible designs.
    pub feasible: Option<u64>,
    /// The slice of flat indices.
    pub slice: Option<(u64, u64)>,
    /// Enumeration time, s.
    pub enumeration_s: Option<f64>,
    /// Merged: shards and their enumeration times.
    pub shards: Option<Vec<f64>>,
    /// Rows written.
    pub evaluations: Option<u64>,
}

impl RunToml {
    /// A new record of `command`, running, with nothing else set.
    pub fn new(command: Command, args: &impl Serialize) -> Result<RunToml> {
        Ok(RunToml {
            command,
            inputs: None,
            space: None,
            space_file: None,
            workloads: None,
            objective: None,
            optimizer: None,
            seed: None,
            shard: None,
            first_run: None,
            end_run: None,
            first_search: None,
            end_search: None,
            budget: None,
            population: None,
            top: None,
            keep_all: None,
            evaluator: None,
            evaluator_command: None,
            cwd: None,
            status: Status::Running,
            tool: tool(),
            written: String::new(),
            elapsed_s: 0.0,
            designs: None,
            feasible: None,
            first_index: None,
            end_index: None,
            enumeration_s: None,
            shards: None,
            shard_enumeration_s: None,
            evaluations: None,
            input_parts: None,
            args: toml::Table::try_from(args).map_err(|e| options_error(args, e))?,
        })
    }

    /// Reads `dir/run.toml`.
    pub fn read(dir: &Path) -> Result<RunToml> {
        let path = dir.join("run.toml");
        let text =
            read_regular(&path).with_context(|| format!("no run.toml in {}", dir.display()))?;
        toml::from_str(&text).with_context(|| {
            format!(
                "{} is not a run.toml this version of imcdse reads",
                path.display()
            )
        })
    }

    /// Reads `dir/run.toml` if there is one.
    pub fn read_if_any(dir: &Path) -> Result<Option<RunToml>> {
        if dir.join("run.toml").exists() {
            RunToml::read(dir).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Sets the counts of a finished run.
    pub fn set_counts(&mut self, c: &Counts) {
        self.designs = c.designs;
        self.feasible = c.feasible;
        self.first_index = c.slice.map(|s| s.0);
        self.end_index = c.slice.map(|s| s.1);
        self.enumeration_s = c.enumeration_s;
        self.shards = c.shards.as_ref().map(|s| s.len() as u64);
        self.shard_enumeration_s = c.shards.clone();
        self.evaluations = c.evaluations;
    }

    /// The record with only its identity kept (times, status, settings, counts and `[args]`
    /// blanked): what a resumed run must match.
    fn identity(&self) -> RunToml {
        let mut id = RunToml {
            status: Status::Running,
            tool: String::new(),
            written: String::new(),
            elapsed_s: 0.0,
            args: toml::Table::new(),
            evaluator_command: None,
            cwd: None,
            input_parts: None,
            ..self.clone()
        };
        id.set_counts(&Counts::default());
        (id.budget, id.population, id.top, id.keep_all) = (None, None, None, None);
        id
    }

    /// Whether `other` has the same identity (command, inputs, configuration, shard).
    pub fn same_identity(&self, other: &RunToml) -> bool {
        self.identity() == other.identity()
    }

    /// Whether `other` has the same settings (budget, population, top, keep_all).
    pub fn same_settings(&self, other: &RunToml) -> bool {
        (self.budget, self.population, self.top, self.keep_all)
            == (other.budget, other.population, other.top, other.keep_all)
    }

    /// What makes `self` (a folder's record) another run than `now`: each key of the identity
    /// whose value differs, one line each (`- key: X there, Y now`), and for `inputs` the parts
    /// that changed when both records list them.
    pub fn differences(&self, now: &RunToml) -> String {
        let table = |r: &RunToml| toml::Table::try_from(r.identity()).unwrap_or_default();
        let lines: Vec<String> = differing(&table(self), &table(now))
            .into_iter()
            .filter(|(k, ..)| k != "status")
            .map(|(k, a, b)| match k.as_str() {
                "inputs" => format!("- inputs: {}", self.changed_inputs(now)),
                _ => format!("- {k}: {a} there, {b} now"),
            })
            .collect();
        lines.join("\n")
    }

    /// Which inputs changed between `self` and `now`.
    fn changed_inputs(&self, now: &RunToml) -> String {
        let (Some(a), Some(b)) = (&self.input_parts, &now.input_parts) else {
            return "the space file, a calibration, a workload's layers, imcdse's model revision \
                    or the evaluator changed since (this folder does not record which)"
                .into();
        };
        let mut keys: Vec<&String> = a.keys().collect();
        keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
        let named: Vec<String> = keys
            .into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .map(|k| {
                let what = part_name(k, now);
                match (a.contains_key(k), b.contains_key(k)) {
                    (true, true) if k.starts_with("workload ") => {
                        format!("the layers of {what} changed since")
                    }
                    (true, true) => format!("{what} changed since"),
                    (true, false) => format!("{what} was used there, not now"),
                    _ => format!("{what} is used now, not there"),
                }
            })
            .collect();
        if named.is_empty() {
            "they differ, though no part does (another imcdse version?)".into()
        } else {
            named.join("; ")
        }
    }

    /// Writes `dir/run.toml` atomically with `status`, the time and the elapsed seconds.
    pub fn write(&mut self, dir: &Path, status: Status, started: Instant) -> Result<()> {
        self.status = status;
        self.tool = tool();
        self.written = utc_now();
        self.elapsed_s = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
        let text = toml::to_string(self).context("writing run.toml")?;
        write_atomic(&dir.join("run.toml"), text.as_bytes())
    }

    /// The `[args]` table as the options type of its command.
    pub fn args<T: DeserializeOwned>(&self, dir: &Path) -> Result<T> {
        self.args
            .clone()
            .try_into()
            .with_context(|| format!("{}: [args]", dir.join("run.toml").display()))
    }
}

/// A part of the inputs as a message names it.
fn part_name(key: &str, now: &RunToml) -> String {
    match key {
        "space" => match &now.space_file {
            Some(f) => format!("the space file ({f})"),
            None => "the space file".into(),
        },
        "calibration" => "the calibration".into(),
        "min_snr" => "the minimum SNR (--min-snr, or the space's min_snr_db)".into(),
        "model" => "imcdse's version or model revision".into(),
        "evaluator" => "the evaluator".into(),
        k => match k.strip_prefix("workload ") {
            Some(w) => format!("workload `{w}`"),
            None => format!("`{k}`"),
        },
    }
}

/// Why the options cannot be recorded: run.toml's integers are TOML's, at most 2^63 - 1; the
/// first option past that is named as its flag.
fn options_error(args: &impl Serialize, e: toml::ser::Error) -> anyhow::Error {
    fn too_big(key: &str, v: &serde_json::Value) -> Option<(String, u64)> {
        match v {
            serde_json::Value::Number(n) => n
                .as_u64()
                .filter(|&n| n > i64::MAX as u64)
                .map(|n| (key.to_string(), n)),
            serde_json::Value::Object(m) => m.iter().find_map(|(k, v)| too_big(k, v)),
            serde_json::Value::Array(a) => a.iter().find_map(|v| too_big(key, v)),
            _ => None,
        }
    }
    let value = serde_json::to_value(args).unwrap_or_default();
    match too_big("", &value) {
        Some((key, n)) => anyhow::anyhow!(
            "--{} {n}: out of range; allowed at most {} (run.toml records it)",
            key.replace('_', "-"),
            i64::MAX
        ),
        None => anyhow::Error::new(e).context("recording the options in run.toml"),
    }
}

/// `imcdse <version>`.
pub fn tool() -> String {
    format!("imcdse {}", env!("CARGO_PKG_VERSION"))
}

/// UTC time now as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// The temporary name `path` is written under before its rename: the process id in it keeps
/// two processes writing the same file (shards sharing a certification cache) apart.
pub fn temporary(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// Writes `bytes` to `path` through a temporary file and a rename. A symbolic link is written
/// through (the file it points to is replaced, the link stays); anything but a regular file
/// (a folder, FIFO, device or socket) is refused, never renamed over ([`output_target`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let path = &output_target(&path.display().to_string(), path)?;
    let tmp = temporary(path);
    fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}

/// Refuses a study's folder `dir` that is another study's: one whose `run.toml` records
/// another command or cannot be read, or that holds one of the study's `files` but no
/// `run.toml` (a run whose record was deleted, or files of something else). The study would
/// overwrite them or append to them. A link counts as there, even one to nothing.
pub fn refuse_unrecorded<'a>(
    dir: &Path,
    command: Command,
    files: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    let there = |name: &str| fs::symlink_metadata(dir.join(name)).is_ok();
    if there("run.toml") {
        let saved = RunToml::read(dir).with_context(|| {
            format!(
                "{}: its run.toml cannot be read; choose another --out, or remove it",
                dir.display()
            )
        })?;
        if saved.command != command {
            bail!(
                "{} holds a `{}` run, not a `{}` one; choose another --out",
                dir.display(),
                saved.command.name(),
                command.name()
            );
        }
        return Ok(());
    }
    if let Some(f) = files.into_iter().find(|f| there(f)) {
        bail!(
            "{}: holds {f} but no run.toml (a run whose run.toml was deleted, or other files); \
             choose another --out, or remove them",
            dir.display()
        );
    }
    Ok(())
}

/// Where an output named `path` is written: `path` itself when nothing is there or a regular
/// file is, the file a symbolic link points to (links are written through), and an error
/// beginning with `what` (the flag and path, e.g. `--out x.toml`) for a folder, a FIFO, a
/// device, a socket or a link to nothing.
pub fn output_target(what: &str, path: &Path) -> Result<PathBuf> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(path.to_path_buf()),
        Err(e) => return Err(e).with_context(|| format!("{what}: cannot look at it")),
    };
    let link = meta.file_type().is_symlink();
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{what}: a symbolic link to nothing; outputs are written through links to the file \
             they point to, so remove the link or make that file"
        ),
        Err(e) => return Err(e).with_context(|| format!("{what}: cannot look at it")),
    };
    if meta.is_file() {
        return match link {
            true => fs::canonicalize(path).with_context(|| format!("{what}: cannot follow it")),
            false => Ok(path.to_path_buf()),
        };
    }
    let via = match (link, fs::read_link(path)) {
        (true, Ok(to)) => format!(" (the link points to {})", to.display()),
        _ => String::new(),
    };
    match meta.is_dir() {
        true => bail!("{what}: a folder{via}; give the path of a file"),
        false => bail!(
            "{what}: {}{via}, not a regular file; outputs are written to regular files only",
            imc_zoo::files::kind(&meta.file_type())
        ),
    }
}

/// The keys whose values differ between `there` and `here` (`there`'s keys first), each with
/// both values as text (`(none)` where a table lacks it): what makes two records differ.
pub fn differing(there: &toml::Table, here: &toml::Table) -> Vec<(String, String, String)> {
    let show = |v: Option<&toml::Value>| v.map_or("(none)".to_string(), |v| v.to_string());
    let mut keys: Vec<&String> = there.keys().collect();
    keys.extend(here.keys().filter(|k| !there.contains_key(*k)));
    keys.into_iter()
        .filter(|k| there.get(*k) != here.get(*k))
        .map(|k| (k.clone(), show(there.get(k)), show(here.get(k))))
        .collect()
}

/// Opens `path` for reading if it is a regular file (through links): a FIFO, a device or a
/// folder where a run's file belongs is refused before it is opened, as opening a FIFO would
/// wait for a writer for good. The error keeps `NotFound` for a missing file.
pub fn open_regular(path: &Path) -> std::io::Result<fs::File> {
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other(format!(
            "{}, not a regular file; it is read from regular files only",
            imc_zoo::files::kind(&meta.file_type())
        )));
    }
    fs::File::open(path)
}

/// [`open_regular`], read whole as text.
pub fn read_regular(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    open_regular(path)?.read_to_string(&mut text)?;
    Ok(text)
}

/// Checks, before any work, the files a command is to write (`outputs`: flag and path) and
/// returns where each is written ([`output_target`]): each is a regular file or new, none is
/// one of the files the command reads (`inputs`: what it is, e.g. `--reference` or `the ONNX
/// file`, and its path), none is another output.
/// "The same file" is the same device and inode, or the same canonical path (for files not
/// yet made), however the paths are spelled or linked.
pub fn output_files(outputs: &[(&str, &Path)], inputs: &[(&str, &Path)]) -> Result<Vec<PathBuf>> {
    let mut targets: Vec<PathBuf> = Vec::new();
    for (flag, path) in outputs {
        let what = format!("{flag} {}", path.display());
        let target = output_target(&what, path)?;
        for (in_flag, input) in inputs {
            if same_file(&target, input) {
                bail!(
                    "{what}: this is {in_flag} {}, which the command reads; writing it would \
                     destroy it: give another path",
                    input.display()
                );
            }
        }
        for ((other_flag, other), other_target) in outputs.iter().zip(&targets) {
            if same_file(&target, other_target) {
                bail!(
                    "{what}: this is also {other_flag} {}; two outputs cannot be one file: \
                     give another path",
                    other.display()
                );
            }
        }
        targets.push(target);
    }
    Ok(targets)
}

/// Whether `a` and `b` are one file: one device and inode when both exist, else one
/// canonical path (a file not yet made: its folder's canonical path and its name).
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    if let (Ok(x), Ok(y)) = (fs::metadata(a), fs::metadata(b)) {
        use std::os::unix::fs::MetadataExt;
        return (x.dev(), x.ino()) == (y.dev(), y.ino());
    }
    canonical(a) == canonical(b)
}

/// `path` made absolute through its links: itself when it exists, else its folder's
/// canonical path joined with its name (or the path as given when neither exists).
fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = fs::canonicalize(path) {
        return p;
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (fs::canonicalize(parent), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

/// An append-only file of JSON lines, one `T` a line, each flushed to disk when appended.
///
/// A kill mid-write tears the last line (it lacks its newline): [`Journal::load`] cuts it off,
/// so lines that a resumed run appends never follow a torn one. A whole line that does not
/// parse as a `T` is an error naming it.
pub struct Journal<T> {
    path: PathBuf,
    file: Mutex<Option<fs::File>>,
    kind: PhantomData<fn() -> T>,
}

impl<T: Serialize + DeserializeOwned> Journal<T> {
    /// The journal at `path` (nothing is opened or created yet).
    pub fn new(path: PathBuf) -> Journal<T> {
        Journal {
            path,
            file: Mutex::new(None),
            kind: PhantomData,
        }
    }

    /// Where the journal lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The items; a missing file has none. A last line without its newline is what a kill
    /// mid-write leaves: it is cut off (the file is rewritten without it). A whole line that
    /// is not a `T` was edited or damaged: an error naming the line, so no evaluation after it
    /// is dropped unseen.
    pub fn load(&self) -> Result<Vec<T>> {
        let text = match read_regular(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", self.path.display())),
        };
        let mut kept = Vec::new();
        let mut end = 0;
        for (n, line) in text.split_inclusive('\n').enumerate() {
            if !line.ends_with('\n') {
                break;
            }
            match serde_json::from_str::<T>(line) {
                Ok(item) => kept.push(item),
                Err(e) => bail!(
                    "{}: line {} is not a valid entry ({e}); it was edited or damaged: delete \
                     it to go on (its evaluation is then made again)",
                    self.path.display(),
                    n + 1
                ),
            }
            end += line.len();
        }
        if end < text.len() {
            write_atomic(&self.path, &text.as_bytes()[..end])?;
        }
        Ok(kept)
    }

    /// Appends items, one line each, and flushes them to disk.
    pub fn append(&self, items: &[T]) -> Result<()> {
        let mut buf = String::new();
        for item in items {
            buf.push_str(&serde_json::to_string(item)?);
            buf.push('\n');
        }
        let mut guard = self
            .file
            .lock()
            .map_err(|_| anyhow::anyhow!("{}: a writer panicked", self.path.display()))?;
        if guard.is_none() {
            let f = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .with_context(|| format!("opening {}", self.path.display()))?;
            *guard = Some(f);
        }
        let f = guard.as_mut().expect("opened above");
        f.write_all(buf.as_bytes())
            .and_then(|()| f.sync_data())
            .with_context(|| format!("writing {}", self.path.display()))
    }

    /// Removes the file (a missing one is fine).
    pub fn remove(&self) -> Result<()> {
        match fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("removing {}", self.path.display()))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_toml_round_trips_and_leaves_out_what_a_command_does_not_use() {
        #[derive(Serialize)]
        struct Opts {
            space: String,
            budget: Option<u64>,
        }
        let mut r = RunToml::new(
            Command::Grade,
            &Opts {
                space: "demo".into(),
                budget: None,
            },
        )
        .unwrap();
        r.inputs = Some("00ff".into());
        r.shard = Some(Shard { index: 1, count: 3 });
        r.budget = Some(Budget::Schedule);
        let text = toml::to_string(&r).unwrap();
        assert!(text.starts_with("command = \"grade\"\ninputs = \"00ff\"\nshard = \"1/3\"\nbudget = \"schedule\"\nstatus = \"running\"\n"), "{text}");
        assert!(text.ends_with("[args]\nspace = \"demo\"\n"), "{text}");
        assert!(!text.contains("designs"));
        let back: RunToml = toml::from_str(&text).unwrap();
        assert_eq!(back, r);
        let mut other = back.clone();
        other.budget = Some(Budget::Evaluations(10));
        other.status = Status::Complete;
        assert!(other.same_identity(&r) && !other.same_settings(&r));
        other.shard = None;
        assert!(!other.same_identity(&r));
    }

    #[test]
    fn journal_cuts_a_torn_line_and_appends_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let j: Journal<Vec<u32>> = Journal::new(path.clone());
        assert!(j.load().unwrap().is_empty());
        j.append(&[vec![1], vec![2, 3]]).unwrap();
        let mut text = fs::read_to_string(&path).unwrap();
        text.push_str("[4, 5");
        fs::write(&path, text).unwrap();
        let j: Journal<Vec<u32>> = Journal::new(path.clone());
        assert_eq!(j.load().unwrap(), vec![vec![1], vec![2, 3]]);
        j.append(&[vec![6]]).unwrap();
        assert_eq!(j.load().unwrap(), vec![vec![1], vec![2, 3], vec![6]]);
        j.remove().unwrap();
        j.remove().unwrap();
        assert!(j.load().unwrap().is_empty());
    }

    /// A damaged line in the middle is named, not taken for the torn end: the lines after it
    /// stay in the file.
    #[test]
    fn journal_names_a_damaged_line_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        fs::write(&path, "[1]\n[2, x]\n[3]\n").unwrap();
        let j: Journal<Vec<u32>> = Journal::new(path.clone());
        let e = j.load().unwrap_err().to_string();
        assert!(e.contains("j.jsonl: line 2 is not a valid entry"), "{e}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "[1]\n[2, x]\n[3]\n");
    }

    #[test]
    fn utc_time_has_the_documented_shape() {
        let t = utc_now();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
    }

    /// A run's files are read only when regular: a folder or a FIFO is refused unopened, a
    /// missing file stays `NotFound`, a link is followed.
    #[test]
    fn reads_take_regular_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        fs::write(p("a.md"), "text").unwrap();
        std::os::unix::fs::symlink("a.md", p("link.md")).unwrap();
        assert_eq!(read_regular(&p("link.md")).unwrap(), "text");
        let e = read_regular(dir.path()).unwrap_err().to_string();
        assert!(e.contains("a folder, not a regular file"), "{e}");
        let missing = read_regular(&p("none")).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        let made = std::process::Command::new("mkfifo").arg(p("f")).status();
        assert!(made.is_ok_and(|s| s.success()));
        let e = open_regular(&p("f")).unwrap_err().to_string();
        assert!(e.contains("FIFO"), "{e}");
    }

    /// Issue 32, the output principle: outputs are regular files (links written through),
    /// never an input, never another output, however spelled, hard-linked or soft-linked.
    #[test]
    fn output_files_are_regular_and_never_an_input_or_another_output() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        fs::write(p("in.csv"), "data").unwrap();
        fs::hard_link(p("in.csv"), p("hard.toml")).unwrap();
        std::os::unix::fs::symlink("in.csv", p("soft.toml")).unwrap();
        std::os::unix::fs::symlink("out.toml", p("to-out.toml")).unwrap();
        fs::write(p("out.toml"), "old").unwrap();
        let input = [("--reference", p("in.csv"))];
        let inputs: Vec<(&str, &Path)> = input.iter().map(|(f, q)| (*f, q.as_path())).collect();
        let one = |out: &Path| output_files(&[("--out", out)], &inputs);
        for bad in ["in.csv", "hard.toml", "soft.toml", "./in.csv"] {
            let e = one(&p(bad)).unwrap_err().to_string();
            assert!(e.contains("this is --reference"), "{bad}: {e}");
        }
        assert_eq!(
            one(&p("to-out.toml")).unwrap(),
            vec![fs::canonicalize(p("out.toml")).unwrap()]
        );
        assert_eq!(one(&p("new.toml")).unwrap(), vec![p("new.toml")]);
        let e = one(dir.path()).unwrap_err().to_string();
        assert!(e.contains("a folder"), "{e}");
        let e = one(Path::new("/dev/null")).unwrap_err().to_string();
        assert!(e.contains("a character device, not a regular file"), "{e}");
        let two = [("--out", p("new.toml")), ("--report", p("x/../new.toml"))];
        fs::create_dir(p("x")).unwrap();
        let two: Vec<(&str, &Path)> = two.iter().map(|(f, q)| (*f, q.as_path())).collect();
        let e = output_files(&two, &inputs).unwrap_err().to_string();
        assert!(e.contains("this is also --out"), "{e}");
        let linked = [("--out", p("out.toml")), ("--report", p("to-out.toml"))];
        let linked: Vec<(&str, &Path)> = linked.iter().map(|(f, q)| (*f, q.as_path())).collect();
        assert!(output_files(&linked, &inputs).is_err());
        // write_atomic writes through a link and refuses a device.
        write_atomic(&p("to-out.toml"), b"new").unwrap();
        assert_eq!(fs::read_to_string(p("out.toml")).unwrap(), "new");
        assert!(
            fs::symlink_metadata(p("to-out.toml"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(write_atomic(Path::new("/dev/null"), b"x").is_err());
    }
}
