//! A workload: a named list of layers and its totals. Totals are sums over layers, computed on
//! demand, never stored.

use crate::layer::Layer;

/// A named list of layers with where it comes from.
///
/// `Debug` leaves out [`Workload::file`]: where a workload was read from does not change what
/// it costs, and run folders hash the `Debug` text of their workloads (a run resumed from
/// another directory, or a built-in named by its path, is the same run).
#[derive(Clone, PartialEq)]
pub struct Workload {
    /// Unique in the zoo; no spaces or commas.
    pub name: String,
    /// What it is.
    pub description: String,
    /// Where the definition comes from (code, paper, model card), as written in the file.
    pub source: String,
    /// Input tensor shape, e.g. `[3, 224, 224]` or `[tokens]`.
    pub input: Vec<u64>,
    /// Parameter values the file was expanded with (e.g. `seq_len`).
    pub params: Vec<(String, u64)>,
    /// The layers, in execution order.
    pub layers: Vec<Layer>,
    /// The file it was read from: `workloads/<path>` for a built-in, else the path as given.
    pub file: String,
}

impl std::fmt::Debug for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workload")
            .field("name", &self.name)
            .field("description", &self.description)
            .field("source", &self.source)
            .field("input", &self.input)
            .field("params", &self.params)
            .field("layers", &self.layers)
            .finish()
    }
}

impl Workload {
    /// The same definition, wherever each was read from (all but [`Workload::file`] equal).
    pub fn same_definition(&self, other: &Workload) -> bool {
        self.name == other.name
            && self.description == other.description
            && self.source == other.source
            && self.input == other.input
            && self.params == other.params
            && self.layers == other.layers
    }

    /// All multiply-accumulates: conv, linear and dynamic (attention) matmuls.
    pub fn macs(&self) -> u64 {
        self.layers.iter().map(Layer::macs).sum()
    }

    /// MACs of layers with static weights (conv and linear) only; the convention of torchvision
    /// for CNNs and of the CCT README.
    pub fn static_macs(&self) -> u64 {
        self.layers
            .iter()
            .filter(|l| l.has_static_weights())
            .map(Layer::macs)
            .sum()
    }

    /// MACs of dynamic matmuls (both operands activations).
    pub fn dynamic_macs(&self) -> u64 {
        self.macs() - self.static_macs()
    }

    /// Crossbar-resident weights (conv and linear weights, no biases).
    pub fn weights(&self) -> u64 {
        self.layers.iter().map(Layer::weights).sum()
    }

    /// Trainable parameters as PyTorch counts them.
    pub fn params(&self) -> u64 {
        self.layers.iter().map(Layer::params).sum()
    }

    /// Number of layers with static weights (conv and linear).
    pub fn weight_layers(&self) -> usize {
        self.layers
            .iter()
            .filter(|l| l.has_static_weights())
            .count()
    }

    /// Softmax elements over all layers.
    pub fn softmax_elements(&self) -> u64 {
        self.layers
            .iter()
            .map(|l| match &l.op {
                crate::ops::Op::Softmax(s) => s.elements(),
                _ => 0,
            })
            .sum()
    }

    /// Whether any layer spikes.
    pub fn is_spiking(&self) -> bool {
        self.layers.iter().any(|l| l.spiking.is_some())
    }

    /// MACs of one timestep of a spiking network (equal to `macs` for a non-spiking one).
    pub fn macs_per_timestep(&self) -> u64 {
        self.macs()
    }

    /// The layer of that name.
    pub fn layer(&self, name: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.name == name)
    }
}
