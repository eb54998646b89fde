//! Results of a run (DESIGN.md, "Results"), the one module that writes files:
//!
//! - `evaluations.parquet`: one row per evaluated design; `pareto.parquet`: the non-dominated
//!   feasible designs in (max E, max L, A). Columns: the space's parameters under their own
//!   names, `feasible`, `infeasible_reason` (null when feasible), `score` (null when infeasible),
//!   `area_mm2`, per workload `<w>__energy_mj`, `<w>__latency_ms`, `<w>__edap`, `eval_index`,
//!   `phase`. Written with polars to a temporary name and renamed, so a crash never leaves a
//!   broken file.
//! - `checkpoint.jsonl`: every evaluation as soon as its batch is done, one JSON object a line,
//!   flushed; an interrupted run resumes from it (`--resume`).
//! - `blocks.jsonl` (exhaustive runs): each finished block's best rows and front, for resume;
//!   `runs.jsonl` (gradings, written by `cli/grade.rs`): each finished run's grades.
//! - `run.toml` (command, inputs hash, configuration, version, times, status, counts, and the
//!   options under `[args]`; read back by [`RunFile`]) and `summary.md`.

use crate::problem::{Evaluation, Problem};
use anyhow::{Context, Result, bail};
use imc_model::Value;
use imc_search::runner::Record;
use imc_search::{Outcome, Point};
use polars::prelude::*;
use serde_json::json;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One evaluated design, ready for a results row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub eval_index: u64,
    pub phase: String,
    pub point: Point,
    pub eval: Evaluation,
}

impl Row {
    /// (max E, max L, A) of a feasible row.
    pub fn front_key(&self) -> Option<[f64; 3]> {
        if !self.eval.outcome.is_feasible() {
            return None;
        }
        let e = self
            .eval
            .per_workload
            .iter()
            .flatten()
            .map(|x| x.0)
            .fold(f64::NEG_INFINITY, f64::max);
        let l = self
            .eval
            .per_workload
            .iter()
            .flatten()
            .map(|x| x.1)
            .fold(f64::NEG_INFINITY, f64::max);
        Some([e, l, self.eval.area_mm2?])
    }
}

/// Scored rows by score, then by evaluation index (an unscored row sorts last).
pub fn by_score(a: &Row, b: &Row) -> std::cmp::Ordering {
    let s = |r: &Row| r.eval.score.unwrap_or(f64::INFINITY);
    s(a).total_cmp(&s(b)).then(a.eval_index.cmp(&b.eval_index))
}

/// The scored (so feasible) row with the lowest score; ties go to the first evaluated.
pub fn best_row(rows: &[Row]) -> Option<&Row> {
    rows.iter()
        .filter(|r| r.eval.score.is_some())
        .min_by(|a, b| by_score(a, b))
}

/// The temporary name `path` is written under before its rename: the process id in it keeps
/// two processes writing the same file (shards sharing a certification cache) apart.
fn temporary(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temporary(path);
    fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}

/// The results table of `rows` for `problem`.
pub fn frame(problem: &Problem, rows: &[Row]) -> Result<DataFrame> {
    let n = rows.len();
    let mut cols: Vec<Column> = Vec::new();
    for (d, (name, values)) in problem.file.params.iter().enumerate() {
        let pick = |r: &Row| &values[r.point.0[d] as usize];
        let col = match &values[0] {
            Value::Num(_) => Column::new(
                name.into(),
                rows.iter()
                    .map(|r| {
                        if let Value::Num(x) = pick(r) {
                            *x
                        } else {
                            f64::NAN
                        }
                    })
                    .collect::<Vec<f64>>(),
            ),
            Value::Bool(_) => Column::new(
                name.into(),
                rows.iter()
                    .map(|r| matches!(pick(r), Value::Bool(true)))
                    .collect::<Vec<bool>>(),
            ),
            Value::Str(_) => Column::new(
                name.into(),
                rows.iter()
                    .map(|r| pick(r).to_string().trim_matches('"').to_string())
                    .collect::<Vec<String>>(),
            ),
        };
        cols.push(col);
    }
    cols.push(Column::new(
        "feasible".into(),
        rows.iter()
            .map(|r| r.eval.outcome.is_feasible())
            .collect::<Vec<bool>>(),
    ));
    cols.push(Column::new(
        "infeasible_reason".into(),
        rows.iter()
            .map(|r| r.eval.reason.clone())
            .collect::<Vec<Option<String>>>(),
    ));
    cols.push(Column::new(
        "score".into(),
        rows.iter()
            .map(|r| r.eval.score)
            .collect::<Vec<Option<f64>>>(),
    ));
    cols.push(Column::new(
        "area_mm2".into(),
        rows.iter()
            .map(|r| r.eval.area_mm2)
            .collect::<Vec<Option<f64>>>(),
    ));
    for (w, name) in problem.names.iter().enumerate() {
        let get = |k: usize| {
            rows.iter()
                .map(|r| r.eval.per_workload[w].map(|x| [x.0, x.1, x.2][k]))
                .collect::<Vec<Option<f64>>>()
        };
        cols.push(Column::new(format!("{name}__energy_mj").into(), get(0)));
        cols.push(Column::new(format!("{name}__latency_ms").into(), get(1)));
        cols.push(Column::new(format!("{name}__edap").into(), get(2)));
    }
    cols.push(Column::new(
        "eval_index".into(),
        rows.iter().map(|r| r.eval_index).collect::<Vec<u64>>(),
    ));
    cols.push(Column::new(
        "phase".into(),
        rows.iter()
            .map(|r| r.phase.clone())
            .collect::<Vec<String>>(),
    ));
    Ok(DataFrame::new(n, cols)?)
}

/// One column of a summary table (grading, comparison).
pub enum Col {
    Str(Vec<String>),
    U64(Vec<u64>),
    F64(Vec<Option<f64>>),
    Bool(Vec<bool>),
}

/// A table of named columns of equal length as a frame for [`write_parquet`].
pub fn table(cols: Vec<(&str, Col)>) -> Result<DataFrame> {
    let n = cols.first().map_or(0, |(_, c)| match c {
        Col::Str(v) => v.len(),
        Col::U64(v) => v.len(),
        Col::F64(v) => v.len(),
        Col::Bool(v) => v.len(),
    });
    let columns: Vec<Column> = cols
        .into_iter()
        .map(|(name, c)| match c {
            Col::Str(v) => Column::new(name.into(), v),
            Col::U64(v) => Column::new(name.into(), v),
            Col::F64(v) => Column::new(name.into(), v),
            Col::Bool(v) => Column::new(name.into(), v),
        })
        .collect();
    Ok(DataFrame::new(n, columns)?)
}

/// A cell of a table read back from Parquet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Num(f64),
    Int(i64),
    Str(String),
    Bool(bool),
    Null,
}

impl Cell {
    /// The cell as a number (integers widened), `None` for text, booleans and nulls.
    pub fn number(&self) -> Option<f64> {
        match self {
            Cell::Num(x) => Some(*x),
            Cell::Int(x) => Some(*x as f64),
            _ => None,
        }
    }
}

/// A Parquet table read back: column names and, per column, its cells.
#[derive(Debug, Clone)]
pub struct Table {
    pub names: Vec<String>,
    pub columns: Vec<Vec<Cell>>,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.len())
    }

    pub fn column(&self, name: &str) -> Option<&[Cell]> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| self.columns[i].as_slice())
    }
}

/// Reads a Parquet file written by this tool (any of its tables).
pub fn read_table(path: &Path) -> Result<Table> {
    let file = fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let df = anyhow::Context::with_context(ParquetReader::new(file).finish(), || {
        format!("reading {} as Parquet", path.display())
    })?;
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let mut columns = Vec::with_capacity(names.len());
    for c in df.columns() {
        let mut cells = Vec::with_capacity(df.height());
        for i in 0..df.height() {
            cells.push(match c.get(i)? {
                AnyValue::Null => Cell::Null,
                AnyValue::Boolean(b) => Cell::Bool(b),
                AnyValue::String(s) => Cell::Str(s.to_string()),
                AnyValue::StringOwned(s) => Cell::Str(s.to_string()),
                AnyValue::Float64(x) => Cell::Num(x),
                AnyValue::Float32(x) => Cell::Num(x as f64),
                AnyValue::Int64(x) => Cell::Int(x),
                AnyValue::Int32(x) => Cell::Int(x as i64),
                AnyValue::UInt64(x) => Cell::Int(x as i64),
                AnyValue::UInt32(x) => Cell::Int(x as i64),
                other => Cell::Str(other.to_string()),
            });
        }
        columns.push(cells);
    }
    Ok(Table { names, columns })
}

/// Writes a results table as Parquet, atomically.
pub fn write_parquet(path: &Path, mut df: DataFrame) -> Result<()> {
    let tmp = temporary(path);
    let file = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let written = ParquetWriter::new(file)
        .with_compression(ParquetCompression::Snappy)
        .finish(&mut df);
    anyhow::Context::with_context(written, || format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}

/// The non-dominated feasible rows in (max E, max L, A), in evaluation order.
///
/// Of designs with equal (max E, max L, A), the one with the lowest `eval_index` stands for
/// them all, whatever order the rows come in: a sharded run merges to the same front.
pub fn pareto_rows(rows: &[Row]) -> Vec<Row> {
    let mut order: Vec<&Row> = rows.iter().collect();
    order.sort_by_key(|r| r.eval_index);
    let keyed: Vec<(&Row, [f64; 3])> = order
        .into_iter()
        .filter_map(|r| r.front_key().map(|k| (r, k)))
        .collect();
    let pts: Vec<&[f64]> = keyed.iter().map(|(_, k)| k.as_slice()).collect();
    // The documented order of pareto.parquet: by evaluation index.
    imc_search::pareto::non_dominated(&pts)
        .into_iter()
        .map(|j| keyed[j].0.clone())
        .collect()
}

/// A run folder's `run.toml`, read back (merge, `grade --certified`).
pub struct RunFile {
    pub path: PathBuf,
    pub table: toml::Table,
}

impl RunFile {
    pub fn read(dir: &Path) -> Result<RunFile> {
        let path = dir.join("run.toml");
        let text = fs::read_to_string(&path)
            .with_context(|| format!("no run.toml in {}", dir.display()))?;
        let table =
            toml::from_str(&text).with_context(|| format!("{} is not TOML", path.display()))?;
        Ok(RunFile { path, table })
    }

    pub fn get(&self, key: &str) -> Option<&toml::Value> {
        self.table.get(key)
    }

    /// A text value (`None` when missing or not text).
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(|v| v.as_str())
    }

    /// A count, required.
    pub fn u64(&self, key: &str) -> Result<u64> {
        self.get(key)
            .and_then(|v| v.as_integer())
            .map(|x| x as u64)
            .with_context(|| format!("{}: no integer `{key}`", self.path.display()))
    }
}

/// Appends rows to the checkpoint, flushed to disk.
pub struct Checkpoint {
    path: PathBuf,
}

impl Checkpoint {
    pub fn new(dir: &Path) -> Checkpoint {
        Checkpoint {
            path: dir.join("checkpoint.jsonl"),
        }
    }

    pub fn append(&self, rows: &[Row]) -> Result<()> {
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .with_context(|| format!("opening {}", self.path.display()))?;
        let mut buf = String::new();
        for r in rows {
            buf.push_str(&row_json(r).to_string());
            buf.push('\n');
        }
        f.write_all(buf.as_bytes())?;
        f.sync_data()?;
        Ok(())
    }

    /// Rows saved so far; a torn last line (a kill mid-write) is dropped from the file.
    pub fn load(&self) -> Result<Vec<Row>> {
        intact_lines(&self.path, row_from_json)
    }
}

/// A row as one JSON object (checkpoints). Floats print in their shortest round-trip form, so
/// [`row_from_json`] gives back the same bits.
pub fn row_json(r: &Row) -> serde_json::Value {
    let (feasible, violation, objectives) = match &r.eval.outcome {
        Outcome::Feasible(f) => (true, 0.0, f.clone()),
        Outcome::Infeasible { violation, .. } => (false, *violation, Vec::new()),
    };
    json!({
        "eval_index": r.eval_index, "phase": r.phase, "genes": r.point.0, "feasible": feasible,
        "violation": violation, "objectives": objectives, "reason": r.eval.reason, "score": r.eval.score,
        "area_mm2": r.eval.area_mm2,
        "per_workload": r.eval.per_workload.iter().map(|x| x.map(|(e, l, d)| [e, l, d])).collect::<Vec<_>>(),
    })
}

/// The row of a [`row_json`] object; `None` when a field is missing or malformed.
pub fn row_from_json(v: &serde_json::Value) -> Option<Row> {
    let genes: Vec<u32> = v["genes"]
        .as_array()?
        .iter()
        .map(|g| g.as_u64().map(|x| x as u32))
        .collect::<Option<_>>()?;
    let reason = v["reason"].as_str().map(String::from);
    let outcome = if v["feasible"].as_bool()? {
        Outcome::Feasible(
            v["objectives"]
                .as_array()?
                .iter()
                .map(|x| x.as_f64())
                .collect::<Option<_>>()?,
        )
    } else {
        Outcome::Infeasible {
            violation: v["violation"].as_f64()?,
            reason: reason.clone().unwrap_or_default(),
        }
    };
    let per_workload = v["per_workload"]
        .as_array()?
        .iter()
        .map(|x| {
            x.as_array().map(|a| {
                (
                    a[0].as_f64().unwrap_or(f64::NAN),
                    a[1].as_f64().unwrap_or(f64::NAN),
                    a[2].as_f64().unwrap_or(f64::NAN),
                )
            })
        })
        .collect();
    Some(Row {
        eval_index: v["eval_index"].as_u64()?,
        phase: v["phase"].as_str()?.to_string(),
        point: Point(genes),
        eval: Evaluation {
            outcome,
            reason,
            score: v["score"].as_f64(),
            area_mm2: v["area_mm2"].as_f64(),
            per_workload,
        },
    })
}

/// The rows of an `evaluations.parquet` or `pareto.parquet` written for `problem`: parameter
/// values back to the space's indices, the numbers as stored (Parquet keeps every bit). A
/// feasible row's objective vector is recomputed from its energies, latencies and area, as
/// [`Problem::evaluate`] computes it; an infeasible row's violation is not stored and reads
/// as 1.
pub fn read_rows(problem: &Problem, path: &Path) -> Result<Vec<Row>> {
    let t = read_table(path)?;
    let column = |name: &str| {
        t.column(name).with_context(|| {
            format!(
                "{}: no column `{name}`; is it a results table of this space and these workloads?",
                path.display()
            )
        })
    };
    let num = Cell::number;
    let mut genes: Vec<Vec<u32>> = vec![Vec::with_capacity(problem.file.params.len()); t.rows()];
    for (name, values) in &problem.file.params {
        for (i, cell) in column(name)?.iter().enumerate() {
            let g = values.iter().position(|v| match (v, cell) {
                (Value::Num(x), c) => num(c) == Some(*x),
                (Value::Bool(b), Cell::Bool(c)) => b == c,
                (Value::Str(s), Cell::Str(c)) => s == c,
                _ => false,
            });
            let Some(g) = g else {
                bail!(
                    "{}: row {i}: `{name}` = {cell:?} is not one of the space's values",
                    path.display()
                );
            };
            genes[i].push(g as u32);
        }
    }
    let (feasible, reason, score, area, index, phase) = (
        column("feasible")?,
        column("infeasible_reason")?,
        column("score")?,
        column("area_mm2")?,
        column("eval_index")?,
        column("phase")?,
    );
    let mut per: Vec<[&[Cell]; 3]> = Vec::new();
    for w in &problem.names {
        per.push([
            column(&format!("{w}__energy_mj"))?,
            column(&format!("{w}__latency_ms"))?,
            column(&format!("{w}__edap"))?,
        ]);
    }
    let mut rows = Vec::with_capacity(t.rows());
    for (i, genes) in genes.into_iter().enumerate() {
        let per_workload: Vec<Option<(f64, f64, f64)>> = per
            .iter()
            .map(|c| Some((num(&c[0][i])?, num(&c[1][i])?, num(&c[2][i])?)))
            .collect();
        let area_mm2 = num(&area[i]);
        let reason = match &reason[i] {
            Cell::Str(s) => Some(s.clone()),
            _ => None,
        };
        let outcome = match (&feasible[i], area_mm2) {
            (Cell::Bool(true), Some(a)) => {
                let pick = |k: usize| -> Vec<f64> {
                    per_workload
                        .iter()
                        .map(|x| x.map_or(f64::NAN, |x| [x.0, x.1][k]))
                        .collect()
                };
                Outcome::Feasible(
                    problem
                        .objective
                        .vector(&problem.names, &pick(0), &pick(1), a),
                )
            }
            _ => Outcome::Infeasible {
                violation: 1.0,
                reason: reason.clone().unwrap_or_default(),
            },
        };
        let Cell::Int(eval_index) = index[i] else {
            bail!("{}: row {i}: eval_index is not an integer", path.display());
        };
        let phase = match &phase[i] {
            Cell::Str(s) => s.clone(),
            other => bail!("{}: row {i}: phase {other:?} is not text", path.display()),
        };
        rows.push(Row {
            eval_index: eval_index as u64,
            phase,
            point: Point(genes),
            eval: Evaluation {
                outcome,
                reason,
                score: num(&score[i]),
                area_mm2,
                per_workload,
            },
        });
    }
    Ok(rows)
}

/// The JSON lines of an append-only file, each through `parse`, up to the first that is not
/// whole or that `parse` rejects (a kill mid-write tears the last line). The file is cut back
/// to them, so lines appended by a resumed run do not follow a torn one. A missing file has no
/// lines.
pub fn intact_lines<T>(
    path: &Path,
    parse: impl Fn(&serde_json::Value) -> Option<T>,
) -> Result<Vec<T>> {
    let Ok(text) = fs::read_to_string(path) else {
        return Ok(Vec::new());
    };
    let mut kept = Vec::new();
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        let item = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .filter(|_| line.ends_with('\n'))
            .and_then(|v| parse(&v));
        let Some(item) = item else { break };
        kept.push(item);
        end += line.len();
    }
    if end < text.len() {
        write_atomic(path, &text.as_bytes()[..end])?;
    }
    Ok(kept)
}

/// Converts saved rows into runner records (for resume).
pub fn records(rows: &[Row]) -> Vec<Record> {
    rows.iter()
        .map(|r| Record {
            point: r.point.clone(),
            outcome: r.eval.outcome.clone(),
            eval_index: r.eval_index,
            phase: r.phase.clone(),
        })
        .collect()
}

/// UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
