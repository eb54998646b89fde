//! `imcdse serve`: the analytic model as an external evaluator, speaking the protocol of
//! [`super::protocol`] on stdin and stdout. It is the evaluator of the multi-fidelity search
//! (the CiMLoop-calibrated model standing in for CiMLoop), the reference against which the
//! protocol's overhead is measured, and a way for any program to cost designs without linking
//! the library.
//!
//! A request's design is applied over the calibration's structural choices (`[parameters]`),
//! so a design that sets one of them explicitly keeps its own value; the calibration's factors
//! scale every design. Workloads come from the request's `layers`; a name without layers is
//! looked up in the built-in zoo. No area limit is applied: the client applies its own. An
//! infeasible answer carries the model's violation and the area, so a search through serve
//! sees what it sees in-process.
//! Every request gets one answer line, a bad request an infeasible answer saying why; serve
//! itself ends only when its stdin closes.
//!
//! Bounds, checked as a request is read:
//! - a request line holds at most [`MAX_REQUEST_BYTES`] (256 MiB); a longer one is refused as
//!   soon as it passes the limit (with its `id` when the line starts with it) and the rest of
//!   it is read and dropped, never kept; a line that is not UTF-8 is refused;
//! - `id` is an integer from 0 to 2^64 - 1; `design`, `workloads` and `id` are at most
//!   [`MAX_FIELD_BYTES`] of JSON each;
//! - `design` names at least one parameter. A parameter it does not name takes the
//!   calibration's `[parameters]`, else the model's default, as in a space file: imcdse sends
//!   every parameter of the space ([fixed], free, and the constraints' `weights_on_chip`),
//!   and the model's defaults stand for the rest on both sides;
//! - `workloads` lists 1 to [`MAX_WORKLOADS`] distinct names; `layers` gives at most as many
//!   lists, each of 1 to [`MAX_LAYERS`] layers (the zoo's limit), each layer's counts at most
//!   [`MAX_LAYER_FIGURE`] (as the zoo's loader);
//! - with a calibration that records its device, a design of another device is refused;
//! - costs are finite numbers, or the design is refused saying so.

use super::layers::layer_from_json;
use super::lines::{Line, read_line};
use super::protocol::{Handshake, PROTOCOL};
use crate::accuracy::Accuracy;
use crate::calibration::Calibration;
use crate::hash::fnv1a;
use crate::infeasibility::Infeasibility;
use imc_model::{Architecture, Plan, Value, evaluate_design_with};
use imc_zoo::ops::{MAX_LAYER_FIGURE, MAX_LAYERS};
use imc_zoo::{Layer, Workload, Zoo};
use serde::Deserialize;
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Value as Json, json};
use std::io::{BufRead, Write};

/// The longest request line serve reads, in bytes: 256 MiB, room for several workloads of
/// the zoo's largest size (a layer takes about 500 bytes of JSON, 100,000 of them 50 MB).
pub const MAX_REQUEST_BYTES: usize = 256 << 20;

/// The most JSON text `id`, `design` or `workloads` may take, in bytes.
pub const MAX_FIELD_BYTES: usize = 1 << 20;

/// The most workloads one request may name.
pub const MAX_WORKLOADS: usize = 1000;

/// The handshake of `imcdse serve` with this calibration: the version names the tool, the
/// model revision and the calibration's content, so caches never mix two models.
pub fn handshake(calibration: Option<&Calibration>) -> Handshake {
    let model = match calibration {
        None => "uncalibrated".to_string(),
        Some(c) => format!("{}@{:08x}", c.name, fnv1a(&c.to_toml("")) as u32),
    };
    Handshake {
        protocol: PROTOCOL,
        name: "imcdse-serve".into(),
        version: format!(
            "{}+r{} {model}",
            env!("CARGO_PKG_VERSION"),
            imc_model::MODEL_REVISION
        ),
    }
}

/// Answers every request line of `input` on `output`, after the handshake. Returns the number
/// of requests answered; fails only when `input` cannot be read or `output` written.
pub fn serve(
    mut input: impl BufRead,
    mut output: impl Write,
    calibration: Option<&Calibration>,
) -> std::io::Result<u64> {
    writeln!(output, "{}", handshake(calibration).line())?;
    output.flush()?;
    let mut server = Server::new(calibration);
    let mut answered = 0;
    let mut own = std::time::Duration::ZERO;
    let mut buf = Vec::new();
    while let Some(line) = read_line(&mut input, &mut buf, MAX_REQUEST_BYTES)? {
        let started = std::time::Instant::now();
        let answer = match line {
            Line::TooLong => refuse(
                leading_id(&buf),
                &format!(
                    "the request line is longer than {MAX_REQUEST_BYTES} bytes, the most serve \
                     reads; the rest of it is skipped"
                ),
            ),
            Line::Whole => match std::str::from_utf8(&buf) {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => server.answer(text),
                Err(e) => refuse(
                    leading_id(&buf),
                    &format!(
                        "the request line is not UTF-8 text (byte {} is not)",
                        e.valid_up_to() + 1
                    ),
                ),
            },
        };
        own += started.elapsed();
        writeln!(output, "{answer}")?;
        output.flush()?;
        answered += 1;
        if line == Line::TooLong {
            // Drops the rest of the line unread into memory (std handles interruptions).
            input.skip_until(b'\n')?;
        }
    }
    // Its own time, for measuring the protocol's cost around it (stderr: the run's log).
    let ms = own.as_secs_f64() * 1e3;
    eprintln!(
        "imcdse serve: {answered} requests answered in {ms:.1} ms of its own time ({:.4} ms each)",
        ms / answered.max(1) as f64
    );
    Ok(answered)
}

/// The id a line that cannot be read whole starts with (`{"id": 7, ...`, as imcdse writes
/// requests), so that its refusal reaches the design it was for; null otherwise.
fn leading_id(line: &[u8]) -> Json {
    let head = String::from_utf8_lossy(&line[..line.len().min(64)]);
    let rest = head
        .trim_start()
        .strip_prefix('{')
        .map(str::trim_start)
        .and_then(|s| s.strip_prefix("\"id\""))
        .map(str::trim_start)
        .and_then(|s| s.strip_prefix(':'))
        .map(str::trim_start)
        .unwrap_or_default();
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let after = rest[digits..].chars().next();
    match after {
        Some(',' | '}' | ' ' | '\t') => {
            rest[..digits].parse::<u64>().map_or(Json::Null, Json::from)
        }
        _ => Json::Null,
    }
}

/// A request as read: every field optional, so that a bad one is named in the answer; each
/// kept as its JSON text until checked.
#[derive(Deserialize)]
struct Request<'a> {
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    design: Option<&'a RawValue>,
    #[serde(borrow)]
    workloads: Option<&'a RawValue>,
    #[serde(borrow)]
    layers: Option<&'a RawValue>,
}

/// A small field's JSON: at most [`MAX_FIELD_BYTES`] of it.
fn small(field: &RawValue, name: &str) -> Result<Json, String> {
    let text = field.get();
    if text.len() > MAX_FIELD_BYTES {
        return Err(format!(
            "`{name}` is {} bytes of JSON; allowed at most {MAX_FIELD_BYTES}",
            text.len()
        ));
    }
    serde_json::from_str(text).map_err(|e| format!("`{name}`: {e}"))
}

/// Workloads read from a request, with their plans.
struct Parsed {
    /// The request's `workloads` and `layers` text they were read from.
    key: (String, String),
    workloads: Vec<Workload>,
    plans: Vec<Plan>,
    /// Their layer heights for the compute SNR, found once.
    accuracy: Accuracy,
}

/// The state of one serve session: the calibration, the zoo for requests without layers,
/// and the last request's workloads (a study sends the same layers with every design).
pub struct Server<'c> {
    calibration: Option<&'c Calibration>,
    zoo: Option<Zoo>,
    last: Option<Parsed>,
}

impl<'c> Server<'c> {
    /// A session costing with `calibration`.
    pub fn new(calibration: Option<&'c Calibration>) -> Server<'c> {
        Server {
            calibration,
            zoo: Zoo::builtin().ok(),
            last: None,
        }
    }

    /// The answer to one request line: costs, or an infeasible answer saying what is wrong.
    pub fn answer(&mut self, line: &str) -> Json {
        let request: Request = match serde_json::from_str(line) {
            Ok(r) => r,
            Err(e) => {
                return refuse(
                    leading_id(line.as_bytes()),
                    &format!("the request is not a JSON object: {e}"),
                );
            }
        };
        let id = match request.id.map(|id| small(id, "id")) {
            None => {
                return refuse(
                    Json::Null,
                    "the request has no `id`; allowed: an integer from 0 to 2^64 - 1",
                );
            }
            Some(Err(why)) => return refuse(Json::Null, &why),
            Some(Ok(id)) if id.is_u64() => id,
            Some(Ok(other)) => {
                return refuse(
                    other.clone(),
                    &format!("`id` is {other}; allowed: an integer from 0 to 2^64 - 1"),
                );
            }
        };
        match self.cost(&request) {
            Ok(mut a) => {
                a["id"] = id;
                a
            }
            Err(why) => refuse(id, &why),
        }
    }

    /// The design's values over the calibration's `[parameters]`, checked.
    fn architecture(&self, request: &Request) -> Result<Architecture, String> {
        let design = request
            .design
            .map(|d| small(d, "design"))
            .transpose()?
            .and_then(|d| d.as_object().cloned())
            .ok_or("the request has no `design` object")?;
        if design.is_empty() {
            return Err(
                "`design` is empty: send every parameter of the design's space (a \
                        parameter not sent takes the calibration's [parameters], else the \
                        model's default)"
                    .into(),
            );
        }
        let mut values: Vec<(String, Value)> = self
            .calibration
            .map_or_else(Vec::new, |c| c.parameters.clone());
        for (k, v) in &design {
            let value = match v {
                Json::Number(n) => Value::Num(
                    n.as_f64()
                        .ok_or_else(|| format!("design.{k}: {n} is out of range"))?,
                ),
                Json::Bool(b) => Value::Bool(*b),
                Json::String(s) => Value::Str(s.clone()),
                other => {
                    return Err(format!(
                        "design.{k}: {other} is not a number, boolean or word"
                    ));
                }
            };
            values.retain(|(name, _)| name != k);
            values.push((k.clone(), value));
        }
        let mut arch = Architecture::from_values(&values).map_err(|e| e.to_string())?;
        if let Some(c) = self.calibration {
            c.check_device(arch.cell.device.word())?;
            arch.factors = c.factors;
        }
        Ok(arch)
    }

    /// Costs a request, or says why it cannot be costed.
    fn cost(&mut self, request: &Request) -> Result<Json, String> {
        let arch = self.architecture(request)?;
        let p = self.workloads(request)?;
        let r = evaluate_design_with(&arch, &p.workloads, Some(&p.plans), None);
        if !r.area_mm2.is_finite() {
            return Err(format!(
                "the model's area is {}, not a finite number",
                r.area_mm2
            ));
        }
        let reasons = r
            .workloads
            .iter()
            .map(|w| (w.workload.as_str(), w.infeasible.as_ref()));
        if let Some(why) = Infeasibility::from_workloads(reasons) {
            let violation = Some(why.violation()).filter(|v| v.is_finite());
            return Ok(json!({
                "feasible": false, "reason": why.to_string(), "violation": violation.unwrap_or(1.0),
                "area_mm2": r.area_mm2,
            }));
        }
        if let Some(w) = r
            .workloads
            .iter()
            .find(|w| !w.energy_mj.is_finite() || !w.latency_ms.is_finite())
        {
            return Err(format!(
                "the model's costs of {} are not finite numbers (energy {} mJ, latency {} ms)",
                w.workload, w.energy_mj, w.latency_ms
            ));
        }
        let snr = p.accuracy.snr_db(&arch);
        let per: serde_json::Map<String, Json> = r
            .workloads
            .iter()
            .zip(snr)
            .map(|(w, snr_db)| {
                (
                    w.workload.clone(),
                    json!({"energy_mj": w.energy_mj, "latency_ms": w.latency_ms, "snr_db": snr_db}),
                )
            })
            .collect();
        Ok(json!({"feasible": true, "area_mm2": r.area_mm2, "workloads": per}))
    }

    /// The request's workloads, from its `layers` or else the zoo; read again only when they
    /// differ from the last request's.
    fn workloads(&mut self, request: &Request) -> Result<&Parsed, String> {
        let names = names(request.workloads)?;
        let key = (
            serde_json::to_string(&names).unwrap_or_default(),
            request.layers.map_or("", RawValue::get).to_string(),
        );
        if self.last.as_ref().is_some_and(|p| p.key == key) {
            return Ok(self.last.as_ref().expect("checked"));
        }
        let mut layers = match request.layers {
            None => Vec::new(),
            Some(l) => ByName(&names)
                .deserialize(&mut serde_json::Deserializer::from_str(l.get()))
                .map_err(|e| format!("`layers`: {}", bare(&e)))?,
        };
        let workloads = names
            .iter()
            .map(|name| match layers.iter().position(|(n, _)| n == name) {
                Some(i) => workload_from_raw(name, layers.swap_remove(i).1),
                None => self
                    .zoo
                    .as_ref()
                    .ok_or("the built-in zoo could not be read")?
                    .load(name)
                    .map_err(|e| format!("workload `{name}` has no layers in the request: {e}")),
            })
            .collect::<Result<Vec<_>, String>>()?;
        let plans = workloads.iter().map(Plan::new).collect();
        let accuracy = Accuracy::new(&workloads, None);
        Ok(self.last.insert(Parsed {
            key,
            workloads,
            plans,
            accuracy,
        }))
    }
}

/// The request's workload names: 1 to [`MAX_WORKLOADS`] distinct strings.
fn names(workloads: Option<&RawValue>) -> Result<Vec<String>, String> {
    let list = match workloads.map(|w| small(w, "workloads")).transpose()? {
        None => return Err("the request has no `workloads` list".into()),
        Some(Json::Array(l)) => l,
        Some(_) => return Err("`workloads`: expected a list of workload names".into()),
    };
    if list.is_empty() {
        return Err("`workloads` is empty: name at least one workload".into());
    }
    if list.len() > MAX_WORKLOADS {
        return Err(format!(
            "`workloads` names {} workloads; allowed at most {MAX_WORKLOADS}",
            list.len()
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for n in list {
        let Json::String(name) = n else {
            return Err(format!("`workloads`: {n} is not a name (a string)"));
        };
        if out.contains(&name) {
            return Err(format!("`workloads` names `{name}` twice"));
        }
        out.push(name);
    }
    Ok(out)
}

/// Reads `layers`, an object of layer lists by workload name, keeping the lists of the
/// request's workloads (as text) and refusing more than [`MAX_WORKLOADS`] entries.
struct ByName<'n>(&'n [String]);

impl<'de> DeserializeSeed<'de> for ByName<'_> {
    type Value = Vec<(String, &'de RawValue)>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ByName<'_> {
    type Value = Vec<(String, &'de RawValue)>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "an object of layer lists by workload name")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut kept, mut seen) = (Vec::new(), 0);
        while let Some(name) = map.next_key::<String>()? {
            seen += 1;
            if seen > MAX_WORKLOADS {
                return Err(A::Error::custom(format!(
                    "more than {MAX_WORKLOADS} workloads; allowed at most {MAX_WORKLOADS}"
                )));
            }
            let list: &'de RawValue = map.next_value()?;
            if self.0.contains(&name) {
                kept.push((name, list));
            }
        }
        Ok(kept)
    }
}

/// Reads a layer list as the text of each layer, refusing more than [`MAX_LAYERS`].
struct Bounded;

impl<'de> DeserializeSeed<'de> for Bounded {
    type Value = Vec<&'de RawValue>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Bounded {
    type Value = Vec<&'de RawValue>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "a list of layers")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(layer) = seq.next_element()? {
            if out.len() == MAX_LAYERS {
                return Err(A::Error::custom(format!(
                    "more than {MAX_LAYERS} layers; allowed at most {MAX_LAYERS}, the zoo's \
                     limit for one workload"
                )));
            }
            out.push(layer);
        }
        Ok(out)
    }
}

/// A workload made of a request's layer list, one layer read at a time.
fn workload_from_raw(name: &str, list: &RawValue) -> Result<Workload, String> {
    let list = Bounded
        .deserialize(&mut serde_json::Deserializer::from_str(list.get()))
        .map_err(|e| format!("layers.{name}: {}", bare(&e)))?;
    if list.is_empty() {
        return Err(format!("layers.{name}: the list is empty"));
    }
    let layers = list
        .iter()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str::<Json>(l.get())
                .map_err(|e| e.to_string())
                .and_then(|j| layer_from_json(&j))
                .and_then(within_figures)
                .map_err(|e| format!("layers.{name}[{i}]: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(super::layers::request_workload(name, layers))
}

/// A layer whose counts the zoo's loader would accept: each at most [`MAX_LAYER_FIGURE`].
fn within_figures(l: Layer) -> Result<Layer, String> {
    let op = &l.op;
    let largest = [
        op.macs(),
        op.weights(),
        op.params(),
        op.input_activations(),
        op.output_activations(),
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    if largest > MAX_LAYER_FIGURE {
        return Err(format!(
            "layer {} is too large: a count of {largest} exceeds the supported {MAX_LAYER_FIGURE} per layer",
            l.name
        ));
    }
    Ok(l)
}

/// A JSON error's message without its position (a position in the middle of a 50 MB line
/// helps nobody; the key the message names does).
fn bare(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let at = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&at).unwrap_or(&text).to_string()
}

fn refuse(id: Json, why: &str) -> Json {
    json!({"id": id, "feasible": false, "reason": why})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluator::layers::layers_json;
    use crate::evaluator::protocol::{Answer, design_json, parse_answer, request};
    use imc_model::evaluate_design;

    /// serve's answer for a design is the library's own report of it, to the last bit.
    #[test]
    fn answers_are_the_models_costs() {
        let zoo = Zoo::builtin().unwrap();
        let w = zoo.resolve("resnet18,alexnet").unwrap();
        let names: Vec<String> = w.iter().map(|w| w.name.clone()).collect();
        let design = vec![
            ("rows".to_string(), Value::Num(256.0)),
            ("cols".to_string(), Value::Num(128.0)),
            ("weights_on_chip".to_string(), Value::Bool(false)),
        ];
        let line = request(
            9,
            &design_json(&design),
            &names,
            &layers_json(&w).to_string(),
        );
        let input = format!(
            "{line}\n\nnot json\n{{\"id\": 4, \"design\": {{\"rows\": 3}}, \"workloads\": [\"alexnet\"]}}\n"
        );
        let mut out = Vec::new();
        assert_eq!(serve(input.as_bytes(), &mut out, None).unwrap(), 3);
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(Handshake::parse(lines[0]).unwrap(), handshake(None));
        let want = evaluate_design(&Architecture::from_values(&design).unwrap(), &w, None);
        match parse_answer(lines[1], 9, &names).unwrap() {
            Answer::Feasible {
                area_mm2, costs, ..
            } => {
                assert_eq!(area_mm2, want.area_mm2);
                for (c, r) in costs.iter().zip(&want.workloads) {
                    assert_eq!(*c, (r.energy_mj, r.latency_ms));
                }
            }
            other => panic!("{other:?}"),
        }
        assert!(
            lines[2].contains("\"id\":null") && lines[2].contains("not a JSON object"),
            "{}",
            lines[2]
        );
        assert!(
            lines[3].contains("\"id\":4") && lines[3].contains("rows"),
            "{}",
            lines[3]
        );
    }

    /// A design of demo, its weights streamed (so that it runs AlexNet).
    const DESIGN: &str = r#"{"device": "rram", "technology_nm": 32, "adc_bits": 5, "cycle_ns": 1,
        "rows": 128, "cols": 128, "bits_per_cell": 2, "crossbars_per_tile": 32,
        "router_groups": 4, "tiles_per_group": 16, "weights_on_chip": false}"#;

    /// A request line for `design` and `workloads` (JSON), without layers.
    fn line(id: &str, design: &str, workloads: &str) -> String {
        format!(r#"{{"id": {id}, "design": {design}, "workloads": {workloads}}}"#)
            .replace('\n', " ")
    }

    /// serve's answers (after the handshake) to `input`.
    fn answers(input: impl BufRead, calibration: Option<&Calibration>) -> Vec<Json> {
        let mut out = Vec::new();
        serve(input, &mut out, calibration).unwrap();
        let text = String::from_utf8(out).unwrap();
        text.lines()
            .skip(1)
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn reason(a: &Json) -> &str {
        assert_eq!(a["feasible"], false, "{a}");
        a["reason"].as_str().unwrap()
    }

    /// E5: a line past 256 MiB (the probe streamed bytes without a newline, to 3.3 GB) is
    /// refused with the id it starts with, its rest skipped, and the next request answered.
    #[test]
    fn e5_a_request_line_past_the_limit_is_refused_and_skipped() {
        use std::io::Read;
        let next = line("6", DESIGN, r#"["alexnet"]"#);
        let input = std::io::Cursor::new(br#"{"id": 5, "design": "#.to_vec())
            .chain(std::io::repeat(b'x').take(MAX_REQUEST_BYTES as u64 + 4096))
            .chain(std::io::Cursor::new(format!("\n{next}\n").into_bytes()));
        let a = answers(std::io::BufReader::with_capacity(1 << 20, input), None);
        assert_eq!(a.len(), 2, "{a:?}");
        assert_eq!(a[0]["id"], 5);
        assert!(
            reason(&a[0]).contains("longer than 268435456 bytes, the most serve reads"),
            "{}",
            a[0]
        );
        assert_eq!((&a[1]["id"], &a[1]["feasible"]), (&json!(6), &json!(true)));
    }

    /// A line that is not UTF-8 is refused, and serve goes on.
    #[test]
    fn a_request_line_that_is_not_utf8_is_refused() {
        let mut input = b"{\"id\": 3, \"x\": \"\xff\"}\n".to_vec();
        input.extend(line("4", DESIGN, r#"["alexnet"]"#).bytes().chain([b'\n']));
        let a = answers(&input[..], None);
        assert_eq!(a[0]["id"], 3);
        assert!(
            reason(&a[0]).contains("not UTF-8 text (byte 17 is not)"),
            "{}",
            a[0]
        );
        assert_eq!(a[1]["feasible"], true);
    }

    /// S1: a workload of more layers than the zoo allows (100,000) is refused before its
    /// layers are read.
    #[test]
    fn s1_more_layers_than_the_zoo_allows_are_refused() {
        let w = Zoo::builtin().unwrap().resolve("resnet18").unwrap();
        let layer = crate::describe::layer_json(&w[0].layers[0]).to_string();
        let list = vec![layer.as_str(); MAX_LAYERS + 1].join(",");
        let request = format!(
            r#"{{"id": 1, "design": {}, "workloads": ["resnet18"], "layers": {{"resnet18": [{list}]}}}}"#,
            DESIGN.replace('\n', " ")
        );
        let a = answers(format!("{request}\n").as_bytes(), None);
        let why = reason(&a[0]);
        assert_eq!(
            why,
            "layers.resnet18: more than 100000 layers; allowed at most 100000, the zoo's limit \
             for one workload"
        );
    }

    /// S2: a design that names no parameter is refused (it was costed as the model's
    /// default design); S3: ids and workload lists are named as they are.
    #[test]
    fn s2_s3_empty_designs_bad_ids_and_workload_lists_are_named() {
        let cases = [
            (
                line("1", "{}", r#"["alexnet"]"#),
                "`design` is empty: send every parameter",
            ),
            (
                line("-1", DESIGN, r#"["alexnet"]"#),
                "`id` is -1; allowed: an integer from 0 to 2^64 - 1",
            ),
            (
                r#"{"design": {}, "workloads": []}"#.to_string(),
                "the request has no `id`",
            ),
            (
                line("2", DESIGN, "[]"),
                "`workloads` is empty: name at least one workload",
            ),
            (
                line("3", DESIGN, r#""alexnet""#),
                "`workloads`: expected a list of workload names",
            ),
            (
                line("4", DESIGN, r#"["alexnet", "alexnet"]"#),
                "`workloads` names `alexnet` twice",
            ),
            (line("5", DESIGN, "[7]"), "`workloads`: 7 is not a name"),
        ];
        let input: String = cases.iter().map(|(l, _)| format!("{l}\n")).collect();
        let a = answers(input.as_bytes(), None);
        for ((l, want), a) in cases.iter().zip(&a) {
            assert!(reason(a).contains(want), "{l}: {a}");
        }
        assert_eq!(a[1]["id"], -1);
    }

    /// 600 seeded mutations of a request (a design of demo, three layers of ResNet-18): every
    /// line gets one answer, an object with a boolean `feasible`; a feasible one has a finite,
    /// positive area and costs.
    #[test]
    fn mutated_requests_are_answered_or_refused_never_panic() {
        let w = Zoo::builtin().unwrap().resolve("resnet18").unwrap();
        let mut three = w[0].clone();
        three.layers.truncate(3);
        let layers = layers_json(std::slice::from_ref(&three)).to_string();
        let base = format!(
            r#"{{"id": 7, "design": {}, "workloads": ["resnet18"], "layers": {layers}}}"#,
            DESIGN.replace('\n', " ")
        );
        let mut m = crate::mutate::Mutator::new(32);
        let mut server = Server::new(None);
        for case in 0..600 {
            let bytes = m.bytes(base.as_bytes());
            let mut out = Vec::new();
            serve(&bytes[..], &mut out, None).unwrap();
            let text = String::from_utf8(out).unwrap();
            for l in text.lines().skip(1) {
                let a: Json = serde_json::from_str(l).unwrap();
                let ok = match a["feasible"] {
                    Json::Bool(true) => {
                        let pos = |v: &Json| v.as_f64().is_some_and(|x| x.is_finite() && x > 0.0);
                        pos(&a["area_mm2"])
                            && a["workloads"].as_object().is_some_and(|o| {
                                o.values()
                                    .all(|c| pos(&c["energy_mj"]) && pos(&c["latency_ms"]))
                            })
                    }
                    Json::Bool(false) => a["reason"].is_string(),
                    _ => false,
                };
                assert!(ok, "case {case}: {l}\n{}", String::from_utf8_lossy(&bytes));
            }
            // The session's cache of workloads survives any request.
            let _ = server.answer(&String::from_utf8_lossy(&bytes));
        }
    }

    /// C8: serve with a calibration fitted on SRAM refuses an RRAM design.
    #[test]
    fn c8_serve_refuses_a_design_of_another_device_than_the_calibrations() {
        let c = Calibration::resolve("cimloop-paper-sram").unwrap();
        let a = answers(
            format!("{}\n", line("1", DESIGN, r#"["alexnet"]"#)).as_bytes(),
            Some(&c),
        );
        assert!(
            reason(&a[0])
                .contains("was fitted on sram designs and does not apply to device = \"rram\""),
            "{}",
            a[0]
        );
    }
}
