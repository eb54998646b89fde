//! Element-wise non-linear activations, applied to `elements` values. No weights.
//!
//! Kinds: `relu`, `hardswish`, `hardsigmoid` (MobileNetV3, Howard et al. 2019), `gelu`
//! (transformers), `silu` (Llama's SwiGLU), `sigmoid`, and `lif`: the leaky
//! integrate-and-fire neuron of a spiking layer (membrane update and threshold per element per
//! timestep; SpikingJelly's LIF/PLIF nodes).

/// An elementwise non-linearity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActKind {
    /// max(0, x).
    Relu,
    /// x * relu6(x + 3) / 6 (MobileNetV3).
    Hardswish,
    /// relu6(x + 3) / 6 (MobileNetV3).
    Hardsigmoid,
    /// Gaussian error linear unit (transformers).
    Gelu,
    /// x * sigmoid(x).
    Silu,
    /// 1 / (1 + e^-x).
    Sigmoid,
    /// Leaky integrate-and-fire neurons of a spiking network.
    Lif,
}

impl ActKind {
    /// Every kind with its name in workload files.
    pub const ALL: [(&'static str, ActKind); 7] = [
        ("relu", ActKind::Relu),
        ("hardswish", ActKind::Hardswish),
        ("hardsigmoid", ActKind::Hardsigmoid),
        ("gelu", ActKind::Gelu),
        ("silu", ActKind::Silu),
        ("sigmoid", ActKind::Sigmoid),
        ("lif", ActKind::Lif),
    ];

    /// The name in workload files.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("?", |(n, _)| n)
    }
}

/// An activation over a number of elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    /// Which function.
    pub kind: ActKind,
    /// Elements it is applied to.
    pub elements: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (name, kind) in ActKind::ALL {
            assert_eq!(kind.name(), name);
        }
    }
}
