//! An LLM's attention softmax on an associative processor (SoftmAP's approach), on the chip's
//! digital softmax unit, and on two GPUs as memory-bound kernels.
//!
//! Sources: the AP pass counts and defaults in `imc-model/src/components/ap.rs` (Fouda et al.,
//! arXiv 2203.00662; SoftmAP, Rakka et al., arXiv 2411.17847), the digital unit in
//! `components/softmax_unit.rs` (I-BERT, Kim et al. 2021; Horowitz, ISSCC 2014), the GPUs in
//! `imc-model/src/gpu.rs` (NVIDIA A100 datasheet: 2,039 GB/s, 400 W; RTX 3090 specifications:
//! 936 GB/s, 350 W). Workload: the zoo's `<model>-softmax` at each sequence length (prefill,
//! every head of every layer, S x S scores).

use anyhow::{Context, Result, bail};
use imc_model::components::ap::{self, Ap};
use imc_model::components::softmax_unit;
use imc_model::gpu::{self, A100, RTX3090};
use imc_model::table::ComponentTable;
use imc_model::{Architecture, Value, arch};
use imc_zoo::Zoo;
use imc_zoo::ops::Op;
use serde_json::{Value as Json, json};

/// What to cost.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxOptions {
    /// The model whose attention softmax is costed (the zoo's `<model>-softmax` workload).
    pub model: String,
    /// Sequence lengths, each in 1..=1048576.
    pub seqs: Vec<u64>,
    /// Softmax precision in bits (AP and digital unit), 2..=16.
    pub bits: u32,
    /// The associative processor.
    pub ap: Ap,
    /// Lanes of the digital softmax unit.
    pub lanes: u64,
}

/// Energy (mJ), latency (ms) and their product (mJ x ms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cost {
    /// mJ.
    pub energy_mj: f64,
    /// ms.
    pub latency_ms: f64,
    /// mJ x ms.
    pub edp: f64,
}

impl Cost {
    /// From pJ and ns.
    fn from_pj_ns(e: f64, l: f64) -> Cost {
        let (energy_mj, latency_ms) = (e * 1e-9, l * 1e-6);
        Cost {
            energy_mj,
            latency_ms,
            edp: energy_mj * latency_ms,
        }
    }

    fn json(self) -> Json {
        json!({"energy_mj": self.energy_mj, "latency_ms": self.latency_ms, "edp_mj_ms": self.edp})
    }
}

/// The softmax of one sequence length on each engine.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxPoint {
    /// Sequence length.
    pub seq_len: u64,
    /// Softmax rows (all heads of all layers).
    pub rows: u64,
    /// Row length.
    pub length: u64,
    /// rows x length.
    pub elements: f64,
    /// The associative processor.
    pub ap: Cost,
    /// The digital unit.
    pub digital: Cost,
    /// NVIDIA A100.
    pub a100: Cost,
    /// NVIDIA RTX 3090.
    pub rtx3090: Cost,
}

impl SoftmaxOptions {
    /// Checks the ranges (the flag names are the CLI's). The AP's numbers are checked against
    /// the parameter table's `ap_*` entries, so `NaN`, infinities and negative energies are
    /// refused with what is allowed.
    pub fn check(&self) -> Result<()> {
        if !(2..=16).contains(&self.bits) {
            bail!("--bits {}: allowed 2..=16", self.bits);
        }
        if let Some(s) = self.seqs.iter().find(|&&n| !(1..=1 << 20).contains(&n)) {
            bail!("--seq: `{s}` is not a length in 1..=1048576");
        }
        if !(1..=1 << 30).contains(&self.lanes) {
            bail!("--lanes {}: allowed 1..=1073741824", self.lanes);
        }
        let ap = &self.ap;
        if !(1..=1 << 30).contains(&ap.words) {
            bail!(
                "--ap-words {}: out of range; allowed 1 to 1073741824",
                ap.words
            );
        }
        let flags = [
            ("ap_word_bits", f64::from(ap.word_bits)),
            ("ap_compare_fj", ap.compare_fj),
            ("ap_write_fj", ap.write_fj),
            ("ap_compare_ns", ap.compare_ns),
            ("ap_write_ns", ap.write_ns),
        ];
        for (name, x) in flags {
            let p = arch::find(name)?;
            if p.check(&Value::Num(x)).is_err() {
                bail!(
                    "--{} {}: out of range; allowed {}",
                    name.replace('_', "-"),
                    imc_zoo::error::bounded(x),
                    p.allowed()
                );
            }
        }
        Ok(())
    }
}

/// Costs the softmax at every sequence length.
pub fn softmax(o: &SoftmaxOptions) -> Result<Vec<SoftmaxPoint>> {
    o.check()?;
    let arch = Architecture::from_values(&[("technology_nm".to_string(), Value::Num(32.0))])?;
    let t = ComponentTable::new(&arch);
    let zoo = Zoo::builtin()?;
    let softmax: Vec<&str> = zoo
        .names()
        .filter_map(|n| n.strip_suffix("-softmax"))
        .collect();
    if !softmax.contains(&o.model.as_str()) {
        bail!(
            "--model {}: the zoo has no softmax workload `{}-softmax`; models with one: {}",
            crate::results::quoted_short(&o.model),
            crate::results::quoted_short(&o.model),
            softmax.join(", ")
        );
    }
    let mut points = Vec::new();
    for &s in &o.seqs {
        let name = format!("{}-softmax:seq_len={s}", o.model);
        let w = zoo
            .resolve(&name)
            .with_context(|| format!("--model {}: no softmax workload `{name}`", o.model))?
            .remove(0);
        let (mut rows, mut length) = (0u64, 0u64);
        for l in &w.layers {
            if let Op::Softmax(x) = &l.op {
                rows += x.rows;
                length = length.max(x.length);
            }
        }
        if rows == 0 {
            bail!("{name} has no softmax layer");
        }
        let elements = rows as f64 * length as f64;
        let (ea, la) = ap::softmax(&o.ap, rows, length, o.bits).map_err(anyhow::Error::msg)?;
        let (ed, ld) = softmax_unit::softmax(
            elements,
            o.bits,
            o.lanes as f64,
            t.add_pj,
            t.mul_pj,
            t.tile_output_buffer.energy_pj,
            arch.chip.cycle_ns,
        );
        let (eg, lg) = gpu::softmax(&A100, elements);
        let (er, lr) = gpu::softmax(&RTX3090, elements);
        points.push(SoftmaxPoint {
            seq_len: s,
            rows,
            length,
            elements,
            ap: Cost::from_pj_ns(ea, la),
            digital: Cost::from_pj_ns(ed, ld),
            a100: Cost::from_pj_ns(eg, lg),
            rtx3090: Cost::from_pj_ns(er, lr),
        });
    }
    Ok(points)
}

impl SoftmaxPoint {
    /// One object of `imcdse softmax --json`.
    pub fn json(&self, o: &SoftmaxOptions) -> Json {
        let edp = self.ap.edp;
        json!({
            "model": o.model, "seq_len": self.seq_len, "bits": o.bits, "rows": self.rows,
            "length": self.length, "elements": self.elements, "ap": self.ap.json(),
            "digital": self.digital.json(), "a100": self.a100.json(), "rtx3090": self.rtx3090.json(),
            "edp_ratio": {"a100_over_ap": self.a100.edp / edp, "rtx3090_over_ap": self.rtx3090.edp / edp,
                          "digital_over_ap": self.digital.edp / edp},
        })
    }
}
