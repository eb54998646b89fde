//! Element-wise non-linear activations, applied to `elements` values. No weights.
//!
//! Kinds: `relu`, `hardswish`, `hardsigmoid` (MobileNetV3, Howard et al. 2019), `gelu`
//! (transformers), `silu` (Llama's SwiGLU), `sigmoid`, and `lif`: the leaky
//! integrate-and-fire neuron of a spiking layer (membrane update and threshold per element per
//! timestep; SpikingJelly's LIF/PLIF nodes).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActKind {
    Relu,
    Hardswish,
    Hardsigmoid,
    Gelu,
    Silu,
    Sigmoid,
    Lif,
}

impl ActKind {
    pub const ALL: [(&'static str, ActKind); 7] = [
        ("relu", ActKind::Relu),
        ("hardswish", ActKind::Hardswish),
        ("hardsigmoid", ActKind::Hardsigmoid),
        ("gelu", ActKind::Gelu),
        ("silu", ActKind::Silu),
        ("sigmoid", ActKind::Sigmoid),
        ("lif", ActKind::Lif),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("?", |(n, _)| n)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    pub kind: ActKind,
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
