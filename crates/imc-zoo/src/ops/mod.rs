//! Operators a layer can perform, one file each, and the figures derived from their shapes.
//! Nothing derived is stored: MACs, weights, parameters and activation counts are computed.

mod activation;
mod conv2d;
mod eltwise;
mod embedding;
mod linear;
mod matmul;
mod norm;
mod pool;
mod softmax;

pub use activation::{ActKind, Activation};
pub use conv2d::Conv2d;
pub use eltwise::{Add, Scale};
pub use embedding::Embedding;
pub use linear::Linear;
pub use matmul::MatMul;
pub use norm::{Norm, NormKind};
pub use pool::{Pool, PoolKind};
pub use softmax::Softmax;

/// Saturating product: derived figures of absurd shapes saturate at `u64::MAX` instead of
/// overflowing, and the loader rejects any layer whose figures exceed [`MAX_LAYER_FIGURE`].
pub fn prod(factors: &[u64]) -> u64 {
    factors.iter().fold(1u64, |acc, &x| acc.saturating_mul(x))
}

/// The largest MAC, weight, parameter or activation count one layer may have: 2^46 (about
/// 7.0e13, some 60 times a GPT-3 projection over 2,048 tokens). With at most [`MAX_LAYERS`]
/// layers, workload totals stay far below `u64::MAX`.
pub const MAX_LAYER_FIGURE: u64 = 1 << 46;

/// The most layers a workload may expand to.
pub const MAX_LAYERS: usize = 100_000;

/// The matrix a layer asks of a crossbar: `groups` independent `rows x cols` matrices, each
/// multiplied by `vectors` input vectors. `rows * cols * groups * vectors` equals the layer's
/// MACs. `static_weights` is false when the matrix is an activation (attention), so it must be
/// rewritten per inference rather than programmed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatrixShape {
    /// Rows (K).
    pub rows: u64,
    /// Columns (N).
    pub cols: u64,
    /// Independent matrices (convolution groups, attention heads).
    pub groups: u64,
    /// Input vectors per matrix.
    pub vectors: u64,
    /// Weights known before inference (can sit in non-volatile cells).
    pub static_weights: bool,
}

impl MatrixShape {
    /// rows x cols x groups x vectors.
    pub fn macs(&self) -> u64 {
        prod(&[self.rows, self.cols, self.groups, self.vectors])
    }

    /// Matrix entries, summed over groups (the weight count for a static matrix).
    pub fn entries(&self) -> u64 {
        prod(&[self.rows, self.cols, self.groups])
    }
}

/// What a layer computes.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// A 2-D convolution.
    Conv2d(Conv2d),
    /// A fully connected layer.
    Linear(Linear),
    /// A product of two activations.
    MatMul(MatMul),
    /// A softmax over rows.
    Softmax(Softmax),
    /// Max or average pooling.
    Pool(Pool),
    /// An elementwise sum.
    Add(Add),
    /// An elementwise product.
    Scale(Scale),
    /// A normalization.
    Norm(Norm),
    /// A non-linearity.
    Activation(Activation),
    /// A table lookup.
    Embedding(Embedding),
}

impl Op {
    /// The operator's name as written in workload files.
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Conv2d(_) => "conv2d",
            Op::Linear(_) => "linear",
            Op::MatMul(_) => "matmul",
            Op::Softmax(_) => "softmax",
            Op::Pool(_) => "pool",
            Op::Add(_) => "add",
            Op::Scale(_) => "scale",
            Op::Norm(_) => "norm",
            Op::Activation(_) => "act",
            Op::Embedding(_) => "embedding",
        }
    }

    /// Multiply-accumulates of conv, linear and dynamic matmul layers; 0 for the rest.
    pub fn macs(&self) -> u64 {
        match self {
            Op::Conv2d(c) => c.macs(),
            Op::Linear(l) => l.macs(),
            Op::MatMul(m) => m.macs(),
            _ => 0,
        }
    }

    /// Weights that live in crossbar cells (conv and linear; tied weights included, biases not).
    pub fn weights(&self) -> u64 {
        match self {
            Op::Conv2d(c) => c.weights(),
            Op::Linear(l) => l.weights(),
            _ => 0,
        }
    }

    /// Trainable parameters as PyTorch counts them (weights, biases, norm affine terms,
    /// embedding tables; tied weights once).
    pub fn params(&self) -> u64 {
        match self {
            Op::Conv2d(c) => c.params(),
            Op::Linear(l) => l.params(),
            Op::Norm(n) => n.params(),
            Op::Embedding(e) => e.params(),
            _ => 0,
        }
    }

    /// Activations the operator reads.
    pub fn input_activations(&self) -> u64 {
        match self {
            Op::Conv2d(c) => c.input_activations(),
            Op::Linear(l) => l.input_activations(),
            Op::MatMul(m) => m.input_activations(),
            Op::Softmax(s) => s.elements(),
            Op::Pool(p) => p.input_activations(),
            Op::Add(a) => prod(&[a.inputs, a.elements]),
            Op::Scale(s) => s.elements,
            Op::Norm(n) => n.elements,
            Op::Activation(a) => a.elements,
            Op::Embedding(e) => e.lookups,
        }
    }

    /// Activations the operator writes.
    pub fn output_activations(&self) -> u64 {
        match self {
            Op::Conv2d(c) => c.output_activations(),
            Op::Linear(l) => l.output_activations(),
            Op::MatMul(m) => m.output_activations(),
            Op::Softmax(s) => s.elements(),
            Op::Pool(p) => p.output_activations(),
            Op::Add(a) => a.elements,
            Op::Scale(s) => s.elements,
            Op::Norm(n) => n.elements,
            Op::Activation(a) => a.elements,
            Op::Embedding(e) => e.output_activations(),
        }
    }

    /// The crossbar matrix the layer needs, for conv, linear and matmul layers.
    pub fn matrix(&self) -> Option<MatrixShape> {
        match self {
            Op::Conv2d(c) => Some(c.matrix()),
            Op::Linear(l) => Some(l.matrix()),
            Op::MatMul(m) => Some(m.matrix()),
            _ => None,
        }
    }

    /// True for layers whose weights are trained constants that can stay in crossbar cells.
    pub fn has_static_weights(&self) -> bool {
        matches!(self, Op::Conv2d(_) | Op::Linear(_))
    }
}
