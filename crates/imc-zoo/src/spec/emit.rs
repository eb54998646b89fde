//! Expansion of a workload file into layers: the context that collects located problems, the
//! shape state that lets a file leave inferable sizes out, and the helpers that composite blocks
//! use to emit primitive layers.

use super::value::{Int, Pair};
use crate::error::Problem;
use crate::layer::Layer;
use crate::ops::*;
use crate::precision::{BITS_RANGE, Precision, Spiking};
use std::collections::BTreeMap;

/// The tensor flowing out of the last emitted layer, when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Unknown,
    /// `channels x h x w` feature map.
    Spatial {
        c: u64,
        hw: [u64; 2],
    },
    /// `vectors x features` (tokens of a transformer, or one vector after a classifier layer).
    Flat {
        vectors: u64,
        features: u64,
    },
}

impl State {
    pub fn elements(self) -> Option<u64> {
        match self {
            State::Unknown => None,
            State::Spatial { c, hw } => Some(prod(&[c, hw[0], hw[1]])),
            State::Flat { vectors, features } => Some(prod(&[vectors, features])),
        }
    }

    pub fn features(self) -> Option<u64> {
        match self {
            State::Unknown => None,
            State::Spatial { c, .. } => Some(c),
            State::Flat { features, .. } => Some(features),
        }
    }
}

/// Problems reported per file before expansion stops.
pub const MAX_PROBLEMS: usize = 50;

/// Precision, spiking and data settings that apply to the layers a spec emits.
#[derive(Debug, Clone, Copy)]
pub struct Common {
    pub precision: Precision,
    pub spiking: Option<Spiking>,
    pub data: crate::DataStats,
}

/// Collects the layers and the problems of one file.
pub struct Emitter<'a> {
    pub file_params: &'a BTreeMap<String, u64>,
    pub problems: Vec<Problem>,
    pub layers: Vec<Layer>,
    pub state: State,
    /// Location of the spec being expanded, e.g. `layers[3] "conv1"`.
    pub loc: String,
    /// A layer had a problem and no layer since has given a shape: a size "missing" because
    /// of it is not a problem of its own ([`Emitter::shape_problem`]).
    pub shapes_lost: bool,
}

impl<'a> Emitter<'a> {
    pub fn new(file_params: &'a BTreeMap<String, u64>, state: State) -> Self {
        Emitter {
            file_params,
            problems: Vec::new(),
            layers: Vec::new(),
            state,
            loc: String::new(),
            shapes_lost: false,
        }
    }

    pub fn problem(&mut self, key: &str, message: impl Into<String>) {
        let location = if key.is_empty() {
            self.loc.clone()
        } else {
            format!("{}, key `{key}`", self.loc)
        };
        self.problems.push(Problem {
            location,
            message: message.into(),
        });
    }

    /// A size that should follow from the previous layer is missing: a problem, unless an
    /// earlier layer's problem is why ([`Emitter::shapes_lost`]).
    pub fn shape_problem(&mut self, key: &str, message: impl Into<String>) {
        if !self.shapes_lost {
            self.problem(key, message);
        }
    }

    /// Resolves an integer that must be at least `min`.
    pub fn int_min(&mut self, key: &str, v: &Int, min: u64) -> Option<u64> {
        let value = match v {
            Int::Lit(x) => *x,
            Int::Param(name) => match self.file_params.get(name) {
                Some(x) => *x as i64,
                None => {
                    let known: Vec<_> = self.file_params.keys().map(|k| format!("${k}")).collect();
                    let known = if known.is_empty() {
                        "none (add a [params] table)".into()
                    } else {
                        known.join(", ")
                    };
                    self.problem(
                        key,
                        format!("unknown parameter `${name}`; parameters of this file: {known}"),
                    );
                    return None;
                }
            },
        };
        if value < min as i64 {
            self.problem(
                key,
                format!("{value} is out of range; it must be an integer >= {min}"),
            );
            return None;
        }
        Some(value as u64)
    }

    /// A positive integer (a size, a channel count).
    pub fn pos(&mut self, key: &str, v: &Int) -> Option<u64> {
        self.int_min(key, v, 1)
    }

    pub fn opt_pos(&mut self, key: &str, v: &Option<Int>, default: u64) -> Option<u64> {
        match v {
            Some(v) => self.pos(key, v),
            None => Some(default),
        }
    }

    pub fn pair_min(&mut self, key: &str, v: &Pair, min: u64) -> Option<[u64; 2]> {
        match v {
            Pair::One(x) => self.int_min(key, x, min).map(|x| [x, x]),
            Pair::Two(h, w) => {
                let h = self.int_min(key, h, min);
                let w = self.int_min(key, w, min);
                Some([h?, w?])
            }
        }
    }

    pub fn opt_pair(
        &mut self,
        key: &str,
        v: &Option<Pair>,
        min: u64,
        default: [u64; 2],
    ) -> Option<[u64; 2]> {
        match v {
            Some(v) => self.pair_min(key, v, min),
            None => Some(default),
        }
    }

    /// The input size of a spatial layer: given, or taken from the previous layer's output.
    pub fn input_hw(&mut self, given: &Option<Pair>) -> Option<[u64; 2]> {
        match (given, self.state) {
            (Some(p), _) => self.pair_min("input_size", p, 1),
            (None, State::Spatial { hw, .. }) => Some(hw),
            (None, _) => {
                self.shape_problem("input_size", "missing: the previous layer does not give a feature map, so write input_size = N or [h, w]");
                None
            }
        }
    }

    /// Element count of an element-wise layer: given, or the size of the previous output.
    pub fn elements(&mut self, given: &Option<Int>) -> Option<u64> {
        match (given, self.state.elements()) {
            (Some(v), _) => self.pos("elements", v),
            (None, Some(e)) => Some(e),
            (None, None) => {
                self.shape_problem(
                    "elements",
                    "missing: the previous layer's output size is not known, so write elements = N",
                );
                None
            }
        }
    }

    /// Feature (channel) count: given, or taken from the previous output.
    pub fn features(&mut self, key: &str, given: &Option<Int>) -> Option<u64> {
        match (given, self.state.features()) {
            (Some(v), _) => self.pos(key, v),
            (None, Some(f)) => Some(f),
            (None, None) => {
                self.shape_problem(
                    key,
                    format!(
                        "missing: the previous layer's output is not known, so write {key} = N"
                    ),
                );
                None
            }
        }
    }

    /// True once expansion should stop: more layers than allowed, or so many problems that
    /// more would not help the reader (a block repeated 2^62 times with a bad size).
    pub fn is_full(&self) -> bool {
        self.layers.len() > MAX_LAYERS || self.problems.len() >= MAX_PROBLEMS
    }

    /// Appends a layer; spiking and data settings stick to weight layers only.
    pub fn push(&mut self, name: String, op: Op, common: &Common) {
        let largest = [
            (op.macs(), "MACs"),
            (op.weights(), "weights"),
            (op.params(), "parameters"),
            (op.input_activations(), "input activations"),
            (op.output_activations(), "output activations"),
        ]
        .into_iter()
        .max_by_key(|&(n, _)| n)
        .unwrap_or((0, "MACs"));
        if largest.0 > MAX_LAYER_FIGURE {
            // A figure past u64 saturates: it is not a count, say so.
            let count = match largest.0 {
                u64::MAX => "more than 2^64".to_string(),
                n => n.to_string(),
            };
            self.problem("", format!("layer {name} is too large: its count of {} ({count}) exceeds the supported {MAX_LAYER_FIGURE} (2^46) per layer", largest.1));
            return;
        }
        if self.layers.len() >= MAX_LAYERS {
            if self.layers.len() == MAX_LAYERS {
                self.problem(
                    "",
                    format!("the workload expands to more than {MAX_LAYERS} layers"),
                );
                self.layers.push(Layer {
                    name,
                    op,
                    precision: common.precision,
                    spiking: None,
                    data: crate::DataStats::default(),
                });
            }
            return;
        }
        let (spiking, data) = if op.has_static_weights() {
            (common.spiking, common.data)
        } else {
            (None, crate::DataStats::default())
        };
        self.layers.push(Layer {
            name,
            op,
            precision: common.precision,
            spiking,
            data,
        });
    }

    // ---- helpers for composite blocks: shapes here come from validated numbers ----

    /// A convolution on the current feature map; updates the state.
    // The arguments are a convolution's own hyperparameters, written at each block's call as
    // torchvision writes them (`conv(name, cin, cout, k, s, p, groups, ..)`): a struct would
    // only name them twice.
    #[allow(clippy::too_many_arguments)]
    pub fn conv(
        &mut self,
        name: String,
        cin: u64,
        cout: u64,
        k: u64,
        s: u64,
        p: u64,
        groups: u64,
        bias: bool,
        common: &Common,
    ) -> Option<()> {
        let State::Spatial { hw, .. } = self.state else {
            self.problem(
                "",
                "a convolution block needs a feature map as input (set input_size)",
            );
            return None;
        };
        let conv = Conv2d {
            in_channels: cin,
            out_channels: cout,
            kernel: [k, k],
            stride: [s, s],
            padding: [p, p],
            dilation: [1, 1],
            groups,
            input_size: hw,
            bias,
            batch: 1,
        };
        let Some(out) = conv.output_size() else {
            self.problem(
                "",
                format!(
                    "layer {name}: kernel {k} does not fit the {}x{} input padded by {p}",
                    hw[0], hw[1]
                ),
            );
            return None;
        };
        self.push(name, Op::Conv2d(conv), common);
        self.state = State::Spatial { c: cout, hw: out };
        Some(())
    }

    /// Normalization over the current output.
    pub fn norm(&mut self, name: String, kind: NormKind, common: &Common) {
        let (Some(features), Some(elements)) = (self.state.features(), self.state.elements())
        else {
            return;
        };
        self.push(
            name,
            Op::Norm(Norm {
                kind,
                features,
                elements,
            }),
            common,
        );
    }

    /// Activation over the current output.
    pub fn act(&mut self, name: String, kind: ActKind, common: &Common) {
        let Some(elements) = self.state.elements() else {
            return;
        };
        self.push(name, Op::Activation(Activation { kind, elements }), common);
    }

    /// Element-wise sum of the current output with another tensor of the same size.
    pub fn add(&mut self, name: String, common: &Common) {
        let Some(elements) = self.state.elements() else {
            return;
        };
        self.push(
            name,
            Op::Add(Add {
                elements,
                inputs: 2,
            }),
            common,
        );
    }

    /// A linear layer over `tokens` vectors; the state becomes `tokens x out`.
    // As for `conv`: a linear layer's own sizes, in the order the blocks write them.
    #[allow(clippy::too_many_arguments)]
    pub fn linear(
        &mut self,
        name: String,
        inf: u64,
        outf: u64,
        tokens: u64,
        bias: bool,
        common: &Common,
    ) {
        let op = Linear {
            in_features: inf,
            out_features: outf,
            tokens,
            bias,
            tied: false,
        };
        self.push(name, Op::Linear(op), common);
        self.state = State::Flat {
            vectors: tokens,
            features: outf,
        };
    }
}

/// Parses a norm kind name.
pub fn norm_kind(name: &str) -> Result<NormKind, String> {
    NormKind::ALL
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, k)| *k)
        .ok_or_else(|| {
            let allowed: Vec<_> = NormKind::ALL.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown norm kind {name:?}; allowed: {}",
                allowed.join(", ")
            )
        })
}

/// Parses an activation kind name.
pub fn act_kind(name: &str) -> Result<ActKind, String> {
    ActKind::ALL
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, k)| *k)
        .ok_or_else(|| {
            let allowed: Vec<_> = ActKind::ALL.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown activation {name:?}; allowed: {}",
                allowed.join(", ")
            )
        })
}

/// Checks a precision value.
pub fn check_bits(e: &mut Emitter, key: &str, v: Option<&Int>, default: u32) -> u32 {
    let Some(v) = v else { return default };
    match e.pos(key, v) {
        Some(b) if u32::try_from(b).is_ok_and(|b| BITS_RANGE.contains(&b)) => b as u32,
        Some(b) => {
            e.problem(
                key,
                format!(
                    "{b} bits is out of range; allowed {}..={} bits",
                    BITS_RANGE.start(),
                    BITS_RANGE.end()
                ),
            );
            default
        }
        None => default,
    }
}
