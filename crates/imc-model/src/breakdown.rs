//! The parts of the energy, latency and area breakdowns, one enum each, and [`Breakdown`]: one
//! number per part, indexed by the part, that adds up and scales. Report order is the enums'
//! order; [`Part::name`] is the name files and reports use.

use std::marker::PhantomData;
use std::ops::{Add, AddAssign, Index, IndexMut, Mul};

/// A part of a breakdown.
pub trait Part: Copy + Eq + std::fmt::Debug + 'static {
    /// Every part, in report order.
    const ALL: &'static [Self];
    /// The name in reports and files (`cell_array`, `adc`, ...).
    fn name(self) -> &'static str;
    /// The position in [`Part::ALL`].
    fn index(self) -> usize;
}

/// Declares a part enum: variants with their report names, in report order.
macro_rules! parts {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $text:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $v,)*
        }

        impl Part for $name {
            const ALL: &'static [Self] = &[$($name::$v,)*];
            fn name(self) -> &'static str {
                match self {
                    $($name::$v => $text,)*
                }
            }
            #[inline]
            fn index(self) -> usize {
                self as usize
            }
        }
    };
}

parts!(
    /// Where energy goes.
    EnergyPart {
        /// Reading the cells of the crossbars.
        CellArray = "cell_array",
        /// Driving the rows (input DACs).
        RowDrivers = "row_drivers",
        /// Charging the wordlines the drivers drive.
        Wordlines = "wordlines",
        /// Column multiplexers in front of the ADCs.
        ColumnMux = "column_mux",
        /// Conversions.
        Adc = "adc",
        /// Digital CIM's multipliers, column adder trees and accumulators.
        ColumnTrees = "column_trees",
        /// Shift-and-add of bit slices.
        ShiftAdd = "shift_add",
        /// Adding partial sums across crossbars.
        AdderTree = "adder_tree",
        /// Tile input and output buffers (and spiking membranes).
        TileBuffers = "tile_buffers",
        /// The global buffer.
        Glb = "glb",
        /// Routers and tile buses.
        Interconnect = "interconnect",
        /// Digital lanes: pooling, activations, normalization, additions, membrane updates.
        Digital = "digital",
        /// Dynamic matmuls (attention) on the digital lanes.
        DynamicMatmul = "dynamic_matmul_digital",
        /// Weights streamed from DRAM when they do not stay on chip.
        WeightLoad = "weight_load",
        /// Streamed weights written into the crossbars: one wordline per row written.
        WriteDrivers = "write_drivers",
        /// Streamed weights written into the crossbars: the bitline of each cell written.
        WriteCells = "write_cells",
        /// The softmax unit (digital or associative processor).
        Softmax = "softmax",
    }
);

parts!(
    /// Where time goes.
    LatencyPart {
        /// Crossbar reads and conversions.
        Crossbar = "crossbar",
        /// Digital lanes.
        Digital = "digital",
        /// Dynamic matmuls on the digital lanes.
        DynamicMatmul = "dynamic_matmul_digital",
        /// Streaming weights from DRAM.
        WeightLoad = "weight_load",
        /// The softmax unit.
        Softmax = "softmax",
    }
);

parts!(
    /// Where the chip's area goes.
    AreaPart {
        /// Cell arrays.
        CellArray = "cell_array",
        /// Row drivers.
        RowDrivers = "row_drivers",
        /// Column multiplexers.
        ColumnMux = "column_mux",
        /// ADCs.
        Adc = "adc",
        /// Digital CIM's column adder trees.
        ColumnTrees = "column_trees",
        /// Shift-and-add units.
        ShiftAdd = "shift_add",
        /// Adder trees.
        AdderTree = "adder_tree",
        /// Tile input and output buffers.
        TileBuffers = "tile_buffers",
        /// Digital lanes (and the associative processor).
        Digital = "digital",
        /// Tile buses and routers.
        Interconnect = "interconnect",
        /// The global buffer.
        Glb = "glb",
    }
);

/// One number per part of `P` (`N` = the number of parts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Breakdown<P: Part, const N: usize> {
    values: [f64; N],
    part: PhantomData<P>,
}

/// Energy by part (pJ inside the model).
pub type Energy = Breakdown<EnergyPart, 17>;
/// Latency by part (ns inside the model).
pub type Latency = Breakdown<LatencyPart, 5>;
/// Area by part (um^2 inside the model).
pub type Area = Breakdown<AreaPart, 11>;

impl<P: Part, const N: usize> Default for Breakdown<P, N> {
    fn default() -> Self {
        Breakdown::from_values([0.0; N])
    }
}

impl<P: Part, const N: usize> Breakdown<P, N> {
    /// The breakdown with these values, in report order.
    pub fn from_values(values: [f64; N]) -> Self {
        Breakdown {
            values,
            part: PhantomData,
        }
    }

    /// The values in report order.
    pub fn values(&self) -> &[f64; N] {
        &self.values
    }

    /// The sum over parts, in report order.
    #[inline]
    pub fn total(&self) -> f64 {
        self.values.iter().sum()
    }

    /// (part, value) in report order.
    pub fn iter(&self) -> impl Iterator<Item = (P, f64)> + '_ {
        P::ALL.iter().copied().zip(self.values)
    }

    /// Scales what was added since `before` by `k`: `x = x0 + (x - x0) k`, part by part.
    pub fn scale_since(&mut self, before: &Self, k: f64) {
        for (x, x0) in self.values.iter_mut().zip(before.values) {
            *x = x0 + (*x - x0) * k;
        }
    }

    /// Part by part, `self x factors`.
    #[inline]
    pub fn times(mut self, factors: &Self) -> Self {
        for (x, k) in self.values.iter_mut().zip(factors.values) {
            *x *= k;
        }
        self
    }

    /// The same value in every part.
    pub fn splat(x: f64) -> Self {
        Breakdown::from_values([x; N])
    }

    /// The part of that name, if any.
    pub fn part(name: &str) -> Option<P> {
        P::ALL.iter().copied().find(|p| p.name() == name)
    }

    /// (name, value x `scale`) in report order: the form of reports.
    pub fn named(&self, scale: f64) -> Vec<(&'static str, f64)> {
        self.iter().map(|(p, v)| (p.name(), v * scale)).collect()
    }
}

impl<P: Part, const N: usize> Index<P> for Breakdown<P, N> {
    type Output = f64;
    #[inline]
    fn index(&self, p: P) -> &f64 {
        &self.values[p.index()]
    }
}

impl<P: Part, const N: usize> IndexMut<P> for Breakdown<P, N> {
    #[inline]
    fn index_mut(&mut self, p: P) -> &mut f64 {
        &mut self.values[p.index()]
    }
}

impl<P: Part, const N: usize> AddAssign for Breakdown<P, N> {
    #[inline]
    fn add_assign(&mut self, other: Self) {
        for (x, y) in self.values.iter_mut().zip(other.values) {
            *x += y;
        }
    }
}

impl<P: Part, const N: usize> Add for Breakdown<P, N> {
    type Output = Self;
    #[inline]
    fn add(mut self, other: Self) -> Self {
        self += other;
        self
    }
}

impl<P: Part, const N: usize> Mul<f64> for Breakdown<P, N> {
    type Output = Self;
    #[inline]
    fn mul(mut self, k: f64) -> Self {
        for x in &mut self.values {
            *x *= k;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_has_its_slot_and_name() {
        assert_eq!(EnergyPart::ALL.len(), 17);
        assert_eq!(LatencyPart::ALL.len(), 5);
        assert_eq!(AreaPart::ALL.len(), 11);
        for (i, p) in EnergyPart::ALL.iter().enumerate() {
            assert_eq!(p.index(), i);
        }
        assert_eq!(EnergyPart::DynamicMatmul.name(), "dynamic_matmul_digital");
        assert_eq!(EnergyPart::WriteCells.name(), "write_cells");
        assert_eq!(AreaPart::Glb.name(), "glb");
    }

    #[test]
    fn breakdowns_add_and_scale_part_by_part() {
        let mut a = Latency::default();
        a[LatencyPart::Digital] = 2.0;
        let mut b = Latency::default();
        b[LatencyPart::Digital] = 1.0;
        b[LatencyPart::Softmax] = 4.0;
        let c = (a + b) * 0.5;
        assert_eq!(c[LatencyPart::Digital], 1.5);
        assert_eq!(c[LatencyPart::Softmax], 2.0);
        assert_eq!(c.total(), 3.5);
        assert_eq!(c.named(1.0)[4], ("softmax", 2.0));
    }
}
