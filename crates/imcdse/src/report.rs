//! Reports: numbers formatted for people (thousands separators, SI suffixes), aligned text
//! tables as `summary.md`, `grading.md` and `comparison.md` print them, and the statistics
//! they quote over seeds (median, min, max).

use std::str::FromStr;

/// `1234567` -> `"1,234,567"`; any unsigned count up to `u128` (design-space sizes pass
/// 2^64: sixteen parameters of sixteen values).
pub fn thousands(n: impl Into<u128>) -> String {
    let s = n.into().to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A count with an SI suffix and 3 significant figures: `15470264320` -> `"15.5G"`.
pub fn si(n: u64) -> String {
    let x = n as f64;
    let (v, unit) = match x {
        x if x >= 1e12 => (x / 1e12, "T"),
        x if x >= 1e9 => (x / 1e9, "G"),
        x if x >= 1e6 => (x / 1e6, "M"),
        x if x >= 1e3 => (x / 1e3, "k"),
        _ => return n.to_string(),
    };
    let decimals = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.decimals$}{unit}")
}

/// A GitHub-flavoured Markdown table: the header, a rule that right-aligns the columns
/// `right` marks, and the rows. Cells are written as [`markdown_cell`]s, so text from a file
/// cannot break the table.
pub fn markdown_table<S: AsRef<str>>(header: &[S], right: &[bool], rows: &[Vec<String>]) -> String {
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let mut s = line(header.iter().map(|h| markdown_cell(h.as_ref())).collect());
    s.push('|');
    for r in right {
        s.push_str(if *r { "---:|" } else { "---|" });
    }
    s.push('\n');
    for r in rows {
        s.push_str(&line(r.iter().map(|c| markdown_cell(c)).collect()));
    }
    s
}

/// Text as one Markdown table cell: `|` escaped, control characters (a newline, an escape
/// sequence, NUL) written as escapes.
pub fn markdown_cell(text: &str) -> String {
    escape(text).replace('|', "\\|")
}

/// A cost for a table: 4 decimals, in scientific notation from 1e9 up (an evaluator's or a
/// calibration's largest allowed values multiply to 1e32, not a 33-digit decimal).
pub fn fixed4(x: f64) -> String {
    if x.is_finite() && x.abs() >= 1e9 {
        format!("{x:.4e}")
    } else {
        format!("{x:.4}")
    }
}

/// Text safe to print and to put in a table: control characters (newlines, tabs, escape
/// sequences, NUL) written as escapes (`\n`, `\u{1b}`).
pub fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            s.extend(c.escape_default());
        } else {
            s.push(c);
        }
    }
    s
}

/// Renders rows as a left/right-aligned text table; columns whose header starts with `>` are
/// right-aligned (the marker is not printed).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let right: Vec<bool> = header.iter().map(|h| h.starts_with('>')).collect();
    let names: Vec<&str> = header.iter().map(|h| h.trim_start_matches('>')).collect();
    let mut widths: Vec<usize> = names.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if right[i] {
                    format!("{c:>w$}", w = widths[i])
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let mut out = line(names.clone());
    out.push('\n');
    out.push_str(&line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    ));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// Median (mean of the middle two for an even count), min and max; `None` when empty.
pub fn median_min_max(v: &[f64]) -> Option<(f64, f64, f64)> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let med = if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    };
    Some((med, s[0], s[n - 1]))
}

/// `median [min, max]` with `digits` decimals, or the value alone for one value (or equal
/// ones); `-` when empty.
pub fn spread(v: &[f64], digits: usize) -> String {
    match median_min_max(v) {
        None => "-".into(),
        Some((m, lo, hi)) if v.len() == 1 || lo == hi => format!("{m:.digits$}"),
        Some((m, lo, hi)) => format!("{m:.digits$} [{lo:.digits$}, {hi:.digits$}]"),
    }
}

/// A number for a message, in a bounded form ([`imc_zoo::error::bounded`]: the workload
/// loader's messages print numbers the same way).
pub use imc_zoo::error::bounded;

/// A ratio readable across decades: 3 significant figures, scientific below 0.01.
pub fn ratio(x: f64) -> String {
    if x >= 0.01 {
        significant(x, 3, Format::Markdown)
    } else {
        format!("{x:.2e}")
    }
}

/// `k = v, k = v` (or with `sep` = `"="` and `join` = `" "`: `k=v k=v`).
pub fn pairs<K: std::fmt::Display, V: std::fmt::Display>(
    items: &[(K, V)],
    sep: &str,
    join: &str,
) -> String {
    items
        .iter()
        .map(|(k, v)| format!("{k}{sep}{v}"))
        .collect::<Vec<_>>()
        .join(join)
}

/// A table format.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Format {
    /// GitHub-flavoured Markdown.
    Markdown,
    /// LaTeX with booktabs.
    Latex,
    /// CSV with column names and full precision.
    Csv,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "markdown" | "md" => Ok(Format::Markdown),
            "latex" | "tex" => Ok(Format::Latex),
            "csv" => Ok(Format::Csv),
            other => Err(format!("`{other}` is not one of markdown, latex, csv")),
        }
    }
}

/// `x` to `digits` significant figures: integers as they are (below 1e6), fixed notation from
/// 1e-3 to 1e5 without trailing zeros, scientific outside.
pub fn significant(x: f64, digits: usize, format: Format) -> String {
    if x == 0.0 {
        return "0".into();
    }
    if !x.is_finite() {
        return x.to_string();
    }
    let mag = x.abs().log10().floor() as i32;
    if x.fract() == 0.0 && x.abs() < 1e6 {
        return format!("{x:.0}");
    }
    if (-3..5).contains(&mag) {
        let decimals = (digits as i32 - 1 - mag).max(0) as usize;
        let s = format!("{x:.decimals$}");
        // Trailing zeros after the point say nothing in a table: 0.5500 -> 0.55.
        return if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
    }
    // Rust's own scientific form: right for subnormal numbers too (1e-309 / 10^-309 is inf),
    // and a mantissa that rounds up to 10 moves the exponent.
    let sci = format!("{x:.prec$e}", prec = digits.saturating_sub(1));
    let (m, mag) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    match format {
        Format::Latex => format!("${m}\\times10^{{{mag}}}$"),
        _ => format!("{m}e{mag}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Costs print with 4 decimals, huge ones in scientific notation.
    #[test]
    fn huge_costs_print_short() {
        assert_eq!(fixed4(0.789), "0.7890");
        assert_eq!(fixed4(1e32), "1.0000e32");
        assert_eq!(fixed4(-2.5e12), "-2.5000e12");
        assert_eq!(fixed4(f64::INFINITY), "inf");
    }

    /// Text from a file cannot break a table: a pipe is escaped, a newline written as `\n`.
    #[test]
    fn markdown_cells_are_escaped() {
        let t = markdown_table(&["a"], &[false], &[vec!["x|y\nz\u{1b}[31m".into()]]);
        assert_eq!(t.lines().count(), 3, "{t}");
        assert!(t.contains("x\\|y\\nz\\u{1b}[31m"), "{t}");
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median_min_max(&[3.0, 1.0, 2.0]), Some((2.0, 1.0, 3.0)));
        assert_eq!(median_min_max(&[4.0, 1.0, 2.0, 3.0]), Some((2.5, 1.0, 4.0)));
        assert_eq!(median_min_max(&[]), None);
    }

    #[test]
    fn spread_shows_median_and_range() {
        assert_eq!(spread(&[2.0], 1), "2.0");
        assert_eq!(spread(&[3.0, 1.0, 2.0], 1), "2.0 [1.0, 3.0]");
        assert_eq!(spread(&[], 1), "-");
        assert_eq!(pairs(&[("a", 1), ("b", 2)], " = ", ", "), "a = 1, b = 2");
    }

    #[test]
    fn formats() {
        assert_eq!(thousands(0u64), "0");
        assert_eq!(thousands(999u64), "999");
        assert_eq!(thousands(1000u64), "1,000");
        assert_eq!(thousands(138_357_544u64), "138,357,544");
        assert_eq!(thousands(1u128 << 64), "18,446,744,073,709,551,616");
        assert_eq!(si(15_470_264_320), "15.5G");
        assert_eq!(si(216_589_760), "217M");
        assert_eq!(si(512), "512");
    }

    /// E12: huge and tiny numbers print in a bounded form: `bounded` for messages, and
    /// `significant` (fidelity and refine tables) right for a subnormal number, which it once
    /// printed as `infe-309`.
    #[test]
    fn e12_numbers_print_in_a_bounded_form() {
        assert_eq!(bounded(1e300), "1e300");
        assert_eq!(bounded(5.7e-5), "5.7e-5");
        assert_eq!(bounded(600.0), "600");
        assert_eq!(bounded(0.001), "0.001");
        assert_eq!(bounded(f64::INFINITY), "inf");
        assert_eq!(significant(1e-309, 3, Format::Markdown), "1.00e-309");
        assert_eq!(significant(1.234e300, 3, Format::Markdown), "1.23e300");
        assert_eq!(significant(9.9996e7, 3, Format::Markdown), "1.00e8");
        assert_eq!(significant(2.5e-7, 2, Format::Latex), "$2.5\\times10^{-7}$");
        assert_eq!(ratio(1e-309), "1.00e-309");
    }

    #[test]
    fn table_aligns() {
        let t = table(
            &["name", ">n"],
            &[
                vec!["a".into(), "1".into()],
                vec!["bbb".into(), "22".into()],
            ],
        );
        assert_eq!(t, "name   n\n----  --\na      1\nbbb   22\n");
    }
}
