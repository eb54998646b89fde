//! Spec files as every study reads them: by built-in name (embedded from `search-spaces/` at
//! build time) or by path ([`read_named`]), their problems reported together ([`SpaceError`]),
//! TOML values as parameter values ([`to_value`]). Design spaces (`space.rs`) and calibrations
//! (`calibration.rs`) both build on it; a space names its calibration, so this part sits below
//! both.

use imc_model::param::Value;
use std::fmt::Write;

/// Everything wrong with a space file (or a `--set`), each problem naming the key and what is
/// allowed.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {}", render(.problems))]
pub struct SpaceError {
    /// The file.
    pub file: String,
    /// The problems, in file order.
    pub problems: Vec<String>,
}

fn render(problems: &[String]) -> String {
    if problems.len() == 1 {
        return problems[0].clone();
    }
    let mut s = format!("{} problems:", problems.len());
    for p in problems {
        let _ = write!(s, "\n  - {p}");
    }
    s
}

/// A TOML value as a parameter value (numbers, booleans, strings; nothing else).
pub(crate) fn to_value(v: &toml::Value) -> Option<Value> {
    match v {
        toml::Value::Integer(i) => Some(Value::Num(*i as f64)),
        toml::Value::Float(f) => Some(Value::Num(*f)),
        toml::Value::Boolean(b) => Some(Value::Bool(*b)),
        toml::Value::String(s) => Some(Value::Str(s.clone())),
        _ => None,
    }
}

include!(concat!(env!("OUT_DIR"), "/spaces.rs"));

/// The file name and text of `name`: a built-in of `builtins` (embedded from `folder`, e.g.
/// `search-spaces`), or a path to a `.toml` file, read. `what` names the kind in errors.
pub fn read_named(
    name: &str,
    builtins: &[(&str, &str)],
    folder: &str,
    what: &str,
) -> Result<(String, String), SpaceError> {
    if !name.ends_with(".toml") && !name.contains('/') {
        if let Some((n, text)) = builtins.iter().find(|(n, _)| *n == name) {
            return Ok((format!("{folder}/{n}.toml"), text.to_string()));
        }
        let known: Vec<&str> = builtins.iter().map(|(n, _)| *n).collect();
        return Err(SpaceError {
            file: imc_zoo::error::clipped(name),
            problems: vec![format!(
                "no such built-in {what}; built-in: {}; or give a path to a .toml file",
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                }
            )],
        });
    }
    Ok((name.to_string(), read_file(name)?))
}

/// A file's text, or an error naming it: a regular file (a FIFO or folder is refused
/// unopened) of UTF-8 text, at most [`imc_zoo::files::MAX_TEXT_BYTES`] (64 MiB).
pub(crate) fn read_file(path: &str) -> Result<String, SpaceError> {
    let fail = |why: String| SpaceError {
        file: imc_zoo::error::clipped(path),
        problems: vec![why],
    };
    let max = imc_zoo::files::MAX_TEXT_BYTES;
    let bytes = imc_zoo::files::read_bounded(path, "a spec file", max).map_err(|e| match e {
        imc_zoo::ZooError::Io { error, .. } => fail(format!("cannot read: {error}")),
        imc_zoo::ZooError::Invalid { problems, .. } => SpaceError {
            file: imc_zoo::error::clipped(path),
            problems: problems.into_iter().map(|p| p.message).collect(),
        },
        other => fail(other.to_string()),
    })?;
    String::from_utf8(bytes).map_err(|e| fail(format!("cannot read: not UTF-8 text ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_file_over_64_mib_or_not_a_file_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.toml");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(imc_zoo::files::MAX_TEXT_BYTES + 1).unwrap();
        let e = read_file(big.to_str().unwrap()).unwrap_err().to_string();
        assert!(
            e.contains("67108865 bytes or more: a spec file may have at most 67108864"),
            "{e}"
        );
        let folder = read_file(dir.path().to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(folder.contains("a folder, not a regular file"), "{folder}");
        let missing = read_file("/nonexistent/x.toml").unwrap_err().to_string();
        assert_eq!(missing.matches("cannot read").count(), 1, "{missing}");
    }
}
