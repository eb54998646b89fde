//! Comma-separated values as RFC 4180 writes them: fields in double quotes may hold commas,
//! line breaks and doubled quotes (`""`); lines end in LF or CRLF. Published tables (the UIUC
//! benchmark, `macros.csv`) quote titles and notes that hold commas, which a split on commas
//! reads wrong.
//!
//! Bounds: at most [`MAX_BYTES`] of text, [`MAX_FIELDS`] fields a record and the rows the
//! caller allows (refused as soon as one more is read, so a long table is not held first); a
//! quote left open at the end of the text is an error naming the line it opened on. A UTF-8
//! byte-order mark at the start is skipped; two columns of one name are an error (unnamed
//! columns, which no one reads by name, may repeat).

use crate::results::{Cell, Table};

/// The largest text read (64 MiB).
pub const MAX_BYTES: usize = 64 << 20;
/// The most fields one record may have.
pub const MAX_FIELDS: usize = 4096;

/// The records of `text`, each a list of fields (quotes removed), at most `max_records` of
/// them. Blank lines are skipped.
pub fn records(text: &str, max_records: usize) -> Result<Vec<Vec<String>>, String> {
    if text.len() > MAX_BYTES {
        return Err(format!(
            "{} bytes: more than the {MAX_BYTES} a table may have",
            text.len()
        ));
    }
    let mut out = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut opened_at, mut line) = (false, 0, 1);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => (quoted, opened_at) = (true, line),
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                end_record(&mut out, std::mem::take(&mut record), line)?;
                if out.len() > max_records {
                    return Err(format!(
                        "more than {} rows, the most a table may have here",
                        max_records.saturating_sub(1)
                    ));
                }
            }
            (_, c) => field.push(c),
        }
        if c == '\n' {
            line += 1;
        }
    }
    if quoted {
        return Err(format!("line {opened_at}: a quoted field is never closed"));
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        end_record(&mut out, record, line)?;
    }
    if out.len() > max_records {
        return Err(format!(
            "more than {} rows, the most a table may have here",
            max_records.saturating_sub(1)
        ));
    }
    Ok(out)
}

fn end_record(out: &mut Vec<Vec<String>>, record: Vec<String>, line: usize) -> Result<(), String> {
    if record.len() > MAX_FIELDS {
        return Err(format!(
            "line {line}: {} fields, more than {MAX_FIELDS}",
            record.len()
        ));
    }
    if !record.iter().all(|f| f.trim().is_empty()) {
        out.push(record);
    }
    Ok(())
}

/// A table from `text`: the first record names the columns; each later record is padded with
/// empty cells or cut to the header's length only where the cut fields are empty (trailing
/// commas), else it is an error naming the row. Numbers become numbers, empty fields nulls,
/// `true`/`false` flags, anything else text (trimmed).
/// At most `max_rows` rows below the header.
pub fn table(text: &str, max_rows: usize) -> Result<Table, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = records(text, max_rows.saturating_add(1))?.into_iter();
    let names: Vec<String> = rows
        .next()
        .ok_or("empty: expected a header line")?
        .into_iter()
        .map(|n| n.trim().to_string())
        .collect();
    for (i, n) in names.iter().enumerate() {
        if !n.is_empty() && names[..i].contains(n) {
            return Err(format!(
                "the header names column `{}` twice; which one holds the figures is unclear",
                crate::results::quoted_short(n)
            ));
        }
    }
    let mut columns: Vec<Vec<Cell>> = vec![Vec::new(); names.len()];
    for (i, mut row) in rows.enumerate() {
        if row.len() > names.len() {
            if row[names.len()..].iter().any(|f| !f.trim().is_empty()) {
                return Err(format!(
                    "row {}: {} fields, the header has {}",
                    i + 1,
                    row.len(),
                    names.len()
                ));
            }
            row.truncate(names.len());
        }
        row.resize(names.len(), String::new());
        for (c, f) in columns.iter_mut().zip(row) {
            c.push(cell(f.trim()));
        }
    }
    Ok(Table { names, columns })
}

fn cell(s: &str) -> Cell {
    match s {
        "" => Cell::Null,
        "true" => Cell::Bool(true),
        "false" => Cell::Bool(false),
        _ => s
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map_or_else(|| Cell::Str(s.to_string()), Cell::Num),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Too many rows are refused while reading; a byte-order mark is skipped; a column named
    /// twice is refused.
    #[test]
    fn rows_bom_and_repeated_columns() {
        let t = table("\u{feff}a,b\n1,2\n3,4", 2).unwrap();
        assert_eq!(t.names, vec!["a", "b"]);
        assert_eq!(t.rows(), 2);
        for text in ["a\n1\n2\n3\n", "a\n1\n2\n3"] {
            let e = table(text, 2).unwrap_err();
            assert!(e.contains("more than 2 rows"), "{e}");
        }
        let e = table("a,b,a\n1,2,3\n", 5).unwrap_err();
        assert!(e.contains("column `a` twice"), "{e}");
    }

    #[test]
    fn quoted_fields_hold_commas_quotes_and_line_breaks() {
        let text = "a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\nthen\"\n\n2,,3\n";
        let r = records(text, 100).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1], vec!["1", "x, y", "say \"hi\"\nthen"]);
        assert_eq!(r[2], vec!["2", "", "3"]);
        let t = table(text, 100).unwrap();
        assert_eq!(t.rows(), 2);
        assert_eq!(t.column("a").unwrap()[1], Cell::Num(2.0));
        assert_eq!(t.column("b").unwrap()[1], Cell::Null);
    }

    #[test]
    fn trailing_empty_fields_are_cut_and_extra_values_refused() {
        let t = table("a,b\n1,2,,,\n", 100).unwrap();
        assert_eq!(t.column("b").unwrap()[0], Cell::Num(2.0));
        let e = table("a,b\n1,2,3\n", 100).unwrap_err();
        assert!(e.contains("row 1: 3 fields, the header has 2"), "{e}");
        let e = records("a\n\"open\n", 100).unwrap_err();
        assert!(e.contains("line 2: a quoted field is never closed"), "{e}");
    }

    #[test]
    fn non_finite_numbers_stay_text() {
        let t = table("a\nNaN\ninf\n1e999\n", 100).unwrap();
        assert!(
            t.column("a")
                .unwrap()
                .iter()
                .all(|c| matches!(c, Cell::Str(_)))
        );
    }
}
