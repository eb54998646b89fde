//! One layer of a workload: a named operator with its precision.

use crate::data::DataStats;
use crate::ops::{MatrixShape, Op};
use crate::precision::{Precision, Spiking};

/// One layer of a workload: a named operator with its precision.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Unique within the workload.
    pub name: String,
    /// What it computes, with its shape.
    pub op: Op,
    /// Bits of its weights, inputs and outputs.
    pub precision: Precision,
    /// Present on the weight layers of spiking networks.
    pub spiking: Option<Spiking>,
    /// Its own data statistics for the compute SNR (weight layers; empty: the design's).
    pub data: DataStats,
}

impl Layer {
    /// Multiply-accumulates at batch 1.
    pub fn macs(&self) -> u64 {
        self.op.macs()
    }

    /// Weights that sit in crossbar cells (no biases).
    pub fn weights(&self) -> u64 {
        self.op.weights()
    }

    /// Parameters as PyTorch counts them (biases, norm scales included).
    pub fn params(&self) -> u64 {
        self.op.params()
    }

    /// Input activations read.
    pub fn input_activations(&self) -> u64 {
        self.op.input_activations()
    }

    /// Output activations written.
    pub fn output_activations(&self) -> u64 {
        self.op.output_activations()
    }

    /// The weight matrix of a matrix layer (conv, linear, matmul), `None` otherwise.
    pub fn matrix(&self) -> Option<MatrixShape> {
        self.op.matrix()
    }

    /// True when the layer's weights are trained constants that stay in crossbar cells.
    pub fn has_static_weights(&self) -> bool {
        self.op.has_static_weights()
    }

    /// True for layers a crossbar multiplies: conv, linear and dynamic matmul.
    pub fn is_matrix_layer(&self) -> bool {
        self.op.matrix().is_some()
    }
}
