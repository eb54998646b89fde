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

use super::layers::workload_from_json;
use super::protocol::{Handshake, PROTOCOL};
use crate::calibration::Calibration;
use crate::hash::fnv1a;
use crate::infeasibility::Infeasibility;
use imc_model::{Architecture, Plan, Value, evaluate_design_with};
use imc_zoo::{Workload, Zoo};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value as Json, json};
use std::io::{BufRead, Write};

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
/// of requests answered; fails only when `output` cannot be written.
pub fn serve(
    input: impl BufRead,
    mut output: impl Write,
    calibration: Option<&Calibration>,
) -> std::io::Result<u64> {
    writeln!(output, "{}", handshake(calibration).line())?;
    output.flush()?;
    let mut server = Server::new(calibration);
    let mut answered = 0;
    let mut own = std::time::Duration::ZERO;
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let started = std::time::Instant::now();
        let answer = server.answer(&line).to_string();
        own += started.elapsed();
        writeln!(output, "{answer}")?;
        output.flush()?;
        answered += 1;
    }
    // Its own time, for measuring the protocol's cost around it (stderr: the run's log).
    let ms = own.as_secs_f64() * 1e3;
    eprintln!(
        "imcdse serve: {answered} requests answered in {ms:.1} ms of its own time ({:.4} ms each)",
        ms / answered.max(1) as f64
    );
    Ok(answered)
}

/// A request as read: every field optional, so that a bad one is named in the answer; the
/// layers kept as text until they differ from the last request's.
#[derive(Deserialize)]
struct Request<'a> {
    id: Option<Json>,
    design: Option<Json>,
    workloads: Option<Json>,
    #[serde(borrow)]
    layers: Option<&'a RawValue>,
}

/// Workloads read from a request, with their plans.
struct Parsed {
    /// The request's `workloads` and `layers` text they were read from.
    key: (String, String),
    workloads: Vec<Workload>,
    plans: Vec<Plan>,
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
                    Json::Null,
                    &format!("the request is not a JSON object: {e}"),
                );
            }
        };
        let id = request.id.clone().unwrap_or(Json::Null);
        if !id.is_u64() {
            return refuse(id, "the request has no integer `id`");
        }
        match self.cost(&request) {
            Ok(mut a) => {
                a["id"] = id;
                a
            }
            Err(why) => refuse(id, &why),
        }
    }

    /// Costs a request, or says why it cannot be costed.
    fn cost(&mut self, request: &Request) -> Result<Json, String> {
        let design = request
            .design
            .as_ref()
            .and_then(Json::as_object)
            .ok_or("the request has no `design` object")?;
        let mut values: Vec<(String, Value)> = self
            .calibration
            .map_or_else(Vec::new, |c| c.parameters.clone());
        for (k, v) in design {
            let value = match v {
                Json::Number(n) => Value::Num(n.as_f64().ok_or("a number out of range")?),
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
            arch.factors = c.factors;
        }
        let p = self.workloads(request)?;
        let r = evaluate_design_with(&arch, &p.workloads, Some(&p.plans), None);
        let reasons = r
            .workloads
            .iter()
            .map(|w| (w.workload.as_str(), w.infeasible.as_ref()));
        if let Some(why) = Infeasibility::from_workloads(reasons) {
            return Ok(json!({
                "feasible": false, "reason": why.to_string(), "violation": why.violation(),
                "area_mm2": r.area_mm2,
            }));
        }
        let per: serde_json::Map<String, Json> = r
            .workloads
            .iter()
            .map(|w| {
                (
                    w.workload.clone(),
                    json!({"energy_mj": w.energy_mj, "latency_ms": w.latency_ms}),
                )
            })
            .collect();
        Ok(json!({"feasible": true, "area_mm2": r.area_mm2, "workloads": per}))
    }

    /// The request's workloads, from its `layers` or else the zoo; read again only when they
    /// differ from the last request's.
    fn workloads(&mut self, request: &Request) -> Result<&Parsed, String> {
        let names = request
            .workloads
            .as_ref()
            .and_then(Json::as_array)
            .filter(|v| !v.is_empty())
            .ok_or("the request has no `workloads` list")?;
        let key = (
            Json::Array(names.clone()).to_string(),
            request.layers.map_or("", RawValue::get).to_string(),
        );
        if self.last.as_ref().is_some_and(|p| p.key == key) {
            return Ok(self.last.as_ref().expect("checked"));
        }
        let layers: Option<Json> = request
            .layers
            .map(|l| serde_json::from_str(l.get()))
            .transpose()
            .map_err(|e| format!("`layers`: {e}"))?;
        let workloads = names
            .iter()
            .map(|n| {
                let name = n.as_str().ok_or("`workloads`: expected names")?;
                match layers.as_ref().and_then(|l| l.get(name)) {
                    Some(list) => workload_from_json(name, list),
                    None => self
                        .zoo
                        .as_ref()
                        .ok_or("the built-in zoo could not be read")?
                        .load(name)
                        .map_err(|e| {
                            format!("workload `{name}` has no layers in the request: {e}")
                        }),
                }
            })
            .collect::<Result<Vec<_>, String>>()?;
        let plans = workloads.iter().map(Plan::new).collect();
        Ok(self.last.insert(Parsed {
            key,
            workloads,
            plans,
        }))
    }
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
}
