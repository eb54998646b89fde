//! `imcdse softmax`: an LLM's attention softmax on an associative processor, on the chip's
//! digital softmax unit, and on two GPUs ([`imcdse::studies::softmax`], which names the
//! sources).

use anyhow::{Result, anyhow};
use imc_model::components::ap::Ap;
use imcdse::report::{ratio, si, table};
use imcdse::studies::softmax::{SoftmaxOptions, SoftmaxPoint, softmax};
use std::fmt::Write;

/// Options of `imcdse softmax`.
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

pub fn run(args: &Args) -> Result<String> {
    let seqs = args
        .seq
        .split(',')
        .map(|s| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| anyhow!("--seq: `{s}` is not a length in 1..=1048576"))
        })
        .collect::<Result<Vec<u64>>>()?;
    let o = SoftmaxOptions {
        model: args.model.clone(),
        seqs,
        bits: args.bits,
        ap: Ap {
            words: args.ap_words,
            word_bits: args.ap_word_bits,
            compare_fj: args.ap_compare_fj,
            write_fj: args.ap_write_fj,
            compare_ns: args.ap_compare_ns,
            write_ns: args.ap_write_ns,
            ..Ap::default()
        },
        lanes: args.lanes,
    };
    let points = softmax(&o)?;
    if args.json {
        let objects: Vec<serde_json::Value> = points.iter().map(|p| p.json(&o)).collect();
        return Ok(format!("{}\n", serde_json::to_string_pretty(&objects)?));
    }
    let ap = &o.ap;
    let mut out = String::new();
    writeln!(
        out,
        "{} attention softmax, {}-bit integer on the AP ({} words of {} bits, {} fJ/compared bit, \
         {} fJ/written bit, {} ns per compare, {} ns per write) and the digital unit ({} lanes); GPUs FP16, memory-bound.\n",
        o.model,
        o.bits,
        ap.words,
        ap.word_bits,
        ap.compare_fj,
        ap.write_fj,
        ap.compare_ns,
        ap.write_ns,
        o.lanes
    )?;
    writeln!(out, "{}", table_text(&points))?;
    writeln!(
        out,
        "EDP in mJ x ms. SoftmAP reports up to ~1000x EDP over both GPUs (arXiv 2411.17847)."
    )?;
    Ok(out)
}

/// One row per sequence length: the AP's energy, latency and EDP, the others' EDP, and the
/// EDP ratios.
fn table_text(points: &[SoftmaxPoint]) -> String {
    let rows: Vec<Vec<String>> = points
        .iter()
        .map(|p| {
            let edp = p.ap.edp;
            vec![
                p.seq_len.to_string(),
                si(p.elements as u64),
                imcdse::report::fixed4(p.ap.energy_mj),
                imcdse::report::fixed4(p.ap.latency_ms),
                format!("{:.3e}", edp),
                format!("{:.3e}", p.digital.edp),
                format!("{:.3e}", p.a100.edp),
                format!("{:.3e}", p.rtx3090.edp),
                ratio(p.a100.edp / edp),
                ratio(p.rtx3090.edp / edp),
                ratio(p.digital.edp / edp),
            ]
        })
        .collect();
    let header = [
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
    ];
    table(&header, &rows)
}
