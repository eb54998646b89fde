//! The cost of one layer: energy by part (pJ) and latency by part (ns), a [`LayerCost`] that
//! adds up over layers and scales with timesteps. The formulas are in the module doc of
//! [`crate::cost`]; the per-(architecture, workload) quantities they share are computed once in
//! a [`Context`].
//!
//! - Every layer moves its input and output activations through the global buffer and the
//!   network (`glb`, `interconnect`).
//! - A static matrix layer (weights in crossbars) adds cell reads, row drives, conversions,
//!   shift-adds, adder-tree additions and tile-buffer traffic, and crossbar cycles; a spiking one
//!   adds membrane updates; weights off chip add their DRAM stream and their writes into the
//!   cells of every copy.
//! - Softmax runs on the architecture's softmax unit; every other layer on the digital lanes
//!   (dynamic matmuls filed apart).
//! - A spiking network's layers repeat every timestep: the layer's cost is multiplied by `T`.

use crate::arch::Architecture;
use crate::breakdown::{Energy, EnergyPart as E, Latency, LatencyPart as L};
use crate::components::{ap, dram, softmax_unit};
use crate::mapping::Mapping;
use crate::table::ComponentTable;
use imc_zoo::ops::{ActKind, MatrixShape, Op, Softmax};
use imc_zoo::{Layer, Spiking, Workload};
use std::ops::{Add, AddAssign, Mul};

/// Energy (pJ) and latency (ns) of a layer, by part.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LayerCost {
    /// Energy by part, pJ.
    pub energy: Energy,
    /// Latency by part, ns.
    pub latency: Latency,
}

impl AddAssign for LayerCost {
    #[inline]
    fn add_assign(&mut self, other: LayerCost) {
        self.energy += other.energy;
        self.latency += other.latency;
    }
}

impl Add for LayerCost {
    type Output = LayerCost;
    fn add(mut self, other: LayerCost) -> LayerCost {
        self += other;
        self
    }
}

impl LayerCost {
    /// Scales what was added since `before` by `k`: `x = x0 + (x - x0) k`, part by part.
    pub fn scale_since(&mut self, before: &LayerCost, k: f64) {
        self.energy.scale_since(&before.energy, k);
        self.latency.scale_since(&before.latency, k);
    }
}

impl Mul<f64> for LayerCost {
    type Output = LayerCost;
    fn mul(self, k: f64) -> LayerCost {
        LayerCost {
            energy: self.energy * k,
            latency: self.latency * k,
        }
    }
}

/// What costing a layer needs besides the layer, computed once per (architecture, workload).
pub struct Context<'a> {
    a: &'a Architecture,
    t: &'a ComponentTable,
    /// Crossbars on the chip.
    available: u64,
    /// Digital lanes of the whole chip (per tile times tiles, or the chip's own).
    lanes: f64,
    /// Energy to move one bit from the global buffer to a tile, pJ.
    move_bit: f64,
    /// Clock period after voltage scaling, ns.
    cycle: f64,
    /// Timesteps of a spiking network (1 otherwise): layers without their own spiking
    /// description (pooling, neurons) run as often as the weight layers.
    network_steps: f64,
    /// Whether the network spikes: it moves its own activations (1-bit spikes).
    spiking_network: bool,
}

impl<'a> Context<'a> {
    /// The context of `w` on `a`.
    pub fn new(a: &'a Architecture, t: &'a ComponentTable, w: &Workload) -> Context<'a> {
        let network_steps = w
            .layers
            .iter()
            .filter_map(|l| l.spiking.map(|s| s.timesteps))
            .max()
            .unwrap_or(1) as f64;
        Context::with(a, t, network_steps, w.is_spiking())
    }

    /// The context of a workload of `network_steps` timesteps (1 if it does not spike) on `a`;
    /// `spiking_network`: whether any of its layers spikes.
    pub fn with(
        a: &'a Architecture,
        t: &'a ComponentTable,
        network_steps: f64,
        spiking_network: bool,
    ) -> Context<'a> {
        Context {
            a,
            t,
            available: a.crossbars(),
            lanes: (a.chip.digital_lanes * crate::components::digital::units(a)) as f64,
            move_bit: t.router.energy_pj * t.hops + t.tile_bus.energy_pj,
            cycle: a.chip.cycle_ns * t.scale.delay,
            network_steps,
            spiking_network,
        }
    }
}

impl Context<'_> {
    /// How often the layer runs: its timesteps, the network's for a layer of a spiking network
    /// without its own (pooling, neurons), 1 otherwise.
    pub fn steps(&self, layer: &Layer) -> f64 {
        layer
            .spiking
            .map_or(self.network_steps, |s| s.timesteps as f64)
    }
}

/// How a layer's inputs arrive: input slices, active-row density, input bits, and the share
/// of a row drive each slice costs.
struct Inputs {
    slices: f64,
    density: f64,
    bits_in: f64,
    bits_out: f64,
    drive: f64,
}

fn inputs(cx: &Context, layer: &Layer) -> Inputs {
    let a = cx.a;
    let (slices, density, bits_in, drive) = match layer.spiking {
        Some(s) if s.input_spikes => (1.0, s.spike_rate, 1.0, 1.0 / a.crossbar.dac_bits as f64),
        Some(_) => (
            layer.precision.input_bits.div_ceil(a.crossbar.dac_bits) as f64,
            a.data.input_density,
            layer.precision.input_bits as f64,
            1.0,
        ),
        None => (
            a.input_slices() as f64,
            a.data.input_density,
            a.data.input_bits as f64,
            1.0,
        ),
    };
    // A spiking network moves its own activations: spikes are 1 bit, not the chip's width.
    let (bits_in, bits_out) = if cx.spiking_network {
        (
            bits_in.min(layer.precision.input_bits as f64),
            layer.precision.output_bits as f64,
        )
    } else {
        (bits_in, a.data.output_bits as f64)
    };
    Inputs {
        slices,
        density,
        bits_in,
        bits_out,
        drive,
    }
}

/// A static matrix layer as placed: its weight matrix, its mapping, and the copies of it the
/// chip holds (used when its weights stay on chip; see [`crate::replication`]).
pub type Placed<'m> = (&'m MatrixShape, &'m Mapping, u64);

/// Crossbar cycles per round of a static layer's vectors, over all its steps: input slices x
/// row phases of the busiest crossbar x columns per ADC x timesteps. What replication weighs
/// a layer's rounds by.
pub fn round_cycles(cx: &Context, layer: &Layer, map: &Mapping) -> f64 {
    inputs(cx, layer).slices * (map.max_row_phases * cx.a.adc.cols_per_adc) as f64 * cx.steps(layer)
}

/// The cost of `layer` (`stat`: its placement, for a static matrix layer), and
/// why the softmax unit cannot run it, if so (its softmax part is then 0).
pub fn layer_cost(
    cx: &Context,
    layer: &Layer,
    stat: Option<Placed>,
) -> (LayerCost, Option<String>) {
    let mut c = LayerCost::default();
    let activations = (layer.op.input_activations(), layer.op.output_activations());
    let error = cost_into(cx, layer, activations, stat, &mut c);
    let steps = cx.steps(layer);
    if steps != 1.0 {
        c = c * steps;
    }
    (c, error)
}

/// [`layer_cost`] for one step of the layer, added into `c` (a layer's own zeroed cost, or a
/// running total: each part of a non-spiking layer receives one addition, so the two give the
/// same bits). `activations`: the layer's input and output activations, elements.
pub fn cost_into(
    cx: &Context,
    layer: &Layer,
    activations: (u64, u64),
    stat: Option<Placed>,
    c: &mut LayerCost,
) -> Option<String> {
    let op = &layer.op;
    let io = inputs(cx, layer);
    // Activations through the global buffer and the network, for every layer.
    let traffic = activations.0 as f64 * io.bits_in + activations.1 as f64 * io.bits_out;
    through_glb(cx, traffic, c);
    let mut error = None;
    match stat {
        Some((m, map, copies)) => crossbar(cx, layer, m, map, copies, &io, c),
        None => match op {
            Op::Softmax(x) => match softmax_cost(cx, x) {
                Ok((pj, ns)) => {
                    c.energy[E::Softmax] += pj;
                    c.latency[L::Softmax] += ns;
                }
                Err(reason) => error = Some(reason),
            },
            _ => digital(cx, layer, c),
        },
    }
    error
}

/// `bits` moved through the global buffer and the network (one access and `hops` routers).
fn through_glb(cx: &Context, bits: f64, c: &mut LayerCost) {
    c.energy[E::Glb] += bits * cx.t.glb.energy_pj;
    c.energy[E::Interconnect] += bits * cx.move_bit;
}

/// A static matrix layer in the crossbars.
fn crossbar(
    cx: &Context,
    layer: &Layer,
    m: &MatrixShape,
    map: &Mapping,
    copies: u64,
    io: &Inputs,
    c: &mut LayerCost,
) {
    let (a, t) = (cx.a, cx.t);
    let v = m.vectors as f64;
    let g = m.groups as f64;
    let active = v * io.slices * io.density;
    c.energy[E::CellArray] += (m.rows * map.phys_cols) as f64 * g * active * t.cell.energy_pj;
    let drives = m.rows as f64 * g * map.col_tiles as f64 * active * io.drive;
    c.energy[E::RowDrivers] += drives * t.row_driver.energy_pj;
    c.energy[E::Wordlines] += drives * t.wordline.energy_pj;
    let conversions = map.converted_cols as f64 * g * map.row_phases as f64 * v * io.slices;
    c.energy[E::ColumnMux] += conversions * t.column_mux.energy_pj;
    c.energy[E::Adc] += conversions * t.adc.energy_pj;
    c.energy[E::ColumnTrees] += conversions * t.column_tree.energy_pj;
    c.energy[E::ShiftAdd] += conversions * t.shift_add.energy_pj;
    c.energy[E::AdderTree] +=
        m.cols as f64 * g * v * (map.row_tiles - 1) as f64 * t.adder_tree.energy_pj;
    let tile_in = m.rows as f64 * g * map.col_tiles as f64 * v * io.bits_in;
    let tile_out = m.cols as f64 * g * v * io.bits_out;
    c.energy[E::TileBuffers] +=
        tile_in * t.tile_input_buffer.energy_pj + tile_out * t.tile_output_buffer.energy_pj;
    let (layer_copies, passes) = if a.chip.weights_on_chip {
        (copies.min(m.vectors).max(1), 1)
    } else {
        (
            (cx.available / map.crossbars).clamp(1, m.vectors.max(1)),
            map.crossbars.div_ceil(cx.available),
        )
    };
    let vector_rounds = m.vectors.div_ceil(layer_copies) as f64;
    c.latency[L::Crossbar] += vector_rounds
        * io.slices
        * (map.max_row_phases * a.adc.cols_per_adc) as f64
        * passes as f64
        * cx.cycle;
    if let Some(s) = layer.spiking {
        membranes(cx, m, s, c);
    }
    if !a.chip.weights_on_chip {
        // A layer larger than the chip: inputs read again per pass, partial sums out and back.
        let p = map.passes(cx.available);
        let again = (p.input_reads - 1) as f64 * m.rows as f64 * g * v * io.bits_in
            + 2.0 * p.psum_trips as f64 * m.cols as f64 * g * v * io.bits_out;
        if again > 0.0 {
            through_glb(cx, again, c);
        }
        let bits = (layer.weights() * a.data.weight_bits as u64) as f64;
        c.energy[E::WeightLoad] +=
            bits * (dram::ENERGY_PJ_PER_BIT * a.calibration.energy + t.tile_input_buffer.energy_pj);
        c.latency[L::WeightLoad] += bits / dram::BITS_PER_NS * t.scale.delay;
        // Written into the cells of every copy (a layer larger than the chip has one copy,
        // written once over its passes): a row write per crossbar row, a cell write per cell.
        let n = layer_copies as f64;
        c.energy[E::WriteDrivers] +=
            m.rows as f64 * g * map.col_tiles as f64 * n * t.write_row.energy_pj;
        c.energy[E::WriteCells] += (m.rows * map.phys_cols) as f64 * g * n * t.write_cell.energy_pj;
    }
}

/// Membrane potentials of a spiking layer: read, add, write back, per output neuron and step.
fn membranes(cx: &Context, m: &MatrixShape, s: Spiking, c: &mut LayerCost) {
    let t = cx.t;
    let neurons = m.cols as f64 * m.groups as f64 * m.vectors as f64;
    let mb = s.membrane_bits as f64;
    c.energy[E::TileBuffers] += 2.0 * neurons * mb * t.tile_output_buffer.energy_pj;
    c.energy[E::Digital] += neurons * t.add_pj * mb / 8.0;
    c.latency[L::Digital] += (neurons / cx.lanes).ceil() * cx.cycle;
}

/// A layer on the digital lanes; dynamic matmuls get their own part, so the breakdown says
/// which path they took.
fn digital(cx: &Context, layer: &Layer, c: &mut LayerCost) {
    let op = &layer.op;
    let (adds, muls) = digital_ops(op);
    let width = layer.precision.input_bits.max(8) as f64 / 8.0;
    let (ep, lp) = if matches!(op, Op::MatMul(_)) {
        (E::DynamicMatmul, L::DynamicMatmul)
    } else {
        (E::Digital, L::Digital)
    };
    c.energy[ep] += (adds * cx.t.add_pj + muls * cx.t.mul_pj) * width;
    c.latency[lp] += ((adds.max(muls)) / cx.lanes).ceil() * cx.cycle;
}

/// Digital adds and multiplies of a non-matrix layer (or a dynamic matmul).
fn digital_ops(op: &Op) -> (f64, f64) {
    match op {
        Op::Pool(p) => (p.ops() as f64, 0.0),
        Op::Add(x) => (x.ops() as f64, 0.0),
        Op::Scale(s) => (0.0, s.elements as f64),
        Op::Norm(n) => (n.elements as f64, n.elements as f64),
        Op::Activation(x) => {
            let e = x.elements as f64;
            match x.kind {
                ActKind::Relu | ActKind::Lif => (e, 0.0),
                ActKind::Hardswish | ActKind::Hardsigmoid => (e, e),
                ActKind::Gelu | ActKind::Silu | ActKind::Sigmoid => (2.0 * e, 2.0 * e),
            }
        }
        Op::MatMul(m) => (m.macs() as f64, m.macs() as f64),
        _ => (0.0, 0.0),
    }
}

/// Energy (pJ) and time (ns) of a softmax layer on the architecture's softmax unit, or why the
/// associative processor cannot run it.
fn softmax_cost(cx: &Context, x: &Softmax) -> Result<(f64, f64), String> {
    let (a, t) = (cx.a, cx.t);
    if a.softmax.unit == crate::SoftmaxUnit::Ap {
        let (pj, ns) = ap::softmax(&a.ap, x.rows, x.length, a.softmax.bits)?;
        Ok((pj * t.scale.energy, ns * t.scale.delay))
    } else {
        Ok(softmax_unit::softmax(
            x.elements() as f64,
            a.softmax.bits,
            cx.lanes,
            t.add_pj,
            t.mul_pj,
            t.tile_output_buffer.energy_pj,
            cx.cycle,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imc_zoo::Zoo;

    /// A network's cost is the sum of its layers' costs, and a layer of T timesteps costs T
    /// times one step.
    #[test]
    fn layer_costs_add_up_to_the_workload_and_scale_with_timesteps() {
        let a = Architecture::default_rram();
        let t = ComponentTable::new(&a);
        let w = Zoo::builtin()
            .unwrap()
            .resolve("alexnet")
            .unwrap()
            .remove(0);
        let whole = crate::cost::evaluate(&a, &t, &w);
        let cx = Context::new(&a, &t, &w);
        let sum = w
            .layers
            .iter()
            .map(|l| layer_cost(&cx, l, None).0)
            .fold(LayerCost::default(), |s, c| s + c);
        // Without mappings only the non-crossbar parts are costed: they match the whole's.
        assert_eq!(sum.energy[E::Glb], whole.energy_parts[E::Glb]);
        assert_eq!(sum.latency[L::Digital], whole.latency_parts[L::Digital]);
        let snn = Zoo::builtin()
            .unwrap()
            .resolve("snn-nmnist")
            .unwrap()
            .remove(0);
        let cx = Context::new(&a, &t, &snn);
        let pool = snn.layers.iter().find(|l| l.spiking.is_none()).unwrap();
        let (c, _) = layer_cost(&cx, pool, None);
        let mut one = Context::new(&a, &t, &snn);
        one.network_steps = 1.0;
        let (c1, _) = layer_cost(&one, pool, None);
        assert_eq!(c.energy[E::Glb], c1.energy[E::Glb] * cx.network_steps);
    }
}
