//! A reference table: designs of a space that another tool (CiMLoop, NeuroSim, a silicon
//! measurement, or an earlier run of ours) costed. CSV or Parquet, with the columns of our
//! `evaluations.parquet`:
//! - the space's free parameters (fixed ones may be given too, and must then hold the fixed
//!   value); `device` is a parameter like any other;
//! - `area_mm2`, and for each workload `<workload>__energy_mj` and `<workload>__latency_ms`,
//!   named as the zoo names them;
//! - a `feasible` column, where present, drops the rows that are `false` (our own runs list
//!   infeasible designs with empty metrics); other columns (`eval_index`, `score`,
//!   `<workload>__edap`, ...) are read past and listed.
//!
//! Every value is checked: a missing column, a workload the zoo does not know, a design
//! outside the space, and a metric that is empty, NaN, zero or negative are errors that name
//! the file, the row (1-based, the header not counted) and the column.

use crate::results::{Cell, Table, read_table};
use crate::space::Space as SpaceFile;
use anyhow::{Context, Result, bail};
use imc_model::Architecture;
use imc_model::arch;
use imc_model::param::Value;
use imc_zoo::{Workload, Zoo};
use std::path::{Path, PathBuf};

/// One design of the reference and what the reference says it costs.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Its row in the file, 1-based, the header not counted.
    pub row: usize,
    /// Its values of the space's free parameters, in the space's order.
    pub set: Vec<(String, Value)>,
    /// Chip area, mm2.
    pub area_mm2: f64,
    /// Per workload (in [`Reference::workloads`] order): energy, mJ.
    pub energy_mj: Vec<f64>,
    /// Per workload: latency, ms.
    pub latency_ms: Vec<f64>,
}

/// A checked reference table.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The file it was read from.
    pub file: PathBuf,
    /// The workloads it costs, from the zoo, in column order.
    pub workloads: Vec<Workload>,
    /// Its designs.
    pub designs: Vec<Design>,
    /// Rows dropped because their `feasible` column is false.
    pub infeasible_rows: usize,
    /// Columns read past (neither a parameter nor a metric).
    pub ignored: Vec<String>,
}

impl Reference {
    /// Reads and checks `path` (`.csv`, or Parquet otherwise) against `space`.
    pub fn read(path: &Path, space: &SpaceFile) -> Result<Reference> {
        let table = if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            read_csv(path)?
        } else {
            read_table(path)?
        };
        Reference::check(path, &table, space)
    }

    /// Checks a table read from `path` against `space`.
    pub fn check(path: &Path, table: &Table, space: &SpaceFile) -> Result<Reference> {
        let fail = |m: String| anyhow::anyhow!("{}: {m}", path.display());
        if table.rows() == 0 {
            return Err(fail("no rows: a reference needs designs".into()));
        }
        let column = |name: &str| {
            table
                .column(name)
                .ok_or_else(|| fail(format!("missing column `{name}`")))
        };
        let workloads = workloads_of(table).map_err(fail)?;
        if workloads.is_empty() {
            return Err(fail(
                "no workload columns: expected `<workload>__energy_mj` and `<workload>__latency_ms`"
                    .into(),
            ));
        }
        let area = column("area_mm2")?;
        let metrics: Vec<(&[Cell], &[Cell])> = workloads
            .iter()
            .map(|w| {
                Ok((
                    column(&format!("{}__energy_mj", w.name))?,
                    column(&format!("{}__latency_ms", w.name))?,
                ))
            })
            .collect::<Result<_>>()?;
        let free: Vec<(&str, &[Value], &[Cell])> = space
            .params
            .iter()
            .map(|(k, allowed)| Ok((k.as_str(), allowed.as_slice(), column(k)?)))
            .collect::<Result<_>>()?;
        let feasible = table.column("feasible");
        let mut designs = Vec::new();
        let mut infeasible_rows = 0;
        let cols = Columns {
            area,
            metrics: &metrics,
            free: &free,
        };
        for i in 0..table.rows() {
            if feasible.is_some_and(|f| f[i] == Cell::Bool(false)) {
                infeasible_rows += 1;
                continue;
            }
            let design = read_design(table, space, &workloads, &cols, i).map_err(fail)?;
            designs.push(design);
        }
        if designs.is_empty() {
            return Err(fail("every row is marked infeasible".into()));
        }
        let ignored = ignored_columns(table, space, &workloads);
        Ok(Reference {
            file: path.to_path_buf(),
            workloads,
            designs,
            infeasible_rows,
            ignored,
        })
    }
}

impl Reference {
    /// The architecture of design `d` in `space`, with `extra` settings over the space's fixed
    /// ones and the space's calibration factors; an invalid combination names the file and
    /// the row.
    pub fn architecture(
        &self,
        space: &SpaceFile,
        extra: &[(String, Value)],
        d: &Design,
    ) -> Result<Architecture> {
        space
            .build(&[extra, &d.set].concat())
            .with_context(|| format!("{}: row {}", self.file.display(), d.row))
    }
}

/// The columns a design is read from.
struct Columns<'a> {
    area: &'a [Cell],
    metrics: &'a [(&'a [Cell], &'a [Cell])],
    free: &'a [(&'a str, &'a [Value], &'a [Cell])],
}

/// Row `i` (0-based) as a design: its fixed parameters agree with the space, its free ones
/// are listed values, its metrics positive numbers; the error names the row and column.
fn read_design(
    table: &Table,
    space: &SpaceFile,
    workloads: &[Workload],
    c: &Columns,
    i: usize,
) -> Result<Design, String> {
    let row = i + 1;
    check_fixed(table, space, i).map_err(|m| format!("row {row}: {m}"))?;
    let set = c
        .free
        .iter()
        .map(|(k, allowed, cells)| free_value(k, allowed, &cells[i]))
        .collect::<Result<Vec<_>, String>>()
        .map_err(|m| format!("row {row}: {m}"))?;
    let metric = |cells: &[Cell], name: &str| {
        positive(&cells[i]).ok_or_else(|| {
            format!(
                "row {row}, column `{name}`: {} is not a positive number",
                shown(&cells[i])
            )
        })
    };
    let mut design = Design {
        row,
        set,
        area_mm2: metric(c.area, "area_mm2")?,
        energy_mj: Vec::new(),
        latency_ms: Vec::new(),
    };
    for (w, (e, l)) in workloads.iter().zip(c.metrics) {
        design
            .energy_mj
            .push(metric(e, &format!("{}__energy_mj", w.name))?);
        design
            .latency_ms
            .push(metric(l, &format!("{}__latency_ms", w.name))?);
    }
    Ok(design)
}

/// The workloads named by `<w>__energy_mj` / `<w>__latency_ms` columns, in column order,
/// resolved from the zoo.
fn workloads_of(table: &Table) -> Result<Vec<Workload>, String> {
    let zoo = Zoo::builtin().map_err(|e| e.to_string())?;
    let mut names: Vec<&str> = Vec::new();
    for c in &table.names {
        let w = c
            .strip_suffix("__energy_mj")
            .or_else(|| c.strip_suffix("__latency_ms"));
        if let Some(w) = w
            && !names.contains(&w)
        {
            names.push(w);
        }
    }
    names
        .iter()
        .map(|&n| match zoo.resolve(n) {
            Ok(mut ws) if ws.len() == 1 && ws[0].name == n => Ok(ws.remove(0)),
            _ => Err(format!(
                "column `{n}__...`: `{n}` is not a workload of the zoo (see `imcdse workloads`)"
            )),
        })
        .collect()
}

/// A free parameter's value in a row: one of the values the space lists for it.
fn free_value(name: &str, allowed: &[Value], cell: &Cell) -> Result<(String, Value), String> {
    let value = value_of(cell).filter(|v| allowed.contains(v));
    match value {
        Some(v) => Ok((name.to_string(), v)),
        None => Err(format!(
            "column `{name}`: {} is not one of the space's values ({}): the design is outside the space",
            shown(cell),
            allowed
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// A fixed parameter given in the table must hold the fixed value.
fn check_fixed(table: &Table, space: &SpaceFile, i: usize) -> Result<(), String> {
    for (k, fixed) in &space.fixed {
        if let Some(cells) = table.column(k)
            && value_of(&cells[i]).as_ref() != Some(fixed)
        {
            return Err(format!(
                "column `{k}`: {} differs from the space's fixed {k} = {fixed}",
                shown(&cells[i])
            ));
        }
    }
    Ok(())
}

/// Columns that are neither a parameter nor a metric of a listed workload.
fn ignored_columns(table: &Table, space: &SpaceFile, workloads: &[Workload]) -> Vec<String> {
    table
        .names
        .iter()
        .filter(|c| {
            let metric = c.as_str() == "area_mm2"
                || workloads.iter().any(|w| {
                    **c == format!("{}__energy_mj", w.name)
                        || **c == format!("{}__latency_ms", w.name)
                });
            let parameter = space.params.iter().any(|(k, _)| k == *c)
                || space.fixed.iter().any(|(k, _)| k == *c)
                || arch::find(c).is_ok();
            !metric && !parameter
        })
        .cloned()
        .collect()
}

/// A cell as a parameter value: numbers as numbers, `true`/`false` as flags, other text as
/// a word.
fn value_of(cell: &Cell) -> Option<Value> {
    match cell {
        Cell::Num(x) => Some(Value::Num(*x)),
        Cell::Int(x) => Some(Value::Num(*x as f64)),
        Cell::Bool(b) => Some(Value::Bool(*b)),
        Cell::Str(s) => Some(Value::Str(s.clone())),
        Cell::Null => None,
    }
}

/// A finite number above zero.
fn positive(cell: &Cell) -> Option<f64> {
    cell.number().filter(|x| x.is_finite() && *x > 0.0)
}

/// A cell as the message shows it.
fn shown(cell: &Cell) -> String {
    match cell {
        Cell::Num(x) => x.to_string(),
        Cell::Int(x) => x.to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Str(s) => format!("\"{s}\""),
        Cell::Null => "an empty cell".into(),
    }
}

/// Reads a plain CSV file (a header, then one design a line; no quoted commas): numbers
/// become numbers, `true`/`false` flags, empty fields nulls, anything else text.
pub fn read_csv(path: &Path) -> Result<Table> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        bail!("{}: empty file: expected a header line", path.display());
    };
    let names: Vec<String> = header.split(',').map(|s| unquote(s).to_string()).collect();
    let mut columns: Vec<Vec<Cell>> = vec![Vec::new(); names.len()];
    for (i, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != names.len() {
            bail!(
                "{}: row {}: {} fields, the header has {}",
                path.display(),
                i + 1,
                fields.len(),
                names.len()
            );
        }
        for (c, f) in columns.iter_mut().zip(fields) {
            c.push(cell_of(unquote(f)));
        }
    }
    Ok(Table { names, columns })
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

fn cell_of(s: &str) -> Cell {
    match s {
        "" => Cell::Null,
        "true" => Cell::Bool(true),
        "false" => Cell::Bool(false),
        _ => s
            .parse::<f64>()
            .map_or_else(|_| Cell::Str(s.to_string()), Cell::Num),
    }
}

/// A reference costed by our own model, for tests: every `step`-th design of the space (in
/// index order) on `workloads`, with `factors` on every design.
#[cfg(test)]
pub(crate) fn own(
    space: &SpaceFile,
    workloads: &str,
    factors: imc_model::Factors,
    step: usize,
) -> Reference {
    let workloads = Zoo::builtin().unwrap().resolve(workloads).unwrap();
    let search = space.search_space();
    let designs = (0..space.size())
        .step_by(step)
        .map(|i| {
            let set: Vec<(String, Value)> = space
                .params
                .iter()
                .zip(&search.point(i).0)
                .map(|((k, v), &g)| (k.clone(), v[g as usize].clone()))
                .collect();
            let mut a = space.build(&set).unwrap();
            a.factors = factors;
            let r = imc_model::evaluate_design(&a, &workloads, None);
            Design {
                row: i as usize + 1,
                set,
                area_mm2: r.area_mm2,
                energy_mj: r.workloads.iter().map(|w| w.energy_mj).collect(),
                latency_ms: r.workloads.iter().map(|w| w.latency_ms).collect(),
            }
        })
        .collect();
    Reference {
        file: "own.csv".into(),
        workloads,
        designs,
        infeasible_rows: 0,
        ignored: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "device,rows,cols,bits_per_cell,crossbars_per_tile,router_groups,tiles_per_group,area_mm2,resnet18__energy_mj,resnet18__latency_ms,alexnet__energy_mj,alexnet__latency_ms,note";

    fn read(body: &str) -> Result<Reference> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ref.csv");
        std::fs::write(&path, format!("{HEADER}\n{body}")).unwrap();
        Reference::read(&path, &SpaceFile::resolve("demo").unwrap())
    }

    #[test]
    fn reads_designs_metrics_and_lists_other_columns() {
        let r = read("rram,128,128,2,32,4,16,50.5,1.5,0.2,0.5,0.1,x\n\"rram\",64,256,1,16,8,32,20,1,0.1,0.4,0.05,y\n").unwrap();
        let names: Vec<&str> = r.workloads.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["resnet18", "alexnet"]);
        assert_eq!(r.designs.len(), 2);
        assert_eq!(r.designs[1].row, 2);
        assert_eq!(r.designs[0].energy_mj, [1.5, 0.5]);
        assert_eq!(r.designs[1].latency_ms, [0.1, 0.05]);
        assert_eq!(r.ignored, ["note"]);
        assert!(
            r.designs[0]
                .set
                .contains(&("rows".to_string(), Value::Num(128.0)))
        );
    }

    #[test]
    fn bad_rows_name_the_file_row_and_column() {
        let cases = [
            (
                "rram,128,128,2,32,4,16,NaN,1,1,1,1,x",
                "row 1, column `area_mm2`: NaN",
            ),
            (
                "rram,128,128,2,32,4,16,5,0,1,1,1,x",
                "`resnet18__energy_mj`: 0 is not",
            ),
            (
                "rram,128,128,2,32,4,16,5,1,-1,1,1,x",
                "`resnet18__latency_ms`: -1",
            ),
            ("rram,128,128,2,32,4,16,5,1,1,,1,x", "an empty cell"),
            (
                "rram,100,128,2,32,4,16,5,1,1,1,1,x",
                "`rows`: 100 is not one of",
            ),
            (
                "sram,128,128,2,32,4,16,5,1,1,1,1,x",
                "differs from the space's fixed",
            ),
            (
                "rram,128,128,2,32,4,16,5,1,1,1,x",
                "12 fields, the header has 13",
            ),
        ];
        for (body, want) in cases {
            let e = format!("{:#}", read(&format!("{body}\n")).unwrap_err());
            assert!(e.contains("ref.csv") && e.contains(want), "{e}");
        }
        let e = format!("{:#}", read("").unwrap_err());
        assert!(e.contains("no rows"), "{e}");
    }

    #[test]
    fn missing_columns_and_unknown_workloads_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let space = SpaceFile::resolve("demo").unwrap();
        let write = |text: &str| {
            let p = dir.path().join("r.csv");
            std::fs::write(&p, text).unwrap();
            format!("{:#}", Reference::read(&p, &space).unwrap_err())
        };
        let e = write("rows,cols,area_mm2,vgg99__energy_mj,vgg99__latency_ms\n1,1,1,1,1\n");
        assert!(e.contains("`vgg99` is not a workload of the zoo"), "{e}");
        let e = write("rows,cols,area_mm2,alexnet__energy_mj\n128,128,1,1\n");
        assert!(e.contains("missing column `alexnet__latency_ms`"), "{e}");
        let e = write("rows,area_mm2,alexnet__energy_mj,alexnet__latency_ms\n128,1,1,1\n");
        assert!(e.contains("missing column `cols`"), "{e}");
        let e = write("");
        assert!(e.contains("empty file"), "{e}");
    }
}
