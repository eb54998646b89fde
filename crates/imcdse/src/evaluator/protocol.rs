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
//! An answer is believed only whole: its id is the request's, a feasible answer has an
//! `area_mm2` and, for every workload asked for, an `energy_mj` and a `latency_ms`, each a number
//! in [`COST_RANGE`] (1e-15 to 1e15). An infeasible answer has a `reason` (control characters
//! escaped, cut to [`MAX_REASON`] characters), and may have a `violation` (how far from
//! feasible, 0 to 1e15, for constraint-handling optimizers; 1 when absent) and the `area_mm2`.
//! A workload's object may also give its `snr_db` (the compute SNR of its worst layer, dB, in
//! [`SNR_RANGE`], [`crate::accuracy`]); where it does not, imcdse takes the model's.
//! Other numeric fields, at the top level or inside a workload's object, are kept as extra
//! columns (`extra__<field>`, `extra__<workload>__<field>`), at most [`MAX_EXTRA`] an answer,
//! their names made plain ([`column_name`]); non-numeric ones are ignored.
//!
//! A line is at most [`super::worker::MAX_LINE`] bytes; the handshake's `name` and `version`
//! at most [`MAX_NAME`] characters each, control characters escaped.

use crate::describe::value_json;
use imc_model::Value;
use serde_json::{Map, Value as Json, json};

/// The protocol's version, the handshake's `protocol`.
pub const PROTOCOL: u64 = 1;

/// The fields an answer defines; any other numeric field is an extra column.
const KNOWN: [&str; 5] = ["id", "feasible", "reason", "area_mm2", "workloads"];
/// A workload's fields; any other numeric field is an extra column `<workload>__<field>`.
const COSTS: [&str; 3] = ["energy_mj", "latency_ms", "snr_db"];

/// The range of a workload's `snr_db`, dB.
pub const SNR_RANGE: (f64, f64) = (-300.0, 300.0);

/// The range of each cost an answer gives (`area_mm2`, `energy_mj`, `latency_ms`): wide enough
/// for any chip and network, narrow enough that the products the objectives take stay finite
/// and above 0.
pub const COST_RANGE: (f64, f64) = (1e-15, 1e15);
/// The largest `violation`.
pub const MAX_VIOLATION: f64 = 1e15;
/// The most extra numeric fields an answer may have.
pub const MAX_EXTRA: usize = 64;
/// The longest extra field name kept, characters (a longer one is cut).
pub const MAX_EXTRA_NAME: usize = 64;
/// The longest infeasible `reason` kept, characters (a longer one is cut).
pub const MAX_REASON: usize = 1000;
/// The longest handshake `name` or `version`, characters.
pub const MAX_NAME: usize = 256;

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
            let s = j
                .get(k)
                .and_then(Json::as_str)
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| format!("its handshake has no `{k}` string: {}", clip(line)))?;
            match s.chars().count() {
                n if n > MAX_NAME => Err(format!(
                    "its handshake's `{k}` has {n} characters; at most {MAX_NAME} are allowed"
                )),
                _ => Ok(escape(s)),
            }
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
        /// Each workload's compute SNR, dB, where the evaluator gives it.
        snr_db: Vec<Option<f64>>,
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
                    .filter(|x| (0.0..=MAX_VIOLATION).contains(x))
                    .ok_or_else(|| {
                        format!(
                            "`violation` is {}; expected a number from 0 to {MAX_VIOLATION:e}",
                            clip(&v.to_string())
                        )
                    })?,
            ),
        };
        let area_mm2 = match obj.get("area_mm2") {
            None | Some(Json::Null) => None,
            Some(_) => Some(cost(obj, "area_mm2", "")?),
        };
        return Ok(Answer::Infeasible {
            reason: cut(&escape(reason), MAX_REASON),
            violation,
            area_mm2,
        });
    }
    let area_mm2 = cost(obj, "area_mm2", "")?;
    let per = obj
        .get("workloads")
        .and_then(Json::as_object)
        .ok_or("feasible without a `workloads` object")?;
    let mut extra = numeric_extras(obj, &KNOWN, "");
    let mut costs = Vec::with_capacity(names.len());
    let mut snr_db = Vec::with_capacity(names.len());
    for name in names {
        let w = per
            .get(name)
            .and_then(Json::as_object)
            .ok_or_else(|| format!("no costs for workload `{name}`"))?;
        let at = format!("workloads.{name}.");
        costs.push((cost(w, "energy_mj", &at)?, cost(w, "latency_ms", &at)?));
        snr_db.push(snr(w, &at)?);
        extra.extend(numeric_extras(w, &COSTS, &format!("{name}__")));
    }
    if extra.len() > MAX_EXTRA {
        return Err(format!(
            "{} extra numeric fields; at most {MAX_EXTRA} are allowed",
            extra.len()
        ));
    }
    let mut seen = std::collections::HashSet::new();
    extra.retain(|(k, _)| seen.insert(k.clone()));
    extra.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Answer::Feasible {
        area_mm2,
        costs,
        extra,
        snr_db,
    })
}

/// A workload's optional `snr_db`: a number in [`SNR_RANGE`].
fn snr(obj: &Map<String, Json>, at: &str) -> Result<Option<f64>, String> {
    let (lo, hi) = SNR_RANGE;
    match obj.get("snr_db") {
        None | Some(Json::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|x| (lo..=hi).contains(x))
            .map(Some)
            .ok_or_else(|| {
                format!(
                    "`{at}snr_db` is {}; expected a number from {lo} to {hi} dB",
                    clip(&v.to_string())
                )
            }),
    }
}

/// A cost at `key`: a number in [`COST_RANGE`].
fn cost(obj: &Map<String, Json>, key: &str, at: &str) -> Result<f64, String> {
    let (lo, hi) = COST_RANGE;
    match obj.get(key) {
        None => Err(format!("no `{at}{key}`")),
        Some(v) => v.as_f64().filter(|x| (lo..=hi).contains(x)).ok_or_else(|| {
            format!(
                "`{at}{key}` is {}; expected a number from {lo:e} to {hi:e}",
                clip(&v.to_string())
            )
        }),
    }
}

/// The numeric fields of `obj` other than `known`, named `prefix + field` (the field's name
/// made plain by [`column_name`]).
fn numeric_extras(obj: &Map<String, Json>, known: &[&str], prefix: &str) -> Vec<(String, f64)> {
    obj.iter()
        .filter(|(k, _)| !known.contains(&k.as_str()))
        .filter_map(|(k, v)| {
            v.as_f64()
                .map(|x| (format!("{prefix}{}", column_name(k)), x))
        })
        .collect()
}

/// An extra field's name as a column name: letters, digits, `_`, `-` and `.` kept, any other
/// character made `_`, cut to [`MAX_EXTRA_NAME`] characters (an empty name is `_`). Two fields
/// that come out the same keep the first.
pub fn column_name(field: &str) -> String {
    let name: String = field
        .chars()
        .take(MAX_EXTRA_NAME)
        .map(|c| {
            if c.is_alphanumeric() || "_-.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() { "_".into() } else { name }
}

/// Text from a worker, safe to print and to put in a table ([`crate::report::escape`]).
pub use crate::report::escape;

/// `text` cut to `max` characters (`...` marks the cut).
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

/// A line cut to 200 characters for a message, control characters escaped.
pub fn clip(line: &str) -> String {
    escape(&cut(line.trim_end(), 200))
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
                snr_db: vec![None, None],
            }
        );
        let with_snr = line.replace(r#""latency_ms": 4}"#, r#""latency_ms": 4, "snr_db": -3.5}"#);
        let Answer::Feasible { snr_db, .. } =
            parse_answer(&with_snr.replace('\n', " "), 3, &names()).unwrap()
        else {
            panic!("feasible");
        };
        assert_eq!(snr_db, vec![None, Some(-3.5)]);
        let bad = line.replace(r#""latency_ms": 4}"#, r#""latency_ms": 4, "snr_db": 400}"#);
        let e = parse_answer(&bad.replace('\n', " "), 3, &names()).unwrap_err();
        assert!(
            e.contains("`workloads.b.snr_db` is 400; expected a number from -300 to 300 dB"),
            "{e}"
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

    /// E3: each cost an answer gives is in `COST_RANGE`: 1e308 and 1e-308, though finite and
    /// positive, are refused where they enter, naming the range; the ends are allowed.
    #[test]
    fn e3_costs_outside_the_documented_range_are_refused() {
        let answer = |e: &str, l: &str, a: &str| {
            format!(
                r#"{{"id": 1, "feasible": true, "area_mm2": {a}, "workloads": {{"a": {{"energy_mj": {e}, "latency_ms": {l}}}}}}}"#
            )
        };
        let names = vec!["a".to_string()];
        for (line, want) in [
            (
                answer("1e308", "1", "1"),
                "`workloads.a.energy_mj` is 1e+308; expected a number from 1e-15 to 1e15",
            ),
            (
                answer("1", "1e-308", "1"),
                "`workloads.a.latency_ms` is 1e-308; expected",
            ),
            (answer("1", "1", "1e16"), "`area_mm2` is 1e+16; expected"),
            (
                r#"{"id": 1, "feasible": false, "reason": "r", "violation": 1e300}"#.into(),
                "`violation` is 1e+300; expected a number from 0 to 1e15",
            ),
        ] {
            let e = parse_answer(&line, 1, &names).unwrap_err();
            assert!(e.contains(want), "{line}\n-> {e}");
        }
        let ends = parse_answer(&answer("1e15", "1e-15", "1e15"), 1, &names).unwrap();
        assert!(matches!(ends, Answer::Feasible { .. }));
    }

    /// E8: at most `MAX_EXTRA` extra fields an answer; their names are made plain for column
    /// names (two that come out the same keep the first).
    #[test]
    fn e8_extra_fields_are_capped_and_named_plainly() {
        let with = |extra: &str| {
            format!(
                r#"{{"id": 1, "feasible": true, "area_mm2": 1, {extra} "workloads": {{"a": {{"energy_mj": 1, "latency_ms": 1}}}}}}"#
            )
        };
        let names = vec!["a".to_string()];
        let many: String = (0..=MAX_EXTRA)
            .map(|i| format!("\"x{i}\": {i}, "))
            .collect();
        let e = parse_answer(&with(&many), 1, &names).unwrap_err();
        assert_eq!(e, "65 extra numeric fields; at most 64 are allowed");
        let odd = r#""weird name\n\"x": 7, "weird_name__x": 8, "ok.v-1": 2, "": 3, "é": 4, "#;
        let Answer::Feasible { extra, .. } = parse_answer(&with(odd), 1, &names).unwrap() else {
            panic!("feasible")
        };
        let got: Vec<(&str, f64)> = extra.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            got,
            [
                ("_", 3.0),
                ("ok.v-1", 2.0),
                ("weird_name__x", 7.0),
                ("é", 4.0)
            ]
        );
        assert_eq!(column_name(&"n".repeat(100)).len(), MAX_EXTRA_NAME);
    }

    /// E11: text from a worker reaches tables and the terminal with its control characters
    /// escaped: an infeasible reason (cut to `MAX_REASON` characters), the handshake's name and
    /// version (at most `MAX_NAME` characters), and the lines quoted in messages.
    #[test]
    fn e11_control_characters_from_workers_are_escaped() {
        let line = r#"{"id": 1, "feasible": false, "reason": "nope\nline2 \u0000 \u001b[31mred"}"#;
        let Answer::Infeasible { reason, .. } = parse_answer(line, 1, &[]).unwrap() else {
            panic!("infeasible")
        };
        assert_eq!(reason, "nope\\nline2 \\u{0} \\u{1b}[31mred");
        let long = format!(
            r#"{{"id": 1, "feasible": false, "reason": "{}"}}"#,
            "r".repeat(5000)
        );
        let Answer::Infeasible { reason, .. } = parse_answer(&long, 1, &[]).unwrap() else {
            panic!("infeasible")
        };
        assert_eq!(reason.chars().count(), MAX_REASON + 3);
        let h = Handshake::parse(r#"{"protocol": 1, "name": "a\nb\u001b", "version": "x\ty"}"#)
            .unwrap();
        assert_eq!(h.identity(), "a\\nb\\u{1b} x\\ty");
        let long = format!(
            r#"{{"protocol": 1, "name": "{}", "version": "1"}}"#,
            "n".repeat(257)
        );
        let e = Handshake::parse(&long).unwrap_err();
        assert!(e.contains("`name` has 257 characters; at most 256"), "{e}");
        assert_eq!(clip("a\u{1b}[2Jb\r\n"), "a\\u{1b}[2Jb");
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
