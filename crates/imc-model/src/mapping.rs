//! Mapping of a layer's weight matrix onto crossbars (weight-stationary).
//!
//! A static layer is `groups` matrices of `K x N` (K = kh*kw*Cin/groups, N = Cout/groups).
//! Each weight takes `c = ceil(weight_bits / bits_per_cell)` adjacent columns, so a group is a
//! `K x N*c` cell matrix.
//! - A group larger than a crossbar is tiled: `ceil(K/rows) x ceil(N*c/cols)` crossbars.
//! - Groups that fit several to a crossbar (depthwise `9 x c` matrices) are packed on the
//!   diagonal, `min(floor(rows/K), floor(cols/(N*c)))` per crossbar: disjoint rows and columns,
//!   so all run at once, and the zero blocks between them are never counted as weights
//!   (`depthwise_packing = "diagonal"`). With `"per-group"` each group takes crossbars of its
//!   own, as CiMLoop maps a grouped layer.
//!
//! Rows are summed `parallel_rows` at a time: a crossbar holding `r` rows of the matrix needs
//! `ceil(r / parallel_rows)` row phases per input slice, each converting every used column.

use crate::arch::{Architecture, DepthwisePacking};
use imc_zoo::ops::MatrixShape;

/// How a layer's weight matrix sits in crossbars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mapping {
    /// Crossbars one copy of the layer occupies.
    pub crossbars: u64,
    /// Cells holding weights (`K * N * c * groups`).
    pub cells: u64,
    /// Crossbars a row of the matrix spans (each drives its own copy of the row).
    pub col_tiles: u64,
    /// Crossbars a column of the matrix spans (their partial sums are added).
    pub row_tiles: u64,
    /// Row phases summed over a column's row tiles (conversions per physical column per slice).
    pub row_phases: u64,
    /// Row phases of the busiest crossbar (sets the latency per slice).
    pub max_row_phases: u64,
    /// Physical columns per group, `N * c`.
    pub phys_cols: u64,
    /// Columns converted per group, row phase and input slice: `N * c` when every bit-column is
    /// converted (`column_combine = "digital"`), `N` when a weight's bit-columns combine into
    /// one conversion (`"analog"`).
    pub converted_cols: u64,
}

impl Mapping {
    /// The mapping with the architecture's cells per weight.
    pub fn new(a: &Architecture, m: &MatrixShape) -> Mapping {
        Mapping::with_cells(a, m, a.cells_per_weight())
    }

    /// The mapping with `c` cells per weight (a layer of its own weight precision).
    pub fn with_cells(a: &Architecture, m: &MatrixShape, c: u64) -> Mapping {
        let (k, n, g) = (m.rows, m.cols * c, m.groups);
        let converted_cols = if a.combines_columns() { m.cols } else { n };
        let cells = k * n * g;
        let pr = a.crossbar.parallel_rows;
        let diagonal = a.placement.depthwise_packing == DepthwisePacking::Diagonal;
        if diagonal && g > 1 && k <= a.crossbar.rows && n <= a.crossbar.cols {
            let per = (a.crossbar.rows / k).min(a.crossbar.cols / n).max(1);
            let phases = k.div_ceil(pr);
            return Mapping {
                crossbars: g.div_ceil(per),
                cells,
                col_tiles: 1,
                row_tiles: 1,
                row_phases: phases,
                max_row_phases: phases,
                phys_cols: n,
                converted_cols,
            };
        }
        let row_tiles = k.div_ceil(a.crossbar.rows);
        let col_tiles = n.div_ceil(a.crossbar.cols);
        let last = k - (row_tiles - 1) * a.crossbar.rows;
        let full = if row_tiles > 1 {
            a.crossbar.rows.div_ceil(pr)
        } else {
            0
        };
        let row_phases = (row_tiles - 1) * full + last.div_ceil(pr);
        let max_row_phases = if row_tiles > 1 {
            full
        } else {
            last.div_ceil(pr)
        };
        Mapping {
            crossbars: g * row_tiles * col_tiles,
            cells,
            col_tiles,
            row_tiles,
            row_phases,
            max_row_phases,
            phys_cols: n,
            converted_cols,
        }
    }

    /// How the layer runs on a chip of `available` crossbars when its weights stream from DRAM
    /// and it does not fit: see [`Passes`].
    pub fn passes(&self, available: u64) -> Passes {
        let available = available.max(1);
        if self.crossbars <= available {
            return Passes {
                input_reads: 1,
                psum_trips: 0,
            };
        }
        if self.row_tiles <= available {
            // Whole crossbar columns per pass: every group's inputs are read once per pass
            // holding any of its column tiles (groups that fit several to a pass share one).
            let per_pass = available / self.row_tiles;
            Passes {
                input_reads: self.col_tiles.div_ceil(per_pass),
                psum_trips: 0,
            }
        } else {
            Passes {
                input_reads: self.col_tiles,
                psum_trips: self.row_tiles.div_ceil(available) - 1,
            }
        }
    }

    /// Fraction of the occupied crossbars' cells that hold weights.
    pub fn utilization(&self, a: &Architecture) -> f64 {
        self.cells as f64 / (self.crossbars * a.crossbar.rows * a.crossbar.cols) as f64
    }
}

/// A layer larger than a chip whose weights stream from DRAM runs in weight-stationary passes:
/// each pass loads a share of the weights once and streams every input vector through it (the
/// loop order of the joint co-optimization framework's LPDDR4 level, `fetch_all_lpddr4.yaml`:
/// weights outermost). A pass holds whole crossbar columns (every row tile of a column tile, so
/// the adder tree finishes each sum on chip) when they fit: `floor(available / row_tiles)` column
/// tiles, and each group's inputs are read from the global buffer `ceil(col_tiles / that)`
/// times. A column taller than the chip runs in `ceil(row_tiles / available)` row passes per
/// column tile, its partial sums going out to the global buffer and back between them, and the
/// inputs are read once per column tile. A layer that fits reads its inputs once, as every
/// layer on a chip holding its weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Passes {
    /// How many times each input activation is read from the global buffer (at least 1).
    pub input_reads: u64,
    /// Round trips of each output's partial sum through the global buffer.
    pub psum_trips: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arch(rows: u64, cols: u64, bpc: u32) -> Architecture {
        let mut a = Architecture::default_rram();
        (
            a.crossbar.rows,
            a.crossbar.cols,
            a.crossbar.parallel_rows,
            a.cell.bits_per_cell,
        ) = (rows, cols, rows, bpc);
        a
    }

    fn shape(rows: u64, cols: u64, groups: u64) -> MatrixShape {
        MatrixShape {
            rows,
            cols,
            groups,
            vectors: 1,
            static_weights: true,
        }
    }

    /// Dong/Sinangil's 7 nm macro (ISSCC 2020, JSSC 2021): 64 x 64 SRAM cells, 4-bit weights
    /// on 4 bit-columns combined by binary-weighted capacitors, one conversion per 4b x 4b
    /// output: 16 conversions for the 64 x 16 matrix it holds, against 64 with every bit-column
    /// converted (the UIUC benchmark's alpha x N_ADC = 1 x 16).
    #[test]
    fn analog_column_combine_converts_once_per_weight_column() {
        let mut a = arch(64, 64, 1);
        a.cell.device = crate::arch::Device::Sram;
        a.data.weight_bits = 4;
        a.adc.cols_per_adc = 1;
        let m = Mapping::new(&a, &shape(64, 16, 1));
        assert_eq!((m.phys_cols, m.converted_cols, m.row_phases), (64, 64, 1));
        assert_eq!(a.adcs_per_crossbar(), 64);
        a.crossbar.column_combine = crate::arch::ColumnCombine::Analog;
        let m = Mapping::new(&a, &shape(64, 16, 1));
        assert_eq!((m.phys_cols, m.converted_cols, m.cells), (64, 16, 64 * 64));
        assert_eq!(a.adcs_per_crossbar(), 16);
    }

    #[test]
    fn dense_tiling() {
        // VGG16 conv 3x3x512 -> 512 at 8-bit weights, 2 bits per cell: 4608 x 2048 cells.
        let m = Mapping::new(&arch(128, 128, 2), &shape(4608, 512, 1));
        assert_eq!((m.row_tiles, m.col_tiles, m.crossbars), (36, 16, 576));
        assert_eq!(m.cells, 4608 * 512 * 4);
        assert!((m.utilization(&arch(128, 128, 2)) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn ragged_edges_and_parallel_rows() {
        let mut a = arch(128, 128, 8);
        a.crossbar.parallel_rows = 32;
        let m = Mapping::new(&a, &shape(300, 10, 1));
        assert_eq!((m.row_tiles, m.col_tiles), (3, 1));
        // 128 + 128 + 44 rows: 4 + 4 + 2 phases.
        assert_eq!((m.row_phases, m.max_row_phases), (10, 4));
        assert!(m.utilization(&a) < 0.1);
    }

    #[test]
    fn depthwise_groups_are_packed_on_the_diagonal() {
        // 64 depthwise 3x3 filters, 8-bit weights at 1 bit/cell: 64 blocks of 9 x 8.
        let a = arch(128, 128, 1);
        let m = Mapping::new(&a, &shape(9, 1, 64));
        assert_eq!(m.cells, 64 * 9 * 8);
        // min(128/9, 128/8) = 14 per crossbar -> 5 crossbars.
        assert_eq!(m.crossbars, 5);
        assert_eq!(m.row_phases, 1);
    }

    #[test]
    fn a_layer_larger_than_the_chip_rereads_inputs_or_moves_partial_sums() {
        // 4608 x 2048 cells on 128 x 128 crossbars: 36 row tiles x 16 column tiles, 576 crossbars.
        let m = Mapping::new(&arch(128, 128, 2), &shape(4608, 512, 1));
        let once = Passes {
            input_reads: 1,
            psum_trips: 0,
        };
        assert_eq!(m.passes(576), once);
        assert_eq!(m.passes(10_000), once);
        // 100 crossbars: 2 whole columns (72 crossbars) a pass, 8 passes, each reading all inputs.
        assert_eq!(
            m.passes(100),
            Passes {
                input_reads: 8,
                psum_trips: 0
            }
        );
        // 16 crossbars: a column of 36 row tiles in 3 row passes (2 round trips of partial
        // sums), 16 column tiles each reading the inputs once.
        assert_eq!(
            m.passes(16),
            Passes {
                input_reads: 16,
                psum_trips: 2
            }
        );
        // Depthwise groups on their own crossbars (1 x 1 tiles): a pass holds several groups,
        // each group's inputs are read once.
        let mut a = arch(128, 128, 1);
        a.placement.depthwise_packing = DepthwisePacking::PerGroup;
        let dw = Mapping::new(&a, &shape(9, 1, 64));
        assert_eq!((dw.crossbars, dw.passes(8)), (64, once));
    }
}
