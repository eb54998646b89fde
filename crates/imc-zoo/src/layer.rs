//! One layer of a workload: a named operator with its precision.

use crate::ops::{MatrixShape, Op};
use crate::precision::{Precision, Spiking};

#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub name: String,
    pub op: Op,
    pub precision: Precision,
    /// Present on the weight layers of spiking networks.
    pub spiking: Option<Spiking>,
}

impl Layer {
    pub fn macs(&self) -> u64 {
        self.op.macs()
    }

    pub fn weights(&self) -> u64 {
        self.op.weights()
    }

    pub fn params(&self) -> u64 {
        self.op.params()
    }

    pub fn input_activations(&self) -> u64 {
        self.op.input_activations()
    }

    pub fn output_activations(&self) -> u64 {
        self.op.output_activations()
    }

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
