//! `imcdse softmax`: an LLM's attention softmax on an associative processor (SoftmAP's
//! approach), on the chip's digital softmax unit, and on two GPUs as memory-bound kernels.
//!
//! Sources: the AP pass counts and defaults in `imc-model/src/components/ap.rs` (Fouda et al.,
//! arXiv 2203.00662; SoftmAP, Rakka et al., arXiv 2411.17847), the digital unit in
//! `components/softmax_unit.rs` (I-BERT, Kim et al. 2021; Horowitz, ISSCC 2014), the GPUs in
//! `imc-model/src/gpu.rs` (NVIDIA A100 datasheet: 2,039 GB/s, 400 W; RTX 3090 specifications:
//! 936 GB/s, 350 W). Workload: the zoo's `<model>-softmax` at each sequence length (prefill,
//! every head of every layer, S x S scores).

use crate::fmt;
use anyhow::{Context, Result, bail};
use imc_model::components::ap::{self, Ap};
use imc_model::components::softmax_unit;
use imc_model::gpu::{self, A100, RTX3090};
use imc_model::table::ComponentTable;
use imc_model::{Architecture, Value};
use imc_zoo::Zoo;
use imc_zoo::ops::Op;
use serde_json::json;

#[derive(clap::Args, Clone)]
#[command(
    after_help = "Sources: AP pass counts after Fouda et al., arXiv 2203.00662 (SoftmAP: \
Rakka et al., arXiv 2411.17847); digital unit: I-BERT integer softmax, Horowitz ISSCC 2014 \
energies; GPUs: NVIDIA A100 SXM4 80GB datasheet (2,039 GB/s, 400 W) and RTX 3090 specifications \
(936 GB/s, 350 W), softmax as an FP16 read and write per element at full bandwidth."
)]
pub struct Args {
    /// The model whose attention softmax is costed (the zoo's `<model>-softmax` workload).
    #[arg(long, default_value = "llama2-7b")]
    pub model: String,
    /// Sequence lengths, comma-separated.
    #[arg(long, default_value = "128,256,512,1024,2048,4096")]
    pub seq: String,
    /// Softmax precision in bits (AP and digital unit).
    #[arg(long, default_value_t = 8)]
    pub bits: u32,
    /// AP words working in parallel.
    #[arg(long, default_value_t = Ap::default().words)]
    pub ap_words: u64,
    /// AP word width in bits.
    #[arg(long, default_value_t = Ap::default().word_bits)]
    pub ap_word_bits: u32,
    /// AP energy per compared bit, fJ.
    #[arg(long, default_value_t = Ap::default().compare_fj)]
    pub ap_compare_fj: f64,
    /// AP energy per written bit, fJ.
    #[arg(long, default_value_t = Ap::default().write_fj)]
    pub ap_write_fj: f64,
    /// AP compare cycle, ns.
    #[arg(long, default_value_t = Ap::default().compare_ns)]
    pub ap_compare_ns: f64,
    /// AP write cycle, ns.
    #[arg(long, default_value_t = Ap::default().write_ns)]
    pub ap_write_ns: f64,
    /// Lanes of the digital softmax unit (the default chip: 64 tiles x 64 lanes).
    #[arg(long, default_value_t = 4096)]
    pub lanes: u64,
    /// One JSON object per sequence length.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &Args) -> Result<()> {
    if !(2..=16).contains(&args.bits) {
        bail!("--bits {}: allowed 2..=16", args.bits);
    }
    let seqs: Vec<u64> = args
        .seq
        .split(',')
        .map(|s| {
            s.trim()
                .parse::<u64>()
                .ok()
                .filter(|&n| (1..=1 << 20).contains(&n))
                .with_context(|| format!("--seq: `{s}` is not a length in 1..=1048576"))
        })
        .collect::<Result<_>>()?;
    if args.ap_words == 0 || args.lanes == 0 || args.ap_compare_ns <= 0.0 || args.ap_write_ns <= 0.0
    {
        bail!("--ap-words, --lanes, --ap-compare-ns and --ap-write-ns must be positive");
    }
    let ap = Ap {
        words: args.ap_words,
        word_bits: args.ap_word_bits,
        compare_fj: args.ap_compare_fj,
        write_fj: args.ap_write_fj,
        compare_ns: args.ap_compare_ns,
        write_ns: args.ap_write_ns,
        ..Ap::default()
    };
    let chip = Architecture::from_values(&[("technology_nm".to_string(), Value::Num(32.0))])?;
    let t = ComponentTable::new(&chip);
    let zoo = Zoo::builtin()?;
    let mut rows_out = Vec::new();
    let mut objects = Vec::new();
    for &s in &seqs {
        let name = format!("{}-softmax:seq_len={s}", args.model);
        let w = zoo
            .resolve(&name)
            .with_context(|| format!("--model {}: no softmax workload `{name}`", args.model))?
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
        let (ea, la) = ap::softmax(&ap, rows, length, args.bits).map_err(anyhow::Error::msg)?;
        let (ed, ld) = softmax_unit::softmax(
            elements,
            args.bits,
            args.lanes as f64,
            t.add_pj,
            t.mul_pj,
            t.tile_output_buffer.energy_pj,
            chip.cycle_ns,
        );
        let (eg, lg) = gpu::softmax(&A100, elements);
        let (er, lr) = gpu::softmax(&RTX3090, elements);
        // pJ -> mJ, ns -> ms; EDP in mJ x ms.
        let f = |e: f64, l: f64| (e * 1e-9, l * 1e-6, e * 1e-9 * l * 1e-6);
        let (ap_, dg, a1, r3) = (f(ea, la), f(ed, ld), f(eg, lg), f(er, lr));
        rows_out.push(vec![
            s.to_string(),
            fmt::si(elements as u64),
            format!("{:.4}", ap_.0),
            format!("{:.4}", ap_.1),
            format!("{:.3e}", ap_.2),
            format!("{:.3e}", dg.2),
            format!("{:.3e}", a1.2),
            format!("{:.3e}", r3.2),
            ratio(a1.2 / ap_.2),
            ratio(r3.2 / ap_.2),
            ratio(dg.2 / ap_.2),
        ]);
        let part =
            |x: (f64, f64, f64)| json!({"energy_mj": x.0, "latency_ms": x.1, "edp_mj_ms": x.2});
        objects.push(json!({
            "model": args.model, "seq_len": s, "bits": args.bits, "rows": rows, "length": length,
            "elements": elements, "ap": part(ap_), "digital": part(dg), "a100": part(a1),
            "rtx3090": part(r3),
            "edp_ratio": {"a100_over_ap": a1.2 / ap_.2, "rtx3090_over_ap": r3.2 / ap_.2,
                          "digital_over_ap": dg.2 / ap_.2},
        }));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&objects)?);
        return Ok(());
    }
    println!(
        "{} attention softmax, {}-bit integer on the AP ({} words of {} bits, {} fJ/compared bit, \
         {} fJ/written bit, {} ns per compare, {} ns per write) and the digital unit ({} lanes); GPUs FP16, memory-bound.\n",
        args.model,
        args.bits,
        ap.words,
        ap.word_bits,
        ap.compare_fj,
        ap.write_fj,
        ap.compare_ns,
        ap.write_ns,
        args.lanes
    );
    println!(
        "{}",
        fmt::table(
            &[
                "seq",
                "elements",
                "AP mJ",
                "AP ms",
                "AP EDP",
                "digital EDP",
                "A100 EDP",
                "RTX3090 EDP",
                "A100/AP",
                "RTX3090/AP",
                "digital/AP",
            ],
            &rows_out
        )
    );
    println!("EDP in mJ x ms. SoftmAP reports up to ~1000x EDP over both GPUs (arXiv 2411.17847).");
    Ok(())
}

/// A ratio readable across decades: 3 significant figures, scientific below 0.01.
fn ratio(x: f64) -> String {
    if x >= 0.01 {
        crate::cli::export::significant(x, 3, crate::cli::export::Format::Markdown)
    } else {
        format!("{x:.2e}")
    }
}
