//! The softmax unit of the cost model: the digital lanes or an associative processor
//! (SoftmAP-style, `components/ap.rs`), on the zoo's LLM softmax workload.

use imc_model::cost;
use imc_model::table::ComponentTable;
use imc_model::{Architecture, Value};
use imc_model::{EnergyPart, LatencyPart, Part};
use imc_zoo::Zoo;

mod common;

fn arch(bits_per_cell: f64) -> Architecture {
    common::arch(&[("bits_per_cell", bits_per_cell)])
}

/// The softmax unit: an associative processor instead of the digital lanes changes only the
/// softmax figures and the chip area; a word too narrow makes the design infeasible.
#[test]
fn softmax_on_the_associative_processor() {
    let ws = Zoo::builtin()
        .unwrap()
        .resolve("llama2-7b-softmax:seq_len=512")
        .unwrap();
    let with = |extra: &[(&str, Value)]| {
        let mut v: Vec<(String, Value)> = arch(2.0)
            .values()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        v.extend(extra.iter().map(|(k, x)| (k.to_string(), x.clone())));
        let a = Architecture::from_values(&v).unwrap();
        let t = ComponentTable::new(&a);
        (cost::evaluate(&a, &t, &ws[0]), t.area_um2())
    };
    let (digital, area_d) = with(&[]);
    let (ap, area_ap) = with(&[("softmax_unit", Value::Str("ap".into()))]);
    assert!(digital.infeasible.is_none() && ap.infeasible.is_none());
    assert!(
        digital.energy_parts[EnergyPart::Softmax] > 0.0
            && ap.energy_parts[EnergyPart::Softmax] > 0.0
    );
    assert_ne!(
        digital.energy_parts[EnergyPart::Softmax],
        ap.energy_parts[EnergyPart::Softmax]
    );
    for &k in EnergyPart::ALL
        .iter()
        .filter(|&&k| k != EnergyPart::Softmax)
    {
        assert_eq!(digital.energy_parts[k], ap.energy_parts[k], "part {k:?}");
    }
    // 16384 words x 64 bits x 0.5 um^2 at 32 nm.
    assert!((area_ap - area_d - 16384.0 * 64.0 * 0.5).abs() < 1e-6 * area_ap);
    // More words: more rows at once, less time, the same energy.
    let (wide, _) = with(&[
        ("softmax_unit", Value::Str("ap".into())),
        ("ap_words", Value::Num(65536.0)),
    ]);
    assert!(
        (wide.latency_parts[LatencyPart::Softmax] * 4.0 - ap.latency_parts[LatencyPart::Softmax])
            .abs()
            < 1e-6 * ap.latency_parts[LatencyPart::Softmax]
    );
    assert!(
        (wide.energy_parts[EnergyPart::Softmax] - ap.energy_parts[EnergyPart::Softmax]).abs()
            < 1e-9 * wide.energy_parts[EnergyPart::Softmax]
    );
    let (narrow, _) = with(&[
        ("softmax_unit", Value::Str("ap".into())),
        ("ap_word_bits", Value::Num(16.0)),
    ]);
    let why = narrow.infeasible.unwrap().to_string();
    assert!(why.contains("ap_word_bits = 16 is too narrow"), "{why}");
}
