//! The compute SNR model against a small Monte Carlo of the same chain, and its properties.

use super::stats::Codes;
use super::*;
use crate::param::Value;

fn arch(pairs: &[(&str, Value)]) -> Architecture {
    let v: Vec<(String, Value)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    Architecture::from_values(&v).unwrap()
}

fn n(x: f64) -> Value {
    Value::Num(x)
}

/// SplitMix64 with Box-Muller: deterministic draws for the Monte Carlo.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next().max(1e-300), self.next());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    fn code(&mut self, c: &Codes) -> u64 {
        let mut u = self.next();
        for (v, p) in c.p.iter().enumerate() {
            if u < *p {
                return v as u64;
            }
            u -= p;
        }
        (c.p.len() - 1) as u64
    }
}

/// Random data for the Monte Carlo: weight codes and cell errors per output, activation codes
/// per input vector.
struct Data {
    w: Vec<Vec<u64>>,
    noise: Vec<Vec<Vec<f64>>>,
    x: Vec<Vec<u64>>,
}

fn draw(a: &Architecture, k: usize, outputs: usize, vectors: usize) -> Data {
    let (bx, bw, b) = (a.data.input_bits, a.data.weight_bits, a.cell.bits_per_cell);
    let xs = stats::activations(bx, a.data.activation_nonzero, a.data.activation_crest);
    let ws = stats::weights(bw, a.data.weight_crest);
    let mut r = Rng(7);
    let w = (0..outputs)
        .map(|_| (0..k).map(|_| r.code(&ws)).collect())
        .collect();
    let sigma = a.cell.conductance_sigma * ((1u64 << b) - 1) as f64;
    let cells = bw.div_ceil(b);
    let noise = (0..outputs)
        .map(|_| {
            (0..k)
                .map(|_| (0..cells).map(|_| sigma * r.normal()).collect())
                .collect()
        })
        .collect();
    let x = (0..vectors)
        .map(|_| (0..k).map(|_| r.code(&xs)).collect())
        .collect();
    Data { w, noise, x }
}

/// One row's converted cell value for cell `j` (or the combined weight): its level plus error.
fn cell_value(a: &Architecture, u: u64, noise: &[f64], j: u32) -> f64 {
    let b = a.cell.bits_per_cell;
    let level = |jj: u32| ((u >> (b * jj)) & ((1 << b) - 1)) as f64 + noise[jj as usize];
    if a.combines_columns() {
        (0..noise.len() as u32)
            .map(|jj| level(jj) * 2f64.powi((b * jj) as i32))
            .sum()
    } else {
        level(j)
    }
}

/// Every partial sum: per (slice, unit), (output index, group size, sum).
type Sums = Vec<Vec<Vec<(usize, usize, f64)>>>;

fn partial_sums(a: &Architecture, data: &Data, units: &[u32]) -> Sums {
    let d = a.crossbar.dac_bits;
    let (n, rows) = (a.crossbar.parallel_rows as usize, a.crossbar.rows as usize);
    let k = data.x[0].len();
    let groups: Vec<(usize, usize)> = (0..k)
        .filter(|i| (i % rows).is_multiple_of(n))
        .map(|i| (i, (i + n).min(k).min((i / rows + 1) * rows)))
        .collect();
    let slices = a.data.input_bits.div_ceil(d);
    let mut sums: Sums = vec![vec![Vec::new(); units.len()]; slices as usize];
    let outputs = data.w.len();
    for (vi, xv) in data.x.iter().enumerate() {
        for (o, wo) in data.w.iter().enumerate() {
            for (i, per_slice) in sums.iter_mut().enumerate() {
                for (per_unit, &j) in per_slice.iter_mut().zip(units) {
                    for &(g0, g1) in &groups {
                        let s: f64 = (g0..g1)
                            .map(|row| {
                                let ax = ((xv[row] >> (d * i as u32)) & ((1 << d) - 1)) as f64;
                                ax * cell_value(a, wo[row], &data.noise[o][row], j)
                            })
                            .sum();
                        per_unit.push((vi * outputs + o, g1 - g0, s));
                    }
                }
            }
        }
    }
    sums
}

/// The chain of `a` run on random data: `k` rows, `outputs` columns, `vectors` inputs. The
/// clipped range is the layer's mean + 4 sd of all partial sums, measured on the data itself.
fn monte_carlo(a: &Architecture, k: u64, outputs: usize, vectors: usize) -> f64 {
    let (bw, d, b) = (
        a.data.weight_bits,
        a.crossbar.dac_bits,
        a.cell.bits_per_cell,
    );
    let data = draw(a, k as usize, outputs, vectors);
    let cells = bw.div_ceil(b);
    let units: Vec<u32> = if a.combines_columns() {
        vec![0]
    } else {
        (0..cells).collect()
    };
    let top = if a.combines_columns() {
        2f64.powi((b * cells) as i32) - 1.0
    } else {
        ((1u64 << b) - 1) as f64
    };
    let full = a.crossbar.parallel_rows as f64 * ((1u64 << d) - 1) as f64 * top;
    let levels = ((1u64 << a.adc.bits) - 1) as f64;
    let sums = partial_sums(a, &data, &units);
    // Clipped: one range for the layer, mean + 4 sd of all its partial sums.
    let all: Vec<f64> = sums.iter().flatten().flatten().map(|t| t.2).collect();
    let mean = all.iter().sum::<f64>() / all.len() as f64;
    let var = all.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / all.len() as f64;
    let range = if a.adc.range == AdcRange::Clipped {
        (mean + 4.0 * var.sqrt()).min(full)
    } else {
        full
    };
    let step = range / (levels + 1.0);
    let mut computed = vec![0.0; vectors * outputs];
    for (i, per_slice) in sums.iter().enumerate() {
        for (v, &j) in per_slice.iter().zip(&units) {
            let gain = 2f64.powi(d as i32 * i as i32) * 2f64.powi((b * j) as i32);
            for t in v {
                computed[t.0] += gain * (t.2 / step).round().clamp(0.0, levels) * step;
            }
        }
    }
    snr_of(&data, &mut computed, (1u64 << (bw - 1)) as f64)
}

/// SNR of `computed` against the exact MACs, after removing the offset (`half` x sum of inputs).
fn snr_of(data: &Data, computed: &mut [f64], half: f64) -> f64 {
    let outputs = data.w.len();
    let mut exact = Vec::new();
    for (vi, xv) in data.x.iter().enumerate() {
        let sx: f64 = xv.iter().map(|a| *a as f64).sum();
        for (o, wo) in data.w.iter().enumerate() {
            computed[vi * outputs + o] -= half * sx;
            exact.push(
                xv.iter()
                    .zip(wo)
                    .map(|(a, u)| *a as f64 * (*u as f64 - half))
                    .sum::<f64>(),
            );
        }
    }
    let mean = exact.iter().sum::<f64>() / exact.len() as f64;
    let var = exact.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / exact.len() as f64;
    let mse = exact
        .iter()
        .zip(computed.iter())
        .map(|(y, c)| (y - c).powi(2))
        .sum::<f64>()
        / exact.len() as f64;
    if mse == 0.0 {
        EXACT_DB
    } else {
        10.0 * (var / mse).log10()
    }
}

/// The model within 1.5 dB of the Monte Carlo of its own chain, over read chains from mostly
/// quantisation noise to nearly exact, full range with and without cell error, clipped without
/// (the clipped range with sparse slices or cell error is a known gap: see the module doc).
#[test]
fn model_follows_a_monte_carlo_of_the_chain() {
    let s = |w: &str| Value::Str(w.into());
    let cases: Vec<Vec<(&str, Value)>> = vec![
        vec![
            ("rows", n(128.0)),
            ("parallel_rows", n(128.0)),
            ("bits_per_cell", n(2.0)),
            ("adc_bits", n(5.0)),
        ],
        vec![
            ("rows", n(128.0)),
            ("parallel_rows", n(16.0)),
            ("bits_per_cell", n(2.0)),
            ("adc_bits", n(6.0)),
        ],
        vec![
            ("rows", n(256.0)),
            ("parallel_rows", n(256.0)),
            ("bits_per_cell", n(8.0)),
            ("adc_bits", n(5.0)),
            ("conductance_sigma", n(0.0)),
        ],
        vec![
            ("rows", n(128.0)),
            ("parallel_rows", n(128.0)),
            ("bits_per_cell", n(4.0)),
            ("adc_bits", n(6.0)),
            ("adc_range", s("clipped")),
            ("conductance_sigma", n(0.0)),
        ],
        vec![
            ("rows", n(128.0)),
            ("parallel_rows", n(32.0)),
            ("bits_per_cell", n(1.0)),
            ("adc_bits", n(4.0)),
            ("dac_bits", n(2.0)),
            ("conductance_sigma", n(0.08)),
        ],
        vec![
            ("rows", n(128.0)),
            ("parallel_rows", n(64.0)),
            ("bits_per_cell", n(2.0)),
            ("adc_bits", n(5.0)),
            ("column_combine", s("analog")),
            ("cols", n(128.0)),
        ],
    ];
    let mut bad = Vec::new();
    for case in cases {
        let a = arch(&case);
        let model = Chain::new(&a).layer_db(256);
        let mc = monte_carlo(&a, 256, 8, 48);
        eprintln!("{case:?}: model {model:.2} dB, Monte Carlo {mc:.2} dB");
        if (model - mc).abs() >= 1.5 {
            bad.push(format!(
                "{case:?}: model {model:.2} dB, Monte Carlo {mc:.2} dB"
            ));
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

/// More ADC bits never lower the SNR of a chain without cell error whose layer fills whole row
/// groups, all else equal (nested codes cannot round a sum worse). Not in general: each sum is
/// rounded no worse, but the errors' means add coherently over the row groups and slices, and a
/// coarser ADC can cancel more of them. Two cases where the Monte Carlo of the chain agrees
/// that a finer ADC is worse: 1,152 rows summed 512 at a time (a 128-row remainder group) with
/// 4 bits instead of 3; and with cell error, where a finer ADC reads a noisy empty sum's
/// negative excursions as 0 but its positive ones as themselves.
#[test]
fn more_adc_bits_never_lower_the_snr() {
    let remainder = |bits: f64| {
        let a = arch(&[
            ("rows", n(512.0)),
            ("parallel_rows", n(512.0)),
            ("bits_per_cell", n(1.0)),
            ("adc_bits", n(bits)),
            ("conductance_sigma", n(0.0)),
        ]);
        (Chain::new(&a).layer_db(1152), monte_carlo(&a, 1152, 8, 48))
    };
    let ((m3, c3), (m4, c4)) = (remainder(3.0), remainder(4.0));
    assert!(
        m4 < m3 - 2.0 && c4 < c3 - 2.0,
        "model {m3:.1} -> {m4:.1}, Monte Carlo {c3:.1} -> {c4:.1}"
    );
    // Each conversion's mean square error never grows with the bits (nested codes), whatever
    // the range, the group size or the slice.
    for range in ["full", "clipped"] {
        for bpc in [1.0, 2.0, 4.0, 8.0] {
            for pr in [16.0, 64.0, 512.0] {
                let chains: Vec<Chain> = (1..=12)
                    .map(|bits| {
                        Chain::new(&arch(&[
                            ("conductance_sigma", n(0.0)),
                            ("rows", n(512.0)),
                            ("parallel_rows", n(pr)),
                            ("bits_per_cell", n(bpc)),
                            ("adc_bits", n(f64::from(bits))),
                            ("adc_range", Value::Str(range.into())),
                        ]))
                    })
                    .collect();
                for w in chains.windows(2) {
                    for (i, (c0, c1)) in w[0].conversions.iter().zip(&w[1].conversions).enumerate()
                    {
                        for size in [pr as u64, 7] {
                            let (e0, e1) = (
                                w[0].conversion_error(i, c0, size, w[0].range(&[(size, 1)]))
                                    .1,
                                w[1].conversion_error(i, c1, size, w[1].range(&[(size, 1)]))
                                    .1,
                            );
                            assert!(
                                e1 <= e0 * (1.0 + 1e-9) + 1e-12,
                                "{range} bpc {bpc} pr {pr} size {size}: {e1} > {e0}"
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Exact chains: digital compute; and nearly so, an ADC whose step divides 1 (16 rows of 1-bit
/// cells on 32 codes of half a unit) without cell error.
#[test]
fn exact_chains() {
    let digital = arch(&[
        ("device", Value::Str("sram".into())),
        ("compute", Value::Str("digital".into())),
    ]);
    assert_eq!(Chain::new(&digital).layer_db(1000), EXACT_DB);
    let resolved = arch(&[
        ("device", Value::Str("sram".into())),
        ("rows", n(128.0)),
        ("parallel_rows", n(16.0)),
        ("cols", n(128.0)),
        ("adc_bits", n(5.0)),
    ]);
    // Every sum but the largest (16 of 16 rows on, odds about 1e-17) has its code; the largest
    // saturates half a step low.
    let db = Chain::new(&resolved).layer_db(500);
    assert!(db > 150.0 && db < EXACT_DB, "{db}");
    assert_eq!(lattice(32, 32), 0.0);
    assert!((lattice(64, 32) - 6.0 / 48.0).abs() < 1e-12);
}

/// The paper's RRAM optimum reads 512 rows of 8-bit cells with a 5-bit ADC: mostly
/// quantisation noise (-18 dB); 32 rows and an 8-bit ADC are far better (-2 dB: an 8-bit cell
/// holds the whole offset-binary weight, so the ADC's range goes mostly to the offset), both
/// without cell error; with the RRAM default of 3%, an 8-bit cell's error alone caps the SNR
/// near 12 dB (behind a 12-bit ADC).
#[test]
fn the_paper_optimum_is_mostly_noise() {
    let chain = |pr: f64, adc: f64, sigma: f64| {
        let a = arch(&[
            ("rows", n(512.0)),
            ("cols", n(64.0)),
            ("bits_per_cell", n(8.0)),
            ("adc_bits", n(adc)),
            ("parallel_rows", n(pr)),
            ("conductance_sigma", n(sigma)),
        ]);
        Chain::new(&a).layer_db(1152)
    };
    let (paper, better) = (chain(512.0, 5.0, 0.0), chain(32.0, 8.0, 0.0));
    assert!(
        paper < -10.0 && better > paper + 12.0,
        "paper {paper:.1} dB, 32 rows and 8 bits {better:.1} dB"
    );
    let noisy = chain(32.0, 12.0, 0.03);
    assert!(noisy < 13.0 && noisy > 5.0, "{noisy:.1} dB");
}

/// The data's signal gain scales the signal, not the errors: the SNR moves by the gain.
#[test]
fn signal_gain_shifts_the_snr_by_itself() {
    let base = [("bits_per_cell", n(2.0)), ("adc_bits", n(5.0))];
    let plain = Chain::new(&arch(&base)).layer_db(576);
    let mut more = base.to_vec();
    more.push(("signal_gain_db", n(4.5)));
    let gained = Chain::new(&arch(&more)).layer_db(576);
    assert!((gained - plain - 4.5).abs() < 1e-9, "{plain} -> {gained}");
}

/// A layer with its own data statistics reads its chain on them; the others the design's.
#[test]
fn layers_read_their_own_data_statistics() {
    let text = r#"schema_version = 1
name = "two"
description = "d"
source = "s"
input = [256]

[[layers]]
name = "own"
op = "linear"
in_features = 256
out_features = 64
data = { activation_nonzero = 0.3, weight_crest = 6.5, signal_gain_db = 3.0 }

[[layers]]
name = "plain"
op = "linear"
in_features = 64
out_features = 10
"#;
    let w = imc_zoo::parse_workload("two.toml", text).unwrap();
    let a = arch(&[("adc_bits", n(5.0)), ("bits_per_cell", n(2.0))]);
    let own = arch(&[
        ("adc_bits", n(5.0)),
        ("bits_per_cell", n(2.0)),
        ("activation_nonzero", n(0.3)),
        ("weight_crest", n(6.5)),
        ("signal_gain_db", n(3.0)),
    ]);
    let layers = layers_db(&a, &w);
    assert_eq!(
        layers[0],
        ("own".to_string(), Chain::new(&own).layer_db(256))
    );
    assert_eq!(
        layers[1],
        ("plain".to_string(), Chain::new(&a).layer_db(64))
    );
    assert_ne!(layers[0].1, Chain::new(&a).layer_db(256));
    let h = heights(&w);
    assert_eq!(h.data().count(), 2);
    assert_eq!(h.worst_db(&a, &cached(&a)), layers[0].1.min(layers[1].1));
    assert_eq!(worst_dbs(&a, &[h]), vec![layers[0].1.min(layers[1].1)]);
}

/// Threads share their layers' SNRs: two threads meeting the same chains at once find what
/// a chain of their own finds, bit for bit, whichever computed them.
#[test]
fn threads_share_layer_snrs() {
    let designs: Vec<Architecture> = [1.0, 2.0, 4.0]
        .iter()
        .map(|&bpc| {
            arch(&[
                ("bits_per_cell", n(bpc)),
                ("rows", n(128.0)),
                ("adc_bits", n(6.0)),
                ("conductance_sigma", n(0.03)),
            ])
        })
        .collect();
    let heights = [27, 128, 300, 576, 4608];
    let run = || {
        designs
            .iter()
            .map(|a| heights.map(|k| cached(a).layer_db(k)))
            .collect::<Vec<_>>()
    };
    let (one, two) = std::thread::scope(|s| {
        let (a, b) = (s.spawn(run), s.spawn(run));
        (a.join().unwrap(), b.join().unwrap())
    });
    let own: Vec<_> = designs
        .iter()
        .map(|a| heights.map(|k| Chain::new(a).layer_db(k)))
        .collect();
    assert_eq!(one, own);
    assert_eq!(two, own);
}
