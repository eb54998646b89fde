//! What must hold of a graph before its nodes are walked: a model with a graph and nodes (at
//! most [`MAX_NODES`]), an opset from 7 to 25, known data types, shapes on every graph input
//! with their symbolic dimensions set, which input is the data, and an execution order (no
//! cycle, no tensor read before some node, initializer or input provides it, every graph output
//! provided).

use super::proto::{Dim, Graph, MAX_NODES, Model, Node, ValueInfo};
use super::tensor::{T, check_shape, dims};
use super::{DimsSyntax, Options};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The oldest default-domain opset the importer reads (opset 7: ONNX 1.2, broadcasting).
pub const MIN_OPSET: i64 = 7;

/// The newest default-domain opset the importer knows (opset 25: ONNX 1.20). A newer one may
/// have changed an operator the importer reads, so it is refused rather than misread.
pub const MAX_OPSET: i64 = 25;

/// The highest `TensorProto.DataType` known (FLOAT4E2M1 = 23 .. INT2 = 26 in ONNX 1.20).
const MAX_DTYPE: i32 = 26;

/// A graph ready to walk.
pub struct Ready<'a> {
    /// The graph.
    pub graph: &'a Graph,
    /// The default domain's opset.
    pub opset: i64,
    /// Node indices in an execution order.
    pub order: Vec<usize>,
    /// Initializers and graph inputs.
    pub tensors: HashMap<String, T>,
    /// The data input and its shape.
    pub input: (String, Vec<u64>),
    /// Symbolic dimensions and the values they were given.
    pub dims: Vec<(String, u64)>,
}

fn dtype(d: i32, what: &str) -> Result<(), String> {
    if (1..=MAX_DTYPE).contains(&d) {
        Ok(())
    } else {
        Err(format!(
            "{what} has data type {d}, which is not an ONNX data type (1 to {MAX_DTYPE})"
        ))
    }
}

/// Whether a symbolic dimension of this name defaults to 1.
fn is_batch(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("batch") || n == "n"
}

/// Input positions that hold parameters (weights, biases, norm statistics) rather than data.
fn weight_position(op: &str, k: usize) -> bool {
    match op {
        "Conv" | "ConvTranspose" | "Gemm" | "LayerNormalization" | "InstanceNormalization" => {
            k >= 1
        }
        "MatMul" | "PRelu" => k == 1,
        "BatchNormalization" => (1..=4).contains(&k),
        _ => false,
    }
}

/// Checks `model`, the ONNX file `path`, and prepares its graph.
pub fn prepare<'a>(path: &str, model: &'a Model, opts: &Options) -> Result<Ready<'a>, String> {
    let (graph, opset) = graph_and_opset(model)?;
    let mut tensors = initializers(graph)?;
    let mut symbols = Symbols::new(path, opts)?;
    let mut declared = Vec::new();
    for v in graph
        .inputs
        .iter()
        .filter(|v| !tensors.contains_key(&v.name))
    {
        declared.push((v.name.clone(), symbols.input_shape(v)?));
    }
    let dims = symbols.values()?;
    provided(graph, &tensors, &declared)?;
    let input = data_input(graph, &declared, opts)?;
    for (name, shape) in declared {
        let data = name == input.0;
        tensors.insert(name, T::of(shape, data));
    }
    let order = order(graph, &tensors)?;
    Ok(Ready {
        graph,
        opset,
        order,
        tensors,
        input,
        dims,
    })
}

/// The model's graph and default-domain opset, checked: an ONNX model (a graph, an IR
/// version), an opset the importer reads, and some nodes.
fn graph_and_opset(model: &Model) -> Result<(&Graph, i64), String> {
    let graph = model
        .graph
        .as_ref()
        .ok_or("not an ONNX model: it has no graph")?;
    if model.ir_version <= 0 {
        return Err("not an ONNX model: it has no ir_version".into());
    }
    let opset = model
        .opsets
        .iter()
        .find(|(d, _)| d.is_empty() || d == "ai.onnx")
        .map(|(_, v)| *v)
        .ok_or("the model imports no default-domain (ai.onnx) opset")?;
    if opset < MIN_OPSET {
        return Err(format!(
            "opset {opset} is older than {MIN_OPSET}, the oldest the importer reads; convert the model with onnx.version_converter.convert_version(model, 13)"
        ));
    }
    if opset > MAX_OPSET {
        return Err(format!(
            "opset {opset} is newer than {MAX_OPSET} (ONNX 1.20), the newest the importer knows: its operators may mean something the importer would misread; convert the model with onnx.version_converter.convert_version(model, {MAX_OPSET})"
        ));
    }
    if graph.node_count > MAX_NODES {
        return Err(format!(
            "the graph has {} nodes; the importer reads at most {MAX_NODES} (the zoo's limit on layers)",
            graph.node_count
        ));
    }
    if graph.nodes.is_empty() {
        return Err("the graph has no nodes".into());
    }
    Ok((graph, opset))
}

/// The initializers by name, their data types and shapes checked; values kept when small.
fn initializers(graph: &Graph) -> Result<HashMap<String, T>, String> {
    let mut tensors = HashMap::new();
    for t in &graph.initializers {
        dtype(t.dtype, &format!("initializer `{}`", t.name))?;
        let shape = dims(&t.dims).and_then(|s| check_shape(&s).map(|()| s));
        let shape = shape.map_err(|e| format!("initializer `{}`: {e}", t.name))?;
        tensors.insert(
            t.name.clone(),
            T {
                shape,
                data: false,
                value: t.data.clone(),
            },
        );
    }
    Ok(tensors)
}

/// The symbolic dimensions of the graph inputs and the values they are given.
struct Symbols<'o> {
    /// The ONNX file, for advice on how to give a dimension.
    path: &'o str,
    /// How the user gives dimensions.
    syntax: DimsSyntax,
    /// The values `--dims` gives, by name.
    given: BTreeMap<&'o str, u64>,
    /// The names of the symbolic dimensions the graph inputs have.
    seen: BTreeSet<String>,
    /// The values the symbolic dimensions took (from `--dims`, or 1 for a batch).
    used: BTreeMap<String, u64>,
}

impl<'o> Symbols<'o> {
    /// No symbol seen yet, the values of `opts.dims` to give; an error for a name given twice.
    fn new(path: &'o str, opts: &'o Options) -> Result<Self, String> {
        let mut given = BTreeMap::new();
        for (k, v) in &opts.dims {
            if let Some(first) = given.insert(k.as_str(), *v) {
                return Err(format!(
                    "{} and {}: the dimension `{k}` is given twice; give it once",
                    opts.dims_syntax.give(path, k, &first.to_string()),
                    opts.dims_syntax.give(path, k, &v.to_string())
                ));
            }
        }
        Ok(Symbols {
            path,
            syntax: opts.dims_syntax,
            given,
            seen: BTreeSet::new(),
            used: BTreeMap::new(),
        })
    }

    /// How to give dimension `name` the value `value`, in the form the user gives dimensions.
    fn give(&self, name: &str, value: &str) -> String {
        self.syntax.give(self.path, name, value)
    }

    /// The shape of graph input `v`, every dimension given a value, checked.
    fn input_shape(&mut self, v: &ValueInfo) -> Result<Vec<u64>, String> {
        let what = format!("graph input `{}`", v.name);
        dtype(
            v.elem.ok_or_else(|| format!("{what} is not a tensor"))?,
            &what,
        )?;
        let shape = v.shape.as_ref().ok_or_else(|| {
            format!("{what} has no shape; export the model with its input shapes (torch.onnx.export does) or run onnx.shape_inference")
        })?;
        let mut s = Vec::with_capacity(shape.len());
        for (i, d) in shape.iter().enumerate() {
            s.push(self.dim(&what, i, d)?);
        }
        check_shape(&s).map_err(|e| format!("{what}: {e}"))?;
        Ok(s)
    }

    /// The size of dimension `i`, `d`, of a graph input (`what`): its value, the value
    /// `--dims` gives its name (1 for an unset batch), or 1 for an unnamed first dimension.
    fn dim(&mut self, what: &str, i: usize, d: &Dim) -> Result<u64, String> {
        Ok(match d {
            Dim::Value(x) if *x >= 1 => *x as u64,
            Dim::Value(x) => return Err(format!("{what}: dimension {i} is {x}")),
            Dim::Param(name) => {
                self.seen.insert(name.clone());
                match self.given.get(name.as_str()) {
                    Some(0) => {
                        return Err(format!(
                            "{}: a dimension must be an integer >= 1",
                            self.give(name, "0")
                        ));
                    }
                    Some(&x) => {
                        self.used.insert(name.clone(), x);
                        x
                    }
                    None if is_batch(name) => {
                        self.used.insert(name.clone(), 1);
                        1
                    }
                    None => {
                        return Err(format!(
                            "{what}: symbolic dimension `{name}` (axis {i}) has no value; give it with {}",
                            self.give(name, "N")
                        ));
                    }
                }
            }
            Dim::Unknown if i == 0 => 1,
            Dim::Unknown => {
                return Err(format!(
                    "{what}: dimension {i} is dynamic and unnamed, so no value can be given to it; give it a name or a size when exporting"
                ));
            }
        })
    }

    /// The symbolic dimensions and their values, by name, once every graph input is read;
    /// an error for a `--dims` name no graph input has.
    fn values(mut self) -> Result<Vec<(String, u64)>, String> {
        let seen = &self.seen;
        self.given.retain(|k, _| !seen.contains(*k));
        if let Some(k) = self.given.keys().next() {
            let have: Vec<&str> = self.seen.iter().map(String::as_str).collect();
            return Err(format!(
                "{}: the graph has no symbolic dimension `{k}`; it has {}",
                self.give(k, &self.given[k].to_string()),
                if have.is_empty() {
                    "none".to_string()
                } else {
                    have.join(", ")
                }
            ));
        }
        Ok(self.used.into_iter().collect())
    }
}

/// Every tensor a node reads, and every graph output, is provided by a node, an initializer
/// or a graph input; and some graph input is not an initializer (something carries the data).
fn provided(
    graph: &Graph,
    tensors: &HashMap<String, T>,
    declared: &[(String, Vec<u64>)],
) -> Result<(), String> {
    let mut known: HashSet<&str> = tensors.keys().map(String::as_str).collect();
    known.extend(declared.iter().map(|(n, _)| n.as_str()));
    for n in &graph.nodes {
        known.extend(n.outputs.iter().map(String::as_str));
    }
    for (i, n) in graph.nodes.iter().enumerate() {
        let missing = n
            .inputs
            .iter()
            .find(|t| !t.is_empty() && !known.contains(t.as_str()));
        if let Some(t) = missing {
            return Err(format!(
                "{} reads `{t}`, which no node, initializer or graph input provides",
                describe(n, i)
            ));
        }
    }
    if let Some(o) = graph
        .outputs
        .iter()
        .find(|o| !known.contains(o.name.as_str()))
    {
        return Err(format!(
            "graph output `{}` is provided by no node, initializer or graph input: the graph is incomplete",
            o.name
        ));
    }
    if declared.is_empty() {
        return Err("the graph has no inputs besides its initializers, so nothing carries the data; export it with its data input".into());
    }
    Ok(())
}

/// A node for messages: node `name` (Op), or, unnamed, node #i (Op -> its first output).
fn describe(n: &Node, i: usize) -> String {
    if n.name.is_empty() {
        let out = n.outputs.first().map_or("nothing", String::as_str);
        format!("node #{i} ({} -> `{out}`)", n.op_type)
    } else {
        format!("node `{}` ({})", n.name, n.op_type)
    }
}

/// Which graph input is the data: `--input`, or the one left when parameter-like inputs
/// (fed only to weight positions, or never the data operand of a Conv, Gemm or MatMul) are
/// set aside.
fn data_input(
    graph: &Graph,
    declared: &[(String, Vec<u64>)],
    opts: &Options,
) -> Result<(String, Vec<u64>), String> {
    let names: Vec<&str> = declared.iter().map(|(n, _)| n.as_str()).collect();
    if let Some(want) = &opts.input {
        return declared
            .iter()
            .find(|(n, _)| n == want)
            .cloned()
            .ok_or_else(|| {
                format!(
                    "--input {want}: no graph input of that name; the graph inputs are {}",
                    names.join(", ")
                )
            });
    }
    let mut by_tensor: HashMap<&str, Vec<(&str, usize)>> = HashMap::new();
    for n in &graph.nodes {
        for (k, i) in n.inputs.iter().enumerate() {
            by_tensor
                .entry(i.as_str())
                .or_default()
                .push((n.op_type.as_str(), k));
        }
    }
    let uses =
        |name: &str| -> Vec<(&str, usize)> { by_tensor.get(name).cloned().unwrap_or_default() };
    let candidates: Vec<&(String, Vec<u64>)> = declared
        .iter()
        .filter(|(n, _)| !uses(n).into_iter().all(|(op, k)| weight_position(op, k)))
        .collect();
    if let [one] = candidates.as_slice() {
        return Ok((*one).clone());
    }
    let feeding: Vec<&&(String, Vec<u64>)> = candidates
        .iter()
        .filter(|(n, _)| {
            uses(n)
                .into_iter()
                .any(|(op, k)| matches!(op, "Conv" | "Gemm" | "MatMul") && k == 0)
        })
        .collect();
    match feeding.as_slice() {
        [one] => Ok((**one).clone()),
        _ if candidates.is_empty() => Err("no graph input is data: every input feeds weight positions only; name the data with --input NAME".into()),
        _ => Err(format!(
            "cannot tell which graph input is the data among {}; name it with --input NAME",
            candidates.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Kahn's topological order of the nodes, the stored order where it allows.
fn order(graph: &Graph, known: &HashMap<String, T>) -> Result<Vec<usize>, String> {
    let mut producer: HashMap<&str, usize> = HashMap::new();
    for (i, n) in graph.nodes.iter().enumerate() {
        for o in n.outputs.iter().filter(|o| !o.is_empty()) {
            if known.contains_key(o) {
                return Err(format!(
                    "{} writes `{o}`, which is also a graph input or initializer",
                    describe(n, i)
                ));
            }
            if let Some(j) = producer.insert(o, i) {
                return Err(format!(
                    "{} and {} both write `{o}`",
                    describe(&graph.nodes[j], j),
                    describe(n, i)
                ));
            }
        }
    }
    let mut waiting = vec![0usize; graph.nodes.len()];
    let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); graph.nodes.len()];
    for (i, n) in graph.nodes.iter().enumerate() {
        for t in n.inputs.iter().filter(|t| !t.is_empty()) {
            // What no node writes is an initializer or graph input ([`provided`] checked).
            if let Some(&j) = producer.get(t.as_str()) {
                waiting[i] += 1;
                consumers[j].push(i);
            }
        }
    }
    // The smallest index first: a graph stored in execution order keeps that order.
    use std::cmp::Reverse;
    let mut ready: std::collections::BinaryHeap<Reverse<usize>> = (0..graph.nodes.len())
        .filter(|&i| waiting[i] == 0)
        .map(Reverse)
        .collect();
    let mut out = Vec::with_capacity(graph.nodes.len());
    while let Some(Reverse(i)) = ready.pop() {
        out.push(i);
        for &c in &consumers[i] {
            waiting[c] -= 1;
            if waiting[c] == 0 {
                ready.push(Reverse(c));
            }
        }
    }
    if out.len() < graph.nodes.len() {
        let stuck: Vec<String> = (0..graph.nodes.len())
            .filter(|&i| waiting[i] > 0)
            .take(5)
            .map(|i| describe(&graph.nodes[i], i))
            .collect();
        return Err(format!(
            "the graph has a cycle through {}",
            stuck.join(", ")
        ));
    }
    Ok(out)
}
