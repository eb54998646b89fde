//! The per-architecture component table, built once per design: energy per action and area of
//! every component, and the chip's area and its breakdown.

use crate::arch::Architecture;
use crate::breakdown::{Area, AreaPart, Part};
use crate::components::{self, Component, Scale};

/// Energy per action and area of every component of an architecture.
#[derive(Debug, Clone)]
pub struct ComponentTable {
    /// Technology and voltage scaling factors.
    pub scale: Scale,
    /// The cell array of one crossbar (energy per cell read).
    pub cell: Component,
    /// One row driver (energy per row drive).
    pub row_driver: Component,
    /// One row's wordline (energy per row drive).
    pub wordline: Component,
    /// One column multiplexer (energy per conversion).
    pub column_mux: Component,
    /// One ADC (energy per conversion).
    pub adc: Component,
    /// A digital CIM's column adder tree (energy per step; zero in analog compute).
    pub column_tree: Component,
    /// One shift-and-add unit (energy per conversion).
    pub shift_add: Component,
    /// A tile's adder tree (energy per addition).
    pub adder_tree: Component,
    /// A tile's input buffer (energy per bit).
    pub tile_input_buffer: Component,
    /// A tile's output buffer (energy per bit).
    pub tile_output_buffer: Component,
    /// The global buffer (energy per bit).
    pub glb: Component,
    /// One router (energy per bit per hop).
    pub router: Component,
    /// A tile's bus (energy per bit).
    pub tile_bus: Component,
    /// A tile's digital lanes.
    pub digital: Component,
    /// Writing one row of streamed weights (energy per row written).
    pub write_row: Component,
    /// Writing one cell of streamed weights (energy per cell written).
    pub write_cell: Component,
    /// Energy of an 8-bit add in the digital units, pJ.
    pub add_pj: f64,
    /// Energy of an 8-bit multiply in the digital units, pJ.
    pub mul_pj: f64,
    /// Mean router hops from the global buffer to a router group.
    pub hops: f64,
    /// Chip area by part, um^2.
    pub area_um2: Area,
}

impl ComponentTable {
    /// Builds every component of the architecture once.
    pub fn new(a: &Architecture) -> ComponentTable {
        let s = Scale::new(a);
        let (add_pj, mul_pj) = components::digital::op_energy(&s);
        let mut t = ComponentTable {
            scale: s,
            cell: components::cell_array::model(a, &s),
            row_driver: components::row_driver::model(a, &s),
            wordline: components::wordline::model(a, &s),
            column_mux: components::column_mux::model(a, &s),
            adc: components::adc::model(a, &s),
            column_tree: components::column_tree::model(a, &s),
            shift_add: components::shift_add::model(a, &s),
            adder_tree: components::adder_tree::model(a, &s),
            tile_input_buffer: components::buffer::model(a.buffers.tile_input_kib * 1024.0, &s),
            tile_output_buffer: components::buffer::model(a.buffers.tile_output_kib * 1024.0, &s),
            glb: components::buffer::model(a.buffers.glb_mib * 1024.0 * 1024.0, &s),
            router: components::interconnect::router(&s),
            tile_bus: components::interconnect::tile_bus(&s),
            digital: components::digital::model(a, &s),
            write_row: components::weight_write::row(&s),
            write_cell: components::weight_write::cell(a, &s),
            add_pj,
            mul_pj,
            hops: components::interconnect::mean_hops(a.chip.router_groups),
            area_um2: Area::default(),
        };
        if a.crossbar.compute == crate::Compute::Digital {
            // No bitline read, no column mux, no ADC, no shift-and-add: the tree and its
            // accumulator take their place (`components/column_tree.rs`).
            t.cell.energy_pj = 0.0;
            (t.column_mux, t.adc, t.shift_add) = Default::default();
        }
        t.area_um2 = Area::from_values(Instances::new(a).totals(&t.instance_areas()));
        // Routers are per router group, not per tile: added to the interconnect category.
        t.area_um2[AreaPart::Interconnect] += a.chip.router_groups as f64 * t.router.area_um2;
        // One associative processor per chip when it computes softmax: filed under digital.
        if a.softmax.unit == crate::SoftmaxUnit::Ap {
            t.area_um2[AreaPart::Digital] += components::ap::area_um2(&a.ap) * s.area;
        }
        t.area_um2 = t.area_um2.times(&a.factors.area);
        t
    }

    /// Area of one instance of each [`AreaPart`] category, um^2 (the interconnect category's
    /// instance is a tile's bus; routers are added per router group in [`Instances::totals`]
    /// through [`ComponentTable::router`]).
    pub fn instance_areas(&self) -> [f64; 11] {
        [
            self.cell.area_um2,
            self.row_driver.area_um2,
            self.column_mux.area_um2,
            self.adc.area_um2,
            self.column_tree.area_um2,
            self.shift_add.area_um2,
            self.adder_tree.area_um2,
            self.tile_input_buffer.area_um2 + self.tile_output_buffer.area_um2,
            self.digital.area_um2,
            self.tile_bus.area_um2,
            self.glb.area_um2,
        ]
    }

    /// Peak power of one instance of each [`AreaPart`] category, mW (pJ/ns), with every unit
    /// busy: each ADC converts once per cycle; a crossbar reads all its cells and drives all its
    /// rows once per read cycle (`cols_per_adc` cycles, every column converted); a tile's input
    /// buffer feeds all its crossbars' rows each read cycle and its output buffer takes one
    /// output per weight column per full input (`input_slices` read cycles); the global buffer
    /// and the network carry each tile's inputs and outputs once per full input; digital lanes
    /// do one multiply-accumulate per cycle. Router power is per router group, in the
    /// interconnect category's total.
    pub fn instance_peak_power_mw(&self, a: &Architecture) -> [f64; 11] {
        let cycle = a.chip.cycle_ns * self.scale.delay;
        let read_cycle = a.adc.cols_per_adc as f64 * cycle;
        let full_input = read_cycle * a.input_slices() as f64;
        let xbars = a.chip.crossbars_per_tile as f64;
        let weight_cols = (a.crossbar.cols / a.cells_per_weight()) as f64;
        let tile_in_bits = xbars * a.crossbar.rows as f64 * a.crossbar.dac_bits as f64 / read_cycle;
        let tile_out_bits = xbars * weight_cols * a.data.output_bits as f64 / full_input;
        let glb_bits_per_tile =
            xbars * a.crossbar.rows as f64 * a.data.input_bits as f64 / full_input + tile_out_bits;
        [
            (a.crossbar.rows * a.crossbar.cols) as f64 * self.cell.energy_pj / read_cycle,
            (self.row_driver.energy_pj + self.wordline.energy_pj) / read_cycle,
            self.column_mux.energy_pj / read_cycle,
            self.adc.energy_pj / cycle,
            self.column_tree.energy_pj / cycle,
            self.shift_add.energy_pj / cycle,
            xbars * weight_cols * self.adder_tree.energy_pj / read_cycle,
            tile_in_bits * self.tile_input_buffer.energy_pj
                + tile_out_bits * self.tile_output_buffer.energy_pj,
            a.chip.digital_lanes as f64 * self.digital.energy_pj / cycle,
            glb_bits_per_tile * self.tile_bus.energy_pj,
            a.tiles() as f64 * glb_bits_per_tile * self.glb.energy_pj,
        ]
    }

    /// Peak power of the chip by [`AreaPart`] category, mW.
    pub fn peak_power_mw(&self, a: &Architecture) -> [f64; 11] {
        let n = Instances::new(a);
        let mut p = n.totals(&self.instance_peak_power_mw(a));
        let cycle = a.chip.cycle_ns * self.scale.delay;
        let full_input = a.adc.cols_per_adc as f64 * cycle * a.input_slices() as f64;
        let xbars = a.chip.crossbars_per_tile as f64;
        let weight_cols = (a.crossbar.cols / a.cells_per_weight()) as f64;
        let group_bits = a.chip.tiles_per_group as f64
            * xbars
            * (a.crossbar.rows as f64 * a.data.input_bits as f64
                + weight_cols * a.data.output_bits as f64)
            / full_input;
        p[AreaPart::Interconnect.index()] +=
            a.chip.router_groups as f64 * group_bits * self.hops * self.router.energy_pj;
        p
    }

    /// Chip area, um^2.
    pub fn area_um2(&self) -> f64 {
        self.area_um2.total()
    }
}

/// How many instances of each [`AreaPart`] category a chip has: the hierarchy
/// chip -> router groups -> tiles -> crossbars -> rows, columns and ADCs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Instances {
    /// Crossbars.
    pub crossbars: f64,
    /// Rows of all crossbars.
    pub row_drivers: f64,
    /// Columns of all crossbars.
    pub columns: f64,
    /// ADCs (and shift-and-add units).
    pub adcs: f64,
    /// Tiles.
    pub tiles: f64,
    /// Digital units: one per tile, or one for the chip (`digital_lanes_at`).
    pub digital_units: f64,
    /// Router groups.
    pub router_groups: f64,
}

impl Instances {
    /// The counts of an architecture.
    pub fn new(a: &Architecture) -> Instances {
        let crossbars = a.crossbars() as f64;
        Instances {
            crossbars,
            row_drivers: crossbars * a.crossbar.rows as f64,
            columns: crossbars * a.crossbar.cols as f64,
            adcs: crossbars * a.adcs_per_crossbar() as f64,
            tiles: a.tiles() as f64,
            digital_units: crate::components::digital::units(a) as f64,
            router_groups: a.chip.router_groups as f64,
        }
    }

    /// Multiplies per-instance figures by the instance counts, category by category (cell
    /// arrays per crossbar, drivers per row, mux per column, ADC and shift-add per ADC, adder
    /// tree, buffers and bus per tile, digital units per tile or one per chip, one global
    /// buffer).
    pub fn totals(&self, per_instance: &[f64; 11]) -> [f64; 11] {
        let counts = [
            self.crossbars,
            self.row_drivers,
            self.columns,
            self.adcs,
            self.adcs,
            self.adcs,
            self.tiles,
            self.tiles,
            self.digital_units,
            self.tiles,
            1.0,
        ];
        let mut out = [0.0; 11];
        for i in 0..11 {
            out[i] = counts[i] * per_instance[i];
        }
        out
    }
}
