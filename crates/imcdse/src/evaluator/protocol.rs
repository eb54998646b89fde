//! The messages of the external-evaluator protocol, version [`PROTOCOL`]: JSON Lines, one
//! object per line, over the worker's stdin (requests) and stdout (the handshake, then one
//! answer per request).
//!
//! ```text
//! worker -> {"protocol": 1, "name": "zigzag-imc", "version": "0.3"}
//! imcdse -> {"id": 7, "design": {"rows": 256, ...}, "workloads": ["vgg16"], "layers": {"vgg16": [...]}}
//! worker -> {"id": 7, "feasible": true, "area_mm2": 41.2,
//!            "workloads": {"vgg16": {"energy_mj": 1.9, "latency_ms": 3.1}}, "cycles": 912}
//! worker -> {"id": 8, "feasible": false, "reason": "weights do not fit", "violation": 2.3}
//! ```
//!
//! An answer is believed only whole: its id is the request's, a feasible answer has a finite
//! positive `area_mm2` and a finite positive `energy_mj` and `latency_ms` for every workload asked
//! for. An infeasible answer has a `reason`, and may have a `violation` (how far from feasible,
//! at least 0, for constraint-handling optimizers; 1 when absent) and the `area_mm2`. Other
//! numeric fields, at the top level or inside a workload's object, are kept as extra columns
//! (`extra__<field>`, `extra__<workload>__<field>`); non-numeric ones are ignored.

use crate::describe::value_json;
use imc_model::Value;
use serde_json::{Map, Value as Json, json};

/// The protocol's version, the handshake's `protocol`.
pub const PROTOCOL: u64 = 1;

/// The fields an answer defines; any other numeric field is an extra column.
const KNOWN: [&str; 5] = ["id", "feasible", "reason", "area_mm2", "workloads"];
/// A workload's fields; any other numeric field is an extra column `<workload>__<field>`.
const COSTS: [&str; 2] = ["energy_mj", "latency_ms"];

/// Who the worker is: its first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// The protocol version it speaks.
    pub protocol: u64,
    /// The evaluator's name.
    pub name: String,
    /// Its version: results from another version are other results.
    pub version: String,
}

impl Handshake {
    /// Reads a handshake line.
    pub fn parse(line: &str) -> Result<Handshake, String> {
        let j: Json = serde_json::from_str(line).map_err(|e| {
            format!(
                "its first line is not a JSON handshake ({e}): {}",
                clip(line)
            )
        })?;
        let text = |k: &str| {
            j.get(k)
                .and_then(Json::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string)
                .ok_or_else(|| format!("its handshake has no `{k}` string: {}", clip(line)))
        };
        let protocol = j
            .get("protocol")
            .and_then(Json::as_u64)
            .ok_or_else(|| format!("its handshake has no integer `protocol`: {}", clip(line)))?;
        if protocol != PROTOCOL {
            return Err(format!(
                "it speaks protocol {protocol}; this imcdse speaks {PROTOCOL}"
            ));
        }
        Ok(Handshake {
            protocol,
            name: text("name")?,
            version: text("version")?,
        })
    }

    /// The handshake line.
    pub fn line(&self) -> String {
        json!({"protocol": self.protocol, "name": self.name, "version": self.version}).to_string()
    }

    /// `name version`, as run.toml and the cache key record it.
    pub fn identity(&self) -> String {
        format!("{} {}", self.name, self.version)
    }
}

/// A design as the protocol sends it: parameter name to value.
pub fn design_json(design: &[(String, Value)]) -> Json {
    Json::Object(
        design
            .iter()
            .map(|(k, v)| (k.clone(), value_json(v)))
            .collect(),
    )
}

/// One request line; `layers` is the workloads' layer lists already serialized (a study sends
/// the same with every design, so it is written once).
pub fn request(id: u64, design: &Json, workloads: &[String], layers: &str) -> String {
    let head = json!({"id": id, "design": design, "workloads": workloads}).to_string();
    format!("{},\"layers\":{layers}}}", &head[..head.len() - 1])
}

/// What an evaluator says of one design.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// It can run every workload.
    Feasible {
        /// Chip area, mm2.
        area_mm2: f64,
        /// (energy mJ, latency ms) per workload, in the order asked.
        costs: Vec<(f64, f64)>,
        /// Extra numeric fields, by column name, sorted.
        extra: Vec<(String, f64)>,
    },
    /// It cannot, for this reason.
    Infeasible {
        /// Why, in the evaluator's words.
        reason: String,
        /// How far from feasible (optional, >= 0): constraint-handling optimizers prefer
        /// designs closer to feasible; 1 when not given.
        violation: Option<f64>,
        /// The chip's area, mm2, when the evaluator knows it (the run's area limit is then
        /// applied to it too).
        area_mm2: Option<f64>,
    },
}

/// Reads an answer line to request `id` for `names`; `Err` says what is wrong with it.
pub fn parse_answer(line: &str, id: u64, names: &[String]) -> Result<Answer, String> {
    let j: Json =
        serde_json::from_str(line).map_err(|e| format!("malformed JSON ({e}): {}", clip(line)))?;
    let obj = j
        .as_object()
        .ok_or_else(|| format!("not a JSON object: {}", clip(line)))?;
    match obj.get("id").and_then(Json::as_u64) {
        Some(got) if got == id => {}
        Some(got) => return Err(format!("answered id {got} to request {id}")),
        None => return Err(format!("no integer `id`: {}", clip(line))),
    }
    let feasible = obj
        .get("feasible")
        .and_then(Json::as_bool)
        .ok_or("no `feasible` true or false")?;
    if !feasible {
        let reason = obj
            .get("reason")
            .and_then(Json::as_str)
            .filter(|r| !r.trim().is_empty())
            .ok_or("infeasible without a `reason` string")?;
        let violation = match obj.get("violation") {
            None | Some(Json::Null) => None,
            Some(v) => Some(
                v.as_f64()
                    .filter(|x| x.is_finite() && *x >= 0.0)
                    .ok_or_else(|| format!("`violation` is {v}; expected a finite number >= 0"))?,
            ),
        };
        let area_mm2 = match obj.get("area_mm2") {
            None | Some(Json::Null) => None,
            Some(_) => Some(positive(obj, "area_mm2", "")?),
        };
        return Ok(Answer::Infeasible {
            reason: reason.to_string(),
            violation,
            area_mm2,
        });
    }
    let area_mm2 = positive(obj, "area_mm2", "")?;
    let per = obj
        .get("workloads")
        .and_then(Json::as_object)
        .ok_or("feasible without a `workloads` object")?;
    let mut extra = numeric_extras(obj, &KNOWN, "");
    let mut costs = Vec::with_capacity(names.len());
    for name in names {
        let w = per
            .get(name)
            .and_then(Json::as_object)
            .ok_or_else(|| format!("no costs for workload `{name}`"))?;
        let at = format!("workloads.{name}.");
        costs.push((
            positive(w, "energy_mj", &at)?,
            positive(w, "latency_ms", &at)?,
        ));
        extra.extend(numeric_extras(w, &COSTS, &format!("{name}__")));
    }
    extra.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Answer::Feasible {
        area_mm2,
        costs,
        extra,
    })
}

/// A finite positive number at `key`.
fn positive(obj: &Map<String, Json>, key: &str, at: &str) -> Result<f64, String> {
    match obj.get(key) {
        None => Err(format!("no `{at}{key}`")),
        Some(v) => v
            .as_f64()
            .filter(|x| x.is_finite() && *x > 0.0)
            .ok_or_else(|| format!("`{at}{key}` is {v}; expected a finite number > 0")),
    }
}

/// The numeric fields of `obj` other than `known`, named `prefix + field`.
fn numeric_extras(obj: &Map<String, Json>, known: &[&str], prefix: &str) -> Vec<(String, f64)> {
    obj.iter()
        .filter(|(k, _)| !known.contains(&k.as_str()))
        .filter_map(|(k, v)| v.as_f64().map(|x| (format!("{prefix}{k}"), x)))
        .collect()
}

/// A line cut to 200 characters for a message.
pub fn clip(line: &str) -> String {
    let line = line.trim_end();
    match line.char_indices().nth(200) {
        Some((i, _)) => format!("{}...", &line[..i]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["a".into(), "b".into()]
    }

    #[test]
    fn a_whole_answer_is_read_with_its_extras() {
        let line = r#"{"id": 3, "feasible": true, "area_mm2": 2.5, "cycles": 9, "note": "x",
            "workloads": {"a": {"energy_mj": 1, "latency_ms": 2, "util": 0.5},
                          "b": {"energy_mj": 3e-3, "latency_ms": 4}}}"#;
        let a = parse_answer(&line.replace('\n', " "), 3, &names()).unwrap();
        assert_eq!(
            a,
            Answer::Feasible {
                area_mm2: 2.5,
                costs: vec![(1.0, 2.0), (3e-3, 4.0)],
                extra: vec![("a__util".into(), 0.5), ("cycles".into(), 9.0)],
            }
        );
        let no = parse_answer(
            r#"{"id": 4, "feasible": false, "reason": "too big"}"#,
            4,
            &[],
        );
        let no_with = |violation, area_mm2| Answer::Infeasible {
            reason: "too big".into(),
            violation,
            area_mm2,
        };
        assert_eq!(no.unwrap(), no_with(None, None));
        let line =
            r#"{"id": 4, "feasible": false, "reason": "too big", "violation": 0.5, "area_mm2": 3}"#;
        assert_eq!(
            parse_answer(line, 4, &[]).unwrap(),
            no_with(Some(0.5), Some(3.0))
        );
        let line = r#"{"id": 4, "feasible": false, "reason": "too big", "violation": -1}"#;
        assert!(
            parse_answer(line, 4, &[])
                .unwrap_err()
                .contains("`violation` is -1")
        );
    }

    /// Every way an answer can be wrong is named.
    #[test]
    fn wrong_answers_say_what_is_wrong() {
        let ok = r#""feasible": true, "area_mm2": 1, "workloads": {"a": {"energy_mj": 1, "latency_ms": 1}, "b": {"energy_mj": 1, "latency_ms": 1}}"#;
        let cases = [
            ("{\"id\": 1, ".to_string() + ok, "malformed JSON"),
            (format!("{{\"id\": 2, {ok}}}"), "answered id 2 to request 1"),
            (format!("{{{ok}}}"), "no integer `id`"),
            ("[1]".into(), "not a JSON object"),
            (
                r#"{"id": 1, "feasible": false}"#.into(),
                "without a `reason`",
            ),
            (
                format!(
                    "{{\"id\": 1, {}}}",
                    ok.replace("\"area_mm2\": 1", "\"area_mm2\": -1")
                ),
                "`area_mm2` is -1",
            ),
            (
                format!("{{\"id\": 1, {}}}", ok.replace("\"b\"", "\"c\"")),
                "no costs for workload `b`",
            ),
            (
                format!(
                    "{{\"id\": 1, {}}}",
                    ok.replacen("\"latency_ms\": 1", "\"latency_ms\": null", 1)
                ),
                "`workloads.a.latency_ms` is null",
            ),
            (
                format!(
                    "{{\"id\": 1, {}}}",
                    ok.replacen("\"energy_mj\": 1", "\"energy_mj\": NaN", 1)
                ),
                "malformed JSON",
            ),
            (
                format!(
                    "{{\"id\": 1, {}}}",
                    ok.replacen(", \"latency_ms\": 1", "", 1)
                ),
                "no `workloads.a.latency_ms`",
            ),
        ];
        for (line, want) in cases {
            let e = parse_answer(&line, 1, &names()).unwrap_err();
            assert!(e.contains(want), "{line}\n-> {e}");
        }
    }

    #[test]
    fn a_request_is_one_json_object() {
        let d = design_json(&[("rows".into(), Value::Num(64.0))]);
        let line = request(5, &d, &["a".into()], r#"{"a": []}"#);
        let j: Json = serde_json::from_str(&line).unwrap();
        assert_eq!(
            j,
            json!({"id": 5, "design": {"rows": 64}, "workloads": ["a"], "layers": {"a": []}})
        );
    }

    #[test]
    fn handshakes_are_checked() {
        let h = Handshake::parse(r#"{"protocol": 1, "name": "z", "version": "0.1"}"#).unwrap();
        assert_eq!(h.identity(), "z 0.1");
        assert_eq!(Handshake::parse(&h.line()).unwrap(), h);
        for (line, want) in [
            ("hello", "not a JSON handshake"),
            (
                r#"{"protocol": 2, "name": "z", "version": "1"}"#,
                "speaks protocol 2",
            ),
            (r#"{"protocol": 1, "version": "1"}"#, "no `name` string"),
        ] {
            let e = Handshake::parse(line).unwrap_err();
            assert!(e.contains(want), "{line}: {e}");
        }
    }
}
