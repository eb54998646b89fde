//! Results tables of a run (DESIGN.md, "Results"):
//!
//! - `evaluations.parquet`: one row per evaluated design; `pareto.parquet`: the non-dominated
//!   feasible designs in (max E, max L, A). Columns: the space's parameters under their own
//!   names, `feasible`, `infeasible_reason` (null when feasible), `score` (null when infeasible),
//!   `area_mm2`, per workload `<w>__energy_mj`, `<w>__latency_ms`, `<w>__edap`, then per
//!   workload `<w>__snr_db` (its compute SNR, dB, [`crate::accuracy`]; where the rows have
//!   it), `eval_index`, `phase`. Written with polars to a temporary name and renamed, so a crash never leaves a
//!   broken file.
//! - A [`Row`] is also one line of `checkpoint.jsonl` (and of the rows in `blocks.jsonl`):
//!   `{"eval_index", "phase", "genes", "feasible", "violation", "objectives", "reason",
//!   "score", "area_mm2", "per_workload", "snr_db"}`, floats in their shortest round-trip form.
//!
//! Summary tables of other studies (grading, comparison) go through [`table`]; every Parquet
//! file is read back through [`read_table`].

use crate::infeasibility::Infeasibility;
use crate::problem::{Evaluation, Problem};
use crate::run_dir::temporary;
use anyhow::{Context, Result, bail};
use imc_model::Value;
use imc_search::runner::Record;
use imc_search::{Outcome, Point};
use polars_core::prelude::*;
use polars_io::prelude::*;
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::Path;

/// One evaluated design, ready for a results row (and a checkpoint line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "RowLine", from = "RowLine")]
pub struct Row {
    /// Position in the run's order of evaluation (for exhaustive runs: the flat index).
    pub eval_index: u64,
    /// The optimizer's stage that asked for the design.
    pub phase: String,
    /// The design, as indices into the space's value lists.
    pub point: Point,
    /// What it costs.
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

impl Row {
    /// The point a feasible row has on the front: its objective vector under `pareto-snr`
    /// (max E, max L, A, -min SNR), else [`Row::front_key`].
    pub fn front_point(&self) -> Option<Vec<f64>> {
        match &self.eval.outcome {
            Outcome::Feasible(v) if v.len() == 4 => Some(v.clone()),
            _ => self.front_key().map(|k| k.to_vec()),
        }
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

/// The results table of `rows` for `problem` (see [`columns`]).
pub fn frame(problem: &Problem, rows: &[Row]) -> Result<DataFrame> {
    let cols = columns(problem, rows);
    table(cols.iter().map(|(k, c)| (k.as_str(), c.clone())).collect())
}

/// The columns of the results table of `rows` for `problem`, in the module doc's order: a
/// numeric parameter as numbers, a boolean one as flags, any other as text; then `feasible`,
/// `infeasible_reason`, `score`, `area_mm2`, per workload energy, latency and EDAP,
/// `eval_index`, `phase`, and an external evaluator's extra fields (at most
/// [`MAX_EXTRA_COLUMNS`]).
pub fn columns(problem: &Problem, rows: &[Row]) -> Vec<(String, Col)> {
    let mut cols: Vec<(String, Col)> = Vec::new();
    for (d, (name, values)) in problem.file.params.iter().enumerate() {
        let pick = |r: &Row| &values[r.point.0[d] as usize];
        let col = match &values[0] {
            Value::Num(_) => Col::F64(
                rows.iter()
                    .map(|r| match pick(r) {
                        Value::Num(x) => Some(*x),
                        _ => Some(f64::NAN),
                    })
                    .collect(),
            ),
            Value::Bool(_) => Col::Bool(
                rows.iter()
                    .map(|r| matches!(pick(r), Value::Bool(true)))
                    .collect(),
            ),
            Value::Str(_) => Col::Str(
                rows.iter()
                    .map(|r| pick(r).to_string().trim_matches('"').to_string())
                    .collect(),
            ),
        };
        cols.push((name.clone(), col));
    }
    let f64s = |get: &dyn Fn(&Row) -> Option<f64>| Col::F64(rows.iter().map(get).collect());
    cols.push((
        "feasible".into(),
        Col::Bool(rows.iter().map(|r| r.eval.outcome.is_feasible()).collect()),
    ));
    cols.push((
        "infeasible_reason".into(),
        Col::Text(
            rows.iter()
                .map(|r| r.eval.reason.as_ref().map(|x| x.to_string()))
                .collect(),
        ),
    ));
    cols.push(("score".into(), f64s(&|r| r.eval.score)));
    cols.push(("area_mm2".into(), f64s(&|r| r.eval.area_mm2)));
    for (w, name) in problem.names.iter().enumerate() {
        let part = |k: usize| f64s(&|r| r.eval.per_workload[w].map(|x| [x.0, x.1, x.2][k]));
        cols.push((format!("{name}__energy_mj"), part(0)));
        cols.push((format!("{name}__latency_ms"), part(1)));
        cols.push((format!("{name}__edap"), part(2)));
    }
    if rows
        .iter()
        .any(|r| r.eval.snr_db.iter().any(Option::is_some))
    {
        for (w, name) in problem.names.iter().enumerate() {
            let snr = |r: &Row| r.eval.snr_db.get(w).copied().flatten();
            cols.push((format!("{name}__snr_db"), f64s(&snr)));
        }
    }
    cols.push((
        "eval_index".into(),
        Col::U64(rows.iter().map(|r| r.eval_index).collect()),
    ));
    cols.push((
        "phase".into(),
        Col::Str(rows.iter().map(|r| r.phase.clone()).collect()),
    ));
    let names: std::collections::BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.eval.extra.iter().map(|(k, _)| k.as_str()))
        .collect();
    for name in names.into_iter().take(MAX_EXTRA_COLUMNS) {
        let extra = |r: &Row| r.eval.extra.iter().find(|(k, _)| k == name).map(|x| x.1);
        cols.push((format!("{EXTRA}{name}"), f64s(&extra)));
    }
    cols
}

/// The prefix of the columns of an external evaluator's extra fields.
pub const EXTRA: &str = "extra__";

/// The most extra columns a table holds: the first names in sorted order; an evaluator's
/// further fields are left out (each answer has at most 64 of them, but their names may differ
/// from answer to answer).
pub const MAX_EXTRA_COLUMNS: usize = 256;

/// One column of a table (results, grading, comparison).
#[derive(Debug, Clone, PartialEq)]
pub enum Col {
    /// Text.
    Str(Vec<String>),
    /// Text, null where missing.
    Text(Vec<Option<String>>),
    /// Counts.
    U64(Vec<u64>),
    /// Numbers, null where missing.
    F64(Vec<Option<f64>>),
    /// Flags.
    Bool(Vec<bool>),
}

/// A table of named columns of equal length as a frame for [`write_parquet`].
pub fn table(cols: Vec<(&str, Col)>) -> Result<DataFrame> {
    let n = cols.first().map_or(0, |(_, c)| match c {
        Col::Str(v) => v.len(),
        Col::Text(v) => v.len(),
        Col::U64(v) => v.len(),
        Col::F64(v) => v.len(),
        Col::Bool(v) => v.len(),
    });
    let columns: Vec<Column> = cols
        .into_iter()
        .map(|(name, c)| match c {
            Col::Str(v) => Column::new(name.into(), v),
            Col::Text(v) => Column::new(name.into(), v),
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
    /// A float.
    Num(f64),
    /// An integer.
    Int(i64),
    /// Text (anything else is shown as text too).
    Str(String),
    /// A flag.
    Bool(bool),
    /// Missing.
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

    /// The cell for a message: `the number 10`, `the text "0"` (escaped, cut at 40
    /// characters), `true`, `an empty cell`.
    pub fn describe(&self) -> String {
        match self {
            Cell::Num(x) => format!("the number {}", imc_zoo::error::bounded(*x)),
            Cell::Int(x) => format!("the number {x}"),
            Cell::Str(s) => format!("the text \"{}\"", quoted_short(s)),
            Cell::Bool(b) => format!("the flag {b}"),
            Cell::Null => "an empty cell".into(),
        }
    }
}

/// `s` for a message: control characters escaped, cut at 40 characters (with "...").
pub fn quoted_short(s: &str) -> String {
    imc_zoo::error::clipped_to(s, 40)
}

/// A Parquet table read back: column names and, per column, its cells.
#[derive(Debug, Clone)]
pub struct Table {
    /// Column names, in the file's order.
    pub names: Vec<String>,
    /// Per column, its cells.
    pub columns: Vec<Vec<Cell>>,
}

impl Table {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.len())
    }

    /// The cells of the named column.
    pub fn column(&self, name: &str) -> Option<&[Cell]> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| self.columns[i].as_slice())
    }
}

/// A Parquet file's (rows, columns), from its footer alone, so that a bound can be checked
/// before its data is read (a small file can hold many rows of one repeated value).
pub fn parquet_shape(path: &Path) -> Result<(usize, usize)> {
    let file = crate::run_dir::open_regular(path)
        .with_context(|| format!("opening {}", path.display()))?;
    let mut reader = ParquetReader::new(file);
    let what = || format!("reading {} as Parquet", path.display());
    let rows = anyhow::Context::with_context(reader.num_rows(), what)?;
    let columns = anyhow::Context::with_context(reader.schema(), what)?.len();
    Ok((rows, columns))
}

/// Reads a Parquet file written by this tool (any of its tables).
pub fn read_table(path: &Path) -> Result<Table> {
    let file = crate::run_dir::open_regular(path)
        .with_context(|| format!("opening {}", path.display()))?;
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

/// The non-dominated feasible rows in (max E, max L, A) (with -min SNR under `pareto-snr`:
/// [`Row::front_point`]), in evaluation order.
///
/// Of designs with equal points, the one with the lowest `eval_index` stands for
/// them all, whatever order the rows come in: a sharded run merges to the same front.
pub fn pareto_rows(rows: &[Row]) -> Vec<Row> {
    let mut order: Vec<&Row> = rows.iter().collect();
    order.sort_by_key(|r| r.eval_index);
    let keyed: Vec<(&Row, Vec<f64>)> = order
        .into_iter()
        .filter_map(|r| r.front_point().map(|k| (r, k)))
        .collect();
    let pts: Vec<&[f64]> = keyed.iter().map(|(_, k)| k.as_slice()).collect();
    // The documented order of pareto.parquet: by evaluation index.
    imc_search::pareto::non_dominated(&pts)
        .into_iter()
        .map(|j| keyed[j].0.clone())
        .collect()
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
    let genes = genes(problem, &t, path)?;
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
    // Tables from before the SNR have no SNR columns.
    let snr: Option<Vec<&[Cell]>> = problem
        .names
        .iter()
        .map(|w| column(&format!("{w}__snr_db")).ok())
        .collect();
    let extras: Vec<(String, &[Cell])> = t
        .names
        .iter()
        .filter_map(|n| Some((n.strip_prefix(EXTRA)?.to_string(), column(n).ok()?)))
        .collect();
    let mut rows = Vec::with_capacity(t.rows());
    for (i, genes) in genes.into_iter().enumerate() {
        let (per_workload, snr_db) = workload_row(&per, snr.as_deref(), i);
        let area_mm2 = num(&area[i]);
        let text = if let Cell::Str(s) = &reason[i] {
            Some(s.clone())
        } else {
            None
        };
        let outcome = match (&feasible[i], area_mm2) {
            (Cell::Bool(true), Some(a)) => {
                Outcome::Feasible(objectives(problem, &per_workload, a, &snr_db))
            }
            _ => recorded(text.as_deref()),
        };
        let reason = text.map(Infeasibility::Recorded);
        let (eval_index, phase) = index_and_phase(&index[i], &phase[i])
            .map_err(|e| anyhow::anyhow!("{}: row {i}: {e}", path.display()))?;
        rows.push(Row {
            eval_index,
            phase,
            point: Point(genes),
            eval: Evaluation {
                outcome,
                reason,
                score: num(&score[i]),
                area_mm2,
                per_workload,
                extra: extras
                    .iter()
                    .filter_map(|(name, c)| Some((name.clone(), num(&c[i])?)))
                    .collect(),
                snr_db,
            },
        });
    }
    Ok(rows)
}

/// A row's `eval_index` and `phase` cells, checked.
fn index_and_phase(index: &Cell, phase: &Cell) -> Result<(u64, String)> {
    let Cell::Int(eval_index) = *index else {
        bail!("eval_index is not an integer");
    };
    match phase {
        Cell::Str(s) => Ok((eval_index as u64, s.clone())),
        other => bail!("phase {other:?} is not text"),
    }
}

/// What an optimizer is told of an infeasible row read back: its reason, violation 1.
fn recorded(reason: Option<&str>) -> Outcome {
    Outcome::Infeasible {
        violation: 1.0,
        reason: reason.unwrap_or_default().to_string(),
    }
}

/// Row `i`'s (energy, latency, EDAP) per workload, and its SNRs (none without their columns).
type WorkloadRow = (Vec<Option<(f64, f64, f64)>>, Vec<Option<f64>>);

fn workload_row(per: &[[&[Cell]; 3]], snr: Option<&[&[Cell]]>, i: usize) -> WorkloadRow {
    let num = Cell::number;
    let costs = per
        .iter()
        .map(|c| Some((num(&c[0][i])?, num(&c[1][i])?, num(&c[2][i])?)))
        .collect();
    let snr = snr.map_or(Vec::new(), |s| s.iter().map(|c| num(&c[i])).collect());
    (costs, snr)
}

/// The objective vector of a feasible row, from its energies, latencies, area and SNRs.
fn objectives(
    problem: &Problem,
    per_workload: &[Option<(f64, f64, f64)>],
    area: f64,
    snr_db: &[Option<f64>],
) -> Vec<f64> {
    let pick = |k: usize| -> Vec<f64> {
        per_workload
            .iter()
            .map(|x| x.map_or(f64::NAN, |x| [x.0, x.1][k]))
            .collect()
    };
    let snr: Vec<f64> = snr_db.iter().map(|x| x.unwrap_or(f64::NAN)).collect();
    problem
        .objective
        .vector(&problem.names, &pick(0), &pick(1), area, &snr)
}

/// Each row's parameter values as indices into the space's lists.
fn genes(problem: &Problem, t: &Table, path: &Path) -> Result<Vec<Vec<u32>>> {
    let mut genes: Vec<Vec<u32>> = vec![Vec::with_capacity(problem.file.params.len()); t.rows()];
    for (name, values) in &problem.file.params {
        let cells = t.column(name).with_context(|| {
            format!(
                "{}: no column `{name}`; is it a results table of this space and these workloads?",
                path.display()
            )
        })?;
        for (i, cell) in cells.iter().enumerate() {
            let g = values.iter().position(|v| match (v, cell) {
                (Value::Num(x), c) => Cell::number(c) == Some(*x),
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
    Ok(genes)
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

/// A number of a checkpoint line: serde_json writes NaN as null, which reads back as NaN.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(from = "Option<f64>", into = "f64")]
struct Lossy(f64);

impl From<Option<f64>> for Lossy {
    fn from(x: Option<f64>) -> Lossy {
        Lossy(x.unwrap_or(f64::NAN))
    }
}

impl From<Lossy> for f64 {
    fn from(x: Lossy) -> f64 {
        x.0
    }
}

/// A [`Row`] as one JSON object: the checkpoint format.
#[derive(Serialize, Deserialize)]
struct RowLine {
    eval_index: u64,
    phase: String,
    genes: Vec<u32>,
    feasible: bool,
    violation: f64,
    objectives: Vec<f64>,
    reason: Option<String>,
    score: Option<f64>,
    area_mm2: Option<f64>,
    per_workload: Vec<Option<[Lossy; 3]>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    extra: Vec<(String, f64)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    snr_db: Vec<Option<f64>>,
}

impl From<Row> for RowLine {
    fn from(r: Row) -> RowLine {
        let (feasible, violation, objectives) = match r.eval.outcome {
            Outcome::Feasible(f) => (true, 0.0, f),
            Outcome::Infeasible { violation, .. } => (false, violation, Vec::new()),
        };
        RowLine {
            eval_index: r.eval_index,
            phase: r.phase,
            genes: r.point.0,
            feasible,
            violation,
            objectives,
            reason: r.eval.reason.map(|x| x.to_string()),
            score: r.eval.score,
            area_mm2: r.eval.area_mm2,
            per_workload: r
                .eval
                .per_workload
                .iter()
                .map(|x| x.map(|(e, l, d)| [Lossy(e), Lossy(l), Lossy(d)]))
                .collect(),
            extra: r.eval.extra,
            snr_db: r.eval.snr_db,
        }
    }
}

impl From<RowLine> for Row {
    fn from(l: RowLine) -> Row {
        let outcome = if l.feasible {
            Outcome::Feasible(l.objectives)
        } else {
            Outcome::Infeasible {
                violation: l.violation,
                reason: l.reason.clone().unwrap_or_default(),
            }
        };
        Row {
            eval_index: l.eval_index,
            phase: l.phase,
            point: Point(l.genes),
            eval: Evaluation {
                outcome,
                reason: l.reason.map(Infeasibility::Recorded),
                score: l.score,
                area_mm2: l.area_mm2,
                per_workload: l
                    .per_workload
                    .into_iter()
                    .map(|x| x.map(|[e, l, d]| (e.0, l.0, d.0)))
                    .collect(),
                extra: l.extra,
                snr_db: l.snr_db,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::Objective;
    use crate::space::Space as SpaceFile;

    /// Cells in messages: no Rust debug forms, control characters escaped, long text cut.
    #[test]
    fn cells_describe_themselves_for_messages() {
        assert_eq!(Cell::Num(10.0).describe(), "the number 10");
        assert_eq!(Cell::Int(-10).describe(), "the number -10");
        assert_eq!(Cell::Null.describe(), "an empty cell");
        assert_eq!(Cell::Str("0".into()).describe(), "the text \"0\"");
        let odd = Cell::Str(format!("a\n\u{1b}[31m{}", "x".repeat(100_000))).describe();
        assert!(
            odd.len() < 80 && !odd.contains('\u{1b}') && !odd.contains('\n'),
            "{odd}"
        );
        assert!(odd.ends_with("...\""), "{odd}");
    }
    use imc_zoo::Zoo;

    /// E8: answers whose extra fields differ in name from one to the next add at most
    /// `MAX_EXTRA_COLUMNS` columns to the table, the first names in sorted order.
    #[test]
    fn e8_extra_columns_are_capped() {
        let w = Zoo::builtin().unwrap().resolve("resnet18").unwrap();
        let o = Objective::parse("max-ela", &["resnet18".to_string()]).unwrap();
        let p = Problem::new(SpaceFile::resolve("demo").unwrap(), w, o).unwrap();
        let rows: Vec<Row> = (0..10u64)
            .map(|i| {
                let point = p.space.point(i as u128);
                let mut eval = p.evaluate(&point);
                eval.extra = (0..64).map(|k| (format!("f{i:02}_{k:02}"), 1.0)).collect();
                Row {
                    eval_index: i,
                    phase: "test".into(),
                    point,
                    eval,
                }
            })
            .collect();
        let names: Vec<String> = columns(&p, &rows)
            .into_iter()
            .filter_map(|(k, _)| k.strip_prefix(EXTRA).map(str::to_string))
            .collect();
        assert_eq!(names.len(), MAX_EXTRA_COLUMNS);
        assert_eq!(names.first().map(String::as_str), Some("f00_00"));
        assert_eq!(names.last().map(String::as_str), Some("f03_63"));
    }
}
