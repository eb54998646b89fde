//! Cost of a workload on an architecture: per layer, the mapping gives action counts and the
//! component table their energies; latency counts cycles. Batch 1, layer after layer (the
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
//! Other layers run on the tiles' digital lanes (see `components/digital.rs`), all tiles in
//! parallel: cycles = `ceil(operations / (digital_lanes * tiles))`; their activations move
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
//! once per inference (energy per bit, and time at the DRAM bandwidth, under `weight_load`),
//! and a layer larger than the chip runs in `ceil(needed / available)` passes.

use crate::arch::Architecture;
use crate::components::{ap, dram, softmax_unit};
use crate::mapping::Mapping;
use crate::table::ComponentTable;
use imc_zoo::ops::{ActKind, Op, Softmax};
use imc_zoo::{Layer, Workload};

/// Energy categories, in report order.
pub const ENERGY_PARTS: [&str; 13] = [
    "cell_array",
    "row_drivers",
    "column_mux",
    "adc",
    "shift_add",
    "adder_tree",
    "tile_buffers",
    "glb",
    "interconnect",
    "digital",
    "dynamic_matmul_digital",
    "weight_load",
    "softmax",
];

/// Indices into [`ENERGY_PARTS`] and [`LATENCY_PARTS`].
pub mod part {
    pub const CELL_ARRAY: usize = 0;
    pub const ROW_DRIVERS: usize = 1;
    pub const COLUMN_MUX: usize = 2;
    pub const ADC: usize = 3;
    pub const SHIFT_ADD: usize = 4;
    pub const ADDER_TREE: usize = 5;
    pub const TILE_BUFFERS: usize = 6;
    pub const GLB: usize = 7;
    pub const INTERCONNECT: usize = 8;
    pub const DIGITAL: usize = 9;
    pub const DYNAMIC_MATMUL: usize = 10;
    pub const WEIGHT_LOAD: usize = 11;
    pub const SOFTMAX: usize = 12;
    /// Latency categories.
    pub const L_CROSSBAR: usize = 0;
    pub const L_DIGITAL: usize = 1;
    pub const L_DYNAMIC_MATMUL: usize = 2;
    pub const L_WEIGHT_LOAD: usize = 3;
    pub const L_SOFTMAX: usize = 4;
}

/// Latency categories, in report order.
pub const LATENCY_PARTS: [&str; 5] = [
    "crossbar",
    "digital",
    "dynamic_matmul_digital",
    "weight_load",
    "softmax",
];

/// Why a design cannot run a workload.
#[derive(Debug, Clone, PartialEq)]
pub enum Infeasible {
    /// All weights must stay on chip and they do not fit.
    WeightsDoNotFit {
        needed_crossbars: u64,
        available_crossbars: u64,
        needed_cells: u64,
    },
    /// The chip is larger than the area limit.
    AreaAboveLimit { area_mm2: f64, limit_mm2: f64 },
    /// The associative processor's words are too narrow for the softmax.
    SoftmaxUnit { reason: String },
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
            } => {
                write!(
                    f,
                    "area {area_mm2:.1} mm2 is above the limit of {limit_mm2} mm2"
                )
            }
            Infeasible::SoftmaxUnit { reason } => write!(f, "softmax unit: {reason}"),
        }
    }
}

/// Cost of one workload. Internal units: pJ, ns.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadCost {
    pub energy_pj: f64,
    pub latency_ns: f64,
    pub energy_parts: [f64; 13],
    pub latency_parts: [f64; 5],
    pub macs: u64,
    pub needed_crossbars: u64,
    pub needed_cells: u64,
    /// Weight cells over the cells of the crossbars they occupy.
    pub utilization: f64,
    pub infeasible: Option<Infeasible>,
}

/// What a layer's [`Mapping`] depends on: rows, columns, rows driven at once, bits per cell and
/// cells per weight. Designs with the same key have the same [`footprint`] for every workload,
/// so a search can compute it once per key.
pub fn mapping_key(a: &Architecture) -> [u64; 5] {
    [
        a.rows,
        a.cols,
        a.parallel_rows,
        a.bits_per_cell as u64,
        a.cells_per_weight(),
    ]
}

/// Cells per weight of a layer: its own precision if it is spiking, the architecture's else.
pub fn cells_per_weight(a: &Architecture, l: &Layer) -> u64 {
    match l.spiking {
        Some(_) => l.precision.weight_bits.div_ceil(a.bits_per_cell) as u64,
        None => a.cells_per_weight(),
    }
}

/// The mapping of each static layer of `w`, in layer order.
fn static_maps(a: &Architecture, w: &Workload) -> Vec<Mapping> {
    w.layers
        .iter()
        .filter_map(|l| {
            l.matrix()
                .filter(|m| m.static_weights)
                .map(|m| Mapping::with_cells(a, &m, cells_per_weight(a, l)))
        })
        .collect()
}

/// Crossbars and cells one copy of the workload's static layers occupies.
pub fn footprint(a: &Architecture, w: &Workload) -> (u64, u64) {
    static_maps(a, w)
        .iter()
        .fold((0, 0), |(x, c), m| (x + m.crossbars, c + m.cells))
}

/// Digital (adds, multiplies) per element of a non-matrix layer.
fn digital_ops(op: &Op) -> (f64, f64, u64) {
    match op {
        Op::Pool(p) => (p.ops() as f64, 0.0, p.output_activations()),
        Op::Add(x) => (x.ops() as f64, 0.0, x.elements),
        Op::Scale(s) => (0.0, s.elements as f64, s.elements),
        Op::Norm(n) => (n.elements as f64, n.elements as f64, n.elements),
        Op::Activation(x) => {
            let e = x.elements as f64;
            match x.kind {
                ActKind::Relu | ActKind::Lif => (e, 0.0, x.elements),
                ActKind::Hardswish | ActKind::Hardsigmoid => (e, e, x.elements),
                ActKind::Gelu | ActKind::Silu | ActKind::Sigmoid => (2.0 * e, 2.0 * e, x.elements),
            }
        }
        Op::MatMul(m) => (m.macs() as f64, m.macs() as f64, m.macs()),
        _ => (0.0, 0.0, 0),
    }
}

/// Energy (pJ) and time (ns) of a softmax layer on the architecture's softmax unit, or why the
/// associative processor cannot run it.
fn softmax_cost(
    a: &Architecture,
    t: &ComponentTable,
    x: &Softmax,
    lanes: f64,
    cycle: f64,
) -> Result<(f64, f64), String> {
    if a.softmax_on_ap {
        let (pj, ns) = ap::softmax(&a.ap, x.rows, x.length, a.softmax_bits)?;
        Ok((pj * t.scale.energy, ns * t.scale.delay))
    } else {
        Ok(softmax_unit::softmax(
            x.elements() as f64,
            a.softmax_bits,
            lanes,
            t.add_pj,
            t.mul_pj,
            t.tile_output_buffer.energy_pj,
            cycle,
        ))
    }
}

/// Costs `w` on `a`. `max_area_mm2` adds the area constraint to feasibility.
pub fn evaluate(
    a: &Architecture,
    t: &ComponentTable,
    w: &Workload,
    max_area_mm2: Option<f64>,
) -> WorkloadCost {
    let available = a.crossbars();
    // Map each static layer once: the totals decide the replication every layer's latency uses.
    let maps = static_maps(a, w);
    let needed: u64 = maps.iter().map(|m| m.crossbars).sum();
    let needed_cells: u64 = maps.iter().map(|m| m.cells).sum();
    let mut maps = maps.into_iter();
    let copies = if a.weights_on_chip && needed > 0 {
        (available / needed).max(1)
    } else {
        1
    };
    let slices = a.input_slices() as f64;
    let density = a.input_density;
    let lanes = (a.digital_lanes * a.tiles()) as f64;
    let bits_in = a.input_bits as f64;
    let bits_out = a.output_bits as f64;
    let move_bit = t.router.energy_pj * t.hops + t.tile_bus.energy_pj;
    let cycle = a.cycle_ns * t.scale.delay;
    let mut e = [0.0f64; 13];
    let mut l = [0.0f64; 5];
    let mut softmax_error: Option<String> = None;
    let mut used_cells_in_crossbars = 0u64;
    // Timesteps of a spiking network: layers without their own spiking description (pooling,
    // neurons) run as often as the weight layers.
    let network_steps = w
        .layers
        .iter()
        .filter_map(|l| l.spiking.map(|s| s.timesteps))
        .max()
        .unwrap_or(1) as f64;
    let spiking_network = w.is_spiking();
    for layer in &w.layers {
        let op = &layer.op;
        let (e0, l0) = (e, l);
        let spiking = layer.spiking;
        let steps = spiking.map_or(network_steps, |s| s.timesteps as f64);
        // Input slices, active-row density and input bits of this layer.
        let (slices, density, bits_in, drive) = match spiking {
            Some(s) if s.input_spikes => (1.0, s.spike_rate, 1.0, 1.0 / a.dac_bits as f64),
            Some(_) => (
                layer.precision.input_bits.div_ceil(a.dac_bits) as f64,
                density,
                layer.precision.input_bits as f64,
                1.0,
            ),
            None => (slices, density, bits_in, 1.0),
        };
        // A spiking network moves its own activations: spikes are 1 bit, not the chip's width.
        let (bits_in, bits_out) = if spiking_network {
            (
                bits_in.min(layer.precision.input_bits as f64),
                layer.precision.output_bits as f64,
            )
        } else {
            (bits_in, bits_out)
        };
        // Activations through the global buffer and the network, for every layer.
        let traffic =
            op.input_activations() as f64 * bits_in + op.output_activations() as f64 * bits_out;
        e[part::GLB] += traffic * t.glb.energy_pj;
        e[part::INTERCONNECT] += traffic * move_bit;
        match op.matrix() {
            Some(m) if m.static_weights => {
                let map = maps.next().expect("one mapping per static layer");
                used_cells_in_crossbars += map.crossbars * a.rows * a.cols;
                let v = m.vectors as f64;
                let g = m.groups as f64;
                let active = v * slices * density;
                e[part::CELL_ARRAY] +=
                    (m.rows * map.phys_cols) as f64 * g * active * t.cell.energy_pj;
                e[part::ROW_DRIVERS] += m.rows as f64
                    * g
                    * map.col_tiles as f64
                    * active
                    * t.row_driver.energy_pj
                    * drive;
                let conversions = map.phys_cols as f64 * g * map.row_phases as f64 * v * slices;
                e[part::COLUMN_MUX] += conversions * t.column_mux.energy_pj;
                e[part::ADC] += conversions * t.adc.energy_pj;
                e[part::SHIFT_ADD] += conversions * t.shift_add.energy_pj;
                e[part::ADDER_TREE] +=
                    m.cols as f64 * g * v * (map.row_tiles - 1) as f64 * t.adder_tree.energy_pj;
                let tile_in = m.rows as f64 * g * map.col_tiles as f64 * v * bits_in;
                let tile_out = m.cols as f64 * g * v * bits_out;
                e[part::TILE_BUFFERS] += tile_in * t.tile_input_buffer.energy_pj
                    + tile_out * t.tile_output_buffer.energy_pj;
                let (layer_copies, passes) = if a.weights_on_chip {
                    (copies.min(m.vectors).max(1), 1)
                } else {
                    (
                        (available / map.crossbars).clamp(1, m.vectors.max(1)),
                        map.crossbars.div_ceil(available),
                    )
                };
                let vector_rounds = m.vectors.div_ceil(layer_copies) as f64;
                l[part::L_CROSSBAR] += vector_rounds
                    * slices
                    * (map.max_row_phases * a.cols_per_adc) as f64
                    * passes as f64
                    * cycle;
                if let Some(s) = spiking {
                    // Membrane potentials: read, add, write back, per output neuron and step.
                    let neurons = m.cols as f64 * g * v;
                    let mb = s.membrane_bits as f64;
                    e[part::TILE_BUFFERS] += 2.0 * neurons * mb * t.tile_output_buffer.energy_pj;
                    e[part::DIGITAL] += neurons * t.add_pj * mb / 8.0;
                    l[part::L_DIGITAL] += (neurons / lanes).ceil() * cycle;
                }
                if !a.weights_on_chip {
                    let bits = (layer.weights() * a.weight_bits as u64) as f64;
                    e[part::WEIGHT_LOAD] += bits
                        * (dram::ENERGY_PJ_PER_BIT * a.calib_energy
                            + t.tile_input_buffer.energy_pj);
                    l[part::L_WEIGHT_LOAD] += bits / dram::BITS_PER_NS * t.scale.delay;
                }
            }
            _ => match op {
                Op::Softmax(x) => {
                    let (pj, ns) = softmax_cost(a, t, x, lanes, cycle).unwrap_or_else(|reason| {
                        softmax_error.get_or_insert(reason);
                        (0.0, 0.0)
                    });
                    e[part::SOFTMAX] += pj;
                    l[part::L_SOFTMAX] += ns;
                }
                _ => {
                    let (adds, muls, _) = digital_ops(op);
                    let width = layer.precision.input_bits.max(8) as f64 / 8.0;
                    // Dynamic matmuls get their own category: the breakdown says which path
                    // they took.
                    let (ep, lp) = if matches!(op, Op::MatMul(_)) {
                        (part::DYNAMIC_MATMUL, part::L_DYNAMIC_MATMUL)
                    } else {
                        (part::DIGITAL, part::L_DIGITAL)
                    };
                    e[ep] += (adds * t.add_pj + muls * t.mul_pj) * width;
                    l[lp] += ((adds.max(muls)) / lanes).ceil() * cycle;
                }
            },
        }
        if steps != 1.0 {
            for (x, x0) in e.iter_mut().zip(e0) {
                *x = x0 + (*x - x0) * steps;
            }
            for (x, x0) in l.iter_mut().zip(l0) {
                *x = x0 + (*x - x0) * steps;
            }
        }
    }
    let energy_pj = e.iter().sum();
    let latency_ns = l.iter().sum();
    let area_mm2 = t.area_um2() * 1e-6;
    let infeasible = if let Some(reason) = softmax_error {
        Some(Infeasible::SoftmaxUnit { reason })
    } else if a.weights_on_chip && needed > available {
        Some(Infeasible::WeightsDoNotFit {
            needed_crossbars: needed,
            available_crossbars: available,
            needed_cells,
        })
    } else {
        match max_area_mm2 {
            Some(limit) if area_mm2 > limit => Some(Infeasible::AreaAboveLimit {
                area_mm2,
                limit_mm2: limit,
            }),
            _ => None,
        }
    };
    WorkloadCost {
        energy_pj,
        latency_ns,
        energy_parts: e,
        latency_parts: l,
        macs: w.macs(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_indices_match_names() {
        assert_eq!(ENERGY_PARTS[part::ADC], "adc");
        assert_eq!(ENERGY_PARTS[part::DYNAMIC_MATMUL], "dynamic_matmul_digital");
        assert_eq!(ENERGY_PARTS[part::WEIGHT_LOAD], "weight_load");
        assert_eq!(
            LATENCY_PARTS[part::L_DYNAMIC_MATMUL],
            "dynamic_matmul_digital"
        );
        assert_eq!(LATENCY_PARTS[part::L_WEIGHT_LOAD], "weight_load");
    }
}
