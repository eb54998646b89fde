//! Results in the units of files and reports: energy mJ, latency ms, area mm^2,
//! EDAP mJ*ms*mm^2, TOPS = 2*MACs/latency, TOPS/W = 2*MACs/energy, TOPS/mm^2.

use crate::arch::Architecture;
use crate::cost::{self, Infeasible, Plan, WorkloadCost};
use crate::table::ComponentTable;
use imc_zoo::Workload;

/// One workload on one design.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadReport {
    /// The workload's name.
    pub workload: String,
    /// Energy per inference, mJ.
    pub energy_mj: f64,
    /// Latency per inference (batch 1), ms.
    pub latency_ms: f64,
    /// Energy x latency x chip area, mJ ms mm2.
    pub edap: f64,
    /// 2 MACs / latency, tera-operations per second.
    pub tops: f64,
    /// 2 MACs / energy, TOPS/W.
    pub tops_per_w: f64,
    /// TOPS per mm2 of chip.
    pub tops_per_mm2: f64,
    /// Weight cells over the cells of the crossbars they occupy.
    pub utilization: f64,
    /// Compute SNR of the worst static matrix layer, dB (`snr.rs`); `None` unless asked for
    /// ([`DesignReport::add_snr`], as `imcdse eval` does; the studies take it per workload
    /// from the chain cache instead: a new read chain costs milliseconds, so costing alone
    /// leaves it out).
    pub snr_db: Option<f64>,
    /// Each static matrix layer's compute SNR, dB, in layer order (empty where `snr_db` is
    /// `None`).
    pub snr_layers_db: Vec<(String, f64)>,
    /// Crossbars one copy of the weights needs.
    pub needed_crossbars: u64,
    /// Cells the weights need.
    pub needed_cells: u64,
    /// Energy by part, mJ.
    pub energy_breakdown_mj: Vec<(&'static str, f64)>,
    /// Latency by part, ms.
    pub latency_breakdown_ms: Vec<(&'static str, f64)>,
    /// Why the design cannot run it.
    pub infeasible: Option<Infeasible>,
}

/// A design evaluated on a set of workloads.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignReport {
    /// The chip's area, mm2.
    pub area_mm2: f64,
    /// Area by part, mm2.
    pub area_breakdown_mm2: Vec<(&'static str, f64)>,
    /// One report per workload, in order.
    pub workloads: Vec<WorkloadReport>,
}

impl DesignReport {
    /// Adds each workload's compute SNR, worst layer and per layer (`snr.rs`); `workloads` in
    /// the order the report was made with. A workload below `min_db` (a space's
    /// `min_snr_db`) is infeasible for it, unless it already is for another reason.
    pub fn add_snr(&mut self, a: &Architecture, workloads: &[Workload], min_db: Option<f64>) {
        for (r, w) in self.workloads.iter_mut().zip(workloads) {
            let layers = crate::snr::layers_db(a, w);
            let snr_db = layers
                .iter()
                .map(|(_, db)| *db)
                .fold(crate::snr::EXACT_DB, f64::min);
            r.snr_db = Some(snr_db);
            r.snr_layers_db = layers;
            if let Some(min_db) = min_db.filter(|&m| snr_db < m) {
                r.infeasible
                    .get_or_insert(Infeasible::SnrBelowMinimum { snr_db, min_db });
            }
        }
    }

    /// The first reason, over workloads, why the design is infeasible.
    pub fn infeasible(&self) -> Option<(&str, &Infeasible)> {
        self.workloads
            .iter()
            .find_map(|w| w.infeasible.as_ref().map(|i| (w.workload.as_str(), i)))
    }
}

fn report(name: &str, c: &WorkloadCost, area_mm2: f64) -> WorkloadReport {
    let energy_mj = c.energy_pj * 1e-9;
    let latency_ms = c.latency_ns * 1e-6;
    let ops = 2.0 * c.macs as f64;
    let tops = if c.latency_ns > 0.0 {
        ops / c.latency_ns * 1e-3
    } else {
        0.0
    };
    WorkloadReport {
        workload: name.to_string(),
        energy_mj,
        latency_ms,
        edap: energy_mj * latency_ms * area_mm2,
        tops,
        tops_per_w: if c.energy_pj > 0.0 {
            ops / c.energy_pj
        } else {
            0.0
        },
        tops_per_mm2: tops / area_mm2,
        utilization: c.utilization,
        snr_db: None,
        snr_layers_db: Vec::new(),
        needed_crossbars: c.needed_crossbars,
        needed_cells: c.needed_cells,
        energy_breakdown_mj: c.energy_parts.named(1e-9),
        latency_breakdown_ms: c.latency_parts.named(1e-6),
        infeasible: c.infeasible.clone(),
    }
}

/// Evaluates a design on every workload (the component table is built once). A design above
/// `max_area_mm2` is infeasible for every workload that has no other reason.
pub fn evaluate_design(
    a: &Architecture,
    workloads: &[Workload],
    max_area_mm2: Option<f64>,
) -> DesignReport {
    evaluate_design_with(a, workloads, None, max_area_mm2)
}

/// As [`evaluate_design`], with a [`Plan`] per workload (identical layers costed once): for
/// callers that evaluate many designs on the same workloads.
pub fn evaluate_design_with(
    a: &Architecture,
    workloads: &[Workload],
    plans: Option<&[Plan]>,
    max_area_mm2: Option<f64>,
) -> DesignReport {
    let t = ComponentTable::new(a);
    let area_mm2 = t.area_um2() * 1e-6;
    // The area is the chip's: checked once.
    let above =
        max_area_mm2
            .filter(|&limit| area_mm2 > limit)
            .map(|limit| Infeasible::AreaAboveLimit {
                area_mm2,
                limit_mm2: limit,
            });
    let cost = |(i, w): (usize, &Workload)| {
        let mut c = cost::evaluate_with(a, &t, w, plans.map(|p| &p[i]));
        if c.infeasible.is_none() {
            c.infeasible.clone_from(&above);
        }
        report(&w.name, &c, area_mm2)
    };
    DesignReport {
        area_mm2,
        area_breakdown_mm2: t.area_um2.named(1e-6),
        workloads: workloads.iter().enumerate().map(cost).collect(),
    }
}
