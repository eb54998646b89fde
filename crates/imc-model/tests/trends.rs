//! Trends the model must show, exactly or by sign, and its bookkeeping: capacity, breakdowns,
//! feasibility.

use imc_model::{Architecture, DesignReport, Infeasible, Value, evaluate_design};
use imc_model::{EnergyPart, LatencyPart, Part};
use imc_zoo::{Workload, Zoo};

mod common;
use common::arch;

fn paper4() -> Vec<Workload> {
    Zoo::builtin().unwrap().resolve("paper4").unwrap()
}

fn with_flag(a: &Architecture, key: &str, on: bool) -> Architecture {
    let mut v: Vec<(String, Value)> = a
        .values()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    v.push((key.to_string(), Value::Bool(on)));
    Architecture::from_values(&v).unwrap()
}

fn eval(a: &Architecture) -> DesignReport {
    evaluate_design(a, &paper4(), None)
}

fn total_energy(r: &DesignReport) -> f64 {
    r.workloads.iter().map(|w| w.energy_mj).sum()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

#[test]
fn the_reference_design_is_feasible_and_sane() {
    let r = eval(&arch(&[]));
    assert!(r.infeasible().is_none(), "{:?}", r.infeasible());
    for w in &r.workloads {
        assert!(
            w.energy_mj > 0.0 && w.latency_ms > 0.0 && w.edap > 0.0,
            "{}",
            w.workload
        );
        assert!(
            w.utilization > 0.0 && w.utilization <= 1.0,
            "{}",
            w.workload
        );
        assert!(rel(w.edap, w.energy_mj * w.latency_ms * r.area_mm2) < 1e-12);
    }
}

#[test]
fn latency_is_proportional_to_cycle_and_area_ignores_voltage_and_clock() {
    let base = arch(&[("cycle_ns", 1.0), ("voltage_v", 0.7)]);
    let slow = arch(&[("cycle_ns", 6.0), ("voltage_v", 0.5)]);
    let (rb, rs) = (eval(&base), eval(&slow));
    assert_eq!(rb.area_mm2, rs.area_mm2);
    for (b, s) in rb.workloads.iter().zip(&rs.workloads) {
        assert!(
            rel(s.latency_ms, 6.0 * b.latency_ms) < 1e-12,
            "{}",
            b.workload
        );
        assert!(
            rel(s.energy_mj, b.energy_mj) < 1e-12,
            "voltage has no effect without scaling"
        );
    }
}

#[test]
fn voltage_scaling_moves_energy_and_delay() {
    let lo = with_flag(&arch(&[("voltage_v", 0.6)]), "voltage_scaling", true);
    let hi = with_flag(&arch(&[("voltage_v", 0.9)]), "voltage_scaling", true);
    let (rl, rh) = (eval(&lo), eval(&hi));
    assert_eq!(rl.area_mm2, rh.area_mm2);
    for (l, h) in rl.workloads.iter().zip(&rh.workloads) {
        assert!(l.energy_mj < h.energy_mj, "{}", l.workload);
        assert!(
            rel(l.latency_ms, h.latency_ms * 0.9 / 0.6) < 1e-12,
            "{}",
            l.workload
        );
    }
}

#[test]
fn more_bits_per_cell_means_fewer_columns_conversions_and_energy() {
    let mut last: Option<(f64, u64)> = None;
    for bpc in [1.0, 2.0, 4.0, 8.0] {
        let a = arch(&[("bits_per_cell", bpc)]);
        let r = eval(&a);
        let e = total_energy(&r);
        let cells: u64 = r.workloads.iter().map(|w| w.needed_cells).sum();
        let adc: f64 = r
            .workloads
            .iter()
            .map(|w| w.energy_breakdown_mj[EnergyPart::Adc.index()].1)
            .sum();
        if let Some((le, lc)) = last {
            assert!(e < le, "bits_per_cell {bpc}: {e} >= {le}");
            assert!(cells < lc);
        }
        assert!(adc > 0.0);
        last = Some((e, cells));
    }
}

#[test]
fn more_adc_bits_cost_energy_and_area() {
    let (r4, r8) = (
        eval(&arch(&[("adc_bits", 4.0)])),
        eval(&arch(&[("adc_bits", 8.0)])),
    );
    assert!(r8.area_mm2 > r4.area_mm2);
    assert!(total_energy(&r8) > total_energy(&r4));
}

#[test]
fn smaller_nodes_are_smaller_and_cheaper() {
    let mut last: Option<(f64, f64)> = None;
    for nm in [130.0, 90.0, 65.0, 45.0, 32.0, 22.0, 14.0, 7.0] {
        let r = eval(&arch(&[("technology_nm", nm)]));
        let now = (r.area_mm2, total_energy(&r));
        if let Some(prev) = last {
            assert!(
                now.0 < prev.0 && now.1 < prev.1,
                "{nm} nm: {now:?} vs {prev:?}"
            );
        }
        last = Some(now);
    }
}

#[test]
fn more_parallel_rows_give_higher_tops_per_watt() {
    let mut last = 0.0;
    for pr in [16.0, 64.0, 256.0] {
        let r = eval(&arch(&[("parallel_rows", pr)]));
        let tpw: f64 = r.workloads.iter().map(|w| w.tops_per_w).sum();
        assert!(tpw > last, "parallel_rows {pr}");
        last = tpw;
    }
}

#[test]
fn cells_at_one_bit_per_cell_are_eight_per_weight() {
    let a = arch(&[("bits_per_cell", 1.0)]);
    let r = eval(&a);
    for (w, rep) in paper4().iter().zip(&r.workloads) {
        assert_eq!(rep.needed_cells, w.weights() * 8, "{}", w.name);
    }
}

#[test]
fn breakdowns_add_up() {
    let r = eval(&arch(&[]));
    let area: f64 = r.area_breakdown_mm2.iter().map(|(_, v)| v).sum();
    assert!(rel(area, r.area_mm2) < 1e-12);
    for w in &r.workloads {
        let e: f64 = w.energy_breakdown_mj.iter().map(|(_, v)| v).sum();
        let l: f64 = w.latency_breakdown_ms.iter().map(|(_, v)| v).sum();
        assert!(rel(e, w.energy_mj) < 1e-12, "{}", w.workload);
        assert!(rel(l, w.latency_ms) < 1e-12, "{}", w.workload);
    }
}

#[test]
fn too_small_a_chip_is_infeasible_with_a_reason_not_a_zero() {
    let small = arch(&[
        ("router_groups", 1.0),
        ("tiles_per_group", 4.0),
        ("crossbars_per_tile", 4.0),
    ]);
    let r = eval(&small);
    let (name, why) = r.infeasible().expect("VGG16 cannot fit 16 crossbars");
    assert_eq!(name, "vgg16");
    assert!(matches!(
        why,
        Infeasible::WeightsDoNotFit {
            available_crossbars: 16,
            ..
        }
    ));
    assert!(
        why.to_string().contains("weights do not fit on chip"),
        "{why}"
    );
    for w in &r.workloads {
        assert!(
            w.energy_mj > 0.0,
            "an infeasible design still reports its cost, never 0"
        );
    }
    let limited = evaluate_design(&arch(&[]), &paper4(), Some(1.0));
    let (_, why) = limited.infeasible().expect("area limit");
    assert!(
        why.to_string().contains("above the limit of 1 mm2"),
        "{why}"
    );
}

#[test]
fn sram_streams_weights_and_pays_for_it() {
    let mut v: Vec<(String, Value)> = arch(&[])
        .values()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    v.retain(|(k, _)| {
        !matches!(
            k.as_str(),
            "bits_per_cell" | "cell_area_f2" | "weights_on_chip"
        )
    });
    v.push(("device".into(), Value::Str("sram".into())));
    let sram = Architecture::from_values(&v).unwrap();
    assert!(!sram.chip.weights_on_chip);
    let r = evaluate_design(&sram, &paper4(), None);
    assert!(r.infeasible().is_none());
    for w in &r.workloads {
        assert!(
            w.energy_breakdown_mj[EnergyPart::WeightLoad.index()].1 > 0.0,
            "{} loads weights",
            w.workload
        );
        assert!(w.latency_breakdown_ms[LatencyPart::WeightLoad.index()].1 > 0.0);
    }
}

#[test]
fn attention_matmuls_are_costed_on_the_digital_path_and_say_so() {
    let vit = Zoo::builtin().unwrap().resolve("vit-b16").unwrap();
    let r = evaluate_design(&arch(&[]), &vit, None);
    let w = &r.workloads[0];
    let (name, e) = w.energy_breakdown_mj[EnergyPart::DynamicMatmul.index()];
    assert_eq!(name, "dynamic_matmul_digital");
    assert!(e > 0.0);
    assert!(w.latency_breakdown_ms[LatencyPart::DynamicMatmul.index()].1 > 0.0);
    // CNNs have none.
    let r = eval(&arch(&[]));
    assert!(
        r.workloads
            .iter()
            .all(|w| w.energy_breakdown_mj[EnergyPart::DynamicMatmul.index()].1 == 0.0)
    );
}
