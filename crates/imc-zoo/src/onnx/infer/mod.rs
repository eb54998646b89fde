//! Shape inference and constant folding, one ONNX operator at a time
//! (<https://onnx.ai/onnx/operators/>, opsets 7 to 23).
//!
//! Every tensor gets a concrete shape (symbolic dimensions are set before this runs), whether
//! it depends on the network's data input, and, when it does not and is small, its values. The
//! values are what lets shape arithmetic fold: `Shape -> Gather -> Unsqueeze -> Concat ->
//! Reshape` chains, `ConstantOfShape`/`Where`/`Expand`, `Slice` bounds. Weight values are never
//! needed: a parameter is a shape without values.
//!
//! Each operator has a rule, a function of the node and its inputs (`Ctx`), found by name in
//! one table (`rule`); [`knows`] asks the same table. The rules live in one module per family
//! of operators: `constants`, `elementwise`, `movement`, `reduce` and `compute`.

mod compute;
mod constants;
mod elementwise;
mod movement;
mod reduce;

use super::proto::{Data, Node};
use super::tensor::{Attrs, T, check_shape, count};

pub use compute::matmul_shape;
pub use reduce::reduce_axes;

/// Operators whose output has the shape of their first input.
pub const SAME_SHAPE: [&str; 22] = [
    "Identity",
    "Relu",
    "Sigmoid",
    "HardSigmoid",
    "HardSwish",
    "Erf",
    "Clip",
    "Softmax",
    "LogSoftmax",
    "Dropout",
    "BatchNormalization",
    "LayerNormalization",
    "InstanceNormalization",
    "Tanh",
    "LeakyRelu",
    "Gelu",
    "Exp",
    "Log",
    "Cast",
    "Neg",
    "Abs",
    "Reciprocal",
];

/// Element-wise operators with broadcasting.
pub const ELEMENTWISE: [&str; 15] = [
    "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Min", "Max", "Equal", "Less", "Greater", "And",
    "Or", "Where", "Sqrt",
];

/// How one operator's outputs are inferred.
type Rule = fn(&Ctx) -> Result<Vec<T>, String>;

/// The rule for `op`, when the importer has one. The first arm that matches wins: `Cast` is in
/// [`SAME_SHAPE`] but has its own rule, which converts known values.
fn rule(op: &str) -> Option<Rule> {
    Some(match op {
        "Constant" => constants::constant,
        "Shape" | "Size" => constants::shape,
        "ConstantOfShape" => constants::constant_of_shape,
        "Cast" => constants::cast,
        _ if SAME_SHAPE.contains(&op) => elementwise::same_shape,
        _ if ELEMENTWISE.contains(&op) || op == "Not" => elementwise::broadcasting,
        "Reshape" => movement::reshape,
        "Flatten" => movement::flatten,
        "Transpose" => movement::transpose,
        "Squeeze" => movement::squeeze,
        "Unsqueeze" => movement::unsqueeze,
        "Concat" => movement::concat,
        "Split" => movement::split,
        "Slice" => movement::slice,
        "ReduceMean" => reduce::reduce_mean,
        "Gather" => movement::gather,
        "Expand" => movement::expand,
        "Tile" => movement::tile,
        "Pad" => movement::pad,
        "Range" => constants::range,
        "Conv" => compute::conv,
        "MaxPool" | "AveragePool" => compute::pool,
        "GlobalAveragePool" | "GlobalMaxPool" => compute::global_pool,
        "Gemm" => compute::gemm,
        "MatMul" => compute::matmul,
        _ => return None,
    })
}

/// Whether the importer can infer the shape of this operator (on any input).
pub fn knows(op: &str) -> bool {
    rule(op).is_some()
}

/// Output shapes (and values when folding applies) of `node`, given its inputs (`None` for an
/// absent optional input) and the default domain's opset.
pub fn infer(node: &Node, ins: &[Option<&T>], opset: i64) -> Result<Vec<T>, String> {
    let op = node.op_type.as_str();
    let rule = rule(op).ok_or_else(|| format!("the importer cannot infer the shape of {op}"))?;
    rule(&Ctx {
        node,
        ins,
        opset,
        data: ins.iter().flatten().any(|t| t.data),
        attrs: Attrs(node),
    })
}

/// What a rule sees of one node.
struct Ctx<'a> {
    /// The node.
    node: &'a Node,
    /// Its inputs, `None` for an absent optional one.
    ins: &'a [Option<&'a T>],
    /// The default domain's opset.
    opset: i64,
    /// Whether any input depends on the data (then so do the outputs, and no value is kept).
    data: bool,
    /// The node's attributes.
    attrs: Attrs<'a>,
}

impl<'a> Ctx<'a> {
    /// The operator's name.
    fn op(&self) -> &'a str {
        &self.node.op_type
    }

    /// Input `k`, which the operator needs.
    fn input(&self, k: usize) -> Result<&'a T, String> {
        self.ins
            .get(k)
            .copied()
            .flatten()
            .ok_or_else(|| format!("{} needs input {k}", self.node.op_type))
    }

    /// The inputs present, in order.
    fn present(&self) -> Vec<&'a T> {
        self.ins.iter().flatten().copied().collect()
    }

    /// The integer values of input `k` (`what` names it in the error), `None` when absent.
    fn const_ints(&self, k: usize, what: &str) -> Result<Option<Vec<i64>>, String> {
        const_ints(self.ins, k, self.node, what)
    }

    /// The single output of `shape`, with `value` unless the data flows through, or unless
    /// it does not fill the shape (no rule makes such a value; values read from the file are
    /// checked when read): what reads a value indexes it by the shape.
    fn one(&self, shape: Vec<u64>, value: Option<Data>) -> Result<Vec<T>, String> {
        check_shape(&shape)?;
        let value = value.filter(|v| !self.data && v.len() as u64 == count(&shape));
        Ok(vec![T {
            shape,
            data: self.data,
            value,
        }])
    }
}

/// The integer values of input `k` of `node` (`what` names it in the error), `None` when the
/// input is absent; an error when it is present but its values are not known.
fn const_ints(
    ins: &[Option<&T>],
    k: usize,
    node: &Node,
    what: &str,
) -> Result<Option<Vec<i64>>, String> {
    match ins.get(k).copied().flatten() {
        None => Ok(None),
        Some(t) => t.ints().map(Some).ok_or_else(|| {
            format!(
                "{what} of {} is not a constant the importer can fold (it is computed from the data or from a large tensor)",
                node.op_type
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_operators_it_has_rules_for() {
        let others = [
            "Constant",
            "ReduceMean",
            "ConstantOfShape",
            "Shape",
            "Size",
            "Reshape",
            "Flatten",
            "Transpose",
            "Squeeze",
            "Unsqueeze",
            "Concat",
            "Split",
            "Slice",
            "Gather",
            "Expand",
            "Pad",
            "Range",
            "Not",
            "Conv",
            "Gemm",
            "MatMul",
            "MaxPool",
            "AveragePool",
            "GlobalAveragePool",
            "GlobalMaxPool",
            "Tile",
        ];
        for op in SAME_SHAPE.iter().chain(&ELEMENTWISE).chain(&others) {
            assert!(knows(op), "{op}");
        }
        for op in [
            "",
            "LSTM",
            "ConvTranspose",
            "ReduceSum",
            "relu",
            "If",
            "Loop",
        ] {
            assert!(!knows(op), "{op}");
        }
    }

    #[test]
    fn unknown_operators_are_refused_by_name() {
        let node = Node {
            op_type: "LSTM".into(),
            ..Node::default()
        };
        assert_eq!(
            infer(&node, &[], 17).unwrap_err(),
            "the importer cannot infer the shape of LSTM"
        );
    }
}
