//! Export of a run's or a comparison's Parquet files as paper-ready tables (Markdown, LaTeX with
//! booktabs, CSV), and their plots.
//!
//! - A sweep folder (`evaluations.parquet`, `pareto.parquet`): table `evaluations` (default,
//!   sorted by score, top 20) or `pareto`; default columns: the parameters, `score`,
//!   `area_mm2` and each workload's EDAP. Plot: the designs in the energy-latency plane with the
//!   Pareto front coloured by area.
//! - A comparison folder (`comparison.parquet`): default columns seed, kind, workload, E, L, A,
//!   EDAP, normalized EDAP and the gain/loss figures. Plot: per-workload normalized EDAP of the
//!   joint, largest, sequential designs as grouped bars (median over seeds).
//!
//! Markdown and LaTeX round numbers to 4 significant figures and use readable labels with units
//! (a label override replaces one); CSV keeps column names and full precision.

use crate::plot::{self, Bars, Front};
use crate::report::median_min_max;
pub use crate::report::{Format, significant};
use crate::results::{self, Cell, Table};
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

/// What to export and how.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportOptions {
    /// A results folder written by a sweep or a comparison.
    pub dir: PathBuf,
    /// The table format.
    pub format: Format,
    /// Which table: evaluations | pareto (sweep folders); comparison (compare folders).
    pub table: Option<String>,
    /// Columns to show (default: a sensible set per table).
    pub columns: Option<Vec<String>>,
    /// Keep the first N rows after sorting (default: 20 for evaluations, all otherwise).
    pub top: Option<usize>,
    /// Sort by this column, ascending; `COL:desc` for descending. Empty cells go last.
    pub sort: Option<String>,
    /// Column label overrides, `column=Label`.
    pub labels: Vec<String>,
}

/// The table's text.
pub fn export(o: &ExportOptions) -> Result<String> {
    let dir = &o.dir;
    if !dir.is_dir() {
        bail!(
            "{}: {}; pass a folder written by `imcdse sweep` or `imcdse compare`",
            dir.display(),
            if dir.exists() {
                "not a folder"
            } else {
                "no such folder"
            }
        );
    }
    let comparison = dir.join("comparison.parquet").exists();
    let sweep = dir.join("evaluations.parquet").exists();
    if !comparison && !sweep {
        bail!(
            "{}: no comparison.parquet or evaluations.parquet here; pass a folder written by \
             `imcdse sweep` or `imcdse compare`",
            dir.display()
        );
    }
    let table_name = match (&o.table, comparison) {
        (Some(t), _) => t.clone(),
        (None, true) => "comparison".into(),
        (None, false) => "evaluations".into(),
    };
    let allowed: &[&str] = if comparison {
        &["comparison"]
    } else {
        &["evaluations", "pareto"]
    };
    if !allowed.contains(&table_name.as_str()) {
        bail!(
            "--table: `{table_name}` is not in {}; available here: {}",
            dir.display(),
            allowed.join(", ")
        );
    }
    let table = results::read_table(&dir.join(format!("{table_name}.parquet")))?;
    let columns = o
        .columns
        .clone()
        .unwrap_or_else(|| default_columns(&table, comparison));
    for c in &columns {
        if table.column(c).is_none() {
            bail!(
                "--columns: no column `{c}` in {table_name}.parquet; valid columns: {}",
                table.names.join(", ")
            );
        }
    }
    let order = order(o, &table, &table_name)?;
    let labels = labels(&o.labels, &table)?;
    Ok(render(&table, &columns, &order, o.format, &labels))
}

/// Draws the folder's plot to `path` (.svg or .png): the Pareto front of a sweep, the grouped
/// bars of a comparison.
///
/// `path` is checked first ([`crate::run_dir::output_files`]): a regular file or a new one,
/// written through a symbolic link, never one of the folder's tables it plots.
pub fn draw(dir: &Path, path: &Path) -> Result<()> {
    plot::is_svg(path)?;
    let tables = [
        "evaluations.parquet",
        "pareto.parquet",
        "comparison.parquet",
    ]
    .map(|t| dir.join(t));
    let inputs: Vec<(&str, &Path)> = tables.iter().map(|t| ("the table", t.as_path())).collect();
    crate::run_dir::output_files(&[("--plot", path)], &inputs)?;
    if dir.join("comparison.parquet").exists() {
        let table = results::read_table(&dir.join("comparison.parquet"))?;
        plot::render(path, (900, 560), &bars(&table, dir)?)
    } else {
        let front = front(dir)?;
        if front.all.is_empty() && front.front.is_empty() {
            bail!(
                "{}: no feasible design to plot; {} was not written",
                dir.display(),
                path.display()
            );
        }
        plot::render(path, (900, 620), &front)
    }
}

/// The rows to show: sorted (evaluations by score unless told), cut to the top.
fn order(o: &ExportOptions, table: &Table, table_name: &str) -> Result<Vec<usize>> {
    let sort = match &o.sort {
        Some(s) => Some(s.clone()),
        None if table_name == "evaluations" => Some("score".into()),
        None => None,
    };
    let mut order: Vec<usize> = (0..table.rows()).collect();
    if let Some(s) = &sort {
        let (col, desc) = match s.strip_suffix(":desc") {
            Some(c) => (c, true),
            None => (s.strip_suffix(":asc").unwrap_or(s), false),
        };
        let Some(cells) = table.column(col) else {
            bail!(
                "--sort: no column `{col}` in {table_name}.parquet; valid columns: {}",
                table.names.join(", ")
            );
        };
        order.sort_by(|&a, &b| compare_cells(&cells[a], &cells[b], desc));
    }
    let top = o.top.unwrap_or(if table_name == "evaluations" {
        20
    } else {
        usize::MAX
    });
    order.truncate(top);
    Ok(order)
}

/// `column=Label` overrides, checked against the table.
fn labels(given: &[String], table: &Table) -> Result<Vec<(String, String)>> {
    let mut labels = Vec::new();
    for l in given {
        let Some((k, v)) = l.split_once('=') else {
            bail!("--label: `{l}` is not column=Label");
        };
        if table.column(k).is_none() {
            bail!(
                "--label: no column `{k}`; valid columns: {}",
                table.names.join(", ")
            );
        }
        if labels.iter().any(|(c, _)| c == k) {
            bail!("--label: column `{k}` is labelled twice; give it one label");
        }
        labels.push((k.to_string(), v.to_string()));
    }
    Ok(labels)
}

fn default_columns(t: &Table, comparison: bool) -> Vec<String> {
    if comparison {
        return [
            "seed",
            "kind",
            "workload",
            "energy_mj",
            "latency_ms",
            "area_mm2",
            "edap",
            "normalized",
            "gain_over_largest_pct",
            "loss_vs_specific_pct",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
    }
    let score = t.names.iter().position(|n| n == "feasible").unwrap_or(0);
    let mut cols: Vec<String> = t.names[..score].to_vec();
    cols.push("score".into());
    cols.push("area_mm2".into());
    cols.extend(t.names.iter().filter(|n| n.ends_with("__edap")).cloned());
    cols
}

fn compare_cells(a: &Cell, b: &Cell, desc: bool) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    let key = |c: &Cell| -> Option<Result<f64, String>> {
        match c {
            Cell::Null => None,
            Cell::Num(x) if x.is_nan() => None,
            Cell::Num(x) => Some(Ok(*x)),
            Cell::Int(x) => Some(Ok(*x as f64)),
            Cell::Bool(b) => Some(Ok(f64::from(u8::from(*b)))),
            Cell::Str(s) => Some(Err(s.clone())),
        }
    };
    match (key(a), key(b)) {
        (None, None) => Equal,
        (None, _) => Greater,
        (_, None) => Less,
        (Some(x), Some(y)) => {
            let o = match (x, y) {
                (Ok(x), Ok(y)) => x.total_cmp(&y),
                (Err(x), Err(y)) => x.cmp(&y),
                (Ok(_), Err(_)) => Less,
                (Err(_), Ok(_)) => Greater,
            };
            if desc { o.reverse() } else { o }
        }
    }
}

/// A readable label and its unit for a column (units in a neutral spelling: "mm2").
pub fn label(column: &str) -> (String, Option<&'static str>) {
    let known: &[(&str, &str, Option<&'static str>)] = &[
        ("voltage_v", "Voltage", Some("V")),
        ("bits_per_cell", "Bits/cell", None),
        ("cycle_ns", "Cycle", Some("ns")),
        ("rows", "Rows", None),
        ("cols", "Columns", None),
        ("router_groups", "Router groups", None),
        ("tiles_per_group", "Tiles/group", None),
        ("crossbars_per_tile", "Crossbars/tile", None),
        ("glb_mib", "GLB", Some("MiB")),
        ("adc_bits", "ADC bits", None),
        ("technology_nm", "Node", Some("nm")),
        ("score", "Score", None),
        ("area_mm2", "Area", Some("mm2")),
        ("energy_mj", "Energy", Some("mJ")),
        ("latency_ms", "Latency", Some("ms")),
        ("edap", "EDAP", Some("mJ ms mm2")),
        ("normalized", "Normalized EDAP", None),
        ("gain_over_largest_pct", "Gain over largest", Some("%")),
        ("gain_over_largest_pp", "Gain over largest", Some("pp")),
        ("loss_vs_specific_pct", "Loss vs specific", Some("%")),
        ("eval_index", "Evaluation", None),
        ("infeasible_reason", "Infeasible because", None),
    ];
    if let Some((_, l, u)) = known.iter().find(|k| k.0 == column) {
        return (l.to_string(), *u);
    }
    if let Some((w, what)) = column.split_once("__") {
        let (l, u) = label(what);
        return (format!("{w} {l}"), u);
    }
    let mut s = column.replace('_', " ");
    if let Some(f) = s.get(0..1) {
        s = f.to_uppercase() + &s[1..];
    }
    (s, None)
}

fn header(column: &str, format: Format, labels: &[(String, String)]) -> String {
    if format == Format::Csv {
        return column.to_string();
    }
    if let Some((_, l)) = labels.iter().find(|(k, _)| k == column) {
        return if format == Format::Latex {
            latex_escape(l)
        } else {
            l.clone()
        };
    }
    let (l, unit) = label(column);
    match (unit, format) {
        (None, Format::Latex) => latex_escape(&l),
        (None, _) => l,
        (Some(u), Format::Latex) => format!("{} ({})", latex_escape(&l), latex_unit(u)),
        (Some(u), _) => format!("{l} ({})", u.replace("mm2", "mm²")),
    }
}

fn latex_unit(u: &str) -> String {
    match u {
        "mm2" => "mm$^2$".into(),
        "mJ ms mm2" => "mJ$\\cdot$ms$\\cdot$mm$^2$".into(),
        "%" => "\\%".into(),
        other => other.into(),
    }
}

fn latex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '_' | '&' | '%' | '#' | '$' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '\\' => out.push_str("\\textbackslash{}"),
            _ => out.push(c),
        }
    }
    out
}

fn cell_text(c: &Cell, format: Format) -> String {
    match (c, format) {
        (Cell::Null, Format::Csv) => String::new(),
        (Cell::Null, Format::Latex) => "--".into(),
        (Cell::Null, _) => "-".into(),
        (Cell::Num(x), Format::Csv) => format!("{x}"),
        (Cell::Num(x), f) if x.is_nan() => cell_text(&Cell::Null, f),
        (Cell::Num(x), f) => significant(*x, 4, f),
        (Cell::Int(x), _) => x.to_string(),
        (Cell::Bool(b), Format::Csv) => b.to_string(),
        (Cell::Bool(b), _) => if *b { "yes" } else { "no" }.into(),
        (Cell::Str(s), Format::Csv) if s.contains([',', '"', '\n']) => {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
        (Cell::Str(s), Format::Latex) => latex_escape(s),
        (Cell::Str(s), _) => s.clone(),
    }
}

/// The table in the chosen format.
pub fn render(
    t: &Table,
    columns: &[String],
    order: &[usize],
    format: Format,
    labels: &[(String, String)],
) -> String {
    let cols: Vec<&[Cell]> = columns
        .iter()
        .map(|c| t.column(c).expect("checked"))
        .collect();
    let heads: Vec<String> = columns.iter().map(|c| header(c, format, labels)).collect();
    let body: Vec<Vec<String>> = order
        .iter()
        .map(|&i| cols.iter().map(|c| cell_text(&c[i], format)).collect())
        .collect();
    let numeric: Vec<bool> = cols
        .iter()
        .map(|c| {
            c.iter()
                .all(|x| matches!(x, Cell::Num(_) | Cell::Int(_) | Cell::Null))
        })
        .collect();
    match format {
        Format::Csv => {
            let mut s = heads.join(",") + "\n";
            for r in body {
                s.push_str(&r.join(","));
                s.push('\n');
            }
            s
        }
        Format::Markdown => crate::report::markdown_table(&heads, &numeric, &body),
        Format::Latex => {
            let spec: String = numeric.iter().map(|n| if *n { 'r' } else { 'l' }).collect();
            let mut s = format!(
                "% requires \\usepackage{{booktabs}}\n\\begin{{tabular}}{{{spec}}}\n\\toprule\n{} \\\\\n\\midrule\n",
                heads.join(" & ")
            );
            for r in body {
                s.push_str(&format!("{} \\\\\n", r.join(" & ")));
            }
            s.push_str("\\bottomrule\n\\end{tabular}\n");
            s
        }
    }
}

/// A finite number (NaN stands for a missing value in the tables).
fn num(c: &Cell) -> Option<f64> {
    c.number().filter(|x| x.is_finite())
}

/// Max over the workload columns ending in `suffix`, per row.
fn max_over(t: &Table, suffix: &str) -> Vec<Option<f64>> {
    let cols: Vec<&[Cell]> = t
        .names
        .iter()
        .filter(|n| n.ends_with(suffix))
        .map(|n| t.column(n).expect("listed"))
        .collect();
    (0..t.rows())
        .map(|i| {
            cols.iter()
                .map(|c| num(&c[i]))
                .try_fold(f64::NEG_INFINITY, |m, v| v.map(|v| m.max(v)))
        })
        .collect()
}

fn front(dir: &Path) -> Result<Front> {
    let evals = results::read_table(&dir.join("evaluations.parquet"))?;
    let pareto = results::read_table(&dir.join("pareto.parquet"))?;
    let feasible = evals.column("feasible").unwrap_or(&[]);
    let (e, l) = (
        max_over(&evals, "__energy_mj"),
        max_over(&evals, "__latency_ms"),
    );
    let all = (0..evals.rows())
        .filter(|&i| feasible.get(i) == Some(&Cell::Bool(true)))
        .filter_map(|i| Some((e[i]?, l[i]?)))
        .collect();
    let (pe, pl) = (
        max_over(&pareto, "__energy_mj"),
        max_over(&pareto, "__latency_ms"),
    );
    let area = pareto.column("area_mm2").unwrap_or(&[]);
    let front = (0..pareto.rows())
        .filter_map(|i| Some((pe[i]?, pl[i]?, num(area.get(i)?)?)))
        .collect();
    Ok(Front {
        title: format!("{}: designs and Pareto front", folder_name(dir)),
        all,
        front,
    })
}

fn bars(t: &Table, dir: &Path) -> Result<Bars> {
    let kind = t.column("kind").unwrap_or(&[]);
    let workload = t.column("workload").unwrap_or(&[]);
    let normalized = t.column("normalized").unwrap_or(&[]);
    let mut workloads: Vec<String> = Vec::new();
    for w in workload {
        if let Cell::Str(w) = w
            && !workloads.contains(w)
        {
            workloads.push(w.clone());
        }
    }
    let mut groups = Vec::new();
    for k in ["joint", "largest", "sequential"] {
        let values: Vec<f64> = workloads
            .iter()
            .map(|w| {
                let v: Vec<f64> = (0..t.rows())
                    .filter(|&i| {
                        kind[i] == Cell::Str(k.into()) && workload[i] == Cell::Str(w.clone())
                    })
                    .filter_map(|i| num(&normalized[i]))
                    .collect();
                median_min_max(&v).map_or(f64::NAN, |m| m.0)
            })
            .collect();
        groups.push((k.to_string(), values));
    }
    Ok(Bars {
        title: format!(
            "{}: EDAP relative to each workload's own design",
            folder_name(dir)
        ),
        workloads,
        groups,
        y_label: "normalized EDAP (median over seeds)".into(),
    })
}

fn folder_name(dir: &Path) -> String {
    dir.file_name()
        .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_figures() {
        assert_eq!(significant(392.2113, 4, Format::Markdown), "392.2");
        assert_eq!(significant(0.24151, 4, Format::Markdown), "0.2415");
        assert_eq!(significant(12345678.0, 4, Format::Markdown), "1.235e7");
        assert_eq!(
            significant(12345678.0, 4, Format::Latex),
            "$1.235\\times10^{7}$"
        );
        assert_eq!(significant(0.00001234, 4, Format::Markdown), "1.234e-5");
        assert_eq!(significant(0.0, 4, Format::Markdown), "0");
        assert_eq!(significant(512.0, 4, Format::Markdown), "512");
        assert_eq!(significant(0.55, 4, Format::Markdown), "0.55");
        assert_eq!(significant(1650.4, 4, Format::Markdown), "1650");
    }

    #[test]
    fn labels_carry_units_per_format() {
        assert_eq!(header("area_mm2", Format::Markdown, &[]), "Area (mm²)");
        assert_eq!(header("area_mm2", Format::Latex, &[]), "Area (mm$^2$)");
        assert_eq!(header("area_mm2", Format::Csv, &[]), "area_mm2");
        assert_eq!(
            header("vgg16__edap", Format::Latex, &[]),
            "vgg16 EDAP (mJ$\\cdot$ms$\\cdot$mm$^2$)"
        );
        let over = [("rows".to_string(), "Crossbar rows".to_string())];
        assert_eq!(header("rows", Format::Markdown, &over), "Crossbar rows");
        assert_eq!(header("some_thing", Format::Latex, &[]), "Some thing");
    }

    #[test]
    fn nulls_sort_last_either_way() {
        let v = [Cell::Num(2.0), Cell::Null, Cell::Num(1.0)];
        let mut o = vec![0, 1, 2];
        o.sort_by(|&a, &b| compare_cells(&v[a], &v[b], false));
        assert_eq!(o, vec![2, 0, 1]);
        o.sort_by(|&a, &b| compare_cells(&v[a], &v[b], true));
        assert_eq!(o, vec![0, 2, 1]);
    }
}
