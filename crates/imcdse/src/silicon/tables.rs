//! Published tables as designs: the UIUC IMC benchmark's columns (Shanbhag and Roy, CICC
//! 2022; `UIUC-IMC/UIUC-IMC-Benchmarking`, `Benchmarking_Data.csv`) or `macros.csv`'s (one row
//! a macro, the figures a reader would copy from its paper). The format is told by the header:
//! `N_ADC` and `B_x` for UIUC, `tops_per_w_bits_note` for `macros.csv`.
//!
//! **UIUC** rows state the read chain, so the model takes it: `rows = R` (rows under one ADC
//! column), `cols = N_col`, `parallel_rows = R_C` (rows summed per conversion), `dac_bits = B_x`,
//! `input_bits = alpha x B_x`, `column_combine = analog` when `C_C > 1` (C_C bit-columns merged
//! before one conversion; then `weight_bits = B_w`, one bit per SRAM cell), `cols_per_adc = C /
//! C_C`, `adc_bits = B_ADC`, `technology_nm`, `voltage_v` (scaling on), `cycle_ns = T_core` (one
//! array invocation per conversion slot). Its TOPS/W and TOPS/mm2 are 1b-normalised, and its
//! conversions per MVM over the whole array are `alpha x N_ADC x (C / C_C) x (R / R_C)`.
//!
//! **`macros.csv`** rows give the array, the precisions, the ADC and the supply but not the read
//! chain: the model's defaults stand (bit-serial inputs, every row summed, every bit-column
//! converted), which is what a user typing those columns into `imcdse eval` gets. A
//! `tops_per_w_bits_note` that begins with `1b` marks a 1b-normalised figure.
//!
//! UIUC's digital CIM rows (`DIMC`) become `compute = "digital"`: `N_ADC` adder trees of
//! `parallel_rows = R_C` products of `B_w` bits (`weight_bits = B_w` on as many bit-columns),
//! `cols_per_adc = N_col / (B_w x N_ADC)` weight columns per tree, `B_x` input bits per step.
//! A fractional `B_ADC` (an ADC of 11 levels is 3.46 bits) takes the next whole bit; a ternary
//! weight (`B_w = 1.5`) takes two bit-columns, and its 1b figure keeps counting 1.5 bits.
//!
//! A row the model cannot express is kept with the reason: devices other than SRAM, RRAM and
//! PCM, missing array sizes, a digital row without trees, inconsistent organisations, nodes
//! outside 4-130 nm.

use super::{Bits, Design, MAX_ROWS, Published, Scope, figure};
use crate::results::{Cell, Table};
use anyhow::{Result, bail};
use imc_model::param::Value;

/// Which published table a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The UIUC IMC benchmark.
    Uiuc,
    /// `macros.csv`.
    Macros,
}

/// The designs of a table, its format told by its header. `file` names it in messages.
pub fn designs(file: &str, table: &Table) -> Result<(Format, Vec<Design>)> {
    let has = |c: &str| table.names.iter().any(|n| n == c);
    let format = if has("N_ADC") && has("B_x") {
        Format::Uiuc
    } else if has("tops_per_w_bits_note") && has("node_nm") {
        Format::Macros
    } else {
        bail!(
            "{file}: neither the UIUC benchmark's columns (N_ADC, B_x, ...) nor macros.csv's \
             (node_nm, tops_per_w_bits_note, ...)"
        );
    };
    if table.rows() == 0 {
        bail!("{file}: no rows below the header: nothing to validate");
    }
    if table.rows() > MAX_ROWS {
        bail!(
            "{file}: {} rows, more than the {MAX_ROWS} a validation takes",
            table.rows()
        );
    }
    let designs = (0..table.rows())
        .map(|i| {
            let row = Row { table, i, file };
            match format {
                Format::Uiuc => uiuc(&row),
                Format::Macros => macros(&row),
            }
        })
        .collect();
    Ok((format, designs))
}

/// One row of a table, read by column name.
struct Row<'a> {
    table: &'a Table,
    i: usize,
    file: &'a str,
}

impl Row<'_> {
    fn cell(&self, column: &str) -> Option<&Cell> {
        self.table.column(column).map(|c| &c[self.i])
    }
    fn num(&self, column: &str) -> Option<f64> {
        self.cell(column).and_then(Cell::number)
    }
    /// A cell as text, cut at 200 characters (a name or a title; no column needs more).
    fn text(&self, column: &str) -> String {
        match self.cell(column) {
            Some(Cell::Str(s)) => s.trim().chars().take(200).collect(),
            Some(Cell::Num(x)) => x.to_string(),
            _ => String::new(),
        }
    }
    /// A number of the row: `None` when the cell is empty (or the column absent), an error
    /// naming the cell when it holds text (`NaN` and `inf` are text here).
    fn opt(&self, column: &str) -> Result<Option<f64>, String> {
        match self.cell(column) {
            None | Some(Cell::Null) => Ok(None),
            Some(c) => c
                .number()
                .map(Some)
                .ok_or_else(|| format!("{column} is {}, not a number", c.describe())),
        }
    }
    /// A figure of the row: `None` when empty, an error when it is not a number in the
    /// bounds of [`figure`].
    fn figure(&self, column: &str) -> Result<Option<f64>, String> {
        self.opt(column)?.map(|x| figure(column, x)).transpose()
    }
    /// A positive number of the row at most `max` (a supply, a time, a clock), `None` when
    /// empty.
    fn positive(&self, column: &str, max: f64) -> Result<Option<f64>, String> {
        match self.opt(column)? {
            Some(x) if !(x > 0.0 && x <= max) => Err(format!(
                "{column} = {}: expected a number above 0 and at most {}",
                imc_zoo::error::bounded(x),
                imc_zoo::error::bounded(max)
            )),
            x => Ok(x),
        }
    }
    fn origin(&self) -> String {
        format!("{} row {}", self.file, self.i + 1)
    }
}

fn num(k: &str, x: f64) -> (String, Value) {
    (k.to_string(), Value::Num(x))
}

fn word(k: &str, w: &str) -> (String, Value) {
    (k.to_string(), Value::Str(w.to_string()))
}

/// A chip of one macro (one crossbar in one tile) of `rows` x `cols` cells of `device` at
/// `node` nm, its weights kept in the array.
fn one_macro(device: &str, node: f64, rows: u64, cols: u64) -> Vec<(String, Value)> {
    vec![
        word("device", device),
        num("technology_nm", node),
        num("rows", rows as f64),
        num("cols", cols as f64),
        num("router_groups", 1.0),
        num("tiles_per_group", 1.0),
        num("crossbars_per_tile", 1.0),
        ("weights_on_chip".into(), Value::Bool(true)),
    ]
}

/// A positive integer of the row, or why not.
fn count(row: &Row, column: &str) -> Result<u64, String> {
    match row.num(column) {
        Some(x) if x >= 1.0 && x.fract() == 0.0 && x <= 1e6 => Ok(x as u64),
        Some(x) => Err(format!(
            "{column} = {} is not a whole count from 1 to 1e6",
            imc_zoo::error::bounded(x)
        )),
        None => Err(format!("no {column}")),
    }
}

fn uiuc(row: &Row) -> Design {
    let authors = row.text("Authors");
    let name = format!(
        "{} {} (UIUC #{}, {}b x {}b)",
        authors.split(" et al").next().unwrap_or(&authors).trim(),
        row.text("Year"),
        row.text("Index"),
        row.text("B_x"),
        row.text("B_w"),
    );
    let (figures, bad) = match (row.figure("TOPS/W"), row.figure("TOPS/mm2")) {
        (Ok(w), Ok(mm2)) => ((w, mm2), None),
        (Err(e), _) | (_, Err(e)) => ((None, None), Some(e)),
    };
    let published = Published {
        paper: row.text("Paper Title"),
        source: row.origin(),
        scope: Scope::Macro,
        tops_per_w: figures.0,
        tops_per_mm2: figures.1,
        bits: Bits::OneBit,
        area_mm2: None,
        // A digital row's N_ADC counts adder trees, whose C and C_C UIUC fills inconsistently.
        conversions_per_mvm: (row.text("Compute Model") != "DIMC")
            .then(|| uiuc_conversions(row))
            .flatten(),
        counted_weight_bits: (row.num("B_w") == Some(1.5)).then_some(1.5),
    };
    let (settings, skipped) = match bad.map_or_else(|| uiuc_settings(row), Err) {
        Ok(s) => (s, None),
        Err(why) => (Vec::new(), Some(why)),
    };
    Design {
        name,
        origin: row.origin(),
        settings,
        published,
        skipped,
    }
}

/// `alpha x N_ADC x (C / C_C) x (R / R_C)`: conversions for one input vector over the array.
fn uiuc_conversions(row: &Row) -> Option<f64> {
    let [alpha, n_adc, c, c_c, r, r_c] =
        ["alpha", "N_ADC", "C", "C_C", "R", "R_C"].map(|k| row.num(k));
    let x = alpha? * n_adc? * (c? / c_c?) * (r? / r_c?);
    figure("conversions", x).ok()
}

fn uiuc_settings(row: &Row) -> Result<Vec<(String, Value)>, String> {
    let device = match (row.text("Architecture").as_str(), row.text("Cell Type")) {
        ("SRAM", _) => "sram",
        ("eNVM", cell) if cell.to_ascii_lowercase().starts_with("reram") => "rram",
        ("eNVM", cell) if cell.to_ascii_lowercase().starts_with("pcm") => "pcm",
        (arch, cell) => {
            return Err(format!(
                "device {arch} {cell}: the model has SRAM, RRAM and PCM"
            ));
        }
    };
    if row.text("Compute Model") == "DIMC" {
        return uiuc_digital(row);
    }
    let [rows, cols, r_c, b_x, alpha, c_c, c] =
        ["R", "N_col", "R_C", "B_x", "alpha", "C_C", "C"].map(|k| count(row, k));
    let (rows, cols, r_c, b_x, alpha, c_c, c) = (rows?, cols?, r_c?, b_x?, alpha?, c_c?, c?);
    let b_w = weight_bits(row)?;
    let adc = match row.num("B_ADC") {
        Some(b) if (1.0..=16.0).contains(&b) => b.ceil() as u64,
        _ => return Err("no B_ADC of 1 to 16 bits".into()),
    };
    let node = node(row, "Tech (nm)")?;
    if r_c > rows || !c.is_multiple_of(c_c) {
        return Err(format!(
            "R_C = {r_c} > R = {rows} or C_C = {c_c} does not divide C = {c}: inconsistent row"
        ));
    }
    let mut s = one_macro(device, node, rows, cols);
    s.extend([
        num("parallel_rows", r_c as f64),
        num("dac_bits", b_x as f64),
        num("input_bits", (alpha * b_x) as f64),
        num("adc_bits", adc as f64),
        num("cols_per_adc", (c / c_c) as f64),
    ]);
    uiuc_weights(&mut s, device, b_w, c_c)?;
    uiuc_operating_point(row, &mut s)?;
    Ok(s)
}

/// The row's node from `column`, within the model's 4-130 nm.
fn node(row: &Row, column: &str) -> Result<f64, String> {
    let node = row.num(column).ok_or("no technology node")?;
    if !(4.0..=130.0).contains(&node) {
        return Err(format!(
            "{} nm: the model covers 4 to 130 nm",
            imc_zoo::error::bounded(node)
        ));
    }
    Ok(node)
}

/// `B_w`, a ternary 1.5 taken as 2 bits on two cells' worth of columns.
fn weight_bits(row: &Row) -> Result<u64, String> {
    if row.num("B_w") == Some(1.5) {
        return Ok(2);
    }
    count(row, "B_w")
}

/// A digital CIM row: `N_ADC` trees of `R_C` products of `B_w` bits (see the module doc).
fn uiuc_digital(row: &Row) -> Result<Vec<(String, Value)>, String> {
    let [rows, cols, r_c, b_x, alpha, b_w, trees] =
        ["R", "N_col", "R_C", "B_x", "alpha", "B_w", "N_ADC"].map(|k| count(row, k));
    let (rows, cols, r_c, b_x, alpha, b_w, trees) =
        (rows?, cols?, r_c?, b_x?, alpha?, b_w?, trees?);
    let group = b_w * trees;
    if r_c > rows || group > cols || !cols.is_multiple_of(group) {
        return Err(format!(
            "R_C = {r_c} > R = {rows}, or {trees} trees of {b_w}-bit weights do not divide \
             N_col = {cols}: inconsistent row"
        ));
    }
    let mut s = one_macro("sram", node(row, "Tech (nm)")?, rows, cols);
    s.extend([
        word("compute", "digital"),
        num("parallel_rows", r_c as f64),
        num("dac_bits", b_x as f64),
        num("input_bits", (alpha * b_x) as f64),
        num("weight_bits", b_w as f64),
        num("cols_per_adc", (cols / group) as f64),
    ]);
    uiuc_operating_point(row, &mut s)?;
    Ok(s)
}

/// The row's supply (with voltage scaling) and invocation time.
/// A supply outside 0.3-1.5 V (an RRAM macro's read or write rail) leaves the node's nominal
/// one; one that is not a voltage at all (not above 0 and at most 10 V) skips the row.
fn uiuc_operating_point(row: &Row, s: &mut Vec<(String, Value)>) -> Result<(), String> {
    if let Some(v) = row
        .positive("Supply V(V)", 10.0)?
        .filter(|v| (0.3..=1.5).contains(v))
    {
        s.push(num("voltage_v", v));
        s.push(("voltage_scaling".into(), Value::Bool(true)));
    }
    if let Some(t) = row.positive("T_core(ns)", 1e9)? {
        s.push(num("cycle_ns", t));
    }
    Ok(())
}

/// Weight bits and cells: `C_C` bit-columns merged in analog hold a `B_w`-bit weight
/// (`B_w / C_C` bits a cell); one column per weight otherwise (`B_w` bits a cell).
fn uiuc_weights(
    s: &mut Vec<(String, Value)>,
    device: &str,
    b_w: u64,
    c_c: u64,
) -> Result<(), String> {
    if !b_w.is_multiple_of(c_c) {
        return Err(format!(
            "B_w = {b_w} over C_C = {c_c} columns is not whole bits a cell"
        ));
    }
    let per_cell = b_w / c_c;
    if device == "sram" && per_cell != 1 {
        return Err(format!(
            "{per_cell} bits per SRAM cell (B_w = {b_w}, C_C = {c_c})"
        ));
    }
    s.push(num("weight_bits", b_w as f64));
    s.push(num("bits_per_cell", per_cell as f64));
    if c_c > 1 {
        s.push(word("column_combine", "analog"));
    }
    Ok(())
}

fn macros(row: &Row) -> Design {
    let note = row.text("tops_per_w_bits_note");
    let read = ["tops_per_w", "tops_per_mm2", "area_mm2"].map(|k| row.figure(k));
    let bad = read.iter().find_map(|r| r.clone().err());
    let figures = read.map(|r| r.unwrap_or(None));
    let published = Published {
        paper: format!("{} ({})", row.text("name"), row.text("venue")),
        source: row.text("source"),
        scope: if row.text("name").contains("(sim)") {
            Scope::Chip
        } else {
            Scope::Macro
        },
        tops_per_w: figures[0],
        tops_per_mm2: figures[1],
        bits: if note.starts_with("1b") {
            Bits::OneBit
        } else {
            Bits::Native
        },
        area_mm2: figures[2],
        conversions_per_mvm: None,
        counted_weight_bits: None,
    };
    let (settings, skipped) = match bad.map_or_else(|| macros_settings(row), Err) {
        Ok(s) => (s, None),
        Err(why) => (Vec::new(), Some(why)),
    };
    Design {
        name: row.text("name"),
        origin: row.origin(),
        settings,
        published,
        skipped,
    }
}

fn macros_settings(row: &Row) -> Result<Vec<(String, Value)>, String> {
    let device = row.text("device").to_ascii_lowercase();
    let device = ["sram", "rram", "pcm"]
        .into_iter()
        .find(|d| device.starts_with(d))
        .ok_or_else(|| format!("device {device}: the model has SRAM, RRAM and PCM"))?;
    let digital = row.text("domain") == "digital";
    let [rows, cols, input, weight] =
        ["rows", "cols", "input_bits", "weight_bits"].map(|k| count(row, k));
    let (rows, cols, input, weight) = (rows?, cols?, input?, weight?);
    // A digital macro has no ADC; its adc_bits is empty and not asked for.
    let adc = if digital { 1 } else { count(row, "adc_bits")? };
    let mut s = one_macro(device, node(row, "node_nm")?, rows, cols);
    if digital {
        s.push(word("compute", "digital"));
    }
    s.extend([
        num("input_bits", input as f64),
        num("weight_bits", weight as f64),
        num("adc_bits", adc as f64),
    ]);
    if device != "sram" {
        let default = if device == "pcm" { 4 } else { 2 };
        s.push(num("bits_per_cell", weight.min(default) as f64));
    }
    if let Some(v) = row.positive("vdd_v", 10.0)? {
        s.push(num("voltage_v", v));
        s.push(("voltage_scaling".into(), Value::Bool(true)));
    }
    if let Some(f) = row.positive("freq_mhz", 1e6)? {
        s.push(num("cycle_ns", 1e3 / f));
    }
    Ok(s)
}
