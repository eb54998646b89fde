//! The table's lookups: a parameter by name ([`find`], [`position`]), one parameter set to a
//! checked value ([`Assignment`]) and the parameters a design sets ([`Settings`]), which
//! [`Settings::resolve`] turns into an [`Architecture`](super::Architecture) with the defaults
//! of [`PARAMS`]. They live beside the declaration because they are sized and searched by it;
//! what a parameter is and how a value is checked ([`Param`], [`Value`]) is in `crate::param`,
//! below both.

use super::PARAMS;
use crate::error::ModelError;
use crate::param::{Kind, Param, Setting, Value};

/// The parameter of that name, or an error listing the known ones.
pub fn find(name: &str) -> Result<&'static Param, ModelError> {
    position(name).map(|i| &PARAMS[i])
}

/// The position in [`PARAMS`] of the parameter of that name, or an error listing the known
/// ones.
pub fn position(name: &str) -> Result<usize, ModelError> {
    PARAMS
        .iter()
        .position(|p| p.name == name)
        .ok_or_else(|| ModelError::UnknownParam {
            key: name.to_string(),
            known: PARAMS.iter().map(|p| p.name).collect::<Vec<_>>().join(", "),
        })
}

/// One parameter set to a checked value: made once (when a space loads), copied into
/// [`Settings`] for every design.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assignment {
    position: usize,
    setting: Setting,
}

impl Assignment {
    /// Checks `value` against the parameter `name`: unknown names, wrong types and values out
    /// of range are errors naming the key and what is allowed.
    pub fn new(name: &str, value: &Value) -> Result<Assignment, ModelError> {
        let position = position(name)?;
        let param = &PARAMS[position];
        param.check(value)?;
        let setting = match (value, param.kind) {
            (Value::Num(x), _) => Setting::Num(*x),
            (Value::Bool(b), _) => Setting::Bool(*b),
            (Value::Str(s), Kind::Choice(words)) => {
                Setting::Choice(words.iter().position(|w| w == s).unwrap_or(0))
            }
            (Value::Str(_), _) => Setting::Choice(0),
        };
        Ok(Assignment { position, setting })
    }
}

/// Parameters set so far, by position in [`PARAMS`]; the rest take their defaults when
/// [`Settings::resolve`] builds the architecture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings(pub(crate) [Option<Setting>; PARAMS.len()]);

impl Default for Settings {
    fn default() -> Settings {
        Settings([None; PARAMS.len()])
    }
}

impl Settings {
    /// Sets one parameter (a later assignment overrides an earlier one).
    pub fn apply(&mut self, a: Assignment) {
        self.0[a.position] = Some(a.setting);
    }

    /// Checks and sets `(name, value)` pairs in order.
    pub fn set(&mut self, values: &[(String, Value)]) -> Result<(), ModelError> {
        for (k, v) in values {
            self.apply(Assignment::new(k, v)?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = PARAMS.iter().map(|p| p.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), PARAMS.len());
    }

    #[test]
    fn checks() {
        let rows = find("rows").unwrap();
        assert!(rows.check(&Value::Num(256.0)).is_ok());
        let e = rows.check(&Value::Num(2.5)).unwrap_err().to_string();
        assert!(
            e.contains("`rows`") && e.contains("expected an integer"),
            "{e}"
        );
        let e = rows.check(&Value::Num(5000.0)).unwrap_err().to_string();
        assert!(
            e.contains("5000 is out of range") && e.contains("8..=4096"),
            "{e}"
        );
        let e = find("device")
            .unwrap()
            .check(&Value::Str("mram".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("rram | sram | pcm"), "{e}");
        let e = find("colums").unwrap_err().to_string();
        assert!(
            e.contains("unknown architecture parameter `colums`") && e.contains("cols"),
            "{e}"
        );
    }
}
