//! Errors of the zoo. Every problem names the file, where in it (layer and key) and what is
//! allowed; a file's problems are reported together.

use std::fmt;

/// One thing wrong with a workload file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Location inside the file, e.g. `layers[3] "conv2".groups`.
    pub location: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.location, self.message)
        }
    }
}

/// Why a workload could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ZooError {
    /// The file is not a valid workload: every problem found.
    #[error("{file}: {}", render(problems))]
    Invalid {
        /// The file.
        file: String,
        /// Its problems, in file order.
        problems: Vec<Problem>,
    },
    /// The file cannot be read. The system's reason is part of the message and not a
    /// `source`, so a chain printed with `{:#}` says it once.
    #[error("{file}: cannot read: {error}")]
    Io {
        /// The file.
        file: String,
        /// The error reading it.
        error: std::io::Error,
    },
    /// No such built-in name.
    #[error(
        "unknown workload or set `{name}`; built-in names: {known}; a workload file path (ending in .toml) or an ONNX file (ending in .onnx, with :dim=value,... for its symbolic dimensions) is also accepted"
    )]
    Unknown {
        /// The name given.
        name: String,
        /// The names there are, comma-separated.
        known: String,
    },
    /// Two different workloads of one name in a list: their columns and objectives would clash.
    #[error(
        "two workloads named {name} ({first} and {second}); a list may hold one workload of a name: rename one (the `name` key of its file; an .onnx file takes its name from `imcdse workloads import FILE.onnx --name NEW --out NEW.toml`)"
    )]
    Duplicate {
        /// The name.
        name: String,
        /// Where the first comes from (`zoo` or its file, with its parameters).
        first: String,
        /// Where the second comes from.
        second: String,
    },
    /// A `name:key=value` override that the workload does not take.
    #[error("workload `{name}`: {message}")]
    BadOverride {
        /// The workload.
        name: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

fn render(problems: &[Problem]) -> String {
    if problems.len() == 1 {
        return problems[0].to_string();
    }
    let mut s = format!("{} problems:", problems.len());
    for p in problems {
        s.push_str("\n  - ");
        s.push_str(&p.to_string());
    }
    s
}

impl ZooError {
    /// The problems of an invalid file (empty for other errors).
    pub fn problems(&self) -> &[Problem] {
        match self {
            ZooError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

/// A TOML syntax error as `(line, message)`: the 1-based line of its span (if the parser gave
/// one) and its message, naming the key where the parser's own message does not (`duplicate
/// key` becomes ``duplicate key `weight_crest` ``; a key over 60 characters is cut).
pub fn toml_syntax(text: &str, err: &toml::de::Error) -> (Option<usize>, String) {
    let message = err.message().trim().to_string();
    let Some(span) = err.span() else {
        return (None, message);
    };
    let line = line_of(text, span.start);
    let key = text.get(span.clone()).map(str::trim).unwrap_or("");
    let named = message.contains('`') || key.is_empty() || key.contains('\n');
    if message == "duplicate key" && !named {
        let key: String = key.chars().take(60).collect();
        return (
            Some(line),
            format!("duplicate key `{}`", key.escape_default()),
        );
    }
    (Some(line), message)
}

/// The 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |s| s.matches('\n').count()) + 1
}

/// [`toml_syntax`] as one line: `line N: message`.
pub fn toml_syntax_line(text: &str, err: &toml::de::Error) -> String {
    match toml_syntax(text, err) {
        (Some(line), m) => format!("line {line}: {m}"),
        (None, m) => m,
    }
}

/// A name for a message: control characters escaped, cut at 200 characters (a 10 MB name
/// typed by mistake is not repeated whole).
pub fn clipped(name: &str) -> String {
    clipped_to(name, 200)
}

/// [`clipped`] at `max` characters.
pub fn clipped_to(name: &str, max: usize) -> String {
    let cut: String = name.chars().take(max).collect();
    let more = if name.chars().count() > max {
        "..."
    } else {
        ""
    };
    format!("{}{more}", cut.escape_debug())
}

/// A number for a message, in a bounded form: as typed (its shortest round-trip form) from 1e-4
/// to 1e9, in scientific notation outside (`1e300`, not 301 digits).
pub fn bounded(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-4..1e9).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax(text: &str) -> (Option<usize>, String) {
        let err = text.parse::<toml::Table>().unwrap_err();
        toml_syntax(text, &err)
    }

    /// A repeated key is named, in an inline table, a table and a table header; other errors
    /// keep the parser's message.
    #[test]
    fn duplicate_keys_are_named() {
        let (line, m) = syntax("a = 1\nx = { weight_crest = 4, weight_crest = 5 }\n");
        assert_eq!(
            (line, m.as_str()),
            (Some(2), "duplicate key `weight_crest`")
        );
        let (line, m) = syntax("[t]\nrows = 1\nrows = 2\n");
        assert_eq!((line, m.as_str()), (Some(3), "duplicate key `rows`"));
        let (line, m) = syntax("[t]\nb = 1\n[t]\nc = 2\n");
        assert_eq!(line, Some(3));
        assert!(m.contains('t'), "{m}");
        let (_, m) = syntax("a = [1,\n");
        assert!(!m.starts_with("duplicate"), "{m}");
        let long = format!("{k} = 1\n{k} = 2\n", k = "k".repeat(200));
        let (_, m) = syntax(&long);
        assert!(m.len() < 100, "{m}");
    }

    #[test]
    fn huge_numbers_print_short() {
        assert_eq!(bounded(1e308), "1e308");
        assert_eq!(bounded(12.5), "12.5");
    }
}
