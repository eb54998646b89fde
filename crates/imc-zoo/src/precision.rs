//! Numeric precision of a layer and the spiking description of spiking layers.

/// Bits of the weights, the input activations and the output activations of a layer.
/// Defaults: 8/8/8, the setting of the joint co-optimization paper's framework
/// (paper-framework.md section 3, "input/weight/output 8 b").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Precision {
    /// Bits per weight.
    pub weight_bits: u32,
    /// Bits per input activation.
    pub input_bits: u32,
    /// Bits per output activation.
    pub output_bits: u32,
}

impl Default for Precision {
    fn default() -> Self {
        Precision {
            weight_bits: 8,
            input_bits: 8,
            output_bits: 8,
        }
    }
}

/// Allowed range of every precision field, in bits.
pub const BITS_RANGE: std::ops::RangeInclusive<u32> = 1..=32;

/// A weight layer of a spiking network: it runs `timesteps` times per inference; its inputs are
/// 1-bit spikes (unless `input_spikes` is false, as for a first layer fed with event-count
/// frames), of which a fraction `spike_rate` is 1 on average; its neurons keep a membrane
/// potential of `membrane_bits` that is read, updated and written every timestep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spiking {
    /// Timesteps T per inference.
    pub timesteps: u32,
    /// Mean fraction of inputs that spike.
    pub spike_rate: f64,
    /// Bits of a neuron's membrane potential.
    pub membrane_bits: u32,
    /// Whether inputs are 1-bit spikes (false: multi-bit frames).
    pub input_spikes: bool,
}
