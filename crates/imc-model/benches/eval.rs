//! Cost-model speed. `eval_paper4`: one design on the four paper CNNs (vgg16, resnet18, alexnet,
//! mobilenetv3-large; 109 weight layers, 309 layers in all), component table included.
//! `eval_block_64`: 64 different designs of the paper-rram space, to report designs per second.
//! `eval_paper4_planned`: the same with a `Plan` per workload (identical layers costed once),
//! as `imcdse` evaluates. `eval_paper4_calibrated`: the planned case with factors on every part
//! and each replication choice (`uniform`, `balanced`, `per-layer`; balanced allocations are
//! remembered per thread, as in a search). `eval_paper4_cimloop_{rram,sram}`: the structural
//! choices of the shipped CiMLoop calibrations (SRAM with supply-voltage laws and weights
//! streamed from DRAM). Run: `cargo bench -p imc-model --bench eval`.

use criterion::{Criterion, criterion_group, criterion_main};
use imc_model::cost::evaluate_with;
use imc_model::{Architecture, ComponentTable, Plan, Value, evaluate};
use std::hint::black_box;

fn design(rows: f64, cols: f64, bpc: f64, groups: f64, tiles: f64, xbars: f64) -> Architecture {
    let n = |k: &str, v: f64| (k.to_string(), Value::Num(v));
    Architecture::from_values(&[
        n("rows", rows),
        n("cols", cols),
        n("bits_per_cell", bpc),
        n("router_groups", groups),
        n("tiles_per_group", tiles),
        n("crossbars_per_tile", xbars),
        n("glb_mib", 2.0),
    ])
    .unwrap()
}

/// One design on every workload with its plan, component table included: total energy, pJ.
fn planned(a: &Architecture, workloads: &[imc_zoo::Workload], plans: &[Plan]) -> f64 {
    let t = ComponentTable::new(a);
    let e: f64 = workloads
        .iter()
        .zip(plans)
        .map(|(w, p)| evaluate_with(a, &t, w, Some(p)).energy_pj)
        .sum();
    black_box(e)
}

fn paper4() -> (Vec<imc_zoo::Workload>, Vec<Plan>) {
    let workloads = imc_zoo::Zoo::builtin().unwrap().resolve("paper4").unwrap();
    let plans = workloads.iter().map(Plan::new).collect();
    (workloads, plans)
}

/// The default model: every layer costed, then with a plan (repeated layers costed once).
fn bench_default(c: &mut Criterion) {
    let (workloads, plans) = paper4();
    let a = design(256.0, 256.0, 2.0, 4.0, 16.0, 32.0);
    c.bench_function("eval_paper4", |b| {
        b.iter(|| {
            let t = ComponentTable::new(black_box(&a));
            let mut e = 0.0;
            for w in &workloads {
                e += evaluate(&a, &t, w).energy_pj;
            }
            black_box(e)
        })
    });
    // As a search evaluates: each workload's repeated layers found once, costed once.
    c.bench_function("eval_paper4_planned", |b| {
        b.iter(|| planned(black_box(&a), &workloads, &plans))
    });
}

/// Factors on every part, under each replication choice.
fn bench_calibrated(c: &mut Criterion) {
    let (workloads, plans) = paper4();
    for replication in ["uniform", "balanced", "per-layer"] {
        let mut c_arch = Architecture::from_values(&[
            ("rows".into(), Value::Num(256.0)),
            ("cols".into(), Value::Num(256.0)),
            ("replication".into(), Value::Str(replication.into())),
        ])
        .unwrap();
        c_arch.factors.energy = c_arch.factors.energy * 0.9;
        c_arch.factors.latency = c_arch.factors.latency * 1.1;
        c_arch.factors.area = c_arch.factors.area * 1.2;
        c.bench_function(&format!("eval_paper4_calibrated_{replication}"), |b| {
            b.iter(|| planned(black_box(&c_arch), &workloads, &plans))
        });
    }
}

fn bench_cimloop(c: &mut Criterion) {
    let (workloads, plans) = paper4();
    // As the shipped calibrations cost a design of their spaces (the structural choices of
    // `search-spaces/calibrations/cimloop-paper-{rram,sram}.toml`; SRAM with its supply laws,
    // weights streamed, at 0.6 V).
    let text = |k: &str, v: &str| (k.to_string(), Value::Str(v.into()));
    let num = |k: &str, v: f64| (k.to_string(), Value::Num(v));
    let mut rram = Architecture::from_values(&[
        num("rows", 128.0),
        num("cols", 128.0),
        num("bits_per_cell", 2.0),
        num("router_groups", 4.0),
        num("tiles_per_group", 16.0),
        num("crossbars_per_tile", 32.0),
        num("dac_bits", 8.0),
        text("replication", "per-layer"),
        text("depthwise_packing", "per-group"),
    ])
    .unwrap();
    rram.factors.energy = rram.factors.energy * 0.5;
    rram.factors.latency = rram.factors.latency * 0.3;
    c.bench_function("eval_paper4_cimloop_rram", |b| {
        b.iter(|| planned(black_box(&rram), &workloads, &plans))
    });
    let mut sram = Architecture::from_values(&[
        text("device", "sram"),
        num("bits_per_cell", 1.0),
        num("rows", 64.0),
        num("cols", 64.0),
        num("router_groups", 4.0),
        num("tiles_per_group", 8.0),
        num("crossbars_per_tile", 16.0),
        num("voltage_v", 0.6),
        num("dac_bits", 8.0),
        text("replication", "uniform"),
        text("depthwise_packing", "per-group"),
        text("digital_lanes_at", "chip"),
    ])
    .unwrap();
    sram.factors.energy = sram.factors.energy * 0.5;
    sram.factors.energy_cv2 = imc_model::breakdown::Energy::splat(0.8);
    sram.factors.energy_drive = imc_model::breakdown::Energy::splat(0.05);
    c.bench_function("eval_paper4_cimloop_sram", |b| {
        b.iter(|| planned(black_box(&sram), &workloads, &plans))
    });
}

/// 64 designs of the paper-rram space, each with its own component table.
fn bench_block(c: &mut Criterion) {
    let (workloads, _) = paper4();
    let mut designs = Vec::new();
    for rows in [32.0, 64.0, 128.0, 256.0] {
        for cols in [64.0, 128.0, 256.0, 512.0] {
            for bpc in [1.0, 2.0, 4.0, 8.0] {
                designs.push(design(rows, cols, bpc, 8.0, 16.0, 64.0));
            }
        }
    }
    c.bench_function("eval_block_64", |b| {
        b.iter(|| {
            let mut e = 0.0;
            for a in &designs {
                let t = ComponentTable::new(a);
                for w in &workloads {
                    e += evaluate(a, &t, w).energy_pj;
                }
            }
            black_box(e)
        })
    });
}

criterion_group!(
    benches,
    bench_default,
    bench_calibrated,
    bench_cimloop,
    bench_block
);
criterion_main!(benches);
