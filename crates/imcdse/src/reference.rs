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
//!
//! Bounds: a metric is a number from 1e-15 to 1e15 in its unit ([`METRIC_RANGE`]; far beyond
//! any chip, and the statistics' products of three and their ratios stay finite); a table has
//! at most [`MAX_ROWS`] rows and [`MAX_COLUMNS`] columns (a Parquet file's footer is checked
//! before its data is read), a CSV file at most [`MAX_CSV_BYTES`]; a column appears once. A
//! design (its free parameters' values) listed again with the same costs is counted once (the
//! repeats are dropped and counted in [`Reference::duplicates`]); listed again with other
//! costs, it is an error naming both rows. A CSV is comma-separated: a header with more
//! semicolons or tabs than fields is an error saying so.

use crate::results::{Cell, Table, read_table};
use crate::space::Space as SpaceFile;
use anyhow::{Context, Result, bail};
use imc_model::Architecture;
use imc_model::arch;
use imc_model::param::Value;
use imc_zoo::{Workload, Zoo};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The smallest and largest metric a reference may give, in its column's unit (mJ, ms, mm2).
pub const METRIC_RANGE: (f64, f64) = (1e-15, 1e15);

/// The most rows a reference table may have.
pub const MAX_ROWS: usize = 1_000_000;

/// The largest reference CSV file read, in bytes (1 GiB).
pub const MAX_CSV_BYTES: u64 = 1 << 30;

/// The most columns a reference table may have.
pub const MAX_COLUMNS: usize = 10_000;

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
    /// Rows dropped because they repeat an earlier row's design with the same costs.
    pub duplicates: usize,
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
            parquet_size(path)?;
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
        if table.rows() > MAX_ROWS || table.names.len() > MAX_COLUMNS {
            return Err(fail(format!(
                "{} rows and {} columns; a reference may have at most {MAX_ROWS} rows and \
                 {MAX_COLUMNS} columns",
                table.rows(),
                table.names.len()
            )));
        }
        unique_columns(&table.names).map_err(fail)?;
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
        let mut designs: Vec<Design> = Vec::new();
        let (mut infeasible_rows, mut duplicates) = (0, 0);
        let mut seen: HashMap<String, usize> = HashMap::new();
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
            let key = design_key(&design);
            if let Some(&j) = seen.get(&key) {
                same_costs(&designs[j], &design, &workloads, &key).map_err(fail)?;
                duplicates += 1;
                continue;
            }
            seen.insert(key, designs.len());
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
            duplicates,
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

/// A Parquet file's rows and columns, from its footer, within the bounds, before its data
/// is read (a small file can hold many rows of one repeated value).
fn parquet_size(path: &Path) -> Result<()> {
    let (rows, columns) = crate::results::parquet_shape(path)?;
    if rows > MAX_ROWS || columns > MAX_COLUMNS {
        bail!(
            "{}: {rows} rows and {columns} columns; a reference may have at most {MAX_ROWS} rows \
             and {MAX_COLUMNS} columns",
            path.display()
        );
    }
    Ok(())
}

/// Each column name once; the error names the first repeated one and both positions.
fn unique_columns(names: &[String]) -> Result<(), String> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, n) in names.iter().enumerate() {
        if let Some(first) = seen.insert(n, i) {
            return Err(format!(
                "column `{n}` appears twice (columns {} and {}); each column must appear once",
                first + 1,
                i + 1
            ));
        }
    }
    Ok(())
}

/// A design's identity: its free parameters' values, as `k=v, k=v`.
fn design_key(d: &Design) -> String {
    d.set
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A design listed again must repeat its costs; the error names both rows and a cost that
/// differs.
fn same_costs(
    first: &Design,
    again: &Design,
    workloads: &[Workload],
    key: &str,
) -> Result<(), String> {
    let mut pairs = vec![("area_mm2".to_string(), first.area_mm2, again.area_mm2)];
    for (i, w) in workloads.iter().enumerate() {
        let e = (first.energy_mj[i], again.energy_mj[i]);
        let l = (first.latency_ms[i], again.latency_ms[i]);
        pairs.push((format!("{}__energy_mj", w.name), e.0, e.1));
        pairs.push((format!("{}__latency_ms", w.name), l.0, l.1));
    }
    match pairs.into_iter().find(|(_, a, b)| a != b) {
        None => Ok(()),
        Some((column, a, b)) => Err(format!(
            "rows {} and {} are the same design ({key}) with different costs (`{column}` {a} and {b}); \
             a reference gives one set of costs per design: remove one row, or average them",
            first.row, again.row
        )),
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
    let metric = |cells: &[Cell], name: &str| match positive(&cells[i]) {
        None => Err(format!(
            "row {row}, column `{name}`: {} is not a positive number",
            shown(&cells[i])
        )),
        Some(x) if !(METRIC_RANGE.0..=METRIC_RANGE.1).contains(&x) => Err(format!(
            "row {row}, column `{name}`: {x:e} is out of range; allowed: {:e} to {:e}",
            METRIC_RANGE.0, METRIC_RANGE.1
        )),
        Some(x) => Ok(x),
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
    use std::io::Read;
    let mut text = String::new();
    crate::run_dir::open_regular(path)
        .and_then(|f| f.take(MAX_CSV_BYTES + 1).read_to_string(&mut text))
        .with_context(|| format!("reading {}", path.display()))?;
    if text.len() as u64 > MAX_CSV_BYTES {
        bail!(
            "{}: more than {MAX_CSV_BYTES} bytes (1 GiB), the most a reference CSV may have",
            path.display()
        );
    }
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        bail!("{}: empty file: expected a header line", path.display());
    };
    let names: Vec<String> = header.split(',').map(|s| unquote(s).to_string()).collect();
    for (sep, what) in [(';', "semicolons"), ('\t', "tabs")] {
        let n = header.matches(sep).count();
        if n >= names.len() {
            bail!(
                "{}: the header has {n} {what} but only {} comma-separated field(s): a \
                 reference CSV is comma-separated; write it with `,` between fields",
                path.display(),
                names.len()
            );
        }
    }
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
        duplicates: 0,
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

    /// C2: a metric of 1e-308 (which made fidelity's ratios NaN and calibrate's report
    /// "NaN -> NaN") or 1e300 is refused, naming the row, the column and the range.
    #[test]
    fn c2_metrics_outside_their_range_are_refused() {
        let e = format!(
            "{:#}",
            read("rram,128,128,2,32,4,16,50,1e-308,0.2,0.5,0.1,x\n").unwrap_err()
        );
        assert!(
            e.contains("row 1, column `resnet18__energy_mj`: 1e-308 is out of range; allowed: 1e-15 to 1e15"),
            "{e}"
        );
        let e = format!(
            "{:#}",
            read("rram,128,128,2,32,4,16,1e300,1,0.2,0.5,0.1,x\n").unwrap_err()
        );
        assert!(
            e.contains("column `area_mm2`: 1e300 is out of range"),
            "{e}"
        );
        // The range's ends are in.
        read("rram,128,128,2,32,4,16,1e15,1e-15,0.2,0.5,0.1,x\n").unwrap();
    }

    /// C5: a design listed again with the same costs counts once; with other costs it is an
    /// error naming both rows; a repeated column and a semicolon-separated file are named.
    #[test]
    fn c5_repeated_designs_and_columns_and_other_separators() {
        let row = "rram,128,128,2,32,4,16,50.5,1.5,0.2,0.5,0.1,x";
        let other = "rram,64,256,1,16,8,32,20,1,0.1,0.4,0.05,y";
        let r = read(&format!(
            "{row}\n{other}\n{row}\n{}\n",
            row.replace(",x", ",z")
        ))
        .unwrap();
        assert_eq!((r.designs.len(), r.duplicates), (2, 2));
        assert_eq!(r.designs[1].row, 2);
        let e = format!(
            "{:#}",
            read(&format!(
                "{row}\n{other}\n{}\n",
                row.replace("50.5", "99999")
            ))
            .unwrap_err()
        );
        assert!(
            e.contains("rows 1 and 3 are the same design (rows=128, cols=128, bits_per_cell=2, ")
                && e.contains("with different costs (`area_mm2` 50.5 and 99999)"),
            "{e}"
        );
        let dir = tempfile::tempdir().unwrap();
        let space = SpaceFile::resolve("demo").unwrap();
        let write = |text: &str| {
            let p = dir.path().join("r.csv");
            std::fs::write(&p, text).unwrap();
            format!("{:#}", Reference::read(&p, &space).unwrap_err())
        };
        let e = write(&format!("{HEADER},area_mm2\n{row},1.0\n"));
        assert!(
            e.contains("column `area_mm2` appears twice (columns 8 and 14)"),
            "{e}"
        );
        let e = write(&format!(
            "{}\n{}\n",
            HEADER.replace(',', ";"),
            row.replace(',', ";")
        ));
        assert!(
            e.contains("the header has 12 semicolons but only 1 comma-separated field(s)"),
            "{e}"
        );
    }

    /// A Parquet reference of more rows than allowed is refused from its footer, before its
    /// data is read.
    #[test]
    fn a_parquet_reference_past_the_row_bound_is_refused_unread() {
        use crate::results::{Col, table, write_parquet};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.parquet");
        let n = MAX_ROWS + 1;
        write_parquet(
            &path,
            table(vec![("area_mm2", Col::F64(vec![Some(1.0); n]))]).unwrap(),
        )
        .unwrap();
        let e = format!(
            "{:#}",
            Reference::read(&path, &SpaceFile::resolve("demo").unwrap()).unwrap_err()
        );
        assert!(
            e.contains(
                "big.parquet: 1000001 rows and 1 columns; a reference may have at most 1000000 rows"
            ),
            "{e}"
        );
    }

    /// 300 seeded mutations of a small reference CSV: none panics, and every one that reads
    /// has distinct designs whose metrics are inside their range.
    #[test]
    fn mutated_reference_files_read_in_range_or_are_refused() {
        let base = format!(
            "{HEADER}\nrram,128,128,2,32,4,16,50.5,1.5,0.2,0.5,0.1,x\n\
             rram,64,256,1,16,8,32,20,1,0.1,0.4,0.05,y\nrram,256,64,4,64,8,16,80,2,0.3,0.7,0.2,z\n"
        );
        let dir = tempfile::tempdir().unwrap();
        let space = SpaceFile::resolve("demo").unwrap();
        let mut m = crate::mutate::Mutator::new(5);
        let in_range = |x: f64| (METRIC_RANGE.0..=METRIC_RANGE.1).contains(&x);
        let mut read = 0;
        for case in 0..300 {
            let path = dir.path().join(format!("m{case}.csv"));
            std::fs::write(&path, m.bytes(base.as_bytes())).unwrap();
            let Ok(r) = Reference::read(&path, &space) else {
                continue;
            };
            read += 1;
            let keys: std::collections::HashSet<String> =
                r.designs.iter().map(design_key).collect();
            assert_eq!(keys.len(), r.designs.len(), "case {case}");
            for d in &r.designs {
                let metrics = [d.area_mm2].into_iter().chain(d.energy_mj.iter().copied());
                assert!(
                    metrics.chain(d.latency_ms.iter().copied()).all(in_range),
                    "case {case}: {d:?}"
                );
            }
        }
        assert!(read > 0 && read < 300, "{read}");
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
