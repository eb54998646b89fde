//! Cost of a workload on an architecture: the sum of its layers' costs ([`crate::layer_cost`]),
//! each layer's mapping giving action counts and the component table their energies; latency
//! counts cycles. Identical layers (same operator, shape, precision and spiking description;
//! names aside) are costed once per evaluation when a [`Plan`] of the workload is given. Batch 1, layer after layer (the
//! joint co-optimization framework's aggregation: E and L are sums over layers, A is the chip).
//!
//! Per static layer (`K x N` per group, `g` groups, `v` input vectors, `c` cells per weight,
//! `s = ceil(input_bits / dac_bits)` input slices, density `d` of non-zero input slices):
//! - cell reads: `K * N*c * g * v * s * d`; row drives: `K * g * col_tiles * v * s * d`;
//! - conversions (column mux, ADC and shift-add each once): `N*c * g * row_phases * v * s`;
//! - adder tree: `N * g * v * (row_tiles - 1)` additions;
//! - tile buffers: inputs read `K * g * col_tiles * v * input_bits` bits, outputs written
//!   `N * g * v * output_bits` bits;
//! - global buffer and interconnect: the layer's input activations read and output
//!   activations written (bits), each bit over `hops` routers and one tile bus.
//! - cycles: `ceil(v / copies) * s * max_row_phases * cols_per_adc`. All crossbars of a layer
//!   work at once; when the chip holds more crossbars than the workload needs, every layer is
//!   replicated `floor(available / needed)` times (at most `v`), and copies split the vectors.
//!
//! Other layers run on the digital lanes (see `components/digital.rs`), all units in
//! parallel: cycles = `ceil(operations / (digital_lanes * units))`, one unit per tile or one
//! per chip (`digital_lanes_at`); their activations move
//! through the global buffer like any layer's. Dynamic matmuls take this path (their operands
//! change every inference, so they are not written into non-volatile cells), and the
//! breakdown files them under `dynamic_matmul_digital`.
//!
//! Softmax layers run on the softmax unit the architecture selects (`softmax_unit`): the digital
//! lanes (`components/softmax_unit.rs`) or an associative processor (`components/ap.rs`), at
//! `softmax_bits`; both are filed under `softmax`.
//!
//! Spiking layers (a layer with `spiking`, Shymyrbay, Fouda & Eltawil, IJCNN 2023 for binary
//! weights; Fang et al., ICCV 2021 for the networks): the layer's own precision sets its cells
//! per weight, `ceil(weight_bits / bits_per_cell)` (one cell for a binary weight); spike inputs
//! are 1-bit, so one input slice per timestep with no multi-bit DAC (a row drive costs
//! `row_driver / dac_bits`), and the density of active rows is the spike rate; every count of
//! the layer repeats each of its `T` timesteps; each output neuron's membrane potential
//! (`membrane_bits`) is read from and written to the tile output buffer and updated by one
//! digital add every timestep (filed under `tile_buffers` and `digital`). The other layers of a
//! spiking network (pooling, neurons, votes) also run every timestep. A layer fed with
//! multi-bit frames (`input_spikes = false`) takes `ceil(input_bits / dac_bits)` slices at the
//! architecture's input density. Activations of a spiking network move at the layers' own
//! widths (1-bit spikes). Non-spiking layers use the architecture's precision.
//!
//! Weights off chip (`weights_on_chip = false`): each static layer's weights stream from DRAM
//! once per inference (energy per bit, and time at the DRAM bandwidth, under `weight_load`)
//! and is written into the cells of each of the layer's copies (`components/weight_write.rs`):
//! `K * g * col_tiles * copies` row writes (`write_drivers`) and `K * N*c * g * copies` cell
//! writes (`write_cells`). A layer larger than the chip runs in `ceil(needed / available)`
//! passes, weight-stationary: its inputs are read from the global buffer again for every pass
//! that needs them, and
//! partial sums of columns taller than the chip go out to it and back ([`crate::mapping::Passes`];
//! filed under `glb` and `interconnect`).

use crate::arch::Architecture;
use crate::breakdown::{Energy, Latency};
use crate::layer_cost::{Context, LayerCost, Placed, cost_into, round_cycles};
use crate::mapping::Mapping;
use crate::replication::{self, Demand};
use crate::table::ComponentTable;
use imc_zoo::ops::MatrixShape;
use imc_zoo::{Layer, Workload};

/// Why a design cannot run a workload.
#[derive(Debug, Clone, PartialEq)]
pub enum Infeasible {
    /// All weights must stay on chip and they do not fit.
    WeightsDoNotFit {
        /// Crossbars one copy of the weights needs.
        needed_crossbars: u64,
        /// Crossbars on the chip.
        available_crossbars: u64,
        /// Cells the weights need.
        needed_cells: u64,
    },
    /// The chip is larger than the area limit.
    AreaAboveLimit {
        /// The chip's area, mm2.
        area_mm2: f64,
        /// The limit, mm2.
        limit_mm2: f64,
    },
    /// The associative processor's words are too narrow for the softmax.
    SoftmaxUnit {
        /// What does not fit.
        reason: String,
    },
    /// The workload's compute SNR (its worst layer's, `snr.rs`) is below the minimum a
    /// space asks for (`min_snr_db`).
    SnrBelowMinimum {
        /// The workload's SNR, dB.
        snr_db: f64,
        /// The minimum, dB.
        min_db: f64,
    },
    /// The calibration's drive-sized energy law does not hold at this supply.
    SupplyBelowThreshold {
        /// The supply, V.
        voltage_v: f64,
        /// The lowest supply the law holds at, V.
        lowest_v: f64,
    },
}

impl std::fmt::Display for Infeasible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Infeasible::WeightsDoNotFit {
                needed_crossbars,
                available_crossbars,
                needed_cells,
            } => write!(
                f,
                "weights do not fit on chip: {needed_crossbars} crossbars needed ({needed_cells} cells), {available_crossbars} available"
            ),
            Infeasible::AreaAboveLimit {
                area_mm2,
                limit_mm2,
            } if *area_mm2 < 1e7 => {
                write!(
                    f,
                    "area {area_mm2:.1} mm2 is above the limit of {limit_mm2} mm2"
                )
            }
            // A huge area (a calibration's factor, an evaluator's answer) in a bounded form.
            Infeasible::AreaAboveLimit {
                area_mm2,
                limit_mm2,
            } => write!(
                f,
                "area {area_mm2:.3e} mm2 is above the limit of {limit_mm2} mm2"
            ),
            Infeasible::SoftmaxUnit { reason } => write!(f, "softmax unit: {reason}"),
            Infeasible::SnrBelowMinimum { snr_db, min_db } => write!(
                f,
                "compute SNR {snr_db:.1} dB is below the minimum {min_db} dB"
            ),
            Infeasible::SupplyBelowThreshold {
                voltage_v,
                lowest_v,
            } => write!(
                f,
                "supply {voltage_v} V is below {lowest_v:.3} V, the lowest at which the \
                 calibration's drive-sized energy law holds (threshold voltage + {} V)",
                crate::supply::MARGIN_V
            ),
        }
    }
}

/// Cost of one workload. Internal units: pJ, ns.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadCost {
    /// Total energy, pJ.
    pub energy_pj: f64,
    /// Total latency, ns.
    pub latency_ns: f64,
    /// Energy by part, pJ.
    pub energy_parts: Energy,
    /// Latency by part, ns.
    pub latency_parts: Latency,
    /// MACs of the workload.
    pub macs: u64,
    /// Crossbars one copy of the static layers occupies.
    pub needed_crossbars: u64,
    /// Cells holding weights.
    pub needed_cells: u64,
    /// Weight cells over the cells of the crossbars they occupy.
    pub utilization: f64,
    /// Why the design cannot run the workload (the area limit is the design's: see
    /// [`crate::report::evaluate_design`]).
    pub infeasible: Option<Infeasible>,
}

/// What an evaluation does with a layer, by [`Plan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Cost it; no later layer is the same.
    Cost,
    /// Cost it and keep the cost in this slot for the later layers that are the same.
    Keep(usize),
    /// The same as an earlier layer: take the cost in this slot.
    Reuse(usize),
}

/// Which layers of a workload are identical (names aside), found once per workload so that an
/// evaluation costs and maps each distinct layer once, with the layers' shapes
/// ([`Shapes`]) that no architecture changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    steps: Vec<Step>,
    /// Slots of kept costs.
    slots: usize,
    shapes: Shapes,
}

impl Plan {
    /// Compares every layer with the distinct layers before it.
    pub fn new(w: &Workload) -> Plan {
        let same = |a: &Layer, b: &Layer| {
            a.op == b.op && a.precision == b.precision && a.spiking == b.spiking
        };
        let mut distinct: Vec<usize> = Vec::new();
        let first: Vec<usize> = w
            .layers
            .iter()
            .enumerate()
            .map(
                |(i, l)| match distinct.iter().find(|&&j| same(&w.layers[j], l)) {
                    Some(&j) => j,
                    None => {
                        distinct.push(i);
                        i
                    }
                },
            )
            .collect();
        let mut slot_of: Vec<Option<usize>> = vec![None; first.len()];
        let mut slots = 0;
        for (i, &f) in first.iter().enumerate() {
            if f < i && slot_of[f].is_none() {
                slot_of[f] = Some(slots);
                slots += 1;
            }
        }
        let steps = first
            .iter()
            .enumerate()
            .map(|(i, &f)| match slot_of[f] {
                Some(s) if f < i => Step::Reuse(s),
                Some(s) => Step::Keep(s),
                None => Step::Cost,
            })
            .collect();
        Plan {
            steps,
            slots,
            shapes: Shapes::new(w, Some(&first)),
        }
    }

    /// How many distinct layers.
    pub fn distinct(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| !matches!(s, Step::Reuse(_)))
            .count()
    }
}

/// What costing a workload needs of its layers that no architecture changes: activations,
/// static weight matrices, MACs, timesteps. A [`Plan`] holds them for every evaluation of its
/// workload; without one, each evaluation derives them (the same numbers, so the same bits).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shapes {
    /// Per layer: input and output activations, elements.
    activations: Vec<(u64, u64)>,
    /// Each static matrix layer in layer order: its index, its matrix, and the position in
    /// this list of an identical earlier layer, whose mapping it shares.
    statics: Vec<(usize, MatrixShape, Option<usize>)>,
    /// MACs of the workload.
    macs: u64,
    /// Timesteps of a spiking network (the most any layer has), 1 otherwise.
    network_steps: u32,
    /// Whether any layer spikes.
    spiking: bool,
}

impl Shapes {
    /// The shapes of `w`'s layers; `first[i]`, if given, is the first layer identical to layer
    /// `i` (see [`Plan::new`]).
    fn new(w: &Workload, first: Option<&[usize]>) -> Shapes {
        let mut statics: Vec<(usize, MatrixShape, Option<usize>)> = Vec::new();
        // Position in `statics` of each static layer so far, by layer index.
        let mut position = vec![usize::MAX; if first.is_some() { w.layers.len() } else { 0 }];
        for (i, l) in w.layers.iter().enumerate() {
            if let Some(m) = l.matrix().filter(|m| m.static_weights) {
                let same = first.map(|f| f[i]).filter(|&f| f < i).map(|f| position[f]);
                if first.is_some() {
                    position[i] = statics.len();
                }
                statics.push((i, m, same));
            }
        }
        Shapes {
            activations: w
                .layers
                .iter()
                .map(|l| (l.op.input_activations(), l.op.output_activations()))
                .collect(),
            statics,
            macs: w.macs(),
            network_steps: w
                .layers
                .iter()
                .filter_map(|l| l.spiking.map(|s| s.timesteps))
                .max()
                .unwrap_or(1),
            spiking: w.is_spiking(),
        }
    }

    /// The mapping of each static layer on `a`, in the order of `statics`; an identical
    /// layer's is copied.
    fn maps(&self, a: &Architecture, w: &Workload) -> Vec<Mapping> {
        let mut maps: Vec<Mapping> = Vec::with_capacity(self.statics.len());
        for (i, m, same) in &self.statics {
            let map = match same {
                Some(j) => maps[*j],
                None => Mapping::with_cells(a, m, cells_per_weight(a, &w.layers[*i])),
            };
            maps.push(map);
        }
        maps
    }
}

/// What a layer's [`footprint`] depends on: depthwise packing, rows, columns, rows driven at
/// once, bits per cell and cells per weight (not `column_combine`, which changes how many
/// conversions a [`Mapping`] makes but not the crossbars and cells it occupies). Designs with
/// the same key have the same footprint for every workload, so a search can compute it once per
/// key.
pub fn mapping_key(a: &Architecture) -> [u64; 6] {
    [
        a.placement.depthwise_packing as u64,
        a.crossbar.rows,
        a.crossbar.cols,
        a.crossbar.parallel_rows,
        a.cell.bits_per_cell as u64,
        a.cells_per_weight(),
    ]
}

/// Cells per weight of a layer: its own precision if it is spiking, the architecture's else.
pub fn cells_per_weight(a: &Architecture, l: &Layer) -> u64 {
    match l.spiking {
        Some(_) => l.precision.weight_bits.div_ceil(a.cell.bits_per_cell) as u64,
        None => a.cells_per_weight(),
    }
}

/// Crossbars and cells one copy of the workload's static layers occupies.
pub fn footprint(a: &Architecture, w: &Workload) -> (u64, u64) {
    Shapes::new(w, None)
        .maps(a, w)
        .iter()
        .fold((0, 0), |(x, c), m| (x + m.crossbars, c + m.cells))
}

/// Costs `w` on `a`, every layer on its own.
pub fn evaluate(a: &Architecture, t: &ComponentTable, w: &Workload) -> WorkloadCost {
    evaluate_with(a, t, w, None)
}

/// Costs `w` on `a`; with a [`Plan`] of `w`, each distinct layer once. The layers' costs are
/// added in layer order either way, so both give the same bits.
pub fn evaluate_with(
    a: &Architecture,
    t: &ComponentTable,
    w: &Workload,
    plan: Option<&Plan>,
) -> WorkloadCost {
    let derived;
    let shapes = match plan {
        Some(p) => &p.shapes,
        None => {
            derived = Shapes::new(w, None);
            &derived
        }
    };
    // Map each static layer once: the totals decide the replication every layer's latency uses.
    let maps = shapes.maps(a, w);
    let needed: u64 = maps.iter().map(|m| m.crossbars).sum();
    let needed_cells: u64 = maps.iter().map(|m| m.cells).sum();
    let cx = Context::with(a, t, shapes.network_steps as f64, shapes.spiking);
    let copies = layer_copies(a, &cx, w, shapes, &maps);
    let mut placed = shapes.statics.iter().zip(&maps).zip(&copies).peekable();
    let mut total = LayerCost::default();
    let mut kept: Vec<(LayerCost, u64)> =
        vec![(LayerCost::default(), 0); plan.map_or(0, |p| p.slots)];
    let mut softmax_error: Option<String> = None;
    for (i, layer) in w.layers.iter().enumerate() {
        let map = placed
            .next_if(|((s, _), _)| s.0 == i)
            .map(|(((_, m, _), map), &k)| (m, map, k));
        let step = plan.map_or(Step::Cost, |p| p.steps[i]);
        let error = add_layer(
            &cx,
            layer,
            shapes.activations[i],
            map,
            step,
            &mut total,
            &mut kept,
        );
        if let Some(reason) = error {
            softmax_error.get_or_insert(reason);
        }
    }
    // Every static layer is placed once: the crossbars they occupy are the ones one copy needs.
    let used_cells_in_crossbars = needed * a.crossbar.rows * a.crossbar.cols;
    let energy_factors = a.factors.energy_at(a.chip.voltage_v, a.chip.technology_nm);
    let infeasible = why_infeasible(
        a,
        softmax_error,
        needed,
        needed_cells,
        energy_factors.is_none(),
    );
    total.energy = total
        .energy
        .times(&energy_factors.unwrap_or(a.factors.energy));
    total.latency = total.latency.times(&a.factors.latency);
    WorkloadCost {
        energy_pj: total.energy.total(),
        latency_ns: total.latency.total(),
        energy_parts: total.energy,
        latency_parts: total.latency,
        macs: shapes.macs,
        needed_crossbars: needed,
        needed_cells,
        utilization: if used_cells_in_crossbars == 0 {
            0.0
        } else {
            needed_cells as f64 / used_cells_in_crossbars as f64
        },
        infeasible,
    }
}

/// Copies of each static layer (in `shapes.statics` order): with weights on chip, as the
/// architecture's `replication` spreads its spare crossbars; one each when weights stream.
fn layer_copies(
    a: &Architecture,
    cx: &Context,
    w: &Workload,
    shapes: &Shapes,
    maps: &[Mapping],
) -> Vec<u64> {
    if !a.chip.weights_on_chip {
        return vec![1; maps.len()];
    }
    let demands: Vec<Demand> = shapes
        .statics
        .iter()
        .zip(maps)
        .map(|((i, m, _), map)| Demand {
            crossbars: map.crossbars.max(1),
            vectors: m.vectors.max(1),
            cycles: round_cycles(cx, &w.layers[*i], map),
        })
        .collect();
    replication::copies(a.placement.replication, &demands, a.crossbars())
}

/// Why a workload cannot run on `a`, first reason first: the softmax unit cannot run one of
/// its layers; its weights must stay on chip and do not fit; the supply is below what a
/// calibration's voltage laws allow (`supply_too_low`).
fn why_infeasible(
    a: &Architecture,
    softmax_error: Option<String>,
    needed: u64,
    needed_cells: u64,
    supply_too_low: bool,
) -> Option<Infeasible> {
    let available = a.crossbars();
    if let Some(reason) = softmax_error {
        Some(Infeasible::SoftmaxUnit { reason })
    } else if a.chip.weights_on_chip && needed > available {
        Some(Infeasible::WeightsDoNotFit {
            needed_crossbars: needed,
            available_crossbars: available,
            needed_cells,
        })
    } else if supply_too_low {
        Some(Infeasible::SupplyBelowThreshold {
            voltage_v: a.chip.voltage_v,
            lowest_v: crate::supply::lowest_v(a.chip.technology_nm),
        })
    } else {
        None
    }
}

/// Adds a layer's cost into `total` as its [`Step`] says (costing it, or reusing a kept cost);
/// why the softmax unit cannot run it, if so.
fn add_layer(
    cx: &Context,
    layer: &Layer,
    activations: (u64, u64),
    map: Option<Placed>,
    step: Step,
    total: &mut LayerCost,
    kept: &mut [(LayerCost, u64)],
) -> Option<String> {
    let copies = map.map_or(0, |p| p.2);
    let steps = cx.steps(layer);
    match step {
        // Straight into the total: each part receives one addition, in layer order.
        Step::Cost if steps == 1.0 => cost_into(cx, layer, activations, map, total),
        // A layer of T timesteps: one step added into the total, then the layer's share
        // (the difference) scaled by T, as earlier versions computed it, bit for bit.
        _ if steps != 1.0 => {
            let before = *total;
            let error = cost_into(cx, layer, activations, map, total);
            total.scale_since(&before, steps);
            error
        }
        // The same layer with as many copies as the one kept (balanced replication may give
        // identical layers different copies; those are costed).
        Step::Reuse(s) if kept[s].1 == copies => {
            *total += kept[s].0;
            None
        }
        Step::Cost | Step::Keep(_) | Step::Reuse(_) => {
            let mut cost = LayerCost::default();
            let error = cost_into(cx, layer, activations, map, &mut cost);
            *total += cost;
            if let Step::Keep(s) = step {
                kept[s] = (cost, copies);
            }
            error
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imc_zoo::Zoo;

    #[test]
    fn a_plan_finds_repeated_layers_and_changes_no_bit() {
        let zoo = Zoo::builtin().unwrap();
        let a = Architecture::default_rram();
        let t = ComponentTable::new(&a);
        for w in zoo.resolve("paper4,snn-nmnist,llama2-7b-softmax").unwrap() {
            let plan = Plan::new(&w);
            assert!(plan.distinct() <= w.layers.len());
            assert_eq!(
                evaluate_with(&a, &t, &w, Some(&plan)),
                evaluate(&a, &t, &w),
                "{}",
                w.name
            );
        }
        let resnet = zoo.resolve("resnet18").unwrap().remove(0);
        let plan = Plan::new(&resnet);
        assert!(plan.distinct() < resnet.layers.len(), "{}", plan.distinct());
    }

    /// Per-tile lanes: twice the tiles, half the digital cycles (within 1%: each layer's cycles
    /// round up) and twice the lanes' area.
    /// One chip-level unit: the same cycles and area whatever the tiles. Nothing else moves.
    #[test]
    fn digital_lanes_per_tile_scale_with_tiles_and_a_chip_unit_does_not() {
        use crate::arch::LanesAt;
        use crate::breakdown::{AreaPart, LatencyPart};
        let vgg = Zoo::builtin().unwrap().resolve("vgg16").unwrap().remove(0);
        let cost = |at: LanesAt, groups: u64| {
            // Weights streamed, so that any chip holds VGG16.
            let mut a = Architecture::default_rram();
            a.chip.weights_on_chip = false;
            a.chip.digital_lanes_at = at;
            a.chip.router_groups = groups;
            let t = ComponentTable::new(&a);
            let c = evaluate(&a, &t, &vgg);
            (
                c.latency_parts[LatencyPart::Digital],
                t.area_um2[AreaPart::Digital],
                c,
            )
        };
        let (tile2, tile_area2, _) = cost(LanesAt::Tile, 2);
        let (tile4, tile_area4, _) = cost(LanesAt::Tile, 4);
        assert!((tile2 / tile4 - 2.0).abs() < 0.02, "{tile2} {tile4}");
        assert!((tile_area4 / tile_area2 - 2.0).abs() < 1e-12);
        let (chip2, chip_area2, c2) = cost(LanesAt::Chip, 2);
        let (chip4, chip_area4, c4) = cost(LanesAt::Chip, 4);
        assert_eq!((chip2, chip_area2), (chip4, chip_area4));
        // 2 router groups x 16 tiles per group: the chip unit has a 32nd of the lanes.
        assert!((chip2 / tile2 / 32.0 - 1.0).abs() < 0.01, "{chip2} {tile2}");
        assert!((tile_area2 / chip_area2 - 32.0).abs() < 1e-9);
        let (_, _, t2) = cost(LanesAt::Tile, 2);
        assert_eq!(c2.energy_pj, t2.energy_pj);
        assert_eq!(
            c2.latency_parts[LatencyPart::Crossbar],
            t2.latency_parts[LatencyPart::Crossbar]
        );
        assert!(c4.latency_parts[LatencyPart::Crossbar] < c2.latency_parts[LatencyPart::Crossbar]);
    }

    /// Weights streamed from DRAM are written into every copy of the layer. VGG16's first
    /// convolution (27 x 64, 50,176 input vectors) on 16 x 16 crossbars, 8-bit weights in
    /// 1-bit cells: 512 columns, 32 column tiles and 2 row tiles, 64 crossbars. A chip of 192
    /// crossbars holds 3 copies: 27 x 32 x 3 = 2,592 row writes and 27 x 512 x 3 = 41,472 cell
    /// writes. With weights on chip nothing is written per inference.
    #[test]
    fn streamed_weights_are_written_into_every_copy() {
        use crate::breakdown::EnergyPart;
        let mut conv = Zoo::builtin().unwrap().resolve("vgg16").unwrap().remove(0);
        conv.layers.truncate(1);
        let mut a = Architecture::default_rram();
        a.chip.weights_on_chip = false;
        a.crossbar.rows = 16;
        a.crossbar.cols = 16;
        a.cell.bits_per_cell = 1;
        a.data.weight_bits = 8;
        a.chip.router_groups = 1;
        a.chip.tiles_per_group = 6;
        a.chip.crossbars_per_tile = 32;
        let t = ComponentTable::new(&a);
        let c = evaluate(&a, &t, &conv);
        let rows = c.energy_parts[EnergyPart::WriteDrivers] / t.write_row.energy_pj;
        let cells = c.energy_parts[EnergyPart::WriteCells] / t.write_cell.energy_pj;
        assert!((rows - 2592.0).abs() < 1e-6, "{rows}");
        assert!((cells - 41472.0).abs() < 1e-6, "{cells}");
        // A chip smaller than the layer: one copy, written once over its passes.
        a.chip.tiles_per_group = 1;
        let t = ComponentTable::new(&a);
        let c = evaluate(&a, &t, &conv);
        let cells = c.energy_parts[EnergyPart::WriteCells] / t.write_cell.energy_pj;
        assert!((cells - 13824.0).abs() < 1e-6, "{cells}");
        a.chip.weights_on_chip = true;
        a.chip.tiles_per_group = 6;
        let t = ComponentTable::new(&a);
        let c = evaluate(&a, &t, &conv);
        assert_eq!(c.energy_parts[EnergyPart::WriteDrivers], 0.0);
        assert_eq!(c.energy_parts[EnergyPart::WriteCells], 0.0);
    }
}
